import type { AnyActorRef } from 'xstate';
import type { AgentPlan } from './run-plan.ts';
import { draftOf } from './agent-messages.ts';
import type { EventDraft } from '../events/run-event.ts';
import type { OfferedTool } from '../tools/worker-tool.ts';
import { ASK_HUMAN, questionOf } from '../tools/ask-human-tool.ts';
import { deniedText, type HumanResponse, type PendingInput } from '../domain/human-input.ts';

/**
 * Human in the loop inside a run: which worker tool calls wait for a person (an `ask_human`
 * question, or a call of a tool declared `approval: "always"`), the events that announce and
 * settle them, and — for the process executing the run — whether the whole run is waiting for
 * nothing but people (then it is parked as a checkpoint: src/host/run-parking.ts).
 */

/** What a waiting call holds until a human answers (plain data, in the worker's context and so in checkpoints). */
export interface HumanNeed {
  requestId: string;
  kind: 'approval' | 'question';
  question: string | null;
  requestedAt: string;
}

/** A human's answer delivered to the worker that asked (at its address, `agent:<agent id>`). */
export interface HumanResponseEvent {
  type: 'HUMAN.RESPONSE';
  response: HumanResponse;
}

/** A worker's tool call (WorkerToolCall) as this module reads and writes it. */
export interface HumanGatedCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  error?: string;
  /** The id of the tool-call actor running it (unique within the worker). */
  actorId: string;
  done: boolean;
  ok: boolean;
  output: string;
  /** Set while the call waits for a human (cleared once approved: then it runs). */
  human?: HumanNeed;
  /** How long its tool ran, once done (absent: it did not run a tool, or a checkpoint made before durations). */
  durationMs?: number;
}

/** Whether the worker's tools make this call wait for an approval (an MCP tool by its server, or server/tool). */
function needsApproval(agent: AgentPlan, toolName: string, external: OfferedTool | undefined): boolean {
  const approval = agent.approvalTools;
  if (!approval || approval.length === 0) return false;
  if (!external) return approval.includes(toolName);
  return approval.includes(external.source) || (external.remoteName !== undefined && approval.includes(`${external.source}/${external.remoteName}`));
}

/** The call as the worker holds it: waiting for a human when it must, with an error when ask_human got no usable question. */
export function gateCall<C extends HumanGatedCall>(agent: AgentPlan, call: C, external: OfferedTool | undefined): C {
  if (call.error) return call;
  const base = { requestId: `${agent.agentId}/${call.actorId}`, requestedAt: new Date().toISOString() };
  if (call.toolName === ASK_HUMAN && !external) {
    const asked = questionOf(call.input);
    if ('error' in asked) return { ...call, error: asked.error };
    return { ...call, human: { ...base, kind: 'question', question: asked.question } };
  }
  return needsApproval(agent, call.toolName, external) ? { ...call, human: { ...base, kind: 'approval', question: null } } : call;
}

export const awaitsHuman = (call: HumanGatedCall): boolean => call.human !== undefined && !call.done;

/** The open requests of a worker's calls, as runs/get lists them. */
export function pendingInputsOf(agent: AgentPlan, calls: readonly HumanGatedCall[]): PendingInput[] {
  return calls.filter(awaitsHuman).map((call) => ({
    request_id: call.human!.requestId, agent_id: agent.agentId, kind: call.human!.kind, tool_name: call.toolName,
    arguments: call.input, question: call.human!.question, requested_at: call.human!.requestedAt,
  }));
}

/** `human.requested` for each call of the turn that waits for a human. */
export function humanRequestDrafts(agent: AgentPlan, calls: readonly HumanGatedCall[]): EventDraft[] {
  return pendingInputsOf(agent, calls).map(({ agent_id: _agent, ...request }) => draftOf(agent, 'human', 'requested', {
    ...request, tool_call_id: calls.find((c) => c.human?.requestId === request.request_id)!.toolCallId,
  }));
}

/**
 * A human's answer applied to the worker's calls: null when no call of it waits for this
 * request. Approved → the call runs (`run`); denied → its result is "denied by a human"; a
 * question → the answer is its result.
 */
export function applyHumanResponse<C extends HumanGatedCall>(agent: AgentPlan, calls: readonly C[], response: HumanResponse): { calls: C[]; draft: EventDraft; run: C | null } | null {
  const call = calls.find((c) => awaitsHuman(c) && c.human!.requestId === response.requestId);
  if (!call) return null;
  const human = call.human!;
  let next: C;
  if (human.kind === 'question') next = { ...call, human: undefined, done: true, ok: true, output: response.answer ?? '' };
  else if (response.approve) next = { ...call, human: undefined };
  else next = { ...call, human: undefined, done: true, ok: false, output: deniedText(response.message) };
  const draft = draftOf(agent, 'human', 'responded', {
    request_id: human.requestId, kind: human.kind, tool_name: call.toolName, tool_call_id: call.toolCallId,
    ...(human.kind === 'approval' ? { approved: response.approve === true } : { answer: response.answer ?? '' }),
    ...(response.message !== undefined && { message: response.message }),
  });
  return { calls: calls.map((c) => (c === call ? next : c)), draft, run: human.kind === 'approval' && response.approve ? next : null };
}

/** Logic names whose live actors mean the run is at work (a model or tool call in flight). */
const WORKING = new Set(['modelTurn', 'toolCall']);

interface LiveSnapshot {
  status?: string;
  value?: unknown;
  context?: { agent?: AgentPlan; calls?: HumanGatedCall[] };
  children?: Record<string, AnyActorRef | undefined>;
}

/**
 * The requests a run waits for when it waits for nothing else: its root is running, no model or
 * tool call is in flight anywhere in its tree, and some worker has a request open. Null while
 * anything works (in parallel mode other workers go on first) or nobody asked.
 */
export function waitingInputs(run: AnyActorRef): PendingInput[] | null {
  const root = run.getSnapshot() as LiveSnapshot;
  if (root.status !== 'active' || root.value !== 'running') return null;
  const pending: PendingInput[] = [];
  const busy = (actor: LiveSnapshot): boolean => {
    for (const child of Object.values(actor.children ?? {})) {
      if (!child) continue;
      const snapshot = child.getSnapshot() as LiveSnapshot;
      if (snapshot.status !== 'active') continue;
      if (typeof child.src === 'string' && WORKING.has(child.src)) return true;
      const context = snapshot.context;
      if (context?.agent?.agentType === 'worker' && context.calls) pending.push(...pendingInputsOf(context.agent, context.calls));
      if (busy(snapshot)) return true;
    }
    return false;
  };
  if (busy(root)) return null;
  return pending.length > 0 ? pending : null;
}

interface PersistedRun {
  context?: { startedAtMs?: number | null };
  children?: Record<string, { snapshot?: { input?: { kind?: string; atMs?: number } } } | undefined>;
}

/**
 * Pauses a parked run's time limit: its checkpoint's start and its deadline timer's instant move
 * on by the time it waited (the deadline is an absolute instant, so a restored run keeps it).
 * Changes `snapshot` in place (a parsed copy).
 */
export function shiftDeadline(snapshot: unknown, waitedMs: number): void {
  const run = snapshot as PersistedRun | null;
  if (!run || waitedMs <= 0) return;
  if (typeof run.context?.startedAtMs === 'number') run.context.startedAtMs += waitedMs;
  for (const child of Object.values(run.children ?? {})) {
    const input = child?.snapshot?.input;
    if (input?.kind === 'deadline' && typeof input.atMs === 'number') input.atMs += waitedMs;
  }
}

interface PersistedActor {
  /** `kind` is a checkpoint's from before agent contexts were grouped (see checkpoint-upgrade.ts). */
  context?: { kind?: string; agent?: { agentType?: string }; calls?: HumanGatedCall[] };
  children?: Record<string, { snapshot?: PersistedActor } | undefined>;
}

/** Whether a checkpoint holds a call waiting for a human (a restored run is then watched for parking). */
export function checkpointAwaitsHuman(snapshot: unknown): boolean {
  const visit = (actor: PersistedActor | undefined): boolean => {
    if (!actor) return false;
    const worker = actor.context?.agent?.agentType === 'worker' || actor.context?.kind === 'worker';
    if (worker && actor.context?.calls?.some(awaitsHuman)) return true;
    return Object.values(actor.children ?? {}).some((child) => visit(child?.snapshot));
  };
  return visit(snapshot as PersistedActor | undefined);
}

/** What the model reads for a call whose request was withdrawn (its agent was cancelled before anyone answered). */
export const WITHDRAWN = 'cancelled before a human answered';

/** The agent is being cancelled: its open requests are withdrawn (`human.withdrawn`), their calls done, so nothing waits on them. */
export function withdrawHumanRequests<C extends HumanGatedCall>(agent: AgentPlan, calls: readonly C[]): { calls: C[]; drafts: EventDraft[] } {
  const drafts = calls.filter(awaitsHuman).map((c) => draftOf(agent, 'human', 'withdrawn', { request_id: c.human!.requestId, tool_name: c.toolName, tool_call_id: c.toolCallId }));
  return { calls: calls.map((c) => (awaitsHuman(c) ? { ...c, human: undefined, done: true, ok: false, output: WITHDRAWN } : c)), drafts };
}
