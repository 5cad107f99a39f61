/** The CLI's exit codes (documented in the README's CLI section): scripts branch on them. */
export const EXIT = {
  /**
   * Success; for run/tail: the run completed — also when it completed with errors (some agent
   * failed, was cancelled, timed out or ran out of budget): it has an answer, and the summary
   * on stderr says "completed with errors".
   */
  ok: 0,
  /** The run failed (or the CLI met an error it has no better code for). */
  runFailed: 1,
  /** Bad command line: unknown command or option, missing argument. */
  usage: 2,
  runCancelled: 3,
  /** No answer from the server (refused, reset, DNS, timeout). */
  unreachable: 4,
  /** The server refused the request (4xx other than 401/403): unknown id, bad input, conflict. */
  refused: 5,
  /** 401/403: no key, a wrong or revoked key, or a tenant the key is not bound to. */
  unauthorized: 6,
  /** The server failed (5xx). */
  serverError: 7,
} as const;

/** An error the CLI reports in one line and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  /** The server's error_code, when the error is its answer. */
  readonly errorCode: string | undefined;

  constructor(message: string, exitCode: number, errorCode?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.errorCode = errorCode;
  }
}

/** The exit code for an HTTP error status. */
export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.unauthorized;
  if (status >= 500) return EXIT.serverError;
  return EXIT.refused;
}
