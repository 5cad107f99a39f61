import type { ExecutionContext } from 'ava';
import { composeService, type ComposeOptions, type Service } from '../../src/compose.ts';
import { API_PREFIX } from '../../src/http/api-route.ts';
import { DEFAULT_TENANT } from '../../src/http/tenant.ts';
import type { ModelCallSettings } from '../../src/models/model-factory.ts';
import { createTestDatabase, uniqueName, type TestDatabase } from './backends.ts';
import { serve, type TestServer } from './http-client.ts';
import { Api } from './api-harness.ts';
import { collectUntilClose, eventFrames } from './sse-client.ts';
import type { ReadRequest, ScriptTurn } from './scripted-provider-server.ts';

/** The service as main.ts composes it, on SQLite, with model calls reading keys from `env`. */
export class ProviderHarness {
  db!: TestDatabase;
  service!: Service;
  server!: TestServer;

  /**
   * `options`: more of the composition, e.g. the TENANT_ENV_ALLOWED a test's rows rely on. The
   * outbound policy defaults to allowing 127.0.0.1: the provider servers are local fixtures (OUTBOUND_ALLOWED_HOSTS).
   */
  async start(modelCalls: ModelCallSettings, modelCheckTimeoutMs = 2000, options: ComposeOptions = {}): Promise<void> {
    this.db = await createTestDatabase('sqlite');
    await this.db.store.seedDefaults(DEFAULT_TENANT);
    this.service = composeService(this.db.store, {
      database: this.db.config, modelCalls, modelCheckTimeoutMs, outbound: { allowedHosts: ['127.0.0.1'] }, ...options,
    });
    this.server = await serve(this.service.app);
  }

  async stop(): Promise<void> {
    await this.service?.stop(5000);
    await this.server?.close();
    await this.db?.drop();
  }

  api(t: ExecutionContext): Api {
    return new Api(t, this.server.url);
  }

  /** A model row and a one-team, one-worker hierarchy whose agents all use it; returns their ids. */
  async hierarchyOn(api: Api, model: Record<string, unknown>): Promise<{ modelId: string; hierarchyId: string }> {
    const created = await api.ok('models/create', { name: uniqueName('m'), ...model });
    const llm = { model_id: created.id };
    const hierarchy = await api.ok('hierarchies/create', {
      name: uniqueName('h'),
      global_supervisor_agent: { system_prompt: 'You are the Global Supervisor.', llm_config: { ...llm, temperature: 0.3 } },
      teams: [{
        name: 'Analysts',
        team_supervisor_agent: { system_prompt: 'You are the Analysts supervisor.', llm_config: llm },
        workers: [{ name: 'Ada', role: 'data analyst', system_prompt: 'You are Ada, a data analyst.', llm_config: llm }],
      }],
    });
    return { modelId: created.id, hierarchyId: hierarchy.id };
  }

  /** Starts a run and follows its stream to the end: every event, parsed. */
  async run(api: Api, hierarchyId: string, task: string): Promise<{ runId: number; events: any[] }> {
    const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task });
    const stream = await collectUntilClose(`${this.server.url}${API_PREFIX}/runs/stream?id=${run.id}`, { method: 'GET' });
    return { runId: run.id, events: eventFrames(stream.frames).map((f) => JSON.parse(f.data)) };
  }
}

/**
 * How a scripted model acts as any agent of a hierarchy: with tools and no results yet it
 * delegates to its first tool; otherwise it reasons briefly and answers.
 */
export function hierarchyBrain(): (req: ReadRequest) => ScriptTurn {
  let calls = 0;
  return (req) => {
    const who = req.system.split('\n')[0]!.replace(/^You are (the )?/, '').replace(/\.$/, '');
    if (req.toolNames.length > 0 && !req.afterToolResults) {
      return {
        reasoning: `Delegating to ${req.toolNames[0]}.`,
        toolCalls: [{ id: `call_${++calls}`, name: req.toolNames[0]!, input: { task: `Part of the work for ${req.toolNames[0]}` } }],
        usage: { input: 30, output: 10, reasoning: 4, cached: 6 },
      };
    }
    return { reasoning: 'Weighing the results.', text: `Answer from ${who}.`, usage: { input: 20, output: 8, reasoning: 3, cached: 4 } };
  };
}
