import test from 'ava';
import { envNameAllowed } from '../src/domain/env-allow-list.ts';

test('TENANT_ENV_ALLOWED patterns: exact names and * globs; empty allows none', (t) => {
  t.false(envNameAllowed('OPENAI_API_KEY', []));
  t.true(envNameAllowed('OPENAI_API_KEY', ['OPENAI_API_KEY']));
  t.false(envNameAllowed('OPENAI_API_KEY_2', ['OPENAI_API_KEY']));
  t.true(envNameAllowed('OPENAI_API_KEY', ['OPENAI_*']));
  t.true(envNameAllowed('OPENAI_', ['OPENAI_*']));
  t.false(envNameAllowed('MY_OPENAI_KEY', ['OPENAI_*']));
  t.true(envNameAllowed('TEAM_A_KEY', ['*_KEY']));
  t.false(envNameAllowed('TEAM_A_KEYS', ['*_KEY']));
  t.true(envNameAllowed('TENANT_X_MCP_TOKEN', ['TENANT_*_MCP_*']));
  t.false(envNameAllowed('TENANT_MCP', ['TENANT_*_MCP_*']));
  t.false(envNameAllowed('AB', ['A*B*B']), 'prefix and suffix may not overlap');
  t.true(envNameAllowed('ANY_OTHER_URL', ['*']));
  t.true(envNameAllowed('X', ['OPENAI_*', 'X']));
});

test("Cadre's own credentials are never a tenant's to name, whatever a pattern matches", (t) => {
  for (const name of ['SECRETS_KEY', 'METRICS_TOKEN', 'DATABASE_URL', 'DB_PASSWORD', 'REDIS_URL', 'OTEL_EXPORTER_OTLP_HEADERS']) {
    t.false(envNameAllowed(name, ['*']), name);
    t.false(envNameAllowed(name, [name]), name);
  }
  t.false(envNameAllowed('SECRETS_KEY', ['*_KEY']));
  t.true(envNameAllowed('TEAM_KEY', ['*_KEY']));
});
