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
/** The test server is on loopback: the operator's allowance (OUTBOUND_ALLOWED_HOSTS) opens it. */
const LOCAL = { allowedHosts: ['127.0.0.1'] };

test('tools are offered under valid function names that map back to the server\'s names', async (t) => {
  const toolbox = new McpToolbox({ connectTimeoutMs: 10_000, callTimeoutMs: 10_000 }, headers, LOCAL);
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
  const connection = await McpConnection.open(config(), { connectTimeoutMs: 10_000, callTimeoutMs: 300 }, await headers(), new AbortController().signal, LOCAL);
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
    { [HEADER]: 'Bearer wrong' }, new AbortController().signal, LOCAL), { instanceOf: ToolError });
  t.true(err!.message.startsWith(`MCP server "slow" (${server!.url}) is unreachable:`), err!.message);
  t.false(err!.message.includes('Bearer'), err!.message);
  // What the server answered is its status, not its body (a page of the server's choosing).
  t.false(err!.message.includes('missing or wrong credential'), err!.message);
});

test('a result longer than maxBytes is cut, and the text says so', async (t) => {
  const connection = await McpConnection.open(config(), { connectTimeoutMs: 10_000, callTimeoutMs: 10_000, maxBytes: 1000 }, await headers(), new AbortController().signal, LOCAL);
  try {
    const text = await connection.call('docs.search', { q: 'é'.repeat(3000) }, new AbortController().signal);
    const [kept, note] = text.split('\n[truncated: ');
    t.true(Buffer.byteLength(kept!, 'utf8') <= 1000 && Buffer.byteLength(kept!, 'utf8') >= 998, String(Buffer.byteLength(kept!, 'utf8')));
    t.true(kept!.startsWith('echo: éé'));
    t.false(kept!.includes('\uFFFD'), 'no character is split by the cut');
    t.is(note, 'the result is longer than 1000 bytes; only the first 1000 are shown]');
    t.is(await connection.call('docs.search', { q: 'short' }, new AbortController().signal), 'echo: short');
  } finally {
    await connection.close();
  }
});

test('an answer far past the bound on the wire is not read whole: the call fails', async (t) => {
  const connection = await McpConnection.open(config(), { connectTimeoutMs: 10_000, callTimeoutMs: 3000, maxBytes: 1000 }, await headers(), new AbortController().signal, LOCAL);
  try {
    // 6 × 1000 + 64 KiB is the most read for a 1000-byte result; this answer is ~1 MB.
    const started = performance.now();
    const err = await t.throwsAsync(connection.call('docs.search', { q: 'x'.repeat(1024 * 1024) }, new AbortController().signal), { instanceOf: ToolError });
    t.is(err!.message, `MCP tool "docs.search" of "slow" failed: the server's answer is larger than ${6 * 1000 + 64 * 1024} bytes, so it was not read`);
    t.true(performance.now() - started < 3000, 'failed at once, not at the time budget');
    // The connection goes on serving.
    t.is(await connection.call('docs.search', { q: 'short' }, new AbortController().signal), 'echo: short');
  } finally {
    await connection.close();
  }
});

test('without the allowance, the loopback server is refused before any request, naming the host and why', async (t) => {
  const before = server!.authorised + server!.refused;
  const err = await t.throwsAsync(McpConnection.open(config(), { connectTimeoutMs: 10_000, callTimeoutMs: 10_000 }, await headers(), new AbortController().signal),
    { instanceOf: ToolError });
  t.is(err!.errorCode, 'MCP_UNAVAILABLE');
  t.regex(err!.message, /^MCP server "slow" \(http:\/\/127\.0\.0\.1:\d+\/mcp\) is unreachable: refused: 127\.0\.0\.1 \(127\.0\.0\.1 is a loopback address\); only public addresses are reached unless OUTBOUND_ALLOWED_HOSTS allows it$/);
  // A name that resolves to loopback (the resolver stands in for DNS) is refused the same way.
  const named = { ...config(), url: server!.url.replace('127.0.0.1', 'mcp.internal.test') };
  const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
  const byName = await t.throwsAsync(McpConnection.open(named, { connectTimeoutMs: 10_000, callTimeoutMs: 10_000 }, await headers(), new AbortController().signal,
    { allowedHosts: [], resolve }), { instanceOf: ToolError });
  t.regex(byName!.message, /refused: mcp\.internal\.test resolves to 127\.0\.0\.1 \(127\.0\.0\.1 is a loopback address\)/);
  t.is(server!.authorised + server!.refused, before, 'the server saw no request');
  // Allowed by name, the same name reaches the server, pinned to what the resolver said.
  const allowed = await McpConnection.open(named, { connectTimeoutMs: 10_000, callTimeoutMs: 10_000 }, await headers(), new AbortController().signal,
    { allowedHosts: ['mcp.internal.test'], resolve });
  t.true(allowed.tools.length > 0);
  await allowed.close();
});
