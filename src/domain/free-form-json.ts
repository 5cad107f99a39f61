import { z } from 'zod';

/**
 * Bounds for free-form JSON objects a client may store (a model's `params`, and any later field
 * of the kind): MariaDB refuses JSON nested 32 deep (MySQL 100), and deep or huge values cost every
 * reader. Checked iteratively, so no input can overflow the stack.
 */
export const FREE_FORM_MAX_DEPTH = 16;
export const FREE_FORM_MAX_BYTES = 64 * 1024;

/** The nesting depth of a JSON value (a scalar is 0), or Infinity once past `limit`. */
export function jsonDepth(root: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const inner = depth + 1;
    if (inner > limit) return Infinity;
    if (inner > max) max = inner;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, inner]);
  }
  return max;
}

/** Bounds on client labels kept with a thread or a run (`metadata`). */
export const METADATA_MAX_KEYS = 32;
export const METADATA_MAX_BYTES = 8 * 1024;

/** Free-form labels a client keeps with a thread or a run: a shallow object, bounded in keys and bytes. */
export function metadataSchema() {
  return freeFormObject(8, METADATA_MAX_BYTES)
    .refine((m) => Object.keys(m).length <= METADATA_MAX_KEYS, `at most ${METADATA_MAX_KEYS} keys`)
    .meta({ description: `Free-form labels (at most ${METADATA_MAX_KEYS} keys, ${METADATA_MAX_BYTES} bytes)`, examples: [{ customer: 'acme' }] });
}

/** A JSON object of at most `maxDepth` levels and `maxBytes` of UTF-8 once serialised. */
export function freeFormObject(maxDepth = FREE_FORM_MAX_DEPTH, maxBytes = FREE_FORM_MAX_BYTES) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (jsonDepth(value, maxDepth) > maxDepth) {
      ctx.addIssue({ code: 'custom', message: `nested deeper than ${maxDepth} levels` });
      return;
    }
    // Depth is bounded above, so serialising cannot overflow the stack.
    if (Buffer.byteLength(JSON.stringify(value), 'utf8') > maxBytes) {
      ctx.addIssue({ code: 'custom', message: `larger than ${maxBytes} bytes as JSON` });
    }
  });
}
