import { z } from 'zod';
import { gatewayFields } from './common-schemas.ts';
import { runId } from './run-schemas.ts';

/**
 * The wire format of `@statelyai/inspect` 0.7.2 (its StatelyInspectionEvent types, read from the
 * package), which runs/inspect/stream speaks so that Stately's inspector and any client of that
 * package can read a run's actor system. test/types/stately-inspect-wire.ts asserts at type
 * level that what these schemas describe is assignable to the package's own types.
 */
export const INSPECT_WIRE_VERSION = '0.7.2';

const eventObject = z.looseObject({ type: z.string() }).meta({ description: 'An XState event: its type and (sanitised) payload' });

/**
 * The package's types have keys whose value may be undefined (XState's Snapshot<unknown> has
 * `output` and `error` in every status); JSON drops undefined values, so an absent key is read
 * as that key, undefined.
 */
const withKeys = (...keys: string[]) => (value: unknown) =>
  (typeof value === 'object' && value !== null ? { ...Object.fromEntries(keys.map((k) => [k, undefined])), ...value } : value);
const maybe = <T extends z.ZodType>(schema: T) => z.union([schema, z.undefined()]);
const snapshotFields = { value: z.unknown().optional(), context: z.unknown().optional(), input: z.unknown().optional() };
export const inspectedSnapshotSchema = z.preprocess(withKeys('output', 'error'), z.discriminatedUnion('status', [
  z.looseObject({ status: z.literal('active'), output: z.undefined(), error: z.undefined(), ...snapshotFields }),
  z.looseObject({ status: z.literal('done'), output: z.unknown(), error: z.undefined(), ...snapshotFields }),
  z.looseObject({ status: z.literal('error'), output: z.undefined(), error: z.unknown(), ...snapshotFields }),
  z.looseObject({ status: z.literal('stopped'), output: z.undefined(), error: z.undefined(), ...snapshotFields }),
])).meta({ description: "An actor's snapshot: status, and a machine's state value and (summarised) context" });

const base = {
  sessionId: z.string().meta({ description: 'Stable id of the actor: `run:<id>`, `agent:<agent_id>`, or its parent\'s id and its own (`agent:x/0.worker.working`)' }),
  rootId: z.string().meta({ description: 'The run\'s root actor (`run:<id>`)' }),
  createdAt: z.string().meta({ description: 'Epoch milliseconds, as text' }),
  id: z.string().meta({ description: 'This event\'s number in the stream' }),
  _version: z.string().meta({ description: 'The @statelyai/inspect wire format version', examples: [INSPECT_WIRE_VERSION] }),
};

export const inspectedActorSchema = z.preprocess(withKeys('definition', 'parentId'), z.object({
  type: z.literal('@xstate.actor'),
  name: z.string(),
  snapshot: inspectedSnapshotSchema,
  definition: maybe(z.string()).meta({ description: "The machine's config as JSON (functions named, not shown): states and transitions" }),
  parentId: maybe(z.string()),
  ...base,
})).meta({ id: 'InspectedActor', description: 'An actor of the run exists (created, or live when the stream opened)' });

export const inspectedEventSchema = z.preprocess(withKeys('sourceId'), z.object({
  type: z.literal('@xstate.event'),
  event: eventObject,
  sourceId: maybe(z.string()),
  ...base,
})).meta({ id: 'InspectedEvent', description: 'An event was sent to the actor `sessionId` (by `sourceId`)' });

export const inspectedSnapshotEventSchema = z.object({
  type: z.literal('@xstate.snapshot'),
  event: eventObject,
  snapshot: inspectedSnapshotSchema,
  ...base,
}).meta({ id: 'InspectedSnapshot', description: 'The actor `sessionId` took a new snapshot on `event`' });

export const inspectionEventSchema = z.union([inspectedActorSchema, inspectedEventSchema, inspectedSnapshotEventSchema])
  .meta({ id: 'InspectionEvent', description: 'One SSE `data:` frame of runs/inspect/stream: a @statelyai/inspect event' });

export type InspectionEvent = z.infer<typeof inspectionEventSchema>;
export type InspectedActorEvent = z.infer<typeof inspectedActorSchema>;
export type InspectedSnapshot = z.infer<typeof inspectedSnapshotSchema>;

/**
 * Who hears a run's inspection: batches of events, each already its JSON (made once, however
 * many listen, and relayed between processes as it is), then the end.
 */
export interface InspectionListener {
  events(batch: readonly string[]): void;
  /** Nothing more comes: the run ended, or the source went away (`reason`). */
  end(reason?: string): void;
}

export const runInspectStreamSchema = z.object({ id: runId, ...gatewayFields }).strict();

export const runInspectSchema = z.object({
  id: runId,
  at_sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional()
    .meta({ description: "Time travel: the tree as it was once the run's events 1..at_sequence had happened, rebuilt from them (past the last event: 400)" }),
  ...gatewayFields,
}).strict();
