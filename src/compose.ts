import type Koa from 'koa';
import { createApp } from './http/app.ts';
import { runRoutes } from './http/routes/run-routes.ts';
import { traceRoutes } from './http/routes/trace-routes.ts';
import { TraceService } from './services/trace-service.ts';
import { threadRoutes } from './http/routes/thread-routes.ts';
import { ThreadService } from './services/thread-service.ts';
import { ThreadQueue } from './services/thread-queue.ts';
import { DEFAULT_MAX_THREADS_PER_TENANT } from './domain/thread-schemas.ts';
import { DEFAULT_THREAD_CONTEXT } from './services/thread-context.ts';
import { executeRoutes } from './http/routes/execute-route.ts';
import { modelCheckRoutes } from './http/routes/model-check-route.ts';
import type { RunRuntime } from './host/run-runtime.ts';
import { DEFAULT_MAX_QUEUED_RUNS, makeRunRuntime } from './compose-run-runtime.ts';
import { RunService } from './services/run-service.ts';
import { AgentControlService } from './services/agent-control-service.ts';
import { agentRoutes } from './http/routes/agent-routes.ts';
import { ProcessHost } from './host/process-host.ts';
import { RetentionSweep } from './host/retention-sweep.ts';
import { RunQueue } from './host/run-queue.ts';
import { ControlChannel } from './host/control-channel.ts';
import { InspectionRelay } from './host/inspection-relay.ts';
import { RunInspectionService } from './services/run-inspection-service.ts';
import { inspectRoutes } from './http/routes/inspect-routes.ts';
import { SqlRunOwnership } from './store/run-ownership-store.ts';
import type { ComposeOptions } from './compose-options.ts';
import type { ModelCallSettings } from './models/model-factory.ts';
import { SseConnectionSlots } from './http/sse-connections.ts';
import { PolledRunFeeds } from './events/polled-run-feeds.ts';
import { storeErrorToAppError } from './store/store-errors.ts';
import type { Store } from './store/store.ts';
import type { EventLog } from './events/event-log.ts';
import { describeDatabase } from './store/database-config.ts';
import { silentLogger } from './logging/logger.ts';
import { makeEventLog } from './compose-event-log.ts';
import { DEFAULT_MAX_TOOL_STEPS, DEFAULT_TOOL_SETTINGS } from './tools/tool-settings.ts';
import { STRICT_OUTBOUND } from './outbound/outbound-policy.ts';
import { ApiKeyService } from './services/api-key-service.ts';
import { CadreMetrics } from './telemetry/metrics.ts';
import { RunResumption } from './services/run-resumption.ts';
import { SqlRunCheckpoints } from './store/run-checkpoint-store.ts';
import type { PlanLimits } from './services/run-planner.ts';
import { DEFAULT_BUDGET_OUTPUT_TOKENS } from './domain/budget-schemas.ts';
import { MeasuredEventLog } from './telemetry/measured-event-log.ts';
import { SqlRunWaiting } from './store/run-waiting-store.ts';
import { HumanInputService } from './services/human-input-service.ts';
import { humanInputRoutes } from './http/routes/human-input-routes.ts';
import { createA2AProtocol } from './http/a2a/a2a-protocol.ts';
import { createLangGraphProtocol } from './http/langgraph/lg-protocol.ts';

export type { ComposeOptions } from './compose-options.ts';

export interface Service {
  app: Koa;
  runtime: RunRuntime;
  runs: RunService;
  eventLog: EventLog;
  metrics: CadreMetrics;
  /** The SSE streams open now, against SSE_MAX_CONNECTIONS. */
  sseConnections: SseConnectionSlots;
  host: ProcessHost;
  /** Deletes ended runs past their retention; started by recover, stopped by stop. */
  retention: RetentionSweep;
  /**
   * Registers this process (its lease), ends the runs of lapsed processes and those left by a
   * version without leases — never a run a live process owns — then starts the heartbeat, the
   * lease sweep and (with Redis) taking runs from the queue. Call once at start-up.
   */
  recover(): Promise<{ interrupted: number; recorded: number; ownerLost: number; resumed: number }>;
  /**
   * Hands live runs on (checkpointed, for another process or the next start; up to graceMs for
   * each to reach its next checkpoint) and cancels those whose policy is `fail`, then closes the log.
   */
  /** `onStep` hears each step as it begins (a shutdown that hangs says where). */
  stop(graceMs: number, onStep?: (step: string) => void): Promise<void>;
}

const DEFAULT_MODEL_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_TENANT_MAX_ACTIVE_RUNS = 200;

/** Wires store → event log → runtime → services → HTTP: the one place the layers meet. */
export function composeService(store: Store, options: ComposeOptions = {}): Service {
  const logger = options.logger ?? silentLogger;
  const outbound = options.outbound ?? STRICT_OUTBOUND;
  const toolSettings = { ...(options.toolSettings ?? DEFAULT_TOOL_SETTINGS), outbound };
  // No model call may hang: the idle timeout applies even when the caller sets none.
  const modelCalls: ModelCallSettings = {
    idleTimeoutMs: DEFAULT_MODEL_IDLE_TIMEOUT_MS, ...options.modelCalls, envAllowed: options.tenantEnvAllowed ?? [], outbound,
  };
  const metrics = options.metrics ?? new CadreMetrics();
  const { eventLog: backing, closeEventLog, sqlLog } = options.eventLog
    ? { eventLog: options.eventLog, closeEventLog: () => options.eventLog!.close(), sqlLog: undefined }
    : makeEventLog(store, options.redis, logger);
  // On a SQLite file checkpoints are written by the event log's writer thread (off the main
  // thread, after the events they cover); elsewhere by the ORM's connection.
  const writerThread = sqlLog?.writerThread;
  const checkpoints = writerThread ? new SqlRunCheckpoints(store.orm, { write: (sql, params) => writerThread.run(sql, params) }) : store.checkpoints;
  // Appends are counted and timed around whichever log backs the service.
  const eventLog = new MeasuredEventLog(backing, metrics);
  const ownership = new SqlRunOwnership(store.orm);
  const waiting = new SqlRunWaiting(store.orm);
  let host: ProcessHost | undefined;
  const processId = () => host!.processId;
  const runtime = makeRunRuntime({ eventLog, logger, metrics, outbound, ownership, waiting, checkpoints, processId }, options);
  const limits: PlanLimits = {
    timeoutMs: options.runTimeoutMs ?? 30 * 60 * 1000,
    maxSupervisorTurns: options.maxSupervisorTurns ?? 25,
    workerTools: { settings: toolSettings, maxSteps: options.workerMaxToolSteps ?? DEFAULT_MAX_TOOL_STEPS },
    modelCalls,
    budgetDefaultOutputTokens: options.budgetDefaultOutputTokens ?? DEFAULT_BUDGET_OUTPUT_TOKENS,
    threadContext: options.threadContext ?? DEFAULT_THREAD_CONTEXT,
  };
  const resumption = new RunResumption({
    runtime, ownership, checkpoints, eventLog, limits, logger, processId,
    repositories: (tenantId) => store.forTenant(tenantId),
    count: (outcome) => metrics.runResumes.inc({ outcome }),
  });
  const humanInput = new HumanInputService({
    waiting, resumption, runtime, ownership, eventLog, processId, logger,
    timeoutMs: options.humanInputTimeoutMs ?? 24 * 3600 * 1000,
  });
  let runs: RunService | undefined;
  let agents: AgentControlService | undefined;
  let threadQueue: ThreadQueue | undefined;
  const queue = options.redis ? new RunQueue({
    redisUrl: options.redis.url,
    prefix: `${options.redis.keyPrefix}cadre`,
    concurrency: Math.max(1, options.maxConcurrentRuns ?? 100),
    lockMs: options.lease?.leaseMs ?? 6000,
    stalledCheckMs: options.lease?.sweepMs ?? 2000,
    execute: (job) => runs!.executeQueued(job),
    onLockLost: (runId) => {
      host!.endLockLost(runId).catch((err: unknown) => logger.error('could not end a run whose job lock lapsed', { run_id: runId, error: String(err) }));
    },
    logger,
  }) : null;
  host = new ProcessHost({
    runtime, ownership, eventLog, logger,
    timings: options.lease ?? { heartbeatMs: 2000, leaseMs: 6000, sweepMs: 2000 },
    queueing: queue !== null,
    isQueued: (id) => queue ? queue.isQueued(id) : Promise.resolve(false),
    resume: (run, from, reason, claim) => resumption.resumeLost(run, from, reason, claim),
    // SQLite serves one host: a process of it whose pid is gone is known dead without its lease lapsing.
    singleHost: options.database?.driver === 'libsql',
    expireWaiting: () => humanInput.expireWaiting(),
    startEnqueued: () => threadQueue!.startDue(),
  });
  const control = options.redis ? new ControlChannel({
    redisUrl: options.redis.url,
    prefix: `${options.redis.keyPrefix}cadre`,
    processId,
    handle: async (request) => {
      if (request.kind === 'inspect_stream' || request.kind === 'inspect_stop') return relay!.answer(request);
      if (request.kind !== 'agent' || !request.agent) return runs!.answerControl(request);
      const answer = await agents!.answer(request.tenantId, request.runId, request.agent);
      return answer ? { found: true, agent: answer } : { found: false };
    },
    logger,
  }) : null;
  if (control) host.onNewIdentity(() => control.listenAsCurrentProcess());
  const relay: InspectionRelay | null = control && new InspectionRelay(control, runtime, logger);
  runs = new RunService({
    runtime,
    host,
    ownership,
    queue,
    control,
    repositories: (tenantId) => store.forTenant(tenantId),
    eventLog,
    admission: {
      maxQueuedRuns: options.maxQueuedRuns ?? DEFAULT_MAX_QUEUED_RUNS,
      tenantMaxActiveRuns: options.tenantMaxActiveRuns ?? DEFAULT_TENANT_MAX_ACTIVE_RUNS,
    },
    limits,
    cancelWaiting: (repos, id) => humanInput.cancelWaiting(repos, id),
  });
  threadQueue = new ThreadQueue({ ownership, runs, queue, logger });
  const threads = new ThreadService({
    runs, maxThreadsPerTenant: options.maxThreadsPerTenant ?? DEFAULT_MAX_THREADS_PER_TENANT, context: limits.threadContext ?? DEFAULT_THREAD_CONTEXT,
  });
  agents = new AgentControlService({
    runtime, control, ownership, eventLog, heartbeatMs: host.heartbeatMs, getRun: (repos, id) => runs!.get(repos, id),
  });
  const retention = new RetentionSweep({
    runs: store, eventLog, logger,
    settings: options.retention ?? { retentionMs: 30 * 24 * 3600 * 1000, sweepMs: 60_000 },
  });
  const sseConnections = new SseConnectionSlots(options.sseMaxConnections ?? 20_000);
  const polledFeeds = new PolledRunFeeds(eventLog);
  const apiKeys = new ApiKeyService(store.apiKeys);
  metrics.bindSources({
    runningRuns: () => runtime.activeCount - runtime.queuedCount,
    queuedRuns: () => runtime.queuedCount,
    sseStreams: () => sseConnections.active,
  });
  const app = createApp({
    repositories: (tenantId) => store.forTenant(tenantId),
    outbound,
    health: async () => {
      const db = await store.ping().catch(() => false);
      const events = await backing.health?.();
      return {
        ok: db && runtime.accepting && (events?.serving ?? true),
        components: {
          database: { ok: db, ...(options.database && { detail: describeDatabase(options.database) }) },
          runtime: { ok: runtime.accepting, detail: `${runtime.activeCount - runtime.queuedCount} running, ${runtime.queuedCount} queued` },
          // Redis down is degraded, not down: SQL keeps serving events.
          ...(events && { events: { ok: events.ok, detail: events.detail } }),
          placement: { ok: host!.leaseHeld, detail: `process ${host!.processId}; runs placed by ${queue ? 'the Redis run queue' : 'this process'}` },
        },
      };
    },
    extraRoutes: [
      ...runRoutes(runs, threads, {
        heartbeatMs: options.sseHeartbeatMs ?? 15_000,
        maxBufferedFrames: options.sseMaxBufferedFrames ?? 10_000,
        maxBufferedBytes: options.sseMaxBufferedBytes ?? 8 * 1024 * 1024,
        connections: sseConnections,
        polledFeeds,
        stallTimeoutMs: options.sseStallTimeoutMs ?? 60_000,
        delivered: metrics.events,
      }),
      ...inspectRoutes(new RunInspectionService({ runs, runtime, relay }), { connections: sseConnections }),
      ...traceRoutes(new TraceService({
        getRun: (repos, id) => runs!.get(repos, id), eventLog, ...(options.traceUrlTemplate && { traceUrlTemplate: options.traceUrlTemplate }),
      })),
      ...threadRoutes(threads),
      ...humanInputRoutes(humanInput),
      ...agentRoutes(agents),
      ...executeRoutes(runs),
      ...modelCheckRoutes({ ...modelCalls, timeoutMs: options.modelCheckTimeoutMs ?? 15_000 }),
    ],
    // Protocol adapters over the same services (A2A, LangGraph SDK API): one line each.
    protocols: [createA2AProtocol({
      runs, threads, humanInput, agents, polledFeeds, connections: sseConnections, repositories: (tenantId) => store.forTenant(tenantId),
      outbound, logger, apiKeysRequired: options.apiKeys === 'required', version: options.version ?? '0.0.0',
      ...(options.publicUrl && { publicUrl: options.publicUrl }),
    }), createLangGraphProtocol({ runs, threads, polledFeeds, connections: sseConnections, logger })],
    logger,
    metrics: { render: () => metrics.render(), countError: (errorCode) => metrics.countError(errorCode) },
    metricsAccess: options.metricsAccess,
    translateError: storeErrorToAppError,
    bodyLimitBytes: options.bodyLimitBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    corsOrigins: options.corsOrigins,
    version: options.version,
    tenantEnvAllowed: modelCalls.envAllowed,
    ...(options.apiKeys === 'required' && { authenticate: (key: string) => apiKeys.authenticate(key) }),
  });
  return {
    app,
    runtime,
    runs: runs!,
    eventLog,
    metrics,
    sseConnections,
    host,
    retention,
    async recover() {
      await host.start();
      retention.start();
      await control?.start();
      const recovered = await host.recover();
      queue?.start();
      return recovered;
    },
    async stop(graceMs, onStep = () => {}) {
      // The worker stops taking jobs at once; it closes once the runs it holds are handed on (or end).
      onStep('closing the run queue');
      const queueClosed = queue?.close();
      // Durable runs are handed on (checkpointed, their ownership given up for another process or
      // the next start); runs whose policy is `fail` are cancelled.
      onStep('handing on the runs');
      const { handedOff } = await runtime.handOff(graceMs, async (id) => {
        if (!(await ownership.handOff(id, processId()))) throw new Error('this process no longer owns the run');
      });
      if (handedOff.length > 0) metrics.runResumes.inc({ outcome: 'handed_off' }, handedOff.length);
      onStep('waiting for the run queue\'s jobs to end');
      await queueClosed;
      onStep('stopping retention');
      await retention.stop();
      onStep('deregistering the process');
      await host.stop();
      relay?.close();
      onStep('closing the control channel');
      await control?.close();
      onStep('closing the event log');
      await closeEventLog();
    },
  };
}
