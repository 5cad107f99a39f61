import Database from 'libsql';
import { allEvents, type CadreProcess } from './cadre-process.ts';
import type { CountingProviderServer } from './counting-provider-server.ts';

/** The processes call the counting fixture on loopback: the operator allows it. */
export const COUNTED_ENV = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };

const WORKERS = ['A', 'B'];

/**
 * A hierarchy on the counting fixture: a global supervisor, one team whose supervisor asks
 * worker A then worker B (one after the other, so a run is often between them), each agent
 * named on its prompt's first line (the fixture's key).
 */
export async function countedHierarchy(p: CadreProcess, name: string, fixtureUrl: string, extra: Record<string, unknown> = {}): Promise<string> {
  const model = await p.post('models/create', { name, provider: 'openai-compatible', model_id: 'counted', base_url: `${fixtureUrl}/v1` });
  if (model.status !== 200) throw new Error(`models/create: ${JSON.stringify(model.body)}`);
  const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.body.data.id } });
  const h = await p.post('hierarchies/create', {
    name, global_supervisor_agent: agent(`You are G of ${name}.`), ...extra,
    teams: [{ name: 'T', team_supervisor_agent: agent(`You are T of ${name}.`),
      workers: WORKERS.map((w) => ({ name: w, role: w, ...agent(`You are ${w}.`) })) }],
  });
  if (h.status !== 200) throw new Error(`hierarchies/create: ${JSON.stringify(h.body)}`);
  return h.body.data.id;
}

interface RunView {
  resumes: { count: number; history: Array<{ checkpoint_sequence: number | null }> };
}

/**
 * Checks at the fixture that the run of `task` asked each worker for its answer as often as it
 * may: once when never resumed; a worker whose completion its first resume's checkpoint covers
 * (completed at or before that checkpoint's sequence) exactly once — a finished step is not
 * redone; any other at most once more per resume (it was in flight when its owner was lost).
 * Returns what is wrong, or null; `covered` counts the workers the checkpoint covered.
 */
export function checkWorkerAnswers(fixture: CountingProviderServer, task: string, run: RunView,
  events: Array<{ sequence: number; event: { action: string }; data: any }>): { error: string | null; covered: number } {
  const asked = (w: string) => fixture.requests.filter((r) => r.worker && r.key.startsWith(`You are ${w}. `) && r.key.includes(task)).length;
  const checkpoint = run.resumes.history[0]?.checkpoint_sequence ?? 0;
  let covered = 0;
  for (const w of WORKERS) {
    const n = asked(w);
    const done = events.filter((e) => e.event.action === 'worker_completed' && e.data.worker_name === w);
    if (done.length === 0) return { error: `worker ${w} never completed`, covered };
    if (run.resumes.count === 0 && n !== 1) return { error: `worker ${w} asked ${n} times in a run never resumed`, covered };
    if (done[0]!.sequence <= checkpoint) {
      covered++;
      if (n !== 1) return { error: `worker ${w} completed at ${done[0]!.sequence}, under the checkpoint at ${checkpoint}, yet was asked ${n} times`, covered };
    }
    if (n > 1 + run.resumes.count) return { error: `worker ${w} asked ${n} times in ${run.resumes.count} resumes`, covered };
  }
  return { error: null, covered };
}

/**
 * Whether (how many) finished workers of the runs their stored checkpoints (run id → covered
 * sequence, as the test read them from the database) cover — 0 or more than 0: a kill after this
 * has work a resume must not redo.
 */
export async function workersUnderCheckpoints(p: CadreProcess, ids: number[], checkpoints: Map<number, number>): Promise<number> {
  let covered = 0;
  // Runs with the furthest checkpoint first, and done at the first covered worker: the caller kills
  // on it, so each probe stays cheap while the runs go on (they last seconds).
  for (const id of ids.filter((i) => checkpoints.has(i)).sort((a, b) => checkpoints.get(b)! - checkpoints.get(a)!)) {
    const at = checkpoints.get(id)!;
    covered += (await allEvents(p, id)).filter((e) => e.event.action === 'worker_completed' && e.sequence <= at).length;
    if (covered > 0) return covered;
  }
  return covered;
}

/** The runs' stored checkpoints (run id → covered sequence), read straight from a SQLite database file (read-only). */
export function checkpointsInSqliteFile(file: string): Map<number, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('select run_id, sequence from run_checkpoint').all() as Array<{ run_id: number; sequence: number }>;
    return new Map(rows.map((r) => [Number(r.run_id), Number(r.sequence)]));
  } finally {
    db.close();
  }
}
