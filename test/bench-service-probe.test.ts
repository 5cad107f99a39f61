import test from 'ava';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { reachable, skipReason, type BenchService } from '../bench/service-probe.ts';

// The bench's decision to skip a scenario whose Redis or PostgreSQL is not there, against real
// sockets: a listening one, and a port just closed (nothing listens there any more).
let open: Server;
let openPort = 0;
let closedPort = 0;

test.before(async () => {
  open = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
  openPort = (open.address() as AddressInfo).port;
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  closedPort = (gone.address() as AddressInfo).port;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
});
test.after.always(() => open?.close());

const service = (name: string, url: string): BenchService => ({ name, url, defaultPort: 1, variable: `CADRE_BENCH_${name.toUpperCase()}_URL` });

test('a port something listens on is reachable; a closed port or an unparsable URL is not', async (t) => {
  t.true(await reachable(`redis://127.0.0.1:${openPort}`, 6379));
  t.false(await reachable(`redis://127.0.0.1:${closedPort}`, 6379));
  t.false(await reachable('not a url', 6379));
  // No port in the URL: the service's default one.
  t.true(await reachable('redis://127.0.0.1', openPort));
});

test('a scenario runs when every service it needs answers, and is skipped with one line naming the first missing one', async (t) => {
  const redis = service('Redis', `redis://127.0.0.1:${openPort}`);
  t.is(await skipReason('redis', [redis]), null);
  const pg = service('PostgreSQL', `postgres://cadre:hunter2@127.0.0.1:${closedPort}/postgres`);
  const line = await skipReason('redis-scale', [redis, pg]);
  t.is(line, `redis-scale: skipped — no PostgreSQL at postgres://cadre:***@127.0.0.1:${closedPort}/postgres; start one (bash scripts/test-services.sh) or set CADRE_BENCH_POSTGRESQL_URL`);
  t.false(line!.includes('hunter2'), 'the password is not logged');
  t.regex((await skipReason('redis', [service('Redis', `redis://127.0.0.1:${closedPort}`)]))!, /^redis: skipped — no Redis at redis:\/\/127\.0\.0\.1:\d+; /);
});
