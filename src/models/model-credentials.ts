import { ValidationError } from '../errors/app-error.ts';
import { assertEnvAllowed, envNameAllowed } from '../domain/env-allow-list.ts';
import type { ModelRecord, Provider } from '../domain/model-schemas.ts';

export type RealProvider = Exclude<Provider, 'simulated'>;

/** The operator's variable a provider's key is read from when the row names none. */
export const DEFAULT_KEY_ENV: Record<RealProvider, string> = {
  openai: 'OPENAI_API_KEY',
  'openai-compatible': 'OPENAI_COMPATIBLE_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  // The original's name for a Bedrock API key (bearer token); without one, the AWS chain signs.
  bedrock: 'AWS_BEDROCK_API_KEY',
};

/** The Bedrock package's own variable for an API key, read after AWS_BEDROCK_API_KEY. */
const BEDROCK_BEARER_ENV = 'AWS_BEARER_TOKEN_BEDROCK';

/** Where a model's key may come from, for one build. */
export interface KeySources {
  /** The operator's environment. */
  env: NodeJS.ProcessEnv;
  /** TENANT_ENV_ALLOWED: the variables a tenant's row may name. */
  envAllowed: readonly string[];
  /** The value of the row's api_key_secret, revealed for this build; undefined: it does not exist. */
  secretValue?: string;
}

/** What the provider is built with: a key (or none), and whether the AWS chain may sign (Bedrock). */
export interface ModelCredentials {
  key?: string;
  awsChain: boolean;
}

/** Reads a variable; a set but empty one counts as missing. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The key a model row is called with. A tenant chooses the row, the operator the environment:
 * - `api_key_secret`: the tenant's own secret;
 * - `api_key_env`: an operator variable, only one TENANT_ENV_ALLOWED allows (checked here, at
 *   use, as well as when the row was saved: the setting may have narrowed since);
 * - neither: the provider's conventional variable (and for Bedrock the AWS chain), but only
 *   towards the provider's own endpoint: with a base_url the operator's credentials would go to
 *   an address the tenant chose, so they are used only if TENANT_ENV_ALLOWED names the variable
 *   (for the AWS chain: AWS_SECRET_ACCESS_KEY); otherwise openai-compatible sends no key and
 *   the others are refused.
 * Errors name the model, the field and the variable or secret, never a value.
 */
export function modelCredentials(record: ModelRecord, provider: RealProvider, sources: KeySources): ModelCredentials {
  const about = `model "${record.name}" (${provider})`;
  const missing = (what: string) => new ValidationError(`${about}: ${what}`, undefined, 'MODEL_KEY_MISSING');
  if (record.apiKeySecret !== null) {
    if (sources.secretValue === undefined) throw missing(`the secret "${record.apiKeySecret}" (api_key_secret) does not exist`);
    return { key: sources.secretValue, awsChain: false };
  }
  if (record.apiKeyEnv !== null) {
    try {
      assertEnvAllowed('api_key_env', record.apiKeyEnv, sources.envAllowed);
    } catch (err) {
      throw new ValidationError(`${about}: ${(err as Error).message}`, undefined, 'ENV_NOT_ALLOWED');
    }
    const key = envValue(sources.env, record.apiKeyEnv);
    if (!key) throw missing(`the API key variable ${record.apiKeyEnv} is not set`);
    return { key, awsChain: false };
  }
  const conventional = DEFAULT_KEY_ENV[provider];
  const ownEndpoint = record.baseUrl === null;
  const conventionalUsable = ownEndpoint || envNameAllowed(conventional, sources.envAllowed);
  const key = conventionalUsable ? envValue(sources.env, conventional) : undefined;
  if (key) return { key, awsChain: false };
  // The package's own name for a Bedrock API key, under the same rule (it would read it itself otherwise).
  if (provider === 'bedrock') {
    const bearer = ownEndpoint || envNameAllowed(BEDROCK_BEARER_ENV, sources.envAllowed) ? envValue(sources.env, BEDROCK_BEARER_ENV) : undefined;
    if (bearer) return { key: bearer, awsChain: false };
  }
  // The AWS chain is the operator's too: towards a base_url only when AWS_SECRET_ACCESS_KEY is allowed.
  if (provider === 'bedrock' && (ownEndpoint || envNameAllowed('AWS_SECRET_ACCESS_KEY', sources.envAllowed))) return { awsChain: true };
  // A local server (vLLM, Ollama) often needs no key: none is sent.
  if (provider === 'openai-compatible') return { awsChain: false };
  if (conventionalUsable) throw missing(`the API key variable ${conventional} is not set`);
  throw new ValidationError(`${about}: a model with base_url needs api_key_secret or an allowed api_key_env`, undefined, 'MODEL_KEY_MISSING');
}
