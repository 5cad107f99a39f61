import { TaskState, type Message, type StreamResponse } from '@a2a-js/sdk';
import type { EventLog } from '../../events/event-log.ts';
import { isTerminal, type RunEvent, type StoredEvent } from '../../events/run-event.ts';
import { followRun, type FollowOptions } from '../../events/run-follow.ts';
import type { PolledRunFeeds } from '../../events/polled-run-feeds.ts';
import { jsonBytes } from '../../events/subscribe-with-history.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../../domain/run-records.ts';
import {
  agentArtifact, agentMessage, answerArtifact, contextIdOf, inputRequestMessage, taskStateOfRun, textPart,
} from './a2a-tasks.ts';
import { answerOf } from './a2a-answers.ts';

/** What following a run for A2A needs of the run service. */
export interface RunFeedSource {
  readonly eventLog: EventLog;
  get(repos: TenantRepositories, id: number): Promise<RunRecord>;
  hasEnded(repos: TenantRepositories, run: RunRecord): Promise<boolean | 'poll'>;
  whenDone(repos: TenantRepositories, id: number): Promise<unknown> | undefined;
  exists(repos: TenantRepositories, id: number): Promise<boolean>;
}

/** How often a run that asked a human is looked at until it parks (its row says waiting_input; no event does). */
const PARK_POLL_MS = 250;
/** Events held for a reader that does not take them (a stalled client): past it the stream fails; the client resubscribes. */
const MAX_HELD_BYTES = 8 * 1024 * 1024;

type FeedItem = { kind: 'events'; events: StoredEvent[] } | { kind: 'over' } | { kind: 'idle' } | { kind: 'aborted' };

/** A run's followed events as a pull queue: what an async generator awaits. */
class EventFeed {
  #items: FeedItem[] = [];
  #error: Error | undefined;
  #held = 0;
  #wake: (() => void) | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(signal?: AbortSignal) {
    this.#signal = signal;
    signal?.addEventListener('abort', () => this.#wake?.(), { once: true });
  }

  push(item: FeedItem): void {
    if (item.kind === 'events') {
      for (const e of item.events) this.#held += jsonBytes(e);
      if (this.#held > MAX_HELD_BYTES) this.#error ??= new Error('the stream fell too far behind the run; subscribe again');
    }
    this.#items.push(item);
    this.#wake?.();
  }

  fail(err: Error): void {
    this.#error ??= err;
    this.#wake?.();
  }

  /** The next item; `{kind: 'idle'}` when `idleMs` passed with nothing. */
  async next(idleMs?: number): Promise<FeedItem> {
    for (;;) {
      if (this.#signal?.aborted) return { kind: 'aborted' };
      if (this.#error) throw this.#error;
      const item = this.#items.shift();
      if (item) {
        if (item.kind === 'events') for (const e of item.events) this.#held -= jsonBytes(e);
        return item;
      }
      const idle = await new Promise<boolean>((resolve) => {
        const timer = idleMs === undefined ? undefined : setTimeout(() => resolve(true), idleMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      this.#wake = undefined;
      if (idle) return { kind: 'idle' };
    }
  }
}

/** Team and worker names → agent ids and paths, from the run's stored topology. */
function agentIndex(topology: Record<string, unknown> | null): Map<string, string> {
  const index = new Map<string, string>();
  for (const team of (topology?.teams as Array<{ name: string; supervisor?: { agent_id?: string }; workers?: Array<{ name: string; agent_id?: string }> }> | undefined) ?? []) {
    if (team.supervisor?.agent_id) index.set(team.name, team.supervisor.agent_id);
    for (const w of team.workers ?? []) if (w.agent_id) index.set(`${team.name}/${w.name}`, w.agent_id);
  }
  return index;
}

const MAPPED_CATEGORIES = new Set(['lifecycle', 'dispatch', 'human']);

function statusUpdate(run: RunRecord, state: TaskState, timestamp: string, message?: Message, metadata?: Record<string, unknown>): StreamResponse {
  return {
    payload: {
      $case: 'statusUpdate',
      value: { taskId: String(run.id), contextId: contextIdOf(run), status: { state, message, timestamp }, metadata },
    },
  };
}

function artifactUpdate(run: RunRecord, artifact: ReturnType<typeof answerArtifact>): StreamResponse {
  return {
    payload: {
      $case: 'artifactUpdate',
      value: { taskId: String(run.id), contextId: contextIdOf(run), artifact, append: false, lastChunk: true, metadata: undefined },
    },
  };
}

/** The A2A updates one Cadre event means (most events — tokens, tool calls — mean none). */
function updatesOf(run: RunRecord, agents: Map<string, string>, e: RunEvent): StreamResponse[] {
  const kind = `${e.event.category}.${e.event.action}`;
  const meta = { cadreEvent: kind, sequence: e.sequence, ...(e.source && { agentId: e.source.agent_id }) };
  const d = e.data as Record<string, string | undefined>;
  switch (kind) {
    case 'lifecycle.started':
    case 'lifecycle.resumed':
      return [statusUpdate(run, TaskState.TASK_STATE_WORKING, e.timestamp, undefined, meta)];
    case 'dispatch.team':
    case 'dispatch.worker': {
      const path = kind === 'dispatch.team' ? String(d.team_name) : `${d.team_name}/${d.worker_name}`;
      const text = `${e.source?.agent_name ?? 'supervisor'} → ${path}: ${d.task ?? ''}`;
      return [statusUpdate(run, TaskState.TASK_STATE_WORKING, e.timestamp, agentMessage(run, `${run.id}-${e.sequence}`, [textPart(text)]), {
        ...meta, toAgentId: agents.get(path) ?? null, path,
      })];
    }
    case 'dispatch.team_completed':
    case 'dispatch.worker_completed': {
      const path = kind === 'dispatch.team_completed' ? String(d.team_name) : `${d.team_name}/${d.worker_name}`;
      const data = e.data as { outcome?: unknown; status?: string; ok?: boolean };
      return [artifactUpdate(run, agentArtifact(agents.get(path) ?? path, path, data.outcome ?? { status: data.status, ok: data.ok }))];
    }
    case 'lifecycle.completed': {
      const result = (e.data as { result?: string | null }).result ?? '';
      const answer = answerOf(result);
      const state = answer.rejected ? TaskState.TASK_STATE_REJECTED : TaskState.TASK_STATE_COMPLETED;
      return [
        artifactUpdate(run, answerArtifact(result)),
        statusUpdate(run, state, e.timestamp, agentMessage(run, `${run.id}-answer`, answer.parts), meta),
      ];
    }
    case 'lifecycle.failed':
      return [statusUpdate(run, TaskState.TASK_STATE_FAILED, e.timestamp, agentMessage(run, `${run.id}-error`, [textPart(String(d.error ?? 'the run failed'))]), meta)];
    case 'lifecycle.cancelled':
      return [statusUpdate(run, TaskState.TASK_STATE_CANCELED, e.timestamp, undefined, meta)];
    default:
      return [];
  }
}

/** The last updates of a run whose end (or parking) the stream learnt from its record, not an event. */
function finalUpdatesOf(run: RunRecord): StreamResponse[] | undefined {
  const at = (run.completedAt ?? run.waitingSince ?? new Date()).toISOString();
  if (run.status === 'waiting_input') return [statusUpdate(run, TaskState.TASK_STATE_INPUT_REQUIRED, at, inputRequestMessage(run, run.pendingInputs))];
  if (!terminalStatuses.has(run.status)) return undefined;
  const message = run.status === 'failed' ? agentMessage(run, `${run.id}-error`, [textPart(run.error ?? 'the run failed')]) : undefined;
  return [
    ...(run.status === 'completed' ? [artifactUpdate(run, answerArtifact(run.result ?? ''))] : []),
    statusUpdate(run, taskStateOfRun(run), at, message),
  ];
}

/**
 * A run's events after `afterSequence` as A2A stream updates, until the task reaches a
 * terminal state or needs input (then the stream is over, as A2A has it). Follows the run
 * wherever it executes (followRun); a run that moved to another process meanwhile is followed
 * on from the last event seen. Closing the generator (the client went away) stops following;
 * the run is not affected; so does `signal` (the reader went away while nothing happened).
 */
export async function* runUpdates(
  source: RunFeedSource, polledFeeds: PolledRunFeeds | undefined, repos: TenantRepositories, run: RunRecord, afterSequence: number,
  signal?: AbortSignal,
  /** SubscribeToTask: go on past input-required (announced once per wait) until a terminal state. */
  throughInput = false,
): AsyncGenerator<StreamResponse, void, undefined> {
  const agents = agentIndex(run.topologySnapshot);
  let after = afterSequence;
  let openAsks = 0;
  let announced = false;
  /** The updates to give for the run as its record shows it, and whether the stream is over with them. */
  const settle = async (): Promise<{ updates: StreamResponse[]; over: boolean } | undefined> => {
    const now = await source.get(repos, run.id);
    const final = finalUpdatesOf(now);
    if (!final) return undefined;
    if (now.status !== 'waiting_input' || !throughInput) return { updates: final, over: true };
    openAsks = 0; // parked: nothing to look at until someone answers (its events come through the feed)
    const updates = announced ? [] : final;
    announced = true;
    return { updates, over: false };
  };
  for (;;) {
    const current = await source.get(repos, run.id);
    const feed = new EventFeed(signal);
    const options: FollowOptions = {
      ...(polledFeeds && { polledFeeds }),
      runExists: () => source.exists(repos, run.id),
    };
    const done = source.whenDone(repos, run.id);
    if (done) options.runDone = done;
    const subscription = followRun(source.eventLog, run.id, after, await source.hasEnded(repos, current), {
      onEvents: (events) => feed.push({ kind: 'events', events }),
      onOver: () => feed.push({ kind: 'over' }),
      onError: (err) => feed.fail(err),
    }, options);
    try {
      for (;;) {
        const item = await feed.next(openAsks > 0 ? PARK_POLL_MS : undefined);
        if (item.kind === 'aborted') return;
        if (item.kind === 'over') break;
        if (item.kind === 'idle') {
          const settled = await settle();
          if (settled) yield* settled.updates;
          if (settled?.over) return;
          continue;
        }
        for (const stored of item.events) {
          after = stored.sequence;
          if (!MAPPED_CATEGORIES.has(stored.category)) continue;
          if (stored.category === 'human') {
            openAsks = Math.max(0, openAsks + (stored.action === 'requested' ? 1 : -1));
            if (stored.action === 'responded') announced = false;
            continue;
          }
          yield* updatesOf(run, agents, JSON.parse(stored.json) as RunEvent);
          if (isTerminal(stored)) return;
        }
      }
    } finally {
      subscription.close();
    }
    const settled = await settle();
    if (settled) yield* settled.updates;
    if (settled?.over) return;
    if (signal?.aborted) return;
    // Moved to another process between our reads: follow it on from where we are.
    await new Promise((resolve) => setTimeout(resolve, PARK_POLL_MS));
  }
}
