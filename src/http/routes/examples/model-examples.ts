import type { RouteExample } from '../../api-route.ts';
import { CREATED_AT, OPENAI_MODEL_ID, SIM_MODEL_ID } from './example-values.ts';

/** The OpenAPI examples of models/* (see example-values.ts). */

const model = (fields: Record<string, unknown>) => ({
  id: SIM_MODEL_ID, name: 'simulated', model_id: 'simulated', provider: 'simulated', base_url: null, region: null,
  temperature: null, max_tokens: null, top_p: null, description: 'Built-in deterministic model: no network, streams token by token', is_active: true,
  params: { token_delay_ms: 10, reply_tokens: 40 },
  api_key_env: null, api_key_secret: null, input_price_per_mtok: null, output_price_per_mtok: null, cached_input_price_per_mtok: null,
  created_at: CREATED_AT, updated_at: CREATED_AT,
  ...fields,
});

const simSlow = model({ id: '0b6e3f7a-2c4d-4e91-8f5a-6d1c9b2e7a30', name: 'sim-slow', model_id: 'sim', description: null, params: { token_delay_ms: 40, reply_tokens: 30 } });
const openai = model({
  id: OPENAI_MODEL_ID, name: 'gpt-4o-mini', model_id: 'gpt-4o-mini', provider: 'openai', description: null, params: null, api_key_secret: 'OPENAI_API_KEY',
  input_price_per_mtok: 0.15, output_price_per_mtok: 0.6,
});

export const modelExamples: Record<'list' | 'create' | 'get' | 'update' | 'delete' | 'check', RouteExample[]> = {
  list: [
    { summary: 'The first page', request: { page: 1, size: 20 }, response: [model({}), openai] },
    { summary: 'Active OpenAI models', request: { provider: 'openai', is_active: true }, response: [openai] },
  ],
  create: [
    {
      summary: 'A simulated model (offline, paced)',
      request: { name: 'sim-slow', model_id: 'sim', provider: 'simulated', params: { token_delay_ms: 40, reply_tokens: 30 } },
      response: simSlow,
    },
    {
      summary: 'An OpenAI model, its key in a secret, priced',
      request: { name: 'gpt-4o-mini', model_id: 'gpt-4o-mini', provider: 'openai', api_key_secret: 'OPENAI_API_KEY', input_price_per_mtok: 0.15, output_price_per_mtok: 0.6 },
      response: openai,
    },
  ],
  get: [{ summary: 'A model by id', request: { id: SIM_MODEL_ID }, response: model({}) }],
  update: [{
    summary: 'Change some fields (the others stay)',
    request: { id: SIM_MODEL_ID, description: 'Offline model for demos', params: { token_delay_ms: 10, reply_tokens: 60 } },
    response: model({ description: 'Offline model for demos', params: { token_delay_ms: 10, reply_tokens: 60 }, updated_at: '2026-03-14T10:02:17.090Z' }),
  }],
  delete: [{ summary: 'A model by id', request: { id: SIM_MODEL_ID }, response: { id: SIM_MODEL_ID } }],
  check: [
    { summary: 'The model answers', request: { id: OPENAI_MODEL_ID }, response: { ok: true, latency_ms: 412, model_id: 'gpt-4o-mini', provider: 'openai', reply: 'OK' } },
    {
      summary: 'The provider refuses the key',
      request: { id: OPENAI_MODEL_ID },
      response: { ok: false, model_id: 'gpt-4o-mini', provider: 'openai', error: 'openai gpt-4o-mini: 401 Incorrect API key provided' },
    },
  ],
};
