/**
 * npm (`npm start`, `npx cadre`) passes the SIGINT and SIGTERM it receives on to the command it
 * runs, and a terminal's Ctrl-C reaches that command directly as well: one Ctrl-C arrives twice,
 * a few milliseconds apart. A repeat within this long is the same signal, not a second one.
 */
export const SIGNAL_REPEAT_MS = 500;

/**
 * Calls `first` on the first `signal`; a later one (past SIGNAL_REPEAT_MS) calls `again`, by
 * default: leave at once, ended by the signal as if nothing handled it (the shell's 128 + n).
 * Answers a function that removes the handler.
 */
export function onSignal(signal: NodeJS.Signals, first: () => void, again?: () => void): () => void {
  let firstAt: number | undefined;
  const handler = () => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      first();
    } else if (Date.now() - firstAt >= SIGNAL_REPEAT_MS) {
      if (again) return again();
      process.off(signal, handler);
      process.kill(process.pid, signal);
    }
  };
  process.on(signal, handler);
  return () => process.off(signal, handler);
}
