import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { cut, pieces, type ReadRequest, type ScriptTurn, type WireBody, type WireFormat } from './scripted-provider-server.ts';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One frame of the AWS event stream (binary, CRC-checked), as Bedrock's ConverseStream sends it. */
function frame(eventType: string, body: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(body)),
  });
}

/** Bedrock ConverseStream (`POST /model/{id}/converse-stream`): reasoning, text and toolUse blocks, then metadata. */
export const bedrockWire: WireFormat = {
  encodeTurn(turn: ScriptTurn, stallAfter?: number): WireBody {
    const chunks = [frame('messageStart', { role: 'assistant' })];
    let index = 0;
    if (turn.reasoning) {
      for (const p of pieces(turn.reasoning)) chunks.push(frame('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { text: p } } }));
      chunks.push(frame('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { signature: 'sig-1' } } }));
      chunks.push(frame('contentBlockStop', { contentBlockIndex: index++ }));
    }
    if (turn.text) {
      for (const p of pieces(turn.text)) chunks.push(frame('contentBlockDelta', { contentBlockIndex: index, delta: { text: p } }));
      chunks.push(frame('contentBlockStop', { contentBlockIndex: index++ }));
    }
    for (const call of turn.toolCalls ?? []) {
      chunks.push(frame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: call.id, name: call.name } } }));
      for (const p of pieces(JSON.stringify(call.input))) chunks.push(frame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: p } } }));
      chunks.push(frame('contentBlockStop', { contentBlockIndex: index++ }));
    }
    chunks.push(frame('messageStop', { stopReason: turn.toolCalls?.length ? 'tool_use' : 'end_turn' }));
    const u = turn.usage ?? { input: 10, output: 5 };
    chunks.push(frame('metadata', {
      usage: { inputTokens: u.input, outputTokens: u.output, totalTokens: u.input + u.output, cacheReadInputTokens: u.cached ?? 0 },
      metrics: { latencyMs: 1 },
    }));
    return cut(chunks, { 'content-type': 'application/vnd.amazon.eventstream' }, stallAfter);
  },
  encodeError(status, message, headers = {}) {
    return { status, headers: { 'content-type': 'application/json', ...headers }, chunks: [JSON.stringify({ message })] };
  },
  readRequest(body: any): ReadRequest {
    const last = (body?.messages ?? []).at(-1);
    return {
      system: (body?.system ?? []).map((b: any) => b.text ?? '').join('\n'),
      toolNames: (body?.toolConfig?.tools ?? []).map((t: any) => t.toolSpec?.name).filter(Boolean),
      afterToolResults: last?.role === 'user' && (last.content ?? []).some((c: any) => c.toolResult),
      maxTokens: body?.inferenceConfig?.maxTokens,
      temperature: body?.inferenceConfig?.temperature,
    };
  },
};
