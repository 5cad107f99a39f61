import { pino, type DestinationStream } from 'pino';

/** Structured logs: one JSON line per entry (pino), so logs stay machine-readable. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * A pino logger behind Cadre's Logger interface: `{"level":"info","time":"<ISO>","pid":…,
 * "hostname":…,"msg":…,…fields}`. Lines go to stderr (synchronously, so none is lost when the
 * process exits), or to `write` one line at a time (without its newline) when given.
 */
export function createLogger(level: LogLevel = 'info', write?: (line: string) => void): Logger {
  const destination: DestinationStream = write
    ? { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) }
    : pino.destination({ dest: 2, sync: true });
  const log = pino({
    level,
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names, not pino's numbers: what LOG_LEVEL says and what a reader greps for.
    formatters: { level: (label) => ({ level: label }) },
  }, destination);
  return {
    debug: (msg, fields) => log.debug(fields ?? {}, msg),
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}

export const silentLogger: Logger = createLogger('silent');
