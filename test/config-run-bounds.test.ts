import test from 'ava';
import { loadConfig } from '../src/config.ts';

test('MAX_QUEUED_RUNS and TENANT_MAX_ACTIVE_RUNS: bounded by default, 0 queued allowed, a tenant bound of at least 1', (t) => {
  t.like(loadConfig({}), { maxQueuedRuns: 1000, tenantMaxActiveRuns: 200 });
  t.like(loadConfig({ MAX_QUEUED_RUNS: '0', TENANT_MAX_ACTIVE_RUNS: '5000' }), { maxQueuedRuns: 0, tenantMaxActiveRuns: 5000 });
  t.throws(() => loadConfig({ MAX_QUEUED_RUNS: '-1' }), { message: /^MAX_QUEUED_RUNS:/ });
  t.throws(() => loadConfig({ TENANT_MAX_ACTIVE_RUNS: '0' }), { message: /^TENANT_MAX_ACTIVE_RUNS:/ });
  t.throws(() => loadConfig({ TENANT_MAX_ACTIVE_RUNS: 'lots' }), { message: /^TENANT_MAX_ACTIVE_RUNS:/ });
});
