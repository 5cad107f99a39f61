import type { InspectionEvent as XStateInspectionEvent } from 'xstate';
import { INSPECT_WIRE_VERSION, type InspectedSnapshot, type InspectionEvent } from '../domain/inspection-schemas.ts';
import { isPlumbing, type ActorNode } from './actor-tree.ts';
import { sanitise } from './inspection-sanitiser.ts';
import { definitionOf, definitionOfKind } from './machine-definitions.ts';

/** What inspection reads of an actor ref (XState's Actor has all of it; its ActorRefLike type names less). */
interface InspectedRef {
  sessionId: string;
  id?: string;
  systemId?: string;
  _parent?: InspectedRef;
  logic?: unknown;
  getSnapshot(): unknown;
}

interface SnapshotLike {
  status?: string;
  value?: unknown;
  context?: unknown;
  output?: unknown;
  error?: unknown;
  input?: unknown;
  children?: Record<string, InspectedRef | undefined>;
}

/** One event past this many bytes of JSON loses its context and payload (the limits of the sanitiser bound it well below, as a rule). */
const MAX_EVENT_BYTES = 64 * 1024;

/** The event a snapshot read from a described tree (not seen as it happened) is reported on. */
const TREE_READ = { type: 'cadre.tree_read' };

function inspectedSnapshot(snapshot: SnapshotLike | undefined, secrets: readonly string[]): InspectedSnapshot {
  const s = snapshot ?? {};
  const extra: Record<string, unknown> = {};
  if (s.value !== undefined) extra['value'] = sanitise(s.value, secrets);
  if (s.context !== undefined) extra['context'] = sanitise(s.context, secrets);
  // A promise or callback actor has no state: what it was given is what says what it does.
  else if (s.input !== undefined) extra['input'] = sanitise(s.input, secrets);
  switch (s.status) {
    case 'done': return { status: 'done', output: sanitise(s.output, secrets), error: undefined, ...extra };
    case 'error': return { status: 'error', output: undefined, error: sanitise(s.error, secrets), ...extra };
    case 'stopped': return { status: 'stopped', output: undefined, error: undefined, ...extra };
    default: return { status: 'active', output: undefined, error: undefined, ...extra };
  }
}

function eventOf(event: unknown, secrets: readonly string[]): { type: string } & Record<string, unknown> {
  const shown = sanitise(event, secrets);
  const type = (event as { type?: unknown } | null)?.type;
  return { ...(typeof shown === 'object' && shown !== null && !Array.isArray(shown) ? shown : {}), type: typeof type === 'string' ? type : 'unknown' };
}

/**
 * Turns a run's XState inspection into @statelyai/inspect's wire events, as JSON: sanitised
 * (see inspection-sanitiser.ts), plumbing left out (the run's resources, timers, budget ledger,
 * and its event sink, whose every event is one of runs/stream's), and each actor under a stable
 * session id — its system id where it has one (`run:<id>`, `agent:<agent_id>`), else its
 * parent's and its own id — the same on every process and after a restore, unlike XState's.
 */
export class InspectionConverter {
  readonly rootId: string;
  readonly #secrets: () => readonly string[];
  readonly #sessions = new WeakMap<object, string>();
  readonly #hidden = new WeakMap<object, boolean>();
  #count = 0;

  /** `secrets`: the run's (its models' keys), asked per conversion since credentials resolved later join them. */
  constructor(rootId: string, secrets: () => readonly string[]) {
    this.rootId = rootId;
    this.#secrets = secrets;
  }

  sessionOf(ref: InspectedRef): string {
    let id = this.#sessions.get(ref);
    if (id === undefined) {
      id = ref.systemId ?? (ref._parent ? `${this.sessionOf(ref._parent)}/${ref.id ?? ref.sessionId}` : ref.id ?? ref.sessionId);
      this.#sessions.set(ref, id);
    }
    return id;
  }

  #isHidden(ref: InspectedRef): boolean {
    let hidden = this.#hidden.get(ref);
    if (hidden === undefined) {
      const kind = ((ref.getSnapshot() as SnapshotLike | undefined)?.input as { kind?: unknown } | undefined)?.kind;
      hidden = kind === 'sink' || isPlumbing(ref);
      this.#hidden.set(ref, hidden);
    }
    return hidden;
  }

  #base(sessionId: string) {
    return { sessionId, rootId: this.rootId, createdAt: String(Date.now()), id: String(++this.#count), _version: INSPECT_WIRE_VERSION };
  }

  /** One XState inspection event as wire JSON; null for what is not shown (plumbing, microsteps, actions). */
  convert(event: XStateInspectionEvent): string | null {
    const ref = event.actorRef as InspectedRef;
    if (event.type !== '@xstate.actor' && event.type !== '@xstate.event' && event.type !== '@xstate.snapshot') return null;
    if (this.#isHidden(ref)) return null;
    const secrets = this.#secrets();
    if (event.type === '@xstate.actor') return this.#json(this.#actor(ref, secrets));
    const sessionId = this.sessionOf(ref);
    if (event.type === '@xstate.event') {
      const source = event.sourceRef as InspectedRef | undefined;
      return this.#json({ type: '@xstate.event', event: eventOf(event.event, secrets), sourceId: source && this.sessionOf(source), ...this.#base(sessionId) });
    }
    return this.#json({
      type: '@xstate.snapshot', event: eventOf(event.event, secrets), snapshot: inspectedSnapshot(event.snapshot as SnapshotLike, secrets), ...this.#base(sessionId),
    });
  }

  #actor(ref: InspectedRef, secrets: readonly string[]): InspectionEvent {
    const sessionId = this.sessionOf(ref);
    const definition = definitionOf(ref.logic as Parameters<typeof definitionOf>[0]);
    return {
      type: '@xstate.actor', name: ref.id === undefined || ref.id === ref.sessionId ? sessionId : ref.id, snapshot: inspectedSnapshot(ref.getSnapshot() as SnapshotLike | undefined, secrets),
      definition, parentId: ref._parent && this.sessionOf(ref._parent), ...this.#base(sessionId),
    };
  }

  /** The live tree under `root` as `@xstate.actor` events, parents first: what a subscriber arriving late is told first. */
  tree(root: InspectedRef): string[] {
    const secrets = this.#secrets();
    const out: string[] = [];
    const visit = (ref: InspectedRef) => {
      if (this.#isHidden(ref)) return;
      out.push(this.#json(this.#actor(ref, secrets)));
      for (const child of Object.values((ref.getSnapshot() as SnapshotLike | undefined)?.children ?? {})) if (child) visit(child);
    };
    visit(root);
    return out;
  }

  /**
   * A described tree (runs/inspect's: an ended run's stored one, or one read from its owner) as
   * wire events: `@xstate.actor` for a node not in `known` (session id → what was last told of
   * it), `@xstate.snapshot` for one whose state changed. Agents' definitions come from their kind.
   */
  described(tree: ActorNode, known: Map<string, string>): string[] {
    const secrets = this.#secrets();
    const out: string[] = [];
    const visit = (node: ActorNode, parentId: string | undefined) => {
      if (node.kind === 'sink') return;
      const sessionId = node.agent_id ? `agent:${node.agent_id}` : parentId ? `${parentId}/${node.id}` : node.id;
      const { children, ...fields } = node;
      const status = node.status === 'done' || node.status === 'stopped' || node.status === 'error' ? node.status : 'active';
      const { id: _id, kind: _kind, status: _status, state, ...about } = fields;
      const snapshot = inspectedSnapshot({ status, value: state ?? undefined, context: { kind: node.kind, ...about } }, secrets);
      const told = JSON.stringify(snapshot);
      if (!known.has(sessionId)) {
        out.push(this.#json({
          type: '@xstate.actor', name: node.id, snapshot, definition: definitionOfKind(node.kind), parentId, ...this.#base(sessionId),
        }));
      } else if (known.get(sessionId) !== told) {
        out.push(this.#json({ type: '@xstate.snapshot', event: TREE_READ, snapshot, ...this.#base(sessionId) }));
      }
      known.set(sessionId, told);
      for (const child of children) visit(child, sessionId);
    };
    visit(tree, undefined);
    return out;
  }

  #json(event: InspectionEvent): string {
    const json = JSON.stringify(event);
    if (json.length <= MAX_EVENT_BYTES) return json;
    const note = `[omitted: ${json.length} bytes]`;
    if (event.type === '@xstate.event') return JSON.stringify({ ...event, event: { type: event.event.type, omitted: note } });
    const { context: _c, input: _i, output: _o, ...snapshot } = event.snapshot;
    return JSON.stringify({ ...event, snapshot: { ...snapshot, context: note }, ...(event.type === '@xstate.snapshot' && { event: { type: event.event.type } }) });
  }
}
