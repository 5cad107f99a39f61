import type { LanguageModelV3, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { ValidationError } from '../errors/app-error.ts';
import type { ModelRecord } from '../domain/model-schemas.ts';
import { pricesOf, type ModelPrices } from '../domain/budget-schemas.ts';
import type { RetryPolicy } from './model-retry.ts';
import { createSimulatedModel, simulatedSettingsFromParams } from './simulated-model.ts';
import { createProviderModel } from './provider-models.ts';
import { modelCredentials } from './model-credentials.ts';
import { guardedFetch } from '../outbound/guarded-fetch.ts';
import { withEventStreamBound } from '../outbound/event-stream-bound.ts';
import { STRICT_OUTBOUND, type OutboundPolicy } from '../outbound/outbound-policy.ts';

/** The model an agent runs with, and the call settings from its model row. */
export interface AgentModel {
  model: LanguageModelV3;
  /** The registered model's name, for statistics and events. */
  name: string;
  provider: string;
  /** The provider's model identifier, for error messages. */
  modelId: string;
  temperature?: number;
  maxOutputTokens?: number;
  topP?: number;
  /** How a call failing before any output is retried (streamTurn's defaults when absent). */
  retry?: RetryPolicy;
  /** A call that gets no stream part for this long is aborted with an error. */
  idleTimeoutMs?: number;
  /** Provider-specific per-call options from the row's params (thinking, reasoning summaries). */
  providerOptions?: SharedV3ProviderOptions;
  /**
   * Keys and credentials this model sends, to be redacted from any error it shows (see
   * scrubError). A live list: credentials resolved at call time (Bedrock's AWS chain) join it.
   */
  secrets?: readonly string[];
  /** The row's prices (absent: unpriced), carried into the run plan for its costs and budgets. */
  prices?: ModelPrices;
}

/** Process-wide settings of model calls (MODEL_* configuration) and where keys are read from. */
export interface ModelCallSettings {
  retry?: RetryPolicy;
  idleTimeoutMs?: number;
  /**
   * The environment API keys (and MCP header values) are read from by name (default:
   * process.env). Bedrock's SigV4 credentials are the exception: the AWS SDK's chain always
   * reads process.env and its files.
   */
  env?: NodeJS.ProcessEnv;
  /** TENANT_ENV_ALLOWED: the variables of `env` a tenant's api_key_env / headers_env may name (default none). */
  envAllowed?: readonly string[];
  /** The outbound address policy every provider connection obeys (base_url is tenant data); STRICT_OUTBOUND when absent. */
  outbound?: OutboundPolicy;
  /** The run's client metadata: the simulated model's scenario mode chooses by it; real providers are never sent it. */
  runMetadata?: Readonly<Record<string, unknown>>;
}

/**
 * The largest single SSE message a provider's stream may send (one delta is a few hundred bytes;
 * a tool call's whole input arrives in pieces). Past it the call fails instead of buffering on.
 */
export const MODEL_EVENT_MAX_BYTES = 8 * 1024 * 1024;

/** Used when an agent names no model and the tenant has none called `simulated`. */
export const BUILTIN_SIMULATED_NAME = 'simulated';

/**
 * Builds the AI SDK model for a registered model row (null: the built-in simulated model).
 * A real provider's key is read now, so a run whose key is missing is refused before it starts
 * (Bedrock's AWS credentials, without an API key, only at its first call). `apiKeySecret` is
 * the value of the row's api_key_secret, revealed by the caller for this build (undefined: the
 * secret does not exist); it lives on only inside the provider model and its `secrets` list.
 */
export function createAgentModel(record: ModelRecord | null, settings: ModelCallSettings = {}, apiKeySecret?: string): AgentModel {
  const call = {
    ...(settings.retry && { retry: settings.retry }),
    ...(settings.idleTimeoutMs !== undefined && { idleTimeoutMs: settings.idleTimeoutMs }),
  };
  if (record === null) {
    return {
      model: createSimulatedModel({ modelId: BUILTIN_SIMULATED_NAME }), name: BUILTIN_SIMULATED_NAME, provider: 'simulated', modelId: BUILTIN_SIMULATED_NAME, ...call,
    };
  }
  if (!record.isActive) throw new ValidationError(`model "${record.name}" is not active`, undefined, 'MODEL_INACTIVE');
  const base = {
    name: record.name,
    provider: record.provider,
    modelId: record.modelId,
    ...(record.temperature !== null && { temperature: record.temperature }),
    ...(record.maxTokens !== null && { maxOutputTokens: record.maxTokens }),
    ...(record.topP !== null && { topP: record.topP }),
    ...(pricesOf(record) && { prices: pricesOf(record) }),
    ...call,
  };
  if (record.provider === 'simulated') {
    const simulated = simulatedSettingsFromParams(record.modelId, record.params);
    return { ...base, model: createSimulatedModel({ ...simulated, ...(settings.runMetadata && { runMetadata: settings.runMetadata }) }) };
  }
  const env = settings.env ?? process.env;
  const credentials = modelCredentials(record, record.provider, { env, envAllowed: settings.envAllowed ?? [], ...(apiKeySecret !== undefined && { secretValue: apiKeySecret }) });
  // A model's answer streams through the guarded fetch, each SSE message bounded (the base_url may be a tenant's server).
  const fetch = withEventStreamBound(guardedFetch(settings.outbound ?? STRICT_OUTBOUND), MODEL_EVENT_MAX_BYTES);
  const built = createProviderModel(record, record.provider, env, credentials, fetch);
  return {
    ...base,
    model: built.model,
    secrets: built.secrets,
    ...(built.providerOptions && { providerOptions: built.providerOptions }),
  };
}
