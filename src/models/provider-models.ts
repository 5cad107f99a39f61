import type { LanguageModelV3, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createAmazonBedrock } from '@ai-sdk/amazon-bedrock';
import { z } from 'zod';
import { ValidationError } from '../errors/app-error.ts';
import { awsCredentialChain } from './aws-credentials.ts';
import { AWS_REGION, type ModelRecord } from '../domain/model-schemas.ts';
import { envValue, type ModelCredentials, type RealProvider } from './model-credentials.ts';
import type { GuardedFetch } from '../outbound/guarded-fetch.ts';

export type { RealProvider } from './model-credentials.ts';
export { DEFAULT_KEY_ENV } from './model-credentials.ts';

/**
 * The `params` keys Cadre reads for a real provider. Other keys are kept as given (rows are
 * free-form), so only these are checked, and only when present.
 */
export const realProviderParamsSchema = z.looseObject({
  /** Anthropic and Bedrock (Claude): extended thinking with this token budget. */
  thinking_budget_tokens: z.int().min(1024).max(100_000).optional(),
  /** OpenAI reasoning models: `minimal` … `high`. */
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
  /** OpenAI reasoning models: ask for reasoning summaries (streamed as llm.reasoning). */
  reasoning_summary: z.enum(['auto', 'detailed', 'concise']).optional(),
});

export interface ProviderModel {
  model: LanguageModelV3;
  /** Per-call options under the provider's own key (thinking, reasoning summaries). */
  providerOptions?: SharedV3ProviderOptions;
  /**
   * The key in use, to scrub from any error text; never stored or shown. A live list: Bedrock's
   * AWS credentials join it when they are resolved, at the first call.
   */
  secrets: readonly string[];
}

/**
 * The AI SDK model for a real provider's row, with the credentials modelCredentials chose (a key
 * that is needed and missing was refused there, naming the variable or secret — never a value).
 * Bedrock without an API key is the exception: its AWS credentials are only known by resolving them.
 * The provider packages make one HTTP call per `doStream` and retry nothing themselves
 * (their retries live in the `ai` package's generate/stream helpers, which Cadre does not use),
 * so streamTurn's policy is the only retry. Every call goes through `fetch`, the guarded fetch of
 * the outbound address policy: the row's base_url is tenant data.
 */
export function createProviderModel(
  record: ModelRecord, provider: RealProvider, env: NodeJS.ProcessEnv, credentials: ModelCredentials, fetch: GuardedFetch,
): ProviderModel {
  const params = realProviderParamsSchema.safeParse(record.params ?? {});
  if (!params.success) {
    const issue = params.error.issues[0]!;
    throw new ValidationError(`model "${record.name}": params.${issue.path.join('.')}: ${issue.message}`);
  }
  const p = params.data;
  const key = credentials.key;
  const baseURL = record.baseUrl ?? undefined;
  const missingKey = () => new ValidationError(`model "${record.name}" (${provider}): no API key`, undefined, 'MODEL_KEY_MISSING');
  switch (provider) {
    case 'openai': {
      if (!key) throw missingKey();
      const openai = createOpenAI({ apiKey: key, ...(baseURL && { baseURL }), fetch });
      const options = {
        ...(p.reasoning_effort && { reasoningEffort: p.reasoning_effort }),
        ...(p.reasoning_summary && { reasoningSummary: p.reasoning_summary }),
      };
      // The default model speaks the Responses API: the one that streams reasoning summaries.
      return { model: openai(record.modelId), secrets: [key], ...(Object.keys(options).length > 0 && { providerOptions: { openai: options } }) };
    }
    case 'openai-compatible': {
      if (!baseURL) throw new ValidationError(`model "${record.name}" (openai-compatible): base_url is required (the server's /v1 URL)`);
      // Local servers (vLLM, Ollama, LM Studio) often need no key: one is sent only when set.
      const compatible = createOpenAICompatible({ name: 'openai-compatible', baseURL, ...(key && { apiKey: key }), includeUsage: true, fetch });
      return { model: compatible.chatModel(record.modelId), secrets: key ? [key] : [] };
    }
    case 'anthropic': {
      if (!key) throw missingKey();
      const anthropic = createAnthropic({ apiKey: key, ...(baseURL && { baseURL }), fetch });
      const thinking = p.thinking_budget_tokens ? { thinking: { type: 'enabled' as const, budgetTokens: p.thinking_budget_tokens } } : undefined;
      return { model: anthropic(record.modelId), secrets: [key], ...(thinking && { providerOptions: { anthropic: thinking } }) };
    }
    case 'bedrock': {
      const region = record.region ?? envValue(env, 'AWS_REGION');
      if (!region) throw new ValidationError(`model "${record.name}" (bedrock): region is required (on the model, or AWS_REGION)`);
      // Checked again at use (rows stored before the check): the region is part of the endpoint's host.
      if (!AWS_REGION.test(region)) throw new ValidationError(`model "${record.name}" (bedrock): region must be an AWS region such as us-east-1`);
      // A Bedrock API key, when set, is used as given. Otherwise the AWS SDK's standard chain
      // signs, resolved at the first call (see awsCredentialChain): no credentials there fail
      // that call, naming provider and model. The chain is the operator's: never towards a
      // tenant's base_url (modelCredentials). An empty apiKey keeps the package from reading
      // AWS_BEARER_TOKEN_BEDROCK itself: modelCredentials decides whether that one may be used.
      if (!key && !credentials.awsChain) throw missingKey();
      const secrets: string[] = key ? [key] : [];
      const bedrock = createAmazonBedrock({
        region,
        ...(baseURL && { baseURL }),
        ...(key ? { apiKey: key } : { apiKey: '', credentialProvider: awsCredentialChain(secrets) }),
        fetch,
      });
      const thinking = p.thinking_budget_tokens
        ? { bedrock: { reasoningConfig: { type: 'enabled' as const, budgetTokens: p.thinking_budget_tokens } } } : undefined;
      return { model: bedrock(record.modelId), secrets, ...(thinking && { providerOptions: thinking }) };
    }
  }
}
