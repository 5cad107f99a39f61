import { ValidationError } from '../errors/app-error.ts';
import type { Provider } from '../domain/model-schemas.ts';
import { simulatedParamsSchema } from './simulated-model.ts';
import { realProviderParamsSchema } from './provider-models.ts';

/** Provider-specific `params` are checked when a model is registered, not when a run needs it. */
export function validateProviderParams(provider: Provider, params: Record<string, unknown> | null): void {
  if (params === null) return;
  // A real provider's params are free-form; only the keys Cadre reads are checked.
  const parsed = provider === 'simulated' ? simulatedParamsSchema.safeParse(params) : realProviderParamsSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    throw new ValidationError(`params.${path.join('.')}: ${message}`);
  }
}
