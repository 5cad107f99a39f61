// A run's actor system as runs/inspect/stream tells it (@statelyai/inspect's wire format): the
// actors by session id, each with its machine's states, its current state and the events it
// received; and the events themselves, kept for the Stately Inspector. No DOM here.
import { streamUrl } from './api.js';

/** Events kept per actor (the newest), and in all (for the Stately Inspector). */
const EVENTS_PER_ACTOR = 50;
const EVENTS_KEPT = 2000;

export function createInspectionModel() {
  return {
    version: 0,
    /** sessionId → {sessionId, name, parentId, states, initial, status, value, context, events} */
    actors: new Map(),
    /** Session ids in the order their actors were announced. */
    order: [],
    /** The newest raw events, oldest first; each actor's announcement is also kept apart (see lastActor). */
    events: [],
    lastActor: new Map(),
    dropped: 0,
  };
}

/** A machine's states from its definition (its config as JSON): top-level states, each with its children and transitions. */
export function statesOf(definition) {
  if (!definition) return null;
  let config;
  try {
    config = JSON.parse(definition);
  } catch {
    return null;
  }
  const describe = (node) => Object.entries(node?.states ?? {}).map(([name, state]) => ({
    name,
    final: state.type === 'final',
    on: Object.keys(state.on ?? {}),
    children: describe(state),
  }));
  return { initial: config.initial ?? null, states: describe(config) };
}

/** The top-level state a snapshot's value names (a machine's value is a name, or {name: child}). */
export function currentState(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return Object.keys(value)[0] ?? null;
  return null;
}

function actorOf(model, sessionId) {
  let actor = model.actors.get(sessionId);
  if (!actor) {
    actor = { sessionId, name: sessionId, parentId: null, states: null, status: 'active', value: null, context: null, events: [] };
    model.actors.set(sessionId, actor);
    model.order.push(sessionId);
  }
  return actor;
}

export function applyInspection(model, batch) {
  for (const e of batch) {
    const actor = actorOf(model, e.sessionId);
    if (e.type === '@xstate.actor') {
      model.lastActor.set(e.sessionId, e);
      actor.name = e.name;
      actor.parentId = e.parentId ?? null;
      if (e.definition) actor.states = statesOf(e.definition);
    }
    if (e.type === '@xstate.actor' || e.type === '@xstate.snapshot') {
      actor.status = e.snapshot.status;
      if (e.snapshot.value !== undefined) actor.value = e.snapshot.value;
      if (e.snapshot.context !== undefined) actor.context = e.snapshot.context;
    }
    if (e.type === '@xstate.event') {
      actor.events.push({ type: e.event.type, from: e.sourceId ?? null, at: Number(e.createdAt), id: e.id });
      if (actor.events.length > EVENTS_PER_ACTOR) actor.events.splice(0, actor.events.length - EVENTS_PER_ACTOR);
    }
    model.events.push(e);
  }
  if (model.events.length > EVENTS_KEPT) model.events.splice(0, model.events.length - EVENTS_KEPT);
  model.version += 1;
}

/**
 * Follows the run's inspection stream with EventSource; batches go out once per animation frame.
 * The server ends it with `event: close` (the run ended); a reconnect is told the tree again.
 * @returns {() => void} stops following
 */
export function followInspection({ settings, runId, onBatch, onStatus, onDropped }) {
  let pending = [];
  let frame = 0;
  const flush = () => {
    frame = 0;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    onBatch(batch);
  };
  const source = new EventSource(streamUrl(settings, runId, undefined, 'runs/inspect/stream'));
  source.addEventListener('open', () => onStatus('live'));
  source.addEventListener('message', (e) => {
    pending.push(JSON.parse(e.data));
    if (!frame) frame = requestAnimationFrame(flush);
  });
  source.addEventListener('dropped', (e) => onDropped(JSON.parse(e.data).dropped));
  source.addEventListener('close', () => {
    source.close();
    cancelAnimationFrame(frame);
    flush();
    onStatus('ended');
  });
  source.addEventListener('error', () => {
    onStatus(source.readyState === EventSource.CLOSED ? 'error' : 'reconnecting');
  });
  return () => {
    cancelAnimationFrame(frame);
    source.close();
  };
}
