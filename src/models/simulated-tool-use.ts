// How the simulated model uses a worker's tools: which tools it knows how to call, and the
// input it derives from the task for each. Pure and deterministic, like the rest of its script.

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

/** The JSON input the simulated model gives a tool for a task; undefined: it does not call that tool. */
export function simulatedToolInput(toolName: string, task: string): string | undefined {
  if (toolName === 'calculator') return JSON.stringify({ expression: findExpression(task) ?? FALLBACK_EXPRESSION });
  if (toolName === 'http_request') {
    const url = findUrl(task);
    return url === undefined ? undefined : JSON.stringify({ method: 'GET', url });
  }
  return undefined;
}
