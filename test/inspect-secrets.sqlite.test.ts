import test from 'ava';
import { randomBytes } from 'node:crypto';
import { ProviderHarness } from './helpers/provider-harness.ts';
import { ScriptedProviderServer } from './helpers/scripted-provider-server.ts';
import { openaiChatWire } from './helpers/openai-chat-wire.ts';
import { openSse, type SseStream } from './helpers/sse-client.ts';
import { API_PREFIX } from '../src/http/api-route.ts';
import { inspectionEventSchema } from '../src/domain/inspection-schemas.ts';
import { within } from './helpers/within-deadline.ts';

// A run whose model's key is a tenant secret, and whose supervisors pass that key on in their
// tasks (a model echoing what it should not): the inspection stream shows the run live and never
// the key — not from the model objects, not from a task, not from a context.
const harness = new ProviderHarness();
test.before(() => harness.start({ env: {} }));
test.after.always(() => harness.stop());

async function drain(stream: SseStream): Promise<void> {
  for await (const _ of stream) {
    // to its end
  }
}

test("the model's key shows nowhere in the inspection of a live run, though its tasks carry it", async (t) => {
  const api = harness.api(t);
  const key = `sk-inspect-${randomBytes(12).toString('hex')}`;
  await api.ok('secrets/set', { name: 'inspect.key', value: key });
  // Supervisors delegate a task naming the key; the worker's answer never ends (the run stays live).
  const server = new ScriptedProviderServer(openaiChatWire, (req) => (req.toolNames.length > 0 && !req.afterToolResults
    ? { toolCalls: [{ id: `call_${randomBytes(4).toString('hex')}`, name: req.toolNames[0]!, input: { task: `use the key ${key} for this` } }] }
    : req.toolNames.length > 0 ? { text: 'done' } : { stallAfter: 2, turn: { text: 'working on it, slowly and at length' } }));
  const url = await server.start();
  t.teardown(() => server.close());
  const { hierarchyId } = await harness.hierarchyOn(api, { provider: 'openai-compatible', model_id: 'llama', base_url: `${url}/v1`, api_key_secret: 'inspect.key' });
  const run = await api.ok('runs/start', { hierarchy_id: hierarchyId, task: 'task' });
  await within(server.waitForRequests(3), 30_000, 'the worker\'s model call');
  t.is(server.requests[0]!.headers.authorization, `Bearer ${key}`, 'the key did reach the provider');

  const stream = await openSse(`${harness.server.url}${API_PREFIX}/runs/inspect/stream?id=${run.id}`);
  t.is(stream.status, 200);
  // The live tree: the worker is in its (stalled) model call, its task naming the key.
  await within(stream.until((f) => f.event === 'message' && f.data.includes('"0.worker.working"')), 30_000, 'the worker\'s model call in the tree');
  await api.ok('runs/cancel', { id: run.id });
  await within(drain(stream), 30_000, 'the stream to close');
  t.is(stream.frames.at(-1)?.event, 'close');
  const text = stream.frames.map((f) => f.data).join('\n');
  t.true(text.includes('[redacted]'), 'the key was there to hide');
  t.false(text.includes(key), 'the key never appears');
  const events = stream.frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data));
  t.true(events.length > 5);
  for (const e of events) t.true(inspectionEventSchema.safeParse(e).success, JSON.stringify(e).slice(0, 200));
  t.true(events.some((e) => e.type === '@xstate.event' && e.event.type === 'CANCEL'), 'the cancel reached the run, seen live');
});
