/**
 * The services some scenarios need beyond the embedded Cadre (Redis; PostgreSQL for several
 * processes on one database), and a short TCP probe of each before such a scenario starts: with
 * nothing listening, the scenario is skipped with one line saying how to enable it, instead of
 * its servers retrying the connection for ever.
 */
import { connect } from 'node:net';
import { BENCH_REDIS_URL } from './scenarios/redis.ts';
import { BENCH_PG_URL } from './targets/bench-database.ts';

export interface BenchService {
  name: string;
  url: string;
  defaultPort: number;
  /** The variable that points the bench at another instance. */
  variable: string;
}

export const REDIS: BenchService = { name: 'Redis', url: BENCH_REDIS_URL, defaultPort: 6379, variable: 'CADRE_BENCH_REDIS_URL' };
export const POSTGRESQL: BenchService = { name: 'PostgreSQL', url: BENCH_PG_URL, defaultPort: 5432, variable: 'CADRE_BENCH_PG_URL' };

const PROBE_TIMEOUT_MS = 2000;

/** Whether something accepts a TCP connection at the URL's host and port within `timeoutMs`. */
export function reachable(url: string, defaultPort: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
    port = Number(parsed.port || defaultPort);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The URL as logged: without its password. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

/** Why `scenario` cannot run: the first of its services that is unreachable, as one line; null when all answer. */
export async function skipReason(scenario: string, needs: readonly BenchService[], probe = reachable): Promise<string | null> {
  for (const service of needs) {
    if (await probe(service.url, service.defaultPort)) continue;
    return `${scenario}: skipped — no ${service.name} at ${shown(service.url)}; start one (bash scripts/test-services.sh) or set ${service.variable}`;
  }
  return null;
}
