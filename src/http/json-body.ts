import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { PayloadTooLargeError, RequestTimeoutError, ValidationError } from '../errors/app-error.ts';

export interface BodyLimits {
  maxBytes: number;
  /** From the moment the body is first awaited to its last byte. */
  timeoutMs: number;
}

/**
 * Reads the request body as one JSON object, refusing bodies over `maxBytes` (413) before
 * reading them when Content-Length says so, and while reading otherwise, and bodies that take
 * longer than `timeoutMs` to arrive (408: a client trickling its body is cut off as Node cuts
 * off one trickling its headers). An empty body is `{}`.
 */
export async function readJsonBody(ctx: Context, limits: BodyLimits): Promise<Record<string, unknown>> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limits.maxBytes) throw new PayloadTooLargeError(`request body exceeds ${limits.maxBytes} bytes`);
  let chunks: Buffer[];
  try {
    chunks = await readChunks(ctx.req, limits);
  } catch (err) {
    // The rest of the body will never be read: the connection cannot carry another request.
    ctx.set('Connection', 'close');
    throw err;
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  // The body is parsed as JSON whatever Content-Type says (curl -d sends form-urlencoded).
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`body: malformed JSON (${(err as Error).message})`, undefined, 'MALFORMED_JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('body: must be a JSON object');
  }
  return assertStorable(value as Record<string, unknown>);
}

/** Refuses (400 naming the field) input holding a string no database stores, or nested too deep. */
export function assertStorable(input: Record<string, unknown>): Record<string, unknown> {
  const bad = findUnstorable(input);
  if (bad !== undefined) throw new ValidationError(`${bad.path || 'body'}: ${bad.reason}`);
  return input;
}

function readChunks(req: IncomingMessage, limits: BodyLimits): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(chunks);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) done(new PayloadTooLargeError(`request body exceeds ${limits.maxBytes} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onAborted = () => done(new ValidationError('body: the client aborted the request', undefined, 'REQUEST_ABORTED'));
    const timer = setTimeout(() => done(new RequestTimeoutError(`body: not received within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
    if (req.readableEnded) done();
  });
}

/** No body nests deeper: well above every schema's own depth, far below any stack limit. */
export const MAX_BODY_DEPTH = 64;

/**
 * The first string (key or value) that no database can store as text — U+0000 (PostgreSQL and
 * SQLite refuse it) or a lone UTF-16 surrogate (`"\ud800"` is valid JSON but not Unicode:
 * PostgreSQL and MySQL refuse it) — or the first value nested past MAX_BODY_DEPTH, with its
 * path. Refused up front with a 400 instead of failing in the database. Iterative, so a deeply
 * nested body cannot overflow the stack.
 */
function findUnstorable(root: unknown): { path: string; reason: string } | undefined {
  const stack: Array<[unknown, string, number]> = [[root, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const reason = stringProblem(value);
      if (reason) return { path, reason };
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_BODY_DEPTH) return { path, reason: `nested deeper than ${MAX_BODY_DEPTH} levels` };
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`, depth + 1]);
        continue;
      }
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const childPath = path ? `${path}.${key}` : key;
        const reason = stringProblem(key);
        if (reason) return { path: childPath, reason };
        stack.push([child, childPath, depth + 1]);
      }
    }
  }
  return undefined;
}

function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (!text.isWellFormed()) return 'must be valid Unicode (a lone UTF-16 surrogate is not)';
  return undefined;
}
