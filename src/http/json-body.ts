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
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
function findNulString(root: unknown, rootPath: string): string | undefined {
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const childPath = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}
