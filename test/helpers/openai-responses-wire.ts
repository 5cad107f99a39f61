import { cut, pieces, sseEvent, SSE_HEADERS, type ReadRequest, type ScriptTurn, type WireBody, type WireFormat } from './scripted-provider-server.ts';

/** The OpenAI Responses API stream (what @ai-sdk/openai's default model calls): reasoning summaries, text, function calls. */
export const openaiResponsesWire: WireFormat = {
  encodeTurn(turn: ScriptTurn, stallAfter?: number): WireBody {
    const e = (data: Record<string, unknown>) => sseEvent({ sequence_number: 0, ...data });
    const chunks = [e({ type: 'response.created', response: { id: 'resp_1', created_at: 1, model: 'm' } })];
    let index = 0;
    if (turn.reasoning) {
      const item = { type: 'reasoning', id: 'rs_1', encrypted_content: null };
      chunks.push(e({ type: 'response.output_item.added', output_index: index, item }));
      chunks.push(e({ type: 'response.reasoning_summary_part.added', item_id: 'rs_1', summary_index: 0 }));
      for (const p of pieces(turn.reasoning)) chunks.push(e({ type: 'response.reasoning_summary_text.delta', item_id: 'rs_1', summary_index: 0, delta: p }));
      chunks.push(e({ type: 'response.reasoning_summary_part.done', item_id: 'rs_1', summary_index: 0 }));
      chunks.push(e({ type: 'response.output_item.done', output_index: index++, item: { ...item, summary: [{ type: 'summary_text', text: turn.reasoning }] } }));
    }
    if (turn.text) {
      const item = { type: 'message', id: 'msg_1' };
      chunks.push(e({ type: 'response.output_item.added', output_index: index, item }));
      for (const p of pieces(turn.text)) chunks.push(e({ type: 'response.output_text.delta', item_id: 'msg_1', delta: p }));
      chunks.push(e({ type: 'response.output_item.done', output_index: index++, item }));
    }
    for (const call of turn.toolCalls ?? []) {
      const args = JSON.stringify(call.input);
      const item = { type: 'function_call', id: `fc_${call.id}`, call_id: call.id, name: call.name };
      chunks.push(e({ type: 'response.output_item.added', output_index: index, item: { ...item, arguments: '', status: 'in_progress' } }));
      for (const p of pieces(args)) chunks.push(e({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: index, delta: p }));
      chunks.push(e({ type: 'response.output_item.done', output_index: index++, item: { ...item, arguments: args, status: 'completed' } }));
    }
    const u = turn.usage ?? { input: 10, output: 5 };
    chunks.push(e({
      type: 'response.completed',
      response: {
        usage: {
          input_tokens: u.input, output_tokens: u.output,
          input_tokens_details: { cached_tokens: u.cached ?? 0 }, output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
        },
      },
    }));
    return cut(chunks, SSE_HEADERS, stallAfter);
  },
  encodeError(status, message, headers = {}) {
    return { status, headers: { 'content-type': 'application/json', ...headers }, chunks: [JSON.stringify({ error: { message, type: 'error', code: String(status) } })] };
  },
  readRequest(body: any): ReadRequest {
    const input: any[] = body?.input ?? [];
    const text = (content: unknown) => typeof content === 'string' ? content : (content as any[]).map((c) => c.text ?? '').join('');
    return {
      system: [body?.instructions ?? '', ...input.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => text(m.content))]
        .filter((s) => s !== '').join('\n'),
      toolNames: (body?.tools ?? []).map((t: any) => t.name),
      afterToolResults: input.at(-1)?.type === 'function_call_output',
      maxTokens: body?.max_output_tokens,
      temperature: body?.temperature,
    };
  },
};
