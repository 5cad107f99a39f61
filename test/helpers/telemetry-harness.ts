import test, { type ExecutionContext } from 'ava';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { composeService, type Service } from '../../src/compose.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createTestDatabase, uniqueName, type Backend, type TestDatabase } from './backends.ts';
import { serve, type TestServer } from './http-client.ts';
import { Api } from './api-harness.ts';
import { pollUntil } from './prometheus-text.ts';
import { startMcpTestServer, type McpTestServer } from './mcp-test-server.ts';

/** The header the harness's MCP server demands, and the variable the service reads its value from. */
export const TELEMETRY_MCP_HEADER = 'X-Api-Key';
export const TELEMETRY_MCP_KEY_ENV = 'CADRE_TEST_TELEMETRY_MCP_KEY';

export interface TelemetryHarness {
  service: Service;
  server: TestServer;
  spans: InMemorySpanExporter;
  /** Every log line the service wrote (JSON), in order. */
  logLines: string[];
  /** A real MCP server (lookup, and explode that always fails), for workers' MCP tools. */
  mcp: McpTestServer;
  api(t: ExecutionContext, tenant?: string): Api;
}

/**
 * The composed service with every telemetry output captured in-process: its /metrics, an
 * in-memory span exporter behind the tracer it is given, its log lines. Tests are serial: each
 * measures how counters of the one process moved while its run executed.
 */
export function useTelemetryHarness(backend: Backend): () => TelemetryHarness {
  const spans = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  const logLines: string[] = [];
  let db: TestDatabase | undefined;
  let service: Service | undefined;
  let server: TestServer | undefined;
  let mcp: McpTestServer | undefined;
  let harness: TelemetryHarness | undefined;
  test.before(async () => {
    const secret = uniqueName('mcp-key');
    process.env[TELEMETRY_MCP_KEY_ENV] = secret;
    mcp = await startMcpTestServer({ header: TELEMETRY_MCP_HEADER, value: secret, tools: 'lookup-and-explode' });
    db = await createTestDatabase(backend);
    service = composeService(db.store, {
      database: db.config, sseHeartbeatMs: 50, tracer: provider.getTracer('cadre-test'),
      logger: createLogger('debug', (line) => logLines.push(line)),
      // The MCP fixture's credential header is read from this operator variable.
      tenantEnvAllowed: [TELEMETRY_MCP_KEY_ENV],
      // The MCP fixture is on loopback (OUTBOUND_ALLOWED_HOSTS).
      outbound: { allowedHosts: ['127.0.0.1'] },
    });
    server = await serve(service.app);
    const url = server.url;
    harness = { service, server, spans, logLines, mcp, api: (t, tenant) => new Api(t, url, tenant) };
  });
  test.after.always(async () => {
    await server?.close();
    await service?.stop(5000);
    await provider.shutdown();
    await mcp?.close();
    await db?.drop();
  });
  return () => {
    if (!harness) throw new Error('the telemetry harness did not start');
    return harness;
  };
}

/** A simulated model of its own id and a one-team hierarchy whose worker uses the calculator (and `tools`, if given). */
export async function toolHierarchy(api: Api, tokenDelayMs: number, tools: string[] = []): Promise<{ hierarchyId: string; modelId: string; modelName: string }> {
  const modelId = uniqueName('secret-model-id-xyz');
  const modelName = uniqueName('secret-model-name-xyz');
  const model = await api.ok('models/create', {
    name: modelName, model_id: modelId, provider: 'simulated', params: { token_delay_ms: tokenDelayMs, reply_tokens: 8, jitter_ms: 0 },
  });
  const llm_config = { model_id: model.id };
  const h = await api.ok('hierarchies/create', {
    name: uniqueName('h'), execution_mode: 'parallel',
    global_supervisor_agent: { system_prompt: 'You coordinate.', llm_config },
    teams: [{
      name: 'Analysts', team_supervisor_agent: { system_prompt: 'You lead the analysts.', llm_config },
      workers: [{ name: 'Ada', role: 'data analyst', system_prompt: 'You are Ada.', llm_config, tools: ['calculator', ...tools] }],
    }],
  });
  return { hierarchyId: h.id as string, modelId, modelName };
}

export async function scrape(t: ExecutionContext, api: Api): Promise<string> {
  const res = await api.get('/metrics');
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text;
}

export async function finishedRun(api: Api, runId: number): Promise<any> {
  return pollUntil(async () => {
    const run = await api.post('runs/get', { id: runId });
    return run.body?.data?.status === 'completed' ? run.body.data : undefined;
  }, 20_000, `run ${runId} to complete`);
}
