// How the simulated model uses a worker's tools: which tools it knows how to call, and the
// input it derives from the task for each. Pure and deterministic, like the rest of its script.
import type { JSONSchema7, JSONSchema7Definition } from '@ai-sdk/provider';

/** Worker tools the simulated model can call; any other offered tool is a supervisor's delegation tool to it. */
export const SIMULATED_WORKER_TOOLS: ReadonlySet<string> = new Set(['calculator', 'http_request']);

/** When a task holds no arithmetic, the calculator is still exercised with this. */
export const FALLBACK_EXPRESSION = '2 + 2';

/**
 * The first arithmetic expression in a text: numbers joined by operators, parentheses allowed
 * (`(12 + 30) * 2`, `1.5^2`, `10 % 3`), or a function of one (`sqrt(16)`).
 */
export function findExpression(text: string): string | undefined {
  const fn = /\b(?:sqrt|cbrt|abs|exp|log|log10|sin|cos|tan)\(\s*-?\d+(?:\.\d+)?\s*\)/.exec(text);
  const arithmetic = /\(*\s*-?\d+(?:\.\d+)?\s*\)*(?:\s*[-+*/^%]\s*\(*\s*-?\d+(?:\.\d+)?\s*\)*)+/.exec(text);
  const candidates = [fn, arithmetic].filter((m): m is RegExpExecArray => m !== null).sort((a, b) => a.index - b.index);
  for (const match of candidates) {
    const expression = balance(match[0].trim());
    if (expression) return expression;
  }
  return undefined;
}

/** Drops unmatched parentheses at either end (`(2 + 3` in "(2 + 3 apples)"); undefined if still unbalanced. */
function balance(expression: string): string | undefined {
  let text = expression;
  const depth = (s: string) => [...s].reduce((d, c) => (d < 0 ? d : d + (c === '(' ? 1 : c === ')' ? -1 : 0)), 0);
  while (text.startsWith('(') && depth(text) > 0) text = text.slice(1).trim();
  while (text.endsWith(')') && [...text].filter((c) => c === ')').length > [...text].filter((c) => c === '(').length) text = text.slice(0, -1).trim();
  return depth(text) === 0 && /\d/.test(text) ? text : undefined;
}

/** The first http(s) URL in a text, without trailing punctuation. */
export function findUrl(text: string): string | undefined {
  const match = /\bhttps?:\/\/[^\s"'<>`]+/.exec(text);
  return match?.[0].replace(/[.,;:!?)\]]+$/, '');
}

/** A supervisor's delegation tool takes exactly `{task}`. */
export function isDelegationSchema(schema: JSONSchema7 | undefined): boolean {
  const keys = Object.keys(schema?.properties ?? {});
  return keys.length === 1 && keys[0] === 'task';
}

/**
 * Whether the simulated model treats an offered tool as a worker's own tool to call: a built-in
 * one, an MCP tool (offered as `mcp__<server>__<tool>`), or any tool whose schema names
 * arguments other than a delegation's `{task}`. A tool without named arguments and another
 * name is taken for a supervisor's child, as before.
 */
export function isWorkerTool(tool: { name: string; inputSchema?: JSONSchema7 }): boolean {
  if (SIMULATED_WORKER_TOOLS.has(tool.name) || tool.name.startsWith('mcp__')) return true;
  return Object.keys(tool.inputSchema?.properties ?? {}).length > 0 && !isDelegationSchema(tool.inputSchema);
}

/** The first words of the task: what a text argument of an unknown tool gets. */
function taskWords(task: string, maxLength?: number): string {
  const words = task.split(/\s+/).filter((w) => w !== '').slice(0, 8).join(' ') || 'example';
  return maxLength === undefined ? words : words.slice(0, Math.max(1, maxLength));
}

/** A value of a JSON schema built from the task: text from its words, numbers from its first number, the first enum value. */
function valueFor(definition: JSONSchema7Definition | undefined, task: string): unknown {
  if (definition === undefined || typeof definition === 'boolean') return taskWords(task);
  if (definition.const !== undefined) return definition.const;
  if (definition.enum && definition.enum.length > 0) return definition.enum[0];
  const type = Array.isArray(definition.type) ? definition.type[0] : definition.type;
  switch (type) {
    case 'number':
    case 'integer': {
      const found = /-?\d+(?:\.\d+)?/.exec(task);
      const n = found ? Number(found[0]) : (definition.minimum ?? 1);
      return type === 'integer' ? Math.trunc(n) : n;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const items = Array.isArray(definition.items) ? definition.items[0] : definition.items;
      return (definition.minItems ?? 0) > 0 ? [valueFor(items, task)] : [];
    }
    case 'object':
      return objectFor(definition, task);
    default:
      return taskWords(task, definition.maxLength);
  }
}

/** An object with every required property of the schema filled in. */
function objectFor(schema: JSONSchema7, task: string): Record<string, unknown> {
  const properties = schema.properties ?? {};
  return Object.fromEntries((schema.required ?? []).map((key: string) => [key, valueFor(properties[key], task)]));
}

/**
 * The JSON input the simulated model gives a tool for a task; undefined: it does not call that
 * tool. The built-in tools get inputs derived from the task; any other worker tool (an MCP
 * server's) gets its schema's required fields, built from the task.
 */
export function simulatedToolInput(toolName: string, task: string, inputSchema?: JSONSchema7): string | undefined {
  if (toolName === 'calculator') return JSON.stringify({ expression: findExpression(task) ?? FALLBACK_EXPRESSION });
  if (toolName === 'http_request') {
    const url = findUrl(task);
    return url === undefined ? undefined : JSON.stringify({ method: 'GET', url });
  }
  if (inputSchema === undefined || isDelegationSchema(inputSchema)) return undefined;
  return JSON.stringify(objectFor(inputSchema, task));
}
