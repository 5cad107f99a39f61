import { CliError, EXIT, exitCodeForStatus } from './exit-codes.ts';

export interface ClientOptions {
  url: string;
  tenant?: string;
  key?: string;
}

/** The server's error envelope, or whatever came instead. */
interface ErrorEnvelope {
  error?: unknown;
  error_code?: unknown;
}

const API_PREFIX = '/api/executor/v1';
/** A plain API call that takes longer than this is treated as an unreachable server. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The Cadre HTTP API as the CLI uses it: JSON envelopes in, `data` out, errors as CliErrors. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #tenant: string | undefined;
  readonly #key: string | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.#tenant = options.tenant;
    this.#key = options.key;
  }

  /** Headers every request carries: the key and the tenant, when given. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.#key && { authorization: `Bearer ${this.#key}` }),
      ...(this.#tenant && { 'x-tenant-id': this.#tenant }),
      ...extra,
    };
  }

  /** POST {resource}/{action}; answers the envelope's `data`. */
  async post<T = any>(action: string, body: unknown = {}): Promise<T> {
    const res = await this.fetch(`${API_PREFIX}/${action}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw await this.#errorOf(res.status, text, action);
    try {
      return (JSON.parse(text) as { data: T }).data;
    } catch {
      throw new CliError(`${action}: the server answered something that is not JSON`, EXIT.serverError);
    }
  }

  /** fetch against the server; a network failure becomes an "unreachable" CliError. */
  async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.baseUrl + path, init);
    } catch (err) {
      throw unreachable(this.baseUrl, err);
    }
  }

  async #errorOf(status: number, text: string, what: string): Promise<CliError> {
    let envelope: ErrorEnvelope = {};
    try {
      envelope = JSON.parse(text) as ErrorEnvelope;
    } catch {
      // Not our envelope (a proxy's page?): the status says enough.
    }
    const message = typeof envelope.error === 'string' ? envelope.error : text.slice(0, 200) || `HTTP ${status}`;
    const code = typeof envelope.error_code === 'string' ? ` [${envelope.error_code}]` : '';
    return new CliError(`${what}: ${message} (HTTP ${status}${code})`, exitCodeForStatus(status), typeof envelope.error_code === 'string' ? envelope.error_code : undefined);
  }

  /** The error of a non-2xx answer, read from its body (used by the stream). */
  async errorOf(res: Response, what: string): Promise<CliError> {
    return this.#errorOf(res.status, await res.text().catch(() => ''), what);
  }
}

export function unreachable(url: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
  return new CliError(`cannot reach the Cadre server at ${url} (${why}); start it with \`npm start\` or pass --url / CADRE_URL`, EXIT.unreachable);
}
