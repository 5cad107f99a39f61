import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { oneLine } from './run-progress.ts';

/** `cadre agents cancel|steer` and `cadre respond`: control of one agent, answers to a human request. */

interface TopologyAgent {
  agent_id: string;
  name: string;
}

interface Topology {
  global_supervisor?: TopologyAgent;
  teams?: Array<{ name: string; supervisor?: TopologyAgent; workers?: TopologyAgent[] }>;
}

/** Every agent of a run's topology, with a label a user knows it by. */
function agentsOf(topology: Topology | null): Array<{ id: string; names: string[] }> {
  if (!topology) return [];
  const agents: Array<{ id: string; names: string[] }> = [];
  if (topology.global_supervisor) agents.push({ id: topology.global_supervisor.agent_id, names: [topology.global_supervisor.name] });
  for (const team of topology.teams ?? []) {
    if (team.supervisor) agents.push({ id: team.supervisor.agent_id, names: [`${team.name} supervisor`, team.supervisor.name] });
    for (const w of team.workers ?? []) agents.push({ id: w.agent_id, names: [w.name, `${team.name}/${w.name}`] });
  }
  return agents;
}

/**
 * The agent id for `ref`: an agent id of the run as it is, else the one agent named so
 * (a worker's name, `team/worker`, or `<team> supervisor`), so that users need not copy ids.
 * Anything else goes to the server as given: its 404 names the problem.
 */
export async function resolveAgent(client: ApiClient, runId: number, ref: string): Promise<string> {
  const run = await client.post<{ topology_snapshot: Topology | null }>('runs/get', { id: runId });
  const agents = agentsOf(run.topology_snapshot);
  if (agents.some((a) => a.id === ref)) return ref;
  const named = agents.filter((a) => a.names.some((n) => n.toLowerCase() === ref.trim().toLowerCase()));
  if (named.length === 1) return named[0]!.id;
  if (named.length > 1) {
    throw new CliError(`run ${runId} has ${named.length} agents named "${ref}": use one of ${named.map((a) => a.id).join(', ')}`, EXIT.usage);
  }
  return ref;
}

interface Outcome {
  status?: string;
  output?: string | null;
  partial_output?: string | null;
  error?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number; model_calls?: number; tool_calls?: number; cost_usd?: number };
}

/** One line of an outcome: `cancelled · 1 model call, 120 in / 40 out tokens · partial output (210 chars): …`. */
export function describeOutcome(outcome: Outcome | null | undefined): string {
  if (!outcome) return 'no outcome recorded';
  const parts = [outcome.status ?? 'unknown'];
  const u = outcome.usage;
  if (u) {
    parts.push(`${u.model_calls ?? 0} model call${u.model_calls === 1 ? '' : 's'}, ${u.input_tokens ?? 0} in / ${u.output_tokens ?? 0} out tokens`
      + `${(u.tool_calls ?? 0) > 0 ? `, ${u.tool_calls} tool calls` : ''}${(u.cost_usd ?? 0) > 0 ? `, $${u.cost_usd!.toFixed(4)}` : ''}`);
  }
  if (outcome.error) parts.push(oneLine(outcome.error, 100));
  if (outcome.partial_output) parts.push(`partial output (${outcome.partial_output.length} chars): ${oneLine(outcome.partial_output, 120)}`);
  else if (outcome.output) parts.push(`output: ${oneLine(outcome.output, 120)}`);
  return parts.join(' · ');
}

/** `cadre agents cancel <run> <agent>`: stops that agent's subtree; prints its outcome. */
export async function agentCancelCommand(client: ApiClient, runId: number, agentRef: string, flags: { json: boolean; graceful: boolean }): Promise<number> {
  const agentId = await resolveAgent(client, runId, agentRef);
  let answer: { agent_id: string; status: string; outcome?: Outcome | null };
  try {
    answer = await client.post('runs/agents/cancel', { id: runId, agent_id: agentId, mode: flags.graceful ? 'graceful' : 'hard' });
  } catch (err) {
    // Asked, not yet in effect (a graceful cancel waits for the model turn in progress): the cancel stands.
    if (!(err instanceof CliError && err.errorCode === 'AGENT_CANCEL_PENDING')) throw err;
    if (flags.json) process.stdout.write(`${JSON.stringify({ run_id: runId, agent_id: agentId, status: 'pending' })}\n`);
    else process.stdout.write(`agent ${agentId} of run ${runId}: cancel asked, not in effect yet (${err.message}); agent.cancelled shows when it is (cadre tail ${runId})\n`);
    return EXIT.ok;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else process.stdout.write(`agent ${answer.agent_id} of run ${runId} ${answer.status}: ${describeOutcome(answer.outcome)}\n`);
  return EXIT.ok;
}

/** `cadre agents steer <run> <agent> <message>`: the message joins that agent's next model turn. */
export async function agentSteerCommand(client: ApiClient, runId: number, agentRef: string, message: string, flags: { json: boolean }): Promise<number> {
  const agentId = await resolveAgent(client, runId, agentRef);
  const answer = await client.post<{ agent_id: string; status: string }>('runs/agents/steer', { id: runId, agent_id: agentId, message });
  if (flags.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else process.stdout.write(`agent ${answer.agent_id} of run ${runId} ${answer.status}: its next model turn gets the message\n`);
  return EXIT.ok;
}

export interface RespondFlags {
  json: boolean;
  approve?: boolean;
  deny?: boolean;
  answer?: string;
  message?: string;
}

/** The runs/respond body for the flags given: exactly one of --approve, --deny, --answer. */
export function respondBody(runId: number, requestId: string, flags: RespondFlags): Record<string, unknown> {
  const chosen = [flags.approve && '--approve', flags.deny && '--deny', flags.answer !== undefined && '--answer'].filter(Boolean);
  if (chosen.length !== 1) throw new CliError(`respond needs exactly one of --approve, --deny, --answer <text>${chosen.length > 1 ? ` (got ${chosen.join(' and ')})` : ''}`, EXIT.usage);
  if (flags.message !== undefined && flags.answer !== undefined) throw new CliError('--message goes with --approve or --deny; an answer is its own message', EXIT.usage);
  const body: Record<string, unknown> = { id: runId, request_id: requestId };
  if (flags.answer !== undefined) body.answer = flags.answer;
  else body.approve = flags.approve === true;
  if (flags.message !== undefined) body.message = flags.message;
  return body;
}

/** `cadre respond <run> <request_id> (--approve | --deny [--message m] | --answer text)`: resumes a run waiting for a human. */
export async function respondCommand(client: ApiClient, runId: number, requestId: string, flags: RespondFlags): Promise<number> {
  const answer = await client.post<Record<string, unknown>>('runs/respond', respondBody(runId, requestId, flags));
  if (flags.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else {
    const what = flags.answer !== undefined ? 'answered' : flags.approve ? 'approved' : 'denied';
    const status = typeof answer?.status === 'string' ? ` (run ${answer.status})` : '';
    process.stdout.write(`request ${requestId} of run ${runId} ${what}${status}\n`);
  }
  return EXIT.ok;
}
