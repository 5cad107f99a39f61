import { cut, pieces, sseEvent, SSE_HEADERS, type ReadRequest, type ScriptTurn, type WireBody, type WireFormat } from './scripted-provider-server.ts';

/** OpenAI Chat Completions streaming (what OpenAI-compatible servers — vLLM, Ollama, LM Studio — speak). */
export const openaiChatWire: WireFormat = {
  encodeTurn(turn: ScriptTurn, stallAfter?: number): WireBody {
    const chunk = (delta: unknown, finish: string | null = null) =>
      sseEvent({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
    const chunks = [chunk({ role: 'assistant', content: '' })];
    for (const p of pieces(turn.reasoning ?? '')) chunks.push(chunk({ reasoning_content: p }));
    for (const p of pieces(turn.text ?? '')) chunks.push(chunk({ content: p }));
    (turn.toolCalls ?? []).forEach((call, index) => {
      const args = JSON.stringify(call.input);
      chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const p of pieces(args)) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
    });
    chunks.push(chunk({}, turn.toolCalls?.length ? 'tool_calls' : 'stop'));
    const u = turn.usage ?? { input: 10, output: 5 };
    chunks.push(sseEvent({
      id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [],
      usage: {
        prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output,
        prompt_tokens_details: { cached_tokens: u.cached ?? 0 }, completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
      },
    }));
    chunks.push('data: [DONE]\n\n');
    return cut(chunks, SSE_HEADERS, stallAfter);
  },
  encodeError(status, message, headers = {}) {
    return { status, headers: { 'content-type': 'application/json', ...headers }, chunks: [JSON.stringify({ error: { message, type: 'error', code: String(status) } })] };
  },
  readRequest(body: any): ReadRequest {
    const messages: any[] = body?.messages ?? [];
    return {
      system: messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n'),
      toolNames: (body?.tools ?? []).map((t: any) => t.function.name),
      afterToolResults: messages.at(-1)?.role === 'tool',
      maxTokens: body?.max_tokens,
      temperature: body?.temperature,
    };
  },
};
