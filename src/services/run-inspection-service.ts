import { InspectionConverter } from '../actors/actor-inspection.ts';
import type { ActorNode } from '../actors/actor-tree.ts';
import type { InspectionListener } from '../domain/inspection-schemas.ts';
import type { TenantRepositories } from '../domain/repositories.ts';
import { terminalStatuses } from '../domain/run-records.ts';
import type { InspectionRelay } from '../host/inspection-relay.ts';
import type { RunRuntime } from '../host/run-runtime.ts';
import type { RunService } from './run-service.ts';

export interface RunInspectionDeps {
  runs: RunService;
  runtime: RunRuntime;
  /** With Redis: the owner of a run executing elsewhere relays its inspection. Null: none. */
  relay: InspectionRelay | null;
  /** How often a run live elsewhere that cannot be relayed has its tree read again (default 2 s). */
  pollMs?: number;
  /** How long the owner has to answer that it relays (default 3 s). */
  askMs?: number;
}

/**
 * A run's actor system as developers follow it (runs/inspect/stream), from any process: executing
 * here, its own inspection; executing elsewhere with Redis, relayed by its owner; otherwise from
 * the trees runs/inspect describes — an ended run's stored one (then the stream ends), or one
 * read from its owner every `pollMs` while it is live elsewhere without a relay (or still
 * waits for a process), until it can be followed live or ends.
 */
export class RunInspectionService {
  readonly #deps: RunInspectionDeps;

  constructor(deps: RunInspectionDeps) {
    this.#deps = deps;
  }

  /** Starts telling `listener` about the tenant's run (404 when it has none of that id); answers how to stop. */
  async open(repos: TenantRepositories, id: number, listener: InspectionListener): Promise<() => void> {
    await this.#deps.runs.get(repos, id);
    let stop: (() => void) | null = null;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const known = new Map<string, string>();
    const converter = new InspectionConverter(`run:${id}`, () => []);
    const tick = async (): Promise<void> => {
      stop = await this.#followLive(repos, id, listener);
      if (stop || stopped) {
        if (stopped) stop?.();
        return;
      }
      // A described tree is what runs/inspect answers the tenant already: nothing in it is the run's to hide more.
      const answer = await this.#deps.runs.inspect(repos, id);
      if (stopped) return;
      const tree = answer.tree as ActorNode | null;
      if (tree) {
        const batch = converter.described(tree, known);
        if (batch.length > 0) listener.events(batch);
      }
      if ((terminalStatuses as ReadonlySet<string>).has(answer.status)) {
        listener.end();
        return;
      }
      timer = setTimeout(() => void tick().catch(fail), this.#deps.pollMs ?? 2000);
    };
    const fail = (err: unknown) => {
      if (!stopped) listener.end(err instanceof Error ? err.message : String(err));
    };
    await tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      stop?.();
    };
  }

  /** The run followed live, here or relayed by its owner; null when neither can be had now. */
  async #followLive(repos: TenantRepositories, id: number, listener: InspectionListener): Promise<(() => void) | null> {
    const { runtime, relay, runs } = this.#deps;
    const here = runtime.watch(repos.tenantId, id, listener);
    if (here || !relay) return here;
    const run = await runs.get(repos, id);
    if (!run.owner || terminalStatuses.has(run.status)) return null;
    return relay.follow(run.owner, id, repos.tenantId, listener, this.#deps.askMs ?? 3000);
  }
}
