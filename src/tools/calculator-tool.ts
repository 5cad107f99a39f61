import { all, create, type MathJsInstance } from 'mathjs';
import { ToolError } from '../errors/app-error.ts';
import type { WorkerTool } from './worker-tool.ts';

/** Longer input is refused before parsing: a calculator call is a formula, not a program. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Significant digits shown; the arithmetic itself runs with twice as many, so shown digits are exact. */
const SHOWN_DIGITS = 32;
/** The largest argument of factorial/gamma-like functions: beyond it one call could block the process for long. */
const MAX_COMBINATORIC_ARGUMENT = 1000;

/**
 * A mathjs instance for untrusted expressions. Numbers are BigNumbers with 64 significant
 * digits, so decimal arithmetic is exact where people expect it (0.1 + 0.2 = 0.3) and big
 * integers keep every digit. Following mathjs' security guidance, every function that parses,
 * compiles or changes the instance is replaced by one that refuses, once `evaluate` is kept
 * aside for our own use; functions that allocate by an argument's size are refused too, and
 * combinatorics are bounded, so one expression cannot exhaust memory or block the event loop.
 */
function restrictedMath(): { evaluate: MathJsInstance['evaluate']; format: MathJsInstance['format'] } {
  const math = create(all, { number: 'BigNumber', precision: SHOWN_DIGITS * 2 });
  const evaluate = math.evaluate;
  const format = math.format;
  const refuse = (name: string) => () => {
    throw new Error(`function ${name} is not available in the calculator`);
  };
  const disabled = [
    'import', 'createUnit', 'evaluate', 'parse', 'compile', 'simplify', 'simplifyConstant', 'simplifyCore',
    'derivative', 'resolve', 'rationalize', 'reviver', 'replacer', 'chain', 'parser',
    'range', 'zeros', 'ones', 'identity', 'diag', 'resize', 'reshape', 'kron', 'random', 'randomInt', 'pickRandom',
  ];
  const bounded = (name: string) => {
    const original = (math as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    return (...args: unknown[]) => {
      for (const arg of args.flat(2)) {
        if (Math.abs(Number(arg as number)) > MAX_COMBINATORIC_ARGUMENT) {
          throw new Error(`${name}: arguments above ${MAX_COMBINATORIC_ARGUMENT} are not computed`);
        }
      }
      return original(...args);
    };
  };
  math.import({
    ...Object.fromEntries(disabled.map((name) => [name, refuse(name)])),
    factorial: bounded('factorial'),
    gamma: bounded('gamma'),
    combinations: bounded('combinations'),
    combinationsWithRep: bounded('combinationsWithRep'),
    permutations: bounded('permutations'),
    stirlingS2: bounded('stirlingS2'),
    bellNumbers: bounded('bellNumbers'),
    catalan: bounded('catalan'),
    composition: bounded('composition'),
    multinomial: bounded('multinomial'),
  }, { override: true });
  return { evaluate, format };
}

const math = restrictedMath();

/** Evaluates one expression; the result as text. Throws a ToolError naming what is wrong. */
export function calculate(expression: string): string {
  if (expression.trim() === '') throw new ToolError('expression: empty');
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new ToolError(`expression: longer than ${MAX_EXPRESSION_LENGTH} characters (${expression.length})`);
  }
  let result: unknown;
  try {
    // A fresh scope per call: variables an expression assigns never leak into another call.
    result = math.evaluate(expression, new Map());
  } catch (err) {
    throw new ToolError(`cannot evaluate "${expression}": ${err instanceof Error ? err.message : String(err)}`);
  }
  // Several statements (a; b) give a ResultSet; the last value is the answer.
  const value = isResultSet(result) ? result.entries.at(-1) : result;
  if (value === undefined) throw new ToolError(`"${expression}" has no value`);
  if (typeof value === 'function') throw new ToolError(`"${expression}" defines a function; give an expression to compute`);
  return math.format(value, { precision: SHOWN_DIGITS, lowerExp: -SHOWN_DIGITS, upperExp: SHOWN_DIGITS });
}

function isResultSet(value: unknown): value is { entries: unknown[] } {
  return typeof value === 'object' && value !== null && (value as { isResultSet?: boolean }).isResultSet === true;
}

export const calculatorTool: WorkerTool = {
  name: 'calculator',
  description:
    'Evaluates a math expression exactly (decimal arithmetic, big numbers) and returns the result. '
    + 'Supports + - * / ^ mod, parentheses, percentages (100 + 10%), sqrt, cbrt, pow, exp, log(x, base), log10, '
    + 'sin/cos/tan (radians, or "30 deg"), abs, round, floor, ceil, factorial (n!), pi, e and units (3 cm + 2 m).',
  inputSchema: {
    type: 'object',
    properties: {
      expression: { type: 'string', description: 'The expression, e.g. "sqrt(2) * (3 + 4)^2"', maxLength: MAX_EXPRESSION_LENGTH },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  // A pure function of its input.
  idempotent: () => true,
  async execute(input, signal) {
    signal.throwIfAborted();
    const expression = (input as { expression?: unknown } | null)?.expression;
    if (typeof expression !== 'string') throw new ToolError('invalid input: expected {"expression": "<text>"}');
    return calculate(expression);
  },
};
