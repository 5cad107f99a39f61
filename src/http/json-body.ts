import type { Context } from 'koa';
import { PayloadTooLargeError, ValidationError } from '../errors/app-error.ts';

/**
 * Reads the request body as one JSON object, refusing bodies over `limitBytes` (413) before
 * reading them when Content-Length says so, and while reading otherwise. An empty body is `{}`.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limitBytes) throw new PayloadTooLargeError(`request body exceeds ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new PayloadTooLargeError(`request body exceeds ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
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
  const nul = findNulString(value, '');
  if (nul !== undefined) throw new ValidationError(`${nul || 'body'}: must not contain the NUL character (\\u0000)`);
  return value as Record<string, unknown>;
}

/**
 * The path of the first string (key or value) holding U+0000, which PostgreSQL and SQLite
 * cannot store in text: refused up front with a 400 instead of failing in the database.
 */
function findNulString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulString(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return childPath;
    const found = findNulString(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
