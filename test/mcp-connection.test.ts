import test from 'ava';
import { McpToolbox } from '../src/tools/mcp-toolbox.ts';
import { McpConnection } from '../src/tools/mcp-connection.ts';
import { ToolError } from '../src/errors/app-error.ts';
import { startMcpTestServer, type McpTestServer } from './helpers/mcp-test-server.ts';

// The MCP client side against a real server (the SDK's, on loopback): naming, calls, timeouts,
// aborts and closing, without a run around them.

const HEADER = 'Authorization';
const VALUE = 'Bearer test-token';
const headers = async () => ({ [HEADER]: VALUE });
let server: McpTestServer | undefined;

test.before(async () => {
  server = await startMcpTestServer({ header: HEADER, value: VALUE, tools: 'wait' });
});

test.after.always(async () => {
  await server?.close();
});

const config = () => ({ name: 'slow', url: server!.url, headersEnv: { [HEADER]: 'MCP_TEST_TOKEN' }, headersSecret: {} });

test('tools are offered under valid function names that map back to the server\'s names', async (t) => {
  const toolbox = new McpToolbox({ connectTimeoutMs: 10_000, callTimeoutMs: 10_000 }, headers);
  await toolbox.open([config()], new AbortController().signal);
  try {
    const offered = toolbox.offered('slow', null);
    t.deepEqual(offered.map((o) => o.name).sort(), ['mcp__slow__docs_search', 'mcp__slow__wait']);
    for (const tool of offered) {
      t.regex(tool.name, /^[A-Za-z0-9_-]{1,64}$/);
      t.is(tool.source, 'mcp:slow');
    }
    t.deepEqual(toolbox.offered('slow', 'docs.search').map((o) => o.name), ['mcp__slow__docs_search']);
    t.like(toolbox.offered('slow', 'docs.search')[0]!.inputSchema, { type: 'object', required: ['q'] });
    t.is(await toolbox.call('mcp__slow__docs_search', { q: 'actors' }, new AbortController().signal), 'echo: actors');
    t.deepEqual(server!.calls.at(-1), { tool: 'docs.search', args: { q: 'actors' } });
    const err = t.throws(() => toolbox.offered('slow', 'missing'), { instanceOf: ToolError });
    t.is(err?.message, 'MCP server "slow" has no tool "missing" (it lists: wait, docs.search)');
    await t.throwsAsync(toolbox.call('mcp__slow__nothing', {}, new AbortController().signal), { message: 'unknown tool "mcp__slow__nothing"' });
  } finally {
    await toolbox.close();
  }
  await t.throwsAsync(toolbox.call('mcp__slow__wait', { query: 'x' }, new AbortController().signal), { message: /connection is closed/ });
});

test('a call past its time budget is a tool error; bad arguments are refused before sending; an abort propagates as the abort', async (t) => {
  const connection = await McpConnection.open(config(), { connectTimeoutMs: 10_000, callTimeoutMs: 300 }, await headers(), new AbortController().signal);
  try {
    const timedOut = await t.throwsAsync(connection.call('wait', { query: 'slow' }, new AbortController().signal), { instanceOf: ToolError });
    t.is(timedOut?.message, 'MCP tool "wait" of "slow" timed out after 300 ms');
    t.is((timedOut as ToolError).errorCode, 'TOOL_TIMEOUT');
    await t.throwsAsync(connection.call('wait', ['not', 'an', 'object'], new AbortController().signal), {
      instanceOf: ToolError, message: 'invalid input: expected a JSON object of arguments',
    });
    const invalid = await t.throwsAsync(connection.call('docs.search', { q: 42 }, new AbortController().signal), { instanceOf: ToolError });
    t.regex(invalid!.message, /q/);

    const controller = new AbortController();
    const calls = server!.calls.length;
    const pending = connection.call('wait', { query: 'cancel me' }, controller.signal);
    await server!.until(() => server!.calls.length > calls);
    const reason = new Error('run cancelled');
    controller.abort(reason);
    t.is(await pending.catch((err: unknown) => err), reason);
  } finally {
    await connection.close();
  }
  t.true(server!.closedSessions.length > 0);
});

test('a server refusing the credential is reported as unreachable, naming the server and what it answered, never the value', async (t) => {
  const err = await t.throwsAsync(McpConnection.open(config(), { connectTimeoutMs: 10_000, callTimeoutMs: 10_000 },
    { [HEADER]: 'Bearer wrong' }, new AbortController().signal), { instanceOf: ToolError });
  t.true(err!.message.startsWith(`MCP server "slow" (${server!.url}) is unreachable:`), err!.message);
  t.false(err!.message.includes('Bearer'), err!.message);
});
