import test from 'ava';
import { createActor, toPromise } from 'xstate';
import { runMachine, runMachineRestoredWith } from '../src/actors/run-machine.ts';
import { RunRuntime } from '../src/host/run-runtime.ts';
import type { RunLaunch } from '../src/host/run-launch.ts';
import { RunEventWriter } from '../src/events/run-event-writer.ts';
import type { EventLog } from '../src/events/event-log.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { useSqliteEventLog } from './helpers/sql-event-log-factory.ts';
// Seeded, so a failing point can be replayed.
import { prng } from '../src/models/simulated-script.ts';
import { CallCounter } from './helpers/counting-model.ts';
import { startHarness } from './helpers/actor-harness.ts';
import { markInterruptedWork } from '../src/actors/resume-preparation.ts';
import { checkpointSerialiser } from '../src/actors/snapshot-serialiser.ts';
import { INTERRUPTED_NOT_RETRIED, toolCallActor } from '../src/actors/tool-call.ts';
import { TraceBuilder } from '../src/events/trace-builder.ts';
import { toStoredEvent } from '../src/events/run-event.ts';
import { dataPlan, launchOf, readRunEvents, RecordingPersistence, runPlan, teamPlan, testResources } from './helpers/plans.ts';

const sqlite = useSqliteEventLog();

/** Two teams of two workers, parallel, tokens paced so a run is caught at every kind of point. */
function pacedPlan(runId: number) {
  const paced = { tokenDelayMs: 1, replyTokens: 12 };
  return runPlan(runId, {
    executionMode: 'parallel',
    teams: [
      teamPlan('Alpha', ['Ada', 'Bob'], { supervisor: paced, workers: { Ada: paced, Bob: paced } }),
      teamPlan('Beta', ['Cy', 'Dee'], { supervisor: paced, workers: { Cy: paced, Dee: paced } }),
    ],
  });
}

/** Resolves after `ms` of the run's own progress: a random point of its life. */
const after = (ms: number) => new Promise<void>((resolve) => { setTimeout(resolve, ms); });

test('snapshots of live run trees taken at random points round-trip through JSON and restore to the same snapshot', async (t) => {
  await sqlite.ready;
  const next = prng(18);
  let checked = 0;
  const serialise = checkpointSerialiser();
  for (let i = 0; i < 12; i++) {
    const plan = pacedPlan(1800 + i);
    const writer = new RunEventWriter(plan.runId, sqlite.log, (err) => { throw err; });
    const resources = testResources(plan, writer, new RecordingPersistence());
    const actor = createActor(runMachine, { input: { plan: dataPlan(plan), resources } }).start();
    await after(Math.floor(next() * 120));
    if (actor.getSnapshot().status !== 'active') continue;
    const json = JSON.stringify(actor.getPersistedSnapshot());
    // The checkpoint's own serialiser (it reuses unchanged contexts' JSON) says the same, now and after a change.
    t.deepEqual(JSON.parse(serialise(actor)), JSON.parse(json));
    // ...and again a moment later, when most actors are unchanged (their JSON is reused) and some moved.
    await after(Math.floor(next() * 20));
    if (actor.getSnapshot().status === 'active') t.deepEqual(JSON.parse(serialise(actor)), JSON.parse(JSON.stringify(actor.getPersistedSnapshot())));
    const restored = createActor(runMachineRestoredWith(resources), { snapshot: JSON.parse(json), input: { plan: dataPlan(plan), resources } });
    t.deepEqual(JSON.parse(JSON.stringify(restored.getPersistedSnapshot())), JSON.parse(json), `run ${plan.runId}`);
    // No live object is in a checkpoint: no model, writer, signal or telemetry.
    t.false(/"doStream"|"signal"|"writer"|"telemetry"/.test(json), json.slice(0, 200));
    checked++;
    actor.stop();
    await writer.drain();
  }
  t.true(checked >= 6, `only ${checked} runs were caught live`);
});

/** Each agent's model calls settled in a checkpoint (its stats), by agent id. */
function settledCallsOf(snapshot: unknown): Map<string, number> {
  const settled = new Map<string, number>();
  const visit = (node: { context?: { agent?: { agentId: string }; stats?: { model_calls: number } }; children?: Record<string, { snapshot?: unknown }> }) => {
    if (node.context?.agent && node.context.stats) settled.set(node.context.agent.agentId, node.context.stats.model_calls);
    for (const child of Object.values(node.children ?? {})) if (child.snapshot) visit(child.snapshot as Parameters<typeof visit>[0]);
  };
  visit(snapshot as Parameters<typeof visit>[0]);
  return settled;
}

/** An event log that dies like a killed process: once killed, nothing more of it is appended. */
function dyingLog(inner: EventLog): { log: EventLog; kill(): Promise<void> } {
  let dead = false;
  const inflight = new Set<Promise<unknown>>();
  const log = Object.create(inner) as EventLog;
  log.append = (runId, batch) => {
    if (dead) return Promise.reject(new Error('the process is gone'));
    const append = inner.append(runId, batch);
    inflight.add(append);
    void append.finally(() => inflight.delete(append)).catch(() => {});
    return append;
  };
  return { log, kill: async () => { dead = true; await Promise.allSettled([...inflight]); } };
}

test('a run lost at a random point resumes elsewhere from its checkpoint: nothing settled is asked again, events 1..N with one end', async (t) => {
  await sqlite.ready;
  const next = prng(1818);
  const restartedAgents = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const plan = pacedPlan(1900 + i);
    const before = new CallCounter();
    const afterResume = new CallCounter();
    const launch: RunLaunch = { ...launchOf(plan), models: before.wrapAll(launchOf(plan).models) };
    const checkpoints = new Map<number, { sequence: number; snapshot: string }>();
    const dying = dyingLog(sqlite.log);
    const first = new RunRuntime({
      eventLog: dying.log, logger: silentLogger, persistenceFor: () => new RecordingPersistence(),
      saveCheckpoint: async (runId, sequence, snapshot) => { checkpoints.set(runId, { sequence, snapshot }); },
    });
    const lost = first.start(launch);
    // Lost after its first checkpoint, at a random point of its work.
    const deadline = Date.now() + 10_000;
    while (!checkpoints.has(plan.runId) && Date.now() < deadline) await after(5);
    await after(Math.floor(next() * 160));
    await dying.kill();
    first.abandon(plan.runId);
    const lostOutcome = await lost;
    const checkpoint = checkpoints.get(plan.runId)!;
    t.truthy(checkpoint, `run ${plan.runId} has a checkpoint`);
    const stored = await sqlite.log.last(plan.runId);
    // Ended before the loss (its end is in the log, whatever its process said after): nothing to resume, as RunResumption decides.
    if (stored && stored.category === 'lifecycle' && stored.action === 'completed') continue;
    t.like(lostOutcome, { status: 'failed' });
    const second = new RunRuntime({
      eventLog: sqlite.log, logger: silentLogger, persistenceFor: () => new RecordingPersistence(),
      saveCheckpoint: async (runId, sequence, snapshot) => { checkpoints.set(runId, { sequence, snapshot }); },
    });
    const outcome = await second.resume({ ...launch, models: afterResume.wrapAll(launchOf(plan).models) }, {
      snapshot: JSON.parse(checkpoint.snapshot), firstSequence: (stored?.sequence ?? 0) + 1, resumed: { resume: 1, from_process: 'first' },
    });
    t.is(outcome.status, 'completed', `run ${plan.runId}: ${outcome.error ?? ''}`);
    const events = await readRunEvents(sqlite.log, plan.runId);
    t.true(events.length > 0);
    t.deepEqual(events.map((e) => e.sequence), events.map((_, n) => n + 1), `run ${plan.runId}: no gap, no duplicate`);
    const ends = events.filter((e) => e.event.category === 'lifecycle' && ['completed', 'failed', 'cancelled'].includes(e.event.action));
    t.deepEqual(ends.map((e) => e.sequence), [events.length], 'one terminal event, the last');
    const resumed = events.find((e) => e.event.action === 'resumed');
    t.truthy(resumed);
    t.log(`run ${plan.runId}: lost at ${stored?.sequence}, checkpoint ${checkpoint.sequence}, restarted ${JSON.stringify(resumed!.data.restarted_turns)}, events ${events.length}`);
    t.is(resumed!.sequence, (stored?.sequence ?? 0) + 1);
    // Each turn in flight at the loss is announced once as restarted.
    const restarted = events.filter((e) => e.event.action === 'turn_restarted').map((e) => e.source?.agent_id).sort();
    t.deepEqual(restarted, [...(resumed!.data.restarted_turns as string[])].sort());
    for (const agent of restarted) restartedAgents.add(agent ?? '');
    // Its trace is whole across the move: every span ended, each model call once (a restarted
    // call is one span, restarted), on a task of its own agent.
    const builder = new TraceBuilder({ topology: null });
    builder.add(events.map(toStoredEvent));
    const { spans } = builder.result();
    t.deepEqual(spans.filter((s) => s.status === 'running').map((s) => s.span_id), [], `run ${plan.runId}: nothing left open`);
    const callIds = new Set(events.filter((e) => e.event.action === 'call_started').map((e) => String(e.data.call_id)));
    const calls = spans.filter((s) => s.kind === 'model_call');
    t.deepEqual(calls.map((s) => s.attributes.call_id).sort(), [...callIds].sort());
    const byId = new Map(spans.map((s) => [s.span_id, s]));
    for (const call of calls) {
      const parent = byId.get(call.parent_id ?? '');
      t.like(parent, { kind: 'agent_task', agent_id: call.agent_id }, `${call.span_id} nests under its agent's task`);
    }
    for (const agent of restarted) {
      t.true(calls.some((s) => s.agent_id === agent && Number(s.attributes.restarts) >= 1), `${agent}'s restarted call is marked restarted`);
    }
    // Nothing the checkpoint settled is asked again: per agent, the calls asked both before the
    // loss and after the resume are at most those that had finished streaming but were not yet in
    // the checkpoint (work in flight at the loss), and every call is asked at most twice.
    const settled = settledCallsOf(JSON.parse(checkpoint.snapshot));
    // A checkpoint taken once the work was done holds no agent (the hierarchy is stopped): only its end is left to do.
    if (settled.size === 0) t.is(JSON.parse(checkpoint.snapshot).value, 'finishing');
    for (const agent of settled.keys()) {
      const mine = (counter: CallCounter) => [...counter.completed.keys()].filter((key) => key.startsWith(`${agent} `));
      const again = mine(afterResume).filter((key) => before.completed.has(key));
      t.true(again.length <= mine(before).length - settled.get(agent)!, `${agent}: ${again.length} asked again, ${settled.get(agent)} settled of ${mine(before).length}`);
    }
    for (const counter of [before, afterResume]) for (const [key, count] of counter.completed) t.is(count, 1, key.slice(0, 120));
    t.is(events.filter((e) => e.event.action === 'started' && e.event.category === 'lifecycle').length, 1);
  }
  // The random points caught supervisors and workers mid-turn alike.
  t.true([...restartedAgents].some((id) => id.startsWith('w-')), [...restartedAgents].join());
  t.true([...restartedAgents].some((id) => id.startsWith('s-')), [...restartedAgents].join());
});

test('a worker tool call in flight at the loss: an idempotent one runs again, another is answered "interrupted, not retried"', async (t) => {
  const settings = { http: { timeoutMs: 1000, maxBytes: 1024, maxRedirects: 0 } };
  const snapshot = {
    children: {
      'tool:1': { src: 'toolCall', snapshot: { status: 'active', input: { toolCallId: 'a', toolName: 'calculator', input: { expression: '6*7' }, settings } } },
      'tool:2': { src: 'toolCall', snapshot: { status: 'active', input: { toolCallId: 'b', toolName: 'http_request', input: { method: 'POST', url: 'https://example.com/' }, settings } } },
      'tool:3': { src: 'toolCall', snapshot: { status: 'done', input: { toolCallId: 'c', toolName: 'calculator', input: { expression: '1' }, settings } } },
    },
  };
  t.deepEqual(markInterruptedWork(snapshot), { restartedTurns: [], interruptedToolCalls: 2 });
  const expected = { 'tool:1': { ok: true, output: '42' }, 'tool:2': { ok: false, output: INTERRUPTED_NOT_RETRIED } };
  for (const [id, answer] of Object.entries(expected)) {
    const input = snapshot.children[id as keyof typeof expected].snapshot.input;
    t.true((input as { interrupted?: boolean }).interrupted);
    // The call runs in a run's system (it finds the run's resources there), as a worker's child does.
    const h = startHarness(toolCallActor, input);
    t.teardown(h.stop);
    t.like(await toPromise(h.child), answer);
  }
});

/** A live checkpoint with its agents' contexts as versions before the grouping wrote them (flat fields, `kind`). */
function asFlatCheckpoint(snapshot: unknown): unknown {
  type Node = { context?: Record<string, unknown>; children?: Record<string, { snapshot?: Node } | undefined> };
  const visit = (node: Node): Node => {
    const children = node.children && Object.fromEntries(Object.entries(node.children).map(([id, c]) => [id, c && { ...c, ...(c.snapshot && { snapshot: visit(c.snapshot) }) }]));
    const context = node.context;
    if (!context?.agent || !context.stats) return { ...node, ...(children && { children }) };
    const { control, counts, delegation, answers, ...rest } = context as Record<string, Record<string, unknown>>;
    const agentType = (context.agent as { agentType: string }).agentType;
    const flat = agentType === 'worker'
      ? { kind: 'worker', ...rest, steps: counts!.steps, toolCallCount: counts!.toolCalls, actorCount: counts!.actors }
      : { kind: agentType, ...rest, ...delegation, ...answers, turns: counts!.turns, dispatchCount: counts!.dispatches, toolCallCount: counts!.toolCalls };
    return { ...node, children, context: { ...flat, stopping: control!.stopping, steering: control!.steering } };
  };
  return visit(snapshot as Node);
}

test('a checkpoint of an earlier version (flat agent contexts) is upgraded at restore to the same state, and the run resumes to its end', async (t) => {
  await sqlite.ready;
  const plan = pacedPlan(1950);
  const writer = new RunEventWriter(plan.runId, sqlite.log, (err) => { throw err; });
  const actor = createActor(runMachine, { input: { plan: dataPlan(plan), resources: testResources(plan, writer, new RecordingPersistence()) } }).start();
  // Taken mid-run, once supervisors have delegated (counts above zero).
  const delegated = (checkpoint: string) => /"dispatches":[1-9]/.test(checkpoint);
  let taken = JSON.stringify(actor.getPersistedSnapshot());
  const deadline = Date.now() + 10_000;
  while (!delegated(taken) && actor.getSnapshot().status === 'active' && Date.now() < deadline) {
    await after(2);
    taken = JSON.stringify(actor.getPersistedSnapshot());
  }
  actor.stop();
  await writer.drain();
  t.true(delegated(taken), 'a checkpoint after a dispatch');
  const current = JSON.parse(taken) as unknown;
  const flat = JSON.stringify(asFlatCheckpoint(current));
  t.true(/"dispatchCount":[1-9]/.test(flat) && !flat.includes('"counts":'), 'the flat checkpoint has the old fields only');
  const upgraded = JSON.parse(flat) as unknown;
  markInterruptedWork(upgraded);
  markInterruptedWork(current);
  t.deepEqual(upgraded, current);
  // The real path: RunRuntime.resume upgrades it (markInterruptedWork) and the run goes on to its end.
  const stored = await sqlite.log.last(plan.runId);
  const runtime = new RunRuntime({ eventLog: sqlite.log, logger: silentLogger, persistenceFor: () => new RecordingPersistence(), saveCheckpoint: async () => {} });
  const outcome = await runtime.resume(launchOf(plan), {
    snapshot: JSON.parse(flat), firstSequence: (stored?.sequence ?? 0) + 1, resumed: { resume: 1, from_process: 'first' },
  });
  t.is(outcome.status, 'completed', outcome.error ?? '');
  const events = await readRunEvents(sqlite.log, plan.runId);
  t.true(events.length > 0);
  t.deepEqual(events.map((e) => e.sequence), events.map((_, n) => n + 1));
});
