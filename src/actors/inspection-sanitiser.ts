import { redactSecrets, REDACTED } from '../errors/secret-redaction.ts';

/**
 * What of an actor's context or event a developer inspecting a run may see: plain data, bounded.
 * A context carries whole conversations (each agent's messages) and the run's plan with every
 * prompt; an event may carry a live object (an abort signal, a promise's settle functions). So:
 * strings are cut, conversations are counted, arrays, objects and depth are capped, anything
 * that is not plain data is named instead of shown, keys that name credentials are redacted,
 * and every string has the run's secrets (its models' keys) replaced.
 */
export const INSPECT_LIMITS = { string: 500, array: 20, keys: 40, depth: 6 };

/** Keys never shown whatever they hold: the run's live resources, credentials. */
const HIDDEN_KEYS = new Set(['resources', 'models', 'secrets', 'settle', 'signal']);
const CREDENTIAL_KEY = /secret|password|api_?key|authori[sz]ation|credential|cookie|bearer/i;

function cut(text: string, secrets: readonly string[]): string {
  // Redacted before it is cut: a secret across the cut is still replaced.
  const clean = secrets.length > 0 ? redactSecrets(text, secrets) : text;
  return clean.length > INSPECT_LIMITS.string ? `${clean.slice(0, INSPECT_LIMITS.string)}…[+${clean.length - INSPECT_LIMITS.string} chars]` : clean;
}

const MESSAGE_ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** A conversation: an array of model messages (each a role and its content), shown as its counts. */
function isConversation(items: readonly unknown[]): boolean {
  const first = items[0] as { role?: unknown; content?: unknown } | null | undefined;
  return typeof first === 'object' && first !== null && typeof first.role === 'string' && MESSAGE_ROLES.has(first.role) && 'content' in first;
}

function conversationSummary(items: readonly unknown[]): string {
  const roles = new Map<string, number>();
  for (const m of items) {
    const role = String((m as { role?: unknown } | null)?.role ?? 'other');
    roles.set(role, (roles.get(role) ?? 0) + 1);
  }
  return `[${items.length} messages: ${[...roles].map(([role, n]) => `${n} ${role}`).join(', ')}]`;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `value` as inspection may show it (see above); `secrets`: the run's, replaced in every string. */
export function sanitise(value: unknown, secrets: readonly string[], depth = 0): unknown {
  switch (typeof value) {
    case 'string': return cut(value, secrets);
    case 'number': return Number.isFinite(value) ? value : String(value);
    case 'boolean': return value;
    case 'bigint': return String(value);
    case 'undefined': return undefined;
    case 'function': return `[function ${value.name || 'anonymous'}]`;
    case 'symbol': return String(value.description ?? 'symbol');
  }
  if (value === null) return null;
  const object = value as object;
  if (depth >= INSPECT_LIMITS.depth) return Array.isArray(object) ? `[${object.length} items]` : '[…]';
  if (Array.isArray(object)) {
    if (object.length > 0 && isConversation(object)) return conversationSummary(object);
    const shown = object.slice(0, INSPECT_LIMITS.array).map((item) => sanitise(item, secrets, depth + 1) ?? null);
    return object.length > INSPECT_LIMITS.array ? [...shown, `…[+${object.length - INSPECT_LIMITS.array} more]`] : shown;
  }
  if (object instanceof Error) return { name: object.name, message: cut(object.message, secrets) };
  if (object instanceof Date) return object.toISOString();
  if (!isPlain(object)) return `[${object.constructor?.name ?? 'object'}]`;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(object);
  for (const key of keys.slice(0, INSPECT_LIMITS.keys)) {
    if (HIDDEN_KEYS.has(key)) continue;
    if (CREDENTIAL_KEY.test(key)) {
      out[key] = REDACTED;
      continue;
    }
    const shown = sanitise((object as Record<string, unknown>)[key], secrets, depth + 1);
    if (shown !== undefined) out[key] = shown;
  }
  if (keys.length > INSPECT_LIMITS.keys) out['…'] = `+${keys.length - INSPECT_LIMITS.keys} keys`;
  return out;
}
