/** Cadre itself as a bench target: the real server process (cadre-host.ts → src/main.ts). */
import { join } from 'node:path';
import { mapLimit, postJson } from '../http-json.ts';
import { ForkedServer } from './forked-server.ts';
import type { Target, Workload } from './target.ts';

export interface CadreTargetOptions {
  /** Pass --cpu-prof to the server; profiles land in this directory. */
  cpuProfDir?: string;
  /** Extra environment for the server (e.g. DATABASE_URL for another backend). */
  env?: Record<string, string>;
}

const TEAMS = ['Analysts', 'Writers', 'Reviewers'];
const WORKERS = ['a', 'b', 'c'];

export class CadreTarget implements Target {
  readonly name = 'cadre';
  readonly needsTemplate = false;
  base = '';
  readonly #server: ForkedServer;
  readonly #hierarchies = new Map<string, string>();

  constructor(opts: CadreTargetOptions = {}) {
    const execArgv = ['--expose-gc'];
    if (opts.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
    this.#server = new ForkedServer({
      label: 'Cadre server', script: './targets/cadre-host.ts', dirPrefix: 'cadre-bench-', execArgv, healthPath: '/health', stopGraceMs: 30_000,
      env: (port, dir) => ({
        ...process.env,
        PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
        DATABASE_URL: join(dir, 'cadre.sqlite'),
        // Every scenario's runs execute at once; none waits for a slot.
        MAX_CONCURRENT_RUNS: '20000',
        // ...and no bound on queued or per-tenant active runs refuses them (every run is one tenant's).
        MAX_QUEUED_RUNS: '100000', TENANT_MAX_ACTIVE_RUNS: '100000',
        ...opts.env,
      }),
    });
  }

  async launch(): Promise<void> {
    this.base = `${await this.#server.launch()}/api/executor/v1`;
  }

  /**
   * What checkpointing cost so far in this process, from its /metrics: how many checkpoints were
   * stored, their mean and largest size (the upper bound of the highest bucket reached) and the
   * mean time to store one.
   */
  async checkpointFigures(): Promise<{ count: number; mean_bytes: number; largest_bytes_at_most: number | null; mean_ms: number }> {
    const text = await (await fetch(this.base.replace(/\/api\/executor\/v1$/, '/metrics'))).text();
    const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    const count = value('cadre_checkpoint_bytes_count');
    const buckets = [...text.matchAll(/^cadre_checkpoint_bytes_bucket\{le="([^"]+)"\} ([0-9.e+-]+)$/gm)]
      .map((m) => ({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), n: Number(m[2]) }));
    const full = buckets.find((b) => b.n >= count);
    return {
      count,
      mean_bytes: Math.round(value('cadre_checkpoint_bytes_sum') / count),
      largest_bytes_at_most: full && Number.isFinite(full.le) ? full.le : null,
      mean_ms: Math.round(value('cadre_checkpoint_seconds_sum') / value('cadre_checkpoint_seconds_count') * 1000 * 100) / 100,
    };
  }

  async prepare(w: Workload): Promise<string> {
    const key = `${w.tokenDelayMs}/${w.replyTokens}/${w.reasoning ?? true}`;
    const known = this.#hierarchies.get(key);
    if (known) return known;
    const model = await postJson<{ id: string }>(`${this.base}/models/create`, {
      name: `bench-${w.name}-${Date.now()}`, model_id: 'sim', provider: 'simulated',
      params: { token_delay_ms: w.tokenDelayMs, reply_tokens: w.replyTokens, reasoning: w.reasoning ?? true },
    });
    const agent = (prompt: string) => ({ system_prompt: prompt, llm_config: { model_id: model.data.id } });
    // 1 global supervisor + 3 teams × (1 supervisor + 3 workers) = 13 agents per run.
    const hierarchy = await postJson<{ id: string }>(`${this.base}/hierarchies/create`, {
      name: `bench-${w.name}-${Date.now()}`, execution_mode: 'parallel', global_supervisor_agent: agent('You coordinate the teams.'),
      teams: TEAMS.map((t) => ({
        name: t, team_supervisor_agent: agent(`You lead the ${t}.`),
        workers: WORKERS.map((x) => ({ name: `${t}-${x}`, role: 'analyst', ...agent(`You are ${t}-${x}, an analyst.`) })),
      })),
    });
    this.#hierarchies.set(key, hierarchy.data.id);
    return hierarchy.data.id;
  }

  memory(): Promise<NodeJS.MemoryUsage> {
    return this.#server.memory();
  }

  /** The server's OS pid (a run's owner id names it: host-pid-random), undefined before launch. */
  get pid(): number | undefined {
    return this.#server.pid;
  }

  cpuMs(): Promise<number> {
    return this.#server.cpuMs();
  }

  async waitRunning(ids: number[], timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    let waiting = ids;
    while (Date.now() < until) {
      const statuses = await mapLimit(waiting, 16, async (id) => (await postJson<{ status: string }>(`${this.base}/runs/get`, { id })).data.status);
      const ended = statuses.filter((s) => s !== 'running' && s !== 'pending');
      if (ended.length > 0) throw new Error(`${ended.length} runs ended while waiting for them to run (${ended[0]})`);
      waiting = waiting.filter((_, i) => statuses[i] !== 'running');
      if (waiting.length === 0) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  }

  /** Agents in a live run's actor tree (runs/inspect), to say what "one run tree" held. */
  async agentsOf(id: number): Promise<number> {
    type Node = { agent_id?: string; children: Node[] };
    const view = await postJson<{ tree: Node | null }>(`${this.base}/runs/inspect`, { id });
    const count = (n: Node | null): number => (n ? (n.agent_id ? 1 : 0) + n.children.reduce((s, c) => s + count(c), 0) : 0);
    return count(view.data.tree);
  }

  async cancel(ids: number[]): Promise<void> {
    await mapLimit(ids, 16, async (id) => {
      try {
        await postJson(`${this.base}/runs/cancel`, { id });
      } catch (err) {
        // 409: it ended on its own meanwhile — nothing left to cancel; anything else is a failure.
        if (!String(err).includes('HTTP 409')) throw err;
      }
    });
  }

  async storedEvents(ids: number[]): Promise<number> {
    const counts = await mapLimit(ids, 16, async (id) => {
      const run = await postJson<{ statistics: { event_count?: number } | null }>(`${this.base}/runs/get`, { id });
      return run.data.statistics?.event_count ?? 0;
    });
    return counts.reduce((a, b) => a + b, 0);
  }

  /** One ended run's whole history (for a baseline to replay, or to count). */
  async history(id: number): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let next: string | null = '-';
    for (let pages = 0; next !== null && pages < 1000; pages++) {
      const page: { data: { events: Array<Record<string, unknown>>; has_more: boolean; next_id: string | null } } =
        await postJson(`${this.base}/runs/events`, { id, start_id: next, limit: 1000 });
      out.push(...page.data.events);
      next = page.data.has_more ? page.data.next_id : null;
    }
    return out;
  }

  async recover(): Promise<void> {
    await this.stop();
    this.#hierarchies.clear();
    await this.launch();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }
}
