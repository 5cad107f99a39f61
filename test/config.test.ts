import test from 'ava';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { databaseConfigFromEnv, describeDatabase, parseDatabaseUrl } from '../src/store/database-config.ts';

test('defaults: port 8082 on loopback (API keys off), SQLite under ./data', (t) => {
  const config = loadConfig({});
  t.like(config, { port: 8082, host: '127.0.0.1', loopbackByDefault: true, logLevel: 'info', runTimeoutMs: 1_800_000, sseHeartbeatMs: 15_000 });
  t.deepEqual(config.database, { driver: 'libsql', dbName: resolve('./data/cadre.sqlite') });
});

test('bad values stop start-up with the variable named', (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { message: /^PORT:/ });
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), { message: /^LOG_LEVEL:/ });
  // Node timers cannot wait longer than 2^31-1 ms; a larger value would fire at once.
  t.throws(() => loadConfig({ RUN_TIMEOUT_MS: '3000000000' }), { message: /^RUN_TIMEOUT_MS:/ });
  t.throws(() => loadConfig({ SSE_HEARTBEAT_MS: '3000000000' }), { message: /^SSE_HEARTBEAT_MS:/ });
  t.throws(() => loadConfig({ DB_TYPE: 'oracle' }), { message: /^DB_TYPE must be one of/ });
  t.throws(() => loadConfig({ DATABASE_URL: 'mongodb://x/y' }), { message: /scheme "mongodb" is not supported/ });
});

test('DATABASE_URL: postgres, mysql, file paths and file: URLs', (t) => {
  t.deepEqual(parseDatabaseUrl('postgres://u:p%40ss@db.local:6543/cadre'), {
    driver: 'postgresql', host: 'db.local', port: 6543, dbName: 'cadre', user: 'u', password: 'p@ss',
  });
  t.like(parseDatabaseUrl('mysql://root@127.0.0.1/app'), { driver: 'mysql', port: 3306, dbName: 'app', user: 'root', password: '' });
  t.like(parseDatabaseUrl('mariadb://x:y@h/z'), { driver: 'mysql' });
  t.deepEqual(parseDatabaseUrl('./tmp/x.sqlite'), { driver: 'libsql', dbName: resolve('./tmp/x.sqlite') });
  t.deepEqual(parseDatabaseUrl('file:/var/lib/cadre.db'), { driver: 'libsql', dbName: '/var/lib/cadre.db' });
  t.deepEqual(parseDatabaseUrl(':memory:'), { driver: 'libsql', dbName: ':memory:' });
});

test("the reference's DB_* variables, and DATABASE_URL winning over them", (t) => {
  t.deepEqual(databaseConfigFromEnv({ DB_TYPE: 'postgresql', DB_HOST: 'pg', DB_NAME: 'exec', DB_USER: 'svc', DB_PASSWORD: 's3cret' }), {
    driver: 'postgresql', host: 'pg', port: 5432, dbName: 'exec', user: 'svc', password: 's3cret',
  });
  t.like(databaseConfigFromEnv({ DB_TYPE: 'MySQL', DB_PORT: '3307' }), { driver: 'mysql', port: 3307, user: 'root' });
  t.like(databaseConfigFromEnv({ DB_TYPE: 'mysql', DATABASE_URL: 'postgres://a@b/c' }), { driver: 'postgresql', dbName: 'c' });
  t.throws(() => databaseConfigFromEnv({ DB_TYPE: 'mysql', DB_PORT: '99999' }), { message: /DB_PORT/ });
});

test('the database is described for logs without its password', (t) => {
  const text = describeDatabase(parseDatabaseUrl('postgres://svc:hunter2@pg:5432/exec'));
  t.is(text, 'postgresql svc@pg:5432/exec');
  t.false(text.includes('hunter2'));
});

test('worker tool settings: defaults, and HTTP_TOOL_* / WORKER_MAX_TOOL_STEPS read and checked', (t) => {
  const defaults = loadConfig({});
  t.deepEqual(defaults.toolSettings.http, { timeoutMs: 10_000, maxBytes: 1_048_576, maxRedirects: 5 });
  t.deepEqual(defaults.outbound, { allowedHosts: [] });
  t.is(defaults.workerMaxToolSteps, 8);
  const set = loadConfig({
    HTTP_TOOL_TIMEOUT_MS: '2500', HTTP_TOOL_MAX_BYTES: '4096', WORKER_MAX_TOOL_STEPS: '3',
    HTTP_TOOL_ALLOWED_HOSTS: ' 127.0.0.1, localhost:1234 ,[::1]:8080,,api.internal.example',
  });
  t.deepEqual(set.toolSettings.http, { timeoutMs: 2500, maxBytes: 4096, maxRedirects: 5 });
  // The older name is an alias of OUTBOUND_ALLOWED_HOSTS.
  t.deepEqual(set.outbound, { allowedHosts: ['127.0.0.1', 'localhost:1234', '[::1]:8080', 'api.internal.example'] });
  t.is(set.workerMaxToolSteps, 3);
  t.throws(() => loadConfig({ HTTP_TOOL_ALLOWED_HOSTS: 'http://localhost' }), { message: /^HTTP_TOOL_ALLOWED_HOSTS/ });
  t.throws(() => loadConfig({ HTTP_TOOL_ALLOWED_HOSTS: 'a b' }), { message: /^HTTP_TOOL_ALLOWED_HOSTS/ });
  t.throws(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/33' }), { message: /^OUTBOUND_ALLOWED_HOSTS/ });
  t.throws(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: 'host:99999' }), { message: /^OUTBOUND_ALLOWED_HOSTS/ });
  t.throws(() => loadConfig({ HTTP_TOOL_TIMEOUT_MS: '0' }), { message: /^HTTP_TOOL_TIMEOUT_MS:/ });
  t.throws(() => loadConfig({ HTTP_TOOL_MAX_BYTES: 'lots' }), { message: /^HTTP_TOOL_MAX_BYTES:/ });
  t.throws(() => loadConfig({ WORKER_MAX_TOOL_STEPS: '0' }), { message: /^WORKER_MAX_TOOL_STEPS:/ });
});

test('OUTBOUND_ALLOWED_HOSTS: hosts, ports, IPs and networks, merged with HTTP_TOOL_ALLOWED_HOSTS without duplicates', (t) => {
  const set = loadConfig({ OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/8, fd00::/8,[::1]:8080, models.internal:8443,127.0.0.1', HTTP_TOOL_ALLOWED_HOSTS: '127.0.0.1,tools.internal' });
  t.deepEqual(set.outbound, { allowedHosts: ['10.0.0.0/8', 'fd00::/8', '[::1]:8080', 'models.internal:8443', '127.0.0.1', 'tools.internal'] });
});

test('MCP settings: defaults, and MCP_CONNECT_TIMEOUT_MS / MCP_TOOL_TIMEOUT_MS read and checked', (t) => {
  t.deepEqual(loadConfig({}).toolSettings.mcp, { connectTimeoutMs: 10_000, callTimeoutMs: 30_000, maxBytes: 1_048_576 });
  t.deepEqual(loadConfig({ MCP_CONNECT_TIMEOUT_MS: '2500', MCP_TOOL_TIMEOUT_MS: '4000', MCP_TOOL_MAX_BYTES: '2048' }).toolSettings.mcp,
    { connectTimeoutMs: 2500, callTimeoutMs: 4000, maxBytes: 2048 });
  t.throws(() => loadConfig({ MCP_TOOL_MAX_BYTES: '0' }), { message: /^MCP_TOOL_MAX_BYTES:/ });
  t.throws(() => loadConfig({ MCP_CONNECT_TIMEOUT_MS: '0' }), { message: /^MCP_CONNECT_TIMEOUT_MS:/ });
  t.throws(() => loadConfig({ MCP_TOOL_TIMEOUT_MS: 'soon' }), { message: /^MCP_TOOL_TIMEOUT_MS:/ });
});

test('model call settings: defaults, and MODEL_* read and checked', (t) => {
  const defaults = loadConfig({});
  t.deepEqual(defaults.modelCalls, { retry: { maxRetries: 2, initialDelayMs: 1000 }, idleTimeoutMs: 60_000 });
  t.is(defaults.modelCheckTimeoutMs, 15_000);
  const set = loadConfig({ MODEL_MAX_RETRIES: '0', MODEL_RETRY_INITIAL_DELAY_MS: '250', MODEL_STREAM_IDLE_TIMEOUT_MS: '5000', MODEL_CHECK_TIMEOUT_MS: '3000' });
  t.deepEqual(set.modelCalls, { retry: { maxRetries: 0, initialDelayMs: 250 }, idleTimeoutMs: 5000 });
  t.is(set.modelCheckTimeoutMs, 3000);
  t.throws(() => loadConfig({ MODEL_MAX_RETRIES: '-1' }), { message: /^MODEL_MAX_RETRIES:/ });
  t.throws(() => loadConfig({ MODEL_STREAM_IDLE_TIMEOUT_MS: '10' }), { message: /^MODEL_STREAM_IDLE_TIMEOUT_MS:/ });
  t.throws(() => loadConfig({ MODEL_CHECK_TIMEOUT_MS: 'soon' }), { message: /^MODEL_CHECK_TIMEOUT_MS:/ });
});

test('API_KEYS: off by default (the embedded quick start), required when asked, anything else refused', (t) => {
  t.is(loadConfig({}).apiKeys, 'off');
  t.is(loadConfig({ API_KEYS: 'required' }).apiKeys, 'required');
  t.throws(() => loadConfig({ API_KEYS: 'yes' }), { message: /^API_KEYS:/ });
});

test('HOST: unset, loopback with API keys off and every interface with them required; set, it always wins', (t) => {
  t.like(loadConfig({}), { host: '127.0.0.1', loopbackByDefault: true });
  t.like(loadConfig({ HOST: ' ' }), { host: '127.0.0.1', loopbackByDefault: true }, 'blank is unset');
  t.like(loadConfig({ API_KEYS: 'required' }), { host: '0.0.0.0', loopbackByDefault: false });
  t.like(loadConfig({ HOST: '0.0.0.0' }), { host: '0.0.0.0', loopbackByDefault: false });
  t.like(loadConfig({ HOST: '127.0.0.1', API_KEYS: 'required' }), { host: '127.0.0.1', loopbackByDefault: false });
  t.like(loadConfig({ HOST: '::' }), { host: '::', loopbackByDefault: false });
});

test('METRICS_TOKEN / METRICS_PUBLIC: unset by default; the token is checked; both at once is refused', (t) => {
  t.deepEqual(loadConfig({}).metricsAccess, { public: false });
  t.deepEqual(loadConfig({ METRICS_TOKEN: '  0123456789abcdef-token  ' }).metricsAccess, { token: '0123456789abcdef-token', public: false });
  t.deepEqual(loadConfig({ METRICS_TOKEN: '' }).metricsAccess, { public: false }, 'empty is unset');
  t.deepEqual(loadConfig({ METRICS_PUBLIC: 'true', API_KEYS: 'required' }).metricsAccess, { public: true });
  t.deepEqual(loadConfig({ METRICS_PUBLIC: 'false' }).metricsAccess, { public: false });
  t.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), { message: /^METRICS_TOKEN: at least 16/ });
  t.throws(() => loadConfig({ METRICS_TOKEN: '0123456789 abcdef' }), { message: /^METRICS_TOKEN: printable ASCII/ });
  t.throws(() => loadConfig({ METRICS_PUBLIC: 'yes' }), { message: /^METRICS_PUBLIC:/ });
  t.throws(() => loadConfig({ METRICS_PUBLIC: 'true', METRICS_TOKEN: '0123456789abcdef' }), { message: /^METRICS_PUBLIC: true contradicts METRICS_TOKEN/ });
});

test('lease settings: defaults 2 s heartbeat, 6 s lease, 2 s sweep; LEASE_* read and checked', (t) => {
  t.deepEqual(loadConfig({}).lease, { heartbeatMs: 2000, leaseMs: 6000, sweepMs: 2000 });
  t.deepEqual(loadConfig({ LEASE_HEARTBEAT_MS: '1000', LEASE_MS: '4000', LEASE_SWEEP_MS: '500' }).lease, { heartbeatMs: 1000, leaseMs: 4000, sweepMs: 500 });
  // A lease must outlive at least one missed heartbeat, or a busy process would lapse.
  t.throws(() => loadConfig({ LEASE_HEARTBEAT_MS: '4000', LEASE_MS: '6000' }), { message: /^LEASE_MS:/ });
});

test('BUDGET_DEFAULT_OUTPUT_TOKENS: 4096 by default, read and checked', (t) => {
  t.is(loadConfig({}).budgetDefaultOutputTokens, 4096);
  t.is(loadConfig({ BUDGET_DEFAULT_OUTPUT_TOKENS: '512' }).budgetDefaultOutputTokens, 512);
  t.throws(() => loadConfig({ BUDGET_DEFAULT_OUTPUT_TOKENS: '0' }), { message: /^BUDGET_DEFAULT_OUTPUT_TOKENS:/ });
});

test('TRACE_URL_TEMPLATE: unset by default; an http(s) URL with {trace_id} in it, anything else refused', (t) => {
  t.is(loadConfig({}).traceUrlTemplate, undefined);
  t.is(loadConfig({ TRACE_URL_TEMPLATE: '' }).traceUrlTemplate, undefined, 'empty is unset');
  t.is(loadConfig({ TRACE_URL_TEMPLATE: ' http://localhost:16686/trace/{trace_id} ' }).traceUrlTemplate, 'http://localhost:16686/trace/{trace_id}');
  t.throws(() => loadConfig({ TRACE_URL_TEMPLATE: 'http://localhost:16686/trace/' }), { message: /^TRACE_URL_TEMPLATE: an http\(s\) URL with \{trace_id\}/ });
  t.throws(() => loadConfig({ TRACE_URL_TEMPLATE: 'javascript:alert({trace_id})' }), { message: /^TRACE_URL_TEMPLATE:/ });
});
