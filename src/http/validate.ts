import type { z } from 'zod';
import { ValidationError } from '../errors/app-error.ts';

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** Parses with zod; the 400 names the first offending field by its path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => pathText([...issue.path, k])) : [];
    const field = keys.length ? keys.join(', ') : pathText(issue.path) || 'body';
    const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    return { field, message };
  });
  const first = issues[0]!;
  throw new ValidationError(`${first.field}: ${first.message}`, issues);
}
