import type { LanguageModelV3 } from '@ai-sdk/provider';
import { ValidationError } from '../errors/app-error.ts';
import type { ModelRecord } from '../domain/model-schemas.ts';
import type { RetryPolicy } from './model-retry.ts';
import { createSimulatedModel, simulatedSettingsFromParams } from './simulated-model.ts';

/** The model an agent runs with, and the call settings from its model row. */
export interface AgentModel {
  model: LanguageModelV3;
  /** The registered model's name, for statistics and events. */
  name: string;
  provider: string;
  temperature?: number;
  maxOutputTokens?: number;
  topP?: number;
  /** How a call failing before any output is retried (streamTurn's defaults when absent). */
  retry?: RetryPolicy;
}

/** Used when an agent names no model and the tenant has none called `simulated`. */
export const BUILTIN_SIMULATED_NAME = 'simulated';

/**
 * Builds the AI SDK model for a registered model row (null: the built-in simulated model).
 * Real providers plug in here behind the same LanguageModelV3 interface.
 */
export function createAgentModel(record: ModelRecord | null): AgentModel {
  if (record === null) {
    return { model: createSimulatedModel({ modelId: BUILTIN_SIMULATED_NAME }), name: BUILTIN_SIMULATED_NAME, provider: 'simulated' };
  }
  if (!record.isActive) throw new ValidationError(`model "${record.name}" is not active`, undefined, 'MODEL_INACTIVE');
  const base = {
    name: record.name,
    provider: record.provider,
    ...(record.temperature !== null && { temperature: record.temperature }),
    ...(record.maxTokens !== null && { maxOutputTokens: record.maxTokens }),
    ...(record.topP !== null && { topP: record.topP }),
  };
  switch (record.provider) {
    case 'simulated':
      return { ...base, model: createSimulatedModel(simulatedSettingsFromParams(record.modelId, record.params)) };
    default:
      throw new ValidationError(
        `model "${record.name}": provider "${record.provider}" cannot run in this version (only "simulated" is built in so far)`,
        undefined,
        'PROVIDER_UNAVAILABLE',
      );
  }
}
