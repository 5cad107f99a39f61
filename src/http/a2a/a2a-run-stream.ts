import { TaskState, type Message, type StreamResponse } from '@a2a-js/sdk';
import { isTerminal, type RunEvent } from '../../events/run-event.ts';
import { followRunEvents, type RunFeedSource } from '../../events/run-event-feed.ts';
import type { PolledRunFeeds } from '../../events/polled-run-feeds.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../../domain/run-records.ts';
import {
  agentArtifact, agentMessage, answerArtifact, contextIdOf, inputRequestMessage, taskStateOfRun, textPart,
} from './a2a-tasks.ts';
import { answerOf } from './a2a-answers.ts';

/** How often a run that asked a human is looked at until it parks (its row says waiting_input; no event does). */
const PARK_POLL_MS = 250;

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
  let openAsks = 0;
  let announced = false;
  let after = afterSequence;
  /** The updates the run's record calls for, and whether the stream is over with them (undefined: it works on). */
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
    const feed = followRunEvents(source, polledFeeds, repos, run.id, after, {
      ...(signal && { signal }),
      idleMs: () => (openAsks > 0 ? PARK_POLL_MS : undefined),
    });
    for await (const item of feed) {
      if (item.kind === 'aborted') return;
      if (item.kind === 'over' || item.kind === 'idle') {
        const settled = await settle();
        if (settled) yield* settled.updates;
        if (settled?.over) return;
        if (item.kind === 'over') break; // parked, followed through its wait: follow it again from here
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
    if (signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, PARK_POLL_MS));
  }
}
