import test from 'ava';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamTurn } from '../src/models/stream-turn.ts';
import { userMessage } from '../src/models/conversation.ts';
import { ScriptedProviderServer } from './helpers/scripted-provider-server.ts';
import { openaiChatWire } from './helpers/openai-chat-wire.ts';

// A provider's stream is a pipeline of transform streams: the deltas of one network chunk reach
// the reader over many microtasks. They must still go out as one batch, not one per delta.

test('the deltas of one network chunk from a real provider are delivered as one batch', async (t) => {
  const turn = openaiChatWire.encodeTurn({ text: 'word '.repeat(60) });
  const server = new ScriptedProviderServer(openaiChatWire, () => ({ raw: { headers: turn.headers!, chunks: [turn.chunks.join('')] } }));
  const url = await server.start();
  t.teardown(() => server.close());
  const model = createOpenAICompatible({ name: 'c', baseURL: url, apiKey: 'k-123' }).chatModel('m');
  const batches: number[] = [];
  let open = 0;
  const result = await streamTurn(model, { messages: [userMessage('hi')] }, {
    onTextDelta: () => open++,
    onIdle: () => {
      batches.push(open);
      open = 0;
    },
  });
  if (open > 0) batches.push(open);
  t.is(result.text, 'word '.repeat(60));
  t.deepEqual(batches, [50]);
});
