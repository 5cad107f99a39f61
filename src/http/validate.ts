import type { z } from 'zod';
import { ValidationError } from '../errors/app-error.ts';

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** zod's names for JSON types, as a client reads them. */
const TYPE_NAMES: Record<string, string> = { record: 'object', int: 'integer', nan: 'number' };

/** The JSON type of a value a client sent (never the value itself: it may be a secret). */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a number with a fraction';
  return typeof value;
}

type Issue = z.core.$ZodIssue & { input?: unknown };

/**
 * What is wrong, naming the type expected and the type received: `expected string, received
 * number`, `required (expected string)`. zod's own wording for everything else, without its
 * generic prefix ("Invalid input: "); messages a schema gave itself are kept as they are.
 */
function issueText(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') return 'unknown field';
  if (issue.code === 'invalid_type') {
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    return issue.input === undefined ? `required (expected ${expected})` : `expected ${expected}, received ${jsonType(issue.input)}`;
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // One wrong type for every branch (a run id: number or decimal text): name them all.
    const branches = issue.errors.map((errors) => errors[0]);
    if (branches.every((b) => b?.code === 'invalid_type' && b.path.length === 0)) {
      const expected = [...new Set(branches.map((b) => (b as z.core.$ZodIssueInvalidType).expected))].map((t) => TYPE_NAMES[t] ?? t).join(' or ');
      return issue.input === undefined ? `required (expected ${expected})` : `expected ${expected}, received ${jsonType(issue.input)}`;
    }
    // Else the branch that got furthest, e.g. the right type in a wrong format.
    const deepest = branches.find((b) => b && b.code !== 'invalid_type');
    if (deepest) return issueText(deepest as Issue);
  }
  return issue.message.replace(/^Invalid (input|option): /, '');
}

/** Parses with zod; the 400 names the first offending field by its path, and what was expected there. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => pathText([...issue.path, k])) : [];
    const field = keys.length ? keys.join(', ') : pathText(issue.path) || 'body';
    return { field, message: issueText(issue as Issue) };
  });
  const first = issues[0]!;
  throw new ValidationError(`${first.field}: ${first.message}`, issues);
}
