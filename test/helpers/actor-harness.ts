import { assign, createActor, sendTo, setup, waitFor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { ResultEvent, SinkEmitEvent, TaskEvent } from '../../src/actors/agent-messages.ts';
import { outcomeText } from '../../src/actors/agent-outcome.ts';
import { RESOURCES_SYSTEM_ID, resourcesLogic, type RunResources } from '../../src/actors/run-resources.ts';
import { RunEventWriter } from '../../src/events/run-event-writer.ts';
import type { EventLog } from '../../src/events/event-log.ts';
import { noRunTelemetry } from '../../src/telemetry/run-telemetry.ts';
import { modelsIn, RecordingPersistence } from './plans.ts';

export type Draft = SinkEmitEvent['drafts'][number];

/** Registered as `sink` in the harness's system: keeps every draft an agent emits, in order, and the size of each EMIT. */
export const recordingSinkMachine = setup({
  types: { context: {} as { drafts: Draft[]; batchSizes: number[] }, events: {} as SinkEmitEvent },
}).createMachine({
  id: 'recording-sink',
  context: { drafts: [], batchSizes: [] },
  on: {
    EMIT: {
      actions: assign({
        drafts: ({ context, event }) => [...context.drafts, ...event.drafts],
        batchSizes: ({ context, event }) => [...context.batchSizes, event.drafts.length],
      }),
    },
  },
});

type HarnessEvent = { type: 'SEND'; callId: string; task: string } | ResultEvent;

/** A RESULT as the tests read it: the typed outcome, and whether it completed with which text. */
export type HarnessResult = ResultEvent & { ok: boolean; output: string };

const readable = (event: ResultEvent): HarnessResult => ({ ...event, ok: event.outcome.status === 'completed', output: outcomeText(event.outcome) });
type SpawnAny = (logic: AnyActorLogic, options: { id: string; systemId?: string; input?: unknown }) => AnyActorRef;

/** Stands in for an agent's parent: forwards SEND as TASK to the child, keeps each RESULT. */
function harnessMachine(logic: AnyActorLogic, input: unknown, resources: RunResources) {
  return setup({
    types: { context: {} as { results: HarnessResult[] }, events: {} as HarnessEvent },
  }).createMachine({
    id: 'harness',
    context: ({ spawn }) => {
      (spawn as unknown as SpawnAny)(resourcesLogic(resources), { id: RESOURCES_SYSTEM_ID, systemId: RESOURCES_SYSTEM_ID });
      (spawn as unknown as SpawnAny)(recordingSinkMachine, { id: 'sink', systemId: 'sink' });
      (spawn as unknown as SpawnAny)(logic, { id: 'child', input });
      return { results: [] };
    },
    on: {
      SEND: {
        actions: sendTo('child', ({ event }): TaskEvent => {
          const send = event as Extract<HarnessEvent, { type: 'SEND' }>;
          return { type: 'TASK', callId: send.callId, task: send.task };
        }),
      },
      RESULT: { actions: assign({ results: ({ context, event }) => [...context.results, readable(event as ResultEvent)] }) },
    },
  });
}

export interface Harness {
  /** The agent actor under test. */
  child: AnyActorRef;
  send(callId: string, task: string): void;
  /** Every draft the sink got so far. */
  drafts(): Draft[];
  /** How many drafts each EMIT the sink got carried, in order. */
  batchSizes(): number[];
  results(): HarnessResult[];
  /** Resolves once `count` results arrived (rejects after 20 s). */
  waitForResults(count: number): Promise<HarnessResult[]>;
  stop(): void;
}

/** The harness's sink records drafts itself: its writer is never written to. */
const unusedLog = new Proxy({} as EventLog, { get: () => () => { throw new Error('the harness has no event log'); } });

export function startHarness(logic: AnyActorLogic, input: unknown, extra: Partial<RunResources> = {}): Harness {
  const resources: RunResources = {
    writer: new RunEventWriter(0, unusedLog, () => {}), persistence: new RecordingPersistence(), telemetry: noRunTelemetry,
    models: modelsIn(input), mcpHeaders: async () => ({}), streamedText: new Map(), warn: () => {}, ...extra,
  };
  const actor = createActor(harnessMachine(logic, input, resources)).start();
  const children = actor.getSnapshot().children as Record<string, AnyActorRef | undefined>;
  const child = children.child!;
  const sink = children.sink!;
  return {
    child,
    send: (callId, task) => actor.send({ type: 'SEND', callId, task }),
    drafts: () => (sink.getSnapshot() as { context: { drafts: Draft[] } }).context.drafts,
    batchSizes: () => (sink.getSnapshot() as { context: { batchSizes: number[] } }).context.batchSizes,
    results: () => actor.getSnapshot().context.results,
    async waitForResults(count) {
      const snapshot = await waitFor(actor, (s) => s.context.results.length >= count, { timeout: 20_000 });
      return snapshot.context.results;
    },
    stop: () => actor.stop(),
  };
}

/** The actions of the drafts of one category, in order. */
export function actionsOf(drafts: Draft[], category: Draft['category']): string[] {
  return drafts.filter((d) => d.category === category).map((d) => d.action);
}
