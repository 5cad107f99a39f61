/** Small JSON-over-HTTP helper for the bench (node:http, so the client has no fetch overhead). */
import { Agent, request } from 'node:http';

/** Keep-alive for the short API calls only; SSE streams each get their own connection. */
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export interface Envelope<T> {
  success: boolean;
  data: T;
  error?: string;
}

/**
 * POSTs `body` as JSON; rejects on a non-2xx answer with its error text. A request that fails
 * with a reset on a reused keep-alive socket is sent once more: the server closed that idle
 * socket as we picked it, so it never saw the request (the race Node's docs describe).
 */
export async function postJson<T>(url: string, body: unknown, timeoutMs = 60_000): Promise<Envelope<T>> {
  try {
    return await postOnce<T>(url, body, timeoutMs);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return postOnce<T>(url, body, timeoutMs);
  }
}

class StaleSocketError extends Error {}

function postOnce<T>(url: string, body: unknown, timeoutMs: number): Promise<Envelope<T>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', agent, timeout: timeoutMs,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (!res.statusCode || res.statusCode >= 300) {
          reject(new Error(`POST ${url}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          return;
        }
        try {
          resolve(JSON.parse(text) as Envelope<T>);
        } catch (err) {
          reject(new Error(`POST ${url}: answer is not JSON: ${String(err)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.message === 'socket hang up');
      reject(stale ? new StaleSocketError(err.message, { cause: err }) : err);
    });
    req.end(payload);
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Releases waiters one at a time as slots free up: bounds concurrent connection attempts. */
export class Gate {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(slots: number) {
    this.#free = slots;
  }
  async enter(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
