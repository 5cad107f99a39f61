import test from 'ava';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCadre, type CadreProcess } from './helpers/cadre-process.ts';
import { uniqueName } from './helpers/backends.ts';

// The address the real process binds when HOST is unset (an empty HOST is unset). 127.0.0.2 is
// loopback too on Linux, but a socket bound to 127.0.0.1 alone does not answer there: it tells
// "loopback only" from "every interface" without depending on the machine's other interfaces.
const files: string[] = [];
const started: CadreProcess[] = [];
test.after.always(async () => {
  await Promise.all(started.map((p) => p.kill()));
  await Promise.all(files.flatMap((f) => ['', '-wal', '-shm'].map((s) => rm(f + s, { force: true }))));
});

async function start(env: Record<string, string>): Promise<{ cadre: CadreProcess; port: string }> {
  const file = join(tmpdir(), `${uniqueName('cadre_listen')}.sqlite`);
  files.push(file);
  const cadre = await startCadre({ HOST: '', DATABASE_URL: file, ...env });
  started.push(cadre);
  return { cadre, port: new URL(cadre.url).port };
}

const healthAt = (host: string, port: string) => fetch(`http://${host}:${port}/health`).then((res) => res.status, (err: Error) => (err.cause as { code?: string })?.code ?? err.message);

test('API keys off, HOST unset: listens on 127.0.0.1 only, and says how to expose it', async (t) => {
  const { cadre, port } = await start({});
  t.is(new URL(cadre.url).hostname, '127.0.0.1');
  t.is(await healthAt('127.0.0.1', port), 200);
  t.is(await healthAt('127.0.0.2', port), 'ECONNREFUSED');
  t.true(cadre.logs.some((line) => line.includes('set HOST=0.0.0.0 together with API_KEYS=required')), cadre.logs.join('\n'));
});

test('API keys required, HOST unset: listens on every interface, as before', async (t) => {
  const { cadre, port } = await start({ API_KEYS: 'required' });
  t.is(await healthAt('127.0.0.1', port), 200);
  t.is(await healthAt('127.0.0.2', port), 200);
  t.false(cadre.logs.some((line) => line.includes('loopback only')));
  // Neither METRICS_TOKEN nor METRICS_PUBLIC: /metrics is closed, and the log says so.
  t.is(await fetch(`http://127.0.0.1:${port}/metrics`).then((res) => res.status), 403);
  t.true(cadre.logs.some((line) => line.includes('/metrics answers 403')), cadre.logs.join('\n'));
});
