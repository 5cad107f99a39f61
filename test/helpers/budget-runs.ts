import { pollUntil, type CadreProcess } from './cadre-process.ts';
import type { CountingProviderServer } from './counting-provider-server.ts';

/** Helpers of the budget tests: a Cadre process's API on the counting fixture's model. */

export async function post(p: CadreProcess, action: string, body: unknown): Promise<any> {
  const res = await p.post(action, body);
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** A model row on the fixture at `url` (an openai-compatible server). */
export async function countedModel(p: CadreProcess, name: string, url: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await post(p, 'models/create', { name, provider: 'openai-compatible', model_id: 'counted', base_url: `${url}/v1`, ...extra })).id;
}

export const agent = (modelId: string, prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: modelId } });

/** A team named `name` of `workers`, each agent named on its prompt's first line (the fixture's key). */
export function team(modelId: string, name: string, workers: string[], extra: Record<string, unknown> = {}) {
  return {
    name, team_supervisor_agent: agent(modelId, `You are ${name}.`), ...extra,
    workers: workers.map((w) => ({ name: w, role: w, ...agent(modelId, `You are ${w}.`) })),
  };
}

/** Starts a run and answers its runs/get once it ended. */
export async function runToEnd(p: CadreProcess, hierarchyId: string, task: string, extra: Record<string, unknown> = {}): Promise<any> {
  const { id } = await post(p, 'runs/start', { hierarchy_id: hierarchyId, task, ...extra });
  return untilEnded(p, id);
}

/** The run's runs/get once it ended. */
export function untilEnded(p: CadreProcess, id: number): Promise<any> {
  return pollUntil(`run ${id} to end`, 60_000, async () => {
    const run = await post(p, 'runs/get', { id });
    return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  });
}

/** Requests the fixture got from the agent whose prompt begins `You are <who>.`. */
export const askedOf = (server: CountingProviderServer, who: string) => server.requests.filter((r) => r.key.startsWith(`You are ${who}. `)).length;

/** The fixture's usage of every call (10 input, 5 output tokens). */
export const ONE_CALL_TOKENS = 15;
/** A run max_tokens under which G, T and A fit and T's next call (its estimate with A's answer) does not. */
export const RUN_MAX_TOKENS = 120;
