import type { ActorNode } from '../actors/actor-tree.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import type { ControlChannel } from '../host/control-channel.ts';
import type { RunOwnership } from '../domain/run-ownership.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { terminalStatuses, type RunRecord } from '../domain/run-records.ts';
import { inspectAt, type TimeTravelAnswer } from './run-time-travel.ts';

/** What describing a run's tree needs: this process's runtime, and the ways to ask the run's owner. */
export interface RunTreeDeps {
  runtime: RunRuntime;
  ownership: RunOwnership;
  control: ControlChannel | null;
  eventLog: EventLog;
}

export type RunTreeAnswer = { run_id: number; live: boolean; status: string; tree: ActorNode | null } | TimeTravelAnswer;

/** How long the owner of a run may take to publish its tree through the database (without Redis, with its heartbeat). */
const OWNER_TREE_WAIT_MS = 5000;
const OWNER_TREE_POLL_MS = 100;

/**
 * The run's tree (runs/inspect): live here, live from its owner (asked over Redis, else through
 * the database), or the final one stored with its statistics; with `atSequence`, as it was at
 * that event (time travel, see run-time-travel.ts).
 */
export async function runTree(deps: RunTreeDeps, repos: TenantRepositories, run: RunRecord, atSequence?: number): Promise<RunTreeAnswer> {
  const { id } = run;
  if (atSequence !== undefined) return inspectAt(deps.eventLog, run, atSequence);
  const live = deps.runtime.inspect(repos.tenantId, id);
  if (live) return { run_id: id, live: true, status: run.status, tree: live };
  const { control } = deps;
  if (control && run.owner && !terminalStatuses.has(run.status)) {
    // Executing in another process: its owner describes the live tree.
    const answer = await control.ask(run.owner, { kind: 'inspect', runId: id, tenantId: repos.tenantId }, 3000);
    if (answer?.found && answer.tree) return { run_id: id, live: true, status: run.status, tree: answer.tree };
  } else if (run.owner && !terminalStatuses.has(run.status)) {
    const tree = await treeFromOwner(deps.ownership, repos, id);
    if (tree) return { run_id: id, live: true, status: run.status, tree };
  }
  const stored = (run.statistics?.actor_tree as ActorNode | undefined) ?? null;
  return { run_id: id, live: false, status: run.status, tree: stored };
}

/** Without Redis the owner answers through the database, with its next heartbeat; null once the run ended or the wait is over. */
async function treeFromOwner(ownership: RunOwnership, repos: TenantRepositories, id: number): Promise<ActorNode | null> {
  const asked = new Date();
  if (!(await ownership.requestInspect(id, repos.tenantId, asked))) return null;
  const deadline = Date.now() + OWNER_TREE_WAIT_MS;
  while (Date.now() < deadline) {
    const published = await ownership.publishedTree(id, repos.tenantId);
    if (published && published.at.getTime() >= asked.getTime()) return published.tree as unknown as ActorNode;
    const status = await repos.runs.statusOf(id);
    if (status === null || terminalStatuses.has(status)) return null;
    await new Promise((resolve) => setTimeout(resolve, OWNER_TREE_POLL_MS));
  }
  return null;
}
