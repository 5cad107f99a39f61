import test from 'ava';
import { calculate, calculatorTool, MAX_EXPRESSION_LENGTH } from '../src/tools/calculator-tool.ts';
import { ToolError } from '../src/errors/app-error.ts';

const run = (expression: unknown) => calculatorTool.execute({ expression }, new AbortController().signal);

test('decimal arithmetic is exact (BigNumber), big integers keep every digit', (t) => {
  t.is(calculate('0.1 + 0.2'), '0.3');
  t.is(calculate('1.1 * 3'), '3.3');
  t.is(calculate('2^100'), '1267650600228229401496703205376');
  t.is(calculate('factorial(25)'), '15511210043330985984000000');
  t.is(calculate('1/3'), '0.33333333333333333333333333333333');
  t.is(calculate('(2 + 3) * 4 - 6 / 3'), '18');
});

test('common functions, constants, percentages and units', (t) => {
  t.is(calculate('sqrt(16)'), '4');
  t.is(calculate('sqrt(2)'), '1.4142135623730950488016887242097');
  t.is(calculate('pow(2, 10)'), '1024');
  t.is(calculate('log(100, 10)'), '2');
  t.is(calculate('log(e)'), '1');
  t.is(calculate('sin(pi / 6)'), '0.5');
  t.is(calculate('cos(0)'), '1');
  t.is(calculate('sin(30 deg)'), '0.5');
  t.is(calculate('100 + 10%'), '110');
  t.is(calculate('17 mod 5'), '2');
  t.is(calculate('abs(-3.5)'), '3.5');
  t.is(calculate('3 cm + 2 m'), '203 cm');
  t.is(calculate('x = 4; x * 2'), '8');
});

test('the tool answers text through execute', async (t) => {
  t.is(await run('6 * 7'), '42');
});

test('functions that parse, compile or change the instance are refused', async (t) => {
  for (const expression of ['import({x: 1}, {})', 'evaluate("1 + 1")', 'parse("1 + 1")', 'compile("1")', 'createUnit("foo")', 'simplify("x + x")', 'derivative("x^2", "x")', 'resolve("x", {})']) {
    const err = await t.throwsAsync(run(expression), { instanceOf: ToolError }, expression);
    t.regex(err!.message, /is not available in the calculator/, expression);
  }
});

test('calls that would allocate or compute without bound are refused', async (t) => {
  await t.throwsAsync(run('zeros(1000000000)'), { instanceOf: ToolError, message: /zeros is not available/ });
  await t.throwsAsync(run('range(1, 1e9)'), { instanceOf: ToolError, message: /range is not available/ });
  await t.throwsAsync(run('100000!'), { instanceOf: ToolError, message: /factorial: arguments above 1000/ });
});

test('too long, empty, malformed or missing input is a tool error with a clear message', async (t) => {
  const long = '1+'.repeat(MAX_EXPRESSION_LENGTH) + '1';
  await t.throwsAsync(run(long), { instanceOf: ToolError, message: `expression: longer than ${MAX_EXPRESSION_LENGTH} characters (${long.length})` });
  await t.throwsAsync(run('  '), { instanceOf: ToolError, message: 'expression: empty' });
  await t.throwsAsync(run('2 +* 3'), { instanceOf: ToolError, message: /^cannot evaluate "2 \+\* 3": / });
  await t.throwsAsync(run('nosuchfn(2)'), { instanceOf: ToolError, message: /Undefined function nosuchfn/ });
  await t.throwsAsync(run('f(x) = x^2'), { instanceOf: ToolError, message: /defines a function/ });
  await t.throwsAsync(run(42), { instanceOf: ToolError, message: 'invalid input: expected {"expression": "<text>"}' });
  await t.throwsAsync(calculatorTool.execute(null, new AbortController().signal), { instanceOf: ToolError });
});

test('an aborted call does not run', async (t) => {
  const controller = new AbortController();
  controller.abort(new Error('run cancelled'));
  await t.throwsAsync(calculatorTool.execute({ expression: '1 + 1' }, controller.signal), { message: 'run cancelled' });
});
