/**
 * The Cadre server as the bench runs it: the real entry (src/main.ts), plus an IPC handler so
 * the bench can ask for memory after a full gc (the process is forked with --expose-gc).
 */
import type { ServerReply, ServerRequest } from '../protocol.ts';

const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', (msg: ServerRequest) => {
  const reply = (r: ServerReply) => process.send!(r);
  if (msg.type !== 'memory') {
    reply({ type: 'error', reqId: msg.reqId, error: `cadre host does not handle ${msg.type}` });
    return;
  }
  if (!gc) {
    reply({ type: 'error', reqId: msg.reqId, error: 'gc is not exposed: fork with --expose-gc' });
    return;
  }
  // Twice: the first pass can leave garbage that only a second (after finalizers) frees.
  gc();
  gc();
  reply({ type: 'memory', reqId: msg.reqId, usage: process.memoryUsage() });
});
// The bench went away without stopping us: shut down the way an operator would.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

await import('../../src/main.ts');
