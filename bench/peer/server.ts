/**
 * The peer's process: the LangGraph JS API server (@langchain/langgraph-api's startServer, the
 * function its CLI's `dev` command runs in its child process), serving graph.ts, on a port the
 * bench chose. Forked by targets/langgraph-target.ts with an IPC channel so it answers "memory"
 * (process.memoryUsage() after a full gc) as Cadre's host does. Started this way rather than
 * through `langgraphjs dev`: no file watcher, no browser opened, no Studio URL, no update check.
 * Storage is the server's own in-memory ops, checkpointer and store (flushed to JSON files in
 * LANGGRAPH_PEER_CWD, a temporary directory the target removes).
 */
import { fileURLToPath } from 'node:url';
import { startServer } from '@langchain/langgraph-api/server';

const port = Number(process.env.PORT);
const cwd = process.env.LANGGRAPH_PEER_CWD;
// The queue runs one run per worker at a time: the bench's largest case must fit, or runs wait.
const nWorkers = Number(process.env.LANGGRAPH_PEER_WORKERS ?? 250);
if (!port || !cwd) throw new Error('PORT and LANGGRAPH_PEER_CWD are required');

const { host, cleanup } = await startServer({
  port, nWorkers, host: '127.0.0.1', cwd,
  graphs: { supervisor: `${fileURLToPath(new URL('./graph.ts', import.meta.url))}:graph` },
});
process.stderr.write(`langgraph peer: serving on ${host} with ${nWorkers} queue workers\n`);

process.on('message', (msg: { type: string; reqId: number }) => {
  if (msg.type !== 'memory') {
    process.send!({ type: 'error', reqId: msg.reqId, error: `unknown request ${msg.type}` });
    return;
  }
  // Two passes, as Cadre's host: the first frees what finalizers release.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    process.send!({ type: 'error', reqId: msg.reqId, error: 'gc is not exposed: fork with --expose-gc' });
    return;
  }
  gc();
  gc();
  process.send!({ type: 'memory', reqId: msg.reqId, usage: process.memoryUsage() });
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    cleanup().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`langgraph peer: cleanup failed: ${String(err)}\n`);
      process.exit(1);
    });
  });
}
process.on('disconnect', () => process.exit(0));
