/**
 * The LangGraph JS API server as a bench target (bench/peer/server.ts in its own process, on
 * Node 24 as the bench itself). It does not speak Cadre's API: the clients reach it through
 * peer-follower.ts (StreamsJob.peer), and the background runs of the memory case go through
 * its threads API from here. `base` is the server's origin. Memory is process.memoryUsage()
 * after a full gc, answered over IPC by our launcher, as Cadre's host answers it.
 */
import { mapLimit } from '../http-json.ts';
import { ForkedServer } from './forked-server.ts';
import type { Target, Workload } from './target.ts';

/** The graph id in bench/peer/server.ts; the server registers an assistant under that name. */
export const PEER_ASSISTANT = 'supervisor';
/** Model turns per run of bench/peer/graph.ts: 2 for the global supervisor, 2 per team supervisor, 1 per worker. */
export const PEER_TURNS = 2 + 3 * 2 + 9;

/**
 * Off: no LangSmith tracing (it would try to reach api.smith.langchain.com). Logs at error: at
 * warn the server logs a line per cancelled running run ("Attempted to cancel non-pending run",
 * it aborts it all the same), which would bury the bench's progress.
 */
const OFFLINE_ENV = {
  LANGSMITH_TRACING: 'false', LANGSMITH_TRACING_V2: 'false', LANGCHAIN_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false',
  LANGCHAIN_CALLBACKS_BACKGROUND: 'false', LOG_LEVEL: 'error', LOG_JSON: 'false',
};

async function json<T>(url: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(url, {
    method: init?.method ?? 'GET',
    ...(init?.body !== undefined && { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export class LangGraphTarget implements Target {
  readonly name = 'langgraph';
  readonly needsTemplate = false;
  base = '';
  readonly #server: ForkedServer;
  /** Background runs (memory case) by the ids handed to the scenario. */
  #runs: Array<{ thread: string; run: string }> = [];

  /** `workers`: the server's queue workers, each runs one run at a time (≥ the largest case's live runs). */
  constructor(workers = 250) {
    this.#server = new ForkedServer({
      label: 'LangGraph server', script: './peer/server.ts', dirPrefix: 'langgraph-peer-', execArgv: ['--expose-gc'], healthPath: '/ok', stopGraceMs: 15_000,
      env: (port, dir) => ({ ...process.env, ...OFFLINE_ENV, PORT: String(port), LANGGRAPH_PEER_CWD: dir, LANGGRAPH_PEER_WORKERS: String(workers) }),
    });
  }

  async launch(): Promise<void> {
    this.base = await this.#server.launch();
  }

  /** The graph is fixed; the workload's pace travels with each run (its configurable). */
  async prepare(_w: Workload): Promise<string> {
    return PEER_ASSISTANT;
  }

  /** Starts `count` background runs, one thread each; answers ids for waitRunning and cancel. */
  async startBackground(count: number, configurable: Record<string, unknown>): Promise<number[]> {
    return mapLimit(Array.from({ length: count }, (_, i) => i), 16, async (i) => {
      const thread = await json<{ thread_id: string }>(`${this.base}/threads`, { method: 'POST', body: {} });
      const run = await json<{ run_id: string }>(`${this.base}/threads/${thread.thread_id}/runs`, {
        method: 'POST', body: { assistant_id: PEER_ASSISTANT, input: { task: `memory ${i}` }, config: { configurable } },
      });
      return this.#runs.push({ thread: thread.thread_id, run: run.run_id }) - 1;
    });
  }

  memory(): Promise<NodeJS.MemoryUsage> {
    return this.#server.memory();
  }

  cpuMs(): Promise<number> {
    return this.#server.cpuMs();
  }

  #run(id: number): { thread: string; run: string } {
    const r = this.#runs[id];
    if (!r) throw new Error(`no background run ${id} on the peer`);
    return r;
  }

  async waitRunning(ids: number[], timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    let waiting = ids;
    while (Date.now() < until) {
      const statuses = await mapLimit(waiting, 16, async (id) => {
        const { thread, run } = this.#run(id);
        return (await json<{ status: string }>(`${this.base}/threads/${thread}/runs/${run}`)).status;
      });
      const ended = statuses.filter((s) => s !== 'running' && s !== 'pending');
      if (ended.length > 0) throw new Error(`${ended.length} peer runs ended while waiting for them to run (${ended[0]})`);
      waiting = waiting.filter((_, i) => statuses[i] !== 'running');
      if (waiting.length === 0) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  }

  /**
   * Cancels background runs. Streamed runs need nothing: they are stateless runs started with
   * on_disconnect "cancel", ended by the server when their client goes (ids unknown here).
   */
  async cancel(ids: number[]): Promise<void> {
    const mine = ids.filter((id) => this.#runs[id] !== undefined);
    await mapLimit(mine, 16, async (id) => {
      const { thread, run } = this.#run(id);
      await json(`${this.base}/threads/${thread}/runs/${run}/cancel?action=interrupt`, { method: 'POST' });
    });
  }

  /** The peer stores no per-run event log to count. */
  async storedEvents(_ids: number[]): Promise<undefined> {
    return undefined;
  }

  async recover(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.#server.stop();
    this.#runs = [];
  }
}
