import test from 'ava';
import { CadreMetrics } from '../src/telemetry/metrics.ts';
import { ProcessTelemetry } from '../src/telemetry/process-telemetry.ts';
import { labelValues, metricValue } from './helpers/prometheus-text.ts';

// The label mapping on its own, for the strings a run over HTTP cannot easily produce: a tool
// name a model made up, a provider outside the enum, an error kind that is not one of our codes.
const agent = { agentId: 'a1', agentType: 'worker', name: 'Ada', teamName: null };

async function exposition(act: (metrics: CadreMetrics) => void): Promise<string> {
  const metrics = new CadreMetrics({ defaultMetrics: false });
  act(metrics);
  return (await metrics.render()).body;
}

test('a tool name no source offers counts as unknown, an MCP tool as mcp, a built-in one under its name', async (t) => {
  const text = await exposition((metrics) => {
    const run = new ProcessTelemetry(metrics, null).forRun({ runId: 1, tenantId: 't', hierarchyId: 'h' });
    run.toolCall(null, { name: 'made_up_tool_xyz', viaMcp: false }, 'c1').fail('unknown tool');
    run.toolCall(null, { name: 'mcp__secret_server__lookup', viaMcp: true }, 'c2').ok();
    // An MCP server may name a tool like a built-in one: it is still counted as mcp.
    run.toolCall(null, { name: 'calculator', viaMcp: true }, 'c3').ok();
    run.toolCall(null, { name: 'calculator', viaMcp: false }, 'c4').ok();
  });
  t.is(metricValue(text, 'cadre_tool_calls_total', { tool: 'unknown', outcome: 'error' }), 1);
  t.is(metricValue(text, 'cadre_tool_calls_total', { tool: 'mcp', outcome: 'ok' }), 2);
  t.is(metricValue(text, 'cadre_tool_calls_total', { tool: 'calculator', outcome: 'ok' }), 1);
  t.false(text.includes('made_up_tool_xyz'));
  t.false(text.includes('secret_server'));
});

test('model calls are labelled by provider only; a provider outside the enum is other', async (t) => {
  const text = await exposition((metrics) => {
    const run = new ProcessTelemetry(metrics, null).forRun({ runId: 1, tenantId: 't', hierarchyId: 'h' });
    run.modelCall(null, agent, { provider: 'openai', modelId: 'secret-model-id-xyz' }).ok({ inputTokens: 3, outputTokens: 5 });
    run.modelCall(null, agent, { provider: 'not-a-provider', modelId: 'secret-model-id-xyz' }).fail('boom');
  });
  t.is(metricValue(text, 'cadre_model_calls_total', { provider: 'openai', outcome: 'ok' }), 1);
  t.is(metricValue(text, 'cadre_model_tokens_total', { provider: 'openai', type: 'output' }), 5);
  t.is(metricValue(text, 'cadre_model_calls_total', { provider: 'other', outcome: 'error' }), 1);
  t.false(text.includes('secret-model-id-xyz'));
  t.false(text.includes('not-a-provider'));
  const labels = new Set(labelValues(text, 'cadre_model_').map(([label]) => label));
  t.deepEqual([...labels].sort(), ['le', 'outcome', 'provider', 'type']);
});

test('an error kind that is not one of our codes counts as other', async (t) => {
  const text = await exposition((metrics) => {
    metrics.countError('VALIDATION_ERROR');
    metrics.countError('EVENT_APPEND');
    metrics.countError('Some text from elsewhere');
  });
  t.is(metricValue(text, 'cadre_errors_total', { kind: 'VALIDATION_ERROR' }), 1);
  t.is(metricValue(text, 'cadre_errors_total', { kind: 'EVENT_APPEND' }), 1);
  t.is(metricValue(text, 'cadre_errors_total', { kind: 'other' }), 1);
  t.false(text.includes('Some text'));
});
