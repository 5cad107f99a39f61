import { cut, pieces, sseEvent, SSE_HEADERS, type ReadRequest, type ScriptTurn, type WireBody, type WireFormat } from './scripted-provider-server.ts';

/** Anthropic Messages streaming: thinking blocks (with a signature), text, tool_use. */
export const anthropicWire: WireFormat = {
  encodeTurn(turn: ScriptTurn, stallAfter?: number): WireBody {
    const u = turn.usage ?? { input: 10, output: 5 };
    const e = (type: string, data: Record<string, unknown>) => sseEvent({ type, ...data }, type);
    const chunks = [e('message_start', {
      message: {
        id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: u.input, output_tokens: 1, cache_read_input_tokens: u.cached ?? 0, cache_creation_input_tokens: 0 },
      },
    })];
    let index = 0;
    if (turn.reasoning) {
      chunks.push(e('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      for (const p of pieces(turn.reasoning)) chunks.push(e('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p } }));
      chunks.push(e('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig-1' } }));
      chunks.push(e('content_block_stop', { index: index++ }));
    }
    if (turn.text) {
      chunks.push(e('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const p of pieces(turn.text)) chunks.push(e('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
      chunks.push(e('content_block_stop', { index: index++ }));
    }
    for (const call of turn.toolCalls ?? []) {
      chunks.push(e('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }));
      for (const p of pieces(JSON.stringify(call.input))) chunks.push(e('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }));
      chunks.push(e('content_block_stop', { index: index++ }));
    }
    chunks.push(e('message_delta', { delta: { stop_reason: turn.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } }));
    chunks.push(e('message_stop', {}));
    return cut(chunks, SSE_HEADERS, stallAfter);
  },
  encodeError(status, message, headers = {}) {
    const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error';
    return { status, headers: { 'content-type': 'application/json', ...headers }, chunks: [JSON.stringify({ type: 'error', error: { type, message } })] };
  },
  readRequest(body: any): ReadRequest {
    const system = typeof body?.system === 'string' ? body.system : (body?.system ?? []).map((b: any) => b.text).join('\n');
    const last = (body?.messages ?? []).at(-1);
    return {
      system,
      toolNames: (body?.tools ?? []).map((t: any) => t.name),
      afterToolResults: last?.role === 'user' && Array.isArray(last.content) && last.content.some((c: any) => c.type === 'tool_result'),
      maxTokens: body?.max_tokens,
      temperature: body?.temperature,
    };
  },
};
