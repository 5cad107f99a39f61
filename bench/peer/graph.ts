/**
 * The peer's graph: the shape of the Cadre bench's hierarchy (1 global supervisor, 3 teams ×
 * (1 team supervisor + 3 workers), parallel) as LangGraph StateGraphs, every agent a call of a
 * fake streaming chat model. Loaded by the LangGraph API server (bench/peer/server.ts), which
 * imports this file with Node's type stripping; it imports packages installed in
 * bench/peer/node_modules only, so the root tsconfig leaves bench/peer out.
 *
 * Model turns per run, as on Cadre: each supervisor plans (delegates) and then sums up its
 * children's answers, each worker answers once: 2 + 3 × 2 + 9 = 17 turns.
 */
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { RunnableConfig } from '@langchain/core/runnables';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const TEAMS = ['Analysts', 'Writers', 'Reviewers'];
const WORKERS = ['a', 'b', 'c'];
const FILLER = ['analysis', 'shows', 'the', 'data', 'suggests', 'a', 'clear', 'result', 'with', 'further'];

/** Per-run pace and length, from the run's config.configurable (the bench's workload). */
interface Pace { tokens: number; delayMs: number }

function paceOf(config: RunnableConfig | undefined): Pace {
  const c = config?.configurable ?? {};
  const tokens = Number(c.tokens_per_turn ?? 10);
  const delayMs = Number(c.token_delay_ms ?? 0);
  if (!Number.isInteger(tokens) || tokens < 1 || !(delayMs >= 0)) throw new Error(`bad pace: tokens_per_turn ${c.tokens_per_turn}, token_delay_ms ${c.token_delay_ms}`);
  return { tokens, delayMs };
}

/**
 * Streams `tokens_per_turn` words, one chunk each, `token_delay_ms` apart; at 0 it yields to the
 * event loop once per token, as Cadre's simulated model does. Each chunk carries the epoch ms it
 * was emitted at (response_metadata.emitted_at, a string so merged chunks concatenate instead of
 * failing to merge): the bench's clients measure delivery latency from it.
 */
class PacedFakeModel extends BaseChatModel {
  readonly pace: Pace;

  constructor(pace: Pace) {
    super({});
    this.pace = pace;
  }

  _llmType(): string {
    return 'cadre-bench-paced-fake';
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    let text = '';
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) text += chunk.text;
    return { generations: [{ text, message: new AIMessage(text) }] };
  }

  override async *_streamResponseChunks(_messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const { tokens, delayMs } = this.pace;
    for (let i = 0; i < tokens; i++) {
      if (options.signal?.aborted) throw new Error('aborted');
      await new Promise((r) => (delayMs > 0 ? setTimeout(r, delayMs) : setImmediate(r)));
      const text = ` ${FILLER[i % FILLER.length]}`;
      const chunk = new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({ content: text, response_metadata: { emitted_at: String(Date.now()) } }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}

/** One agent's turn: the model's answer, as text. */
async function turn(agent: string, prompt: string, config: RunnableConfig): Promise<string> {
  // A model per turn: the pace is the run's (its config), not the process's.
  const reply = await new PacedFakeModel(paceOf(config)).invoke([{ role: 'system', content: `You are ${agent}.` }, { role: 'user', content: prompt }], config);
  return typeof reply.content === 'string' ? reply.content : JSON.stringify(reply.content);
}

const TeamState = Annotation.Root({
  task: Annotation<string>,
  plan: Annotation<string>,
  answers: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  summary: Annotation<string>,
});

function team(name: string) {
  const g = new StateGraph(TeamState)
    .addNode('team_plan', async (s, config) => ({ plan: await turn(`${name} supervisor`, s.task, config) }))
    .addNode('team_summary', async (s, config) => ({ summary: await turn(`${name} supervisor`, s.answers.join('\n'), config) }));
  for (const w of WORKERS) {
    g.addNode(`worker_${w}`, async (s, config) => ({ answers: [await turn(`${name}-${w}`, s.plan, config)] }));
  }
  const b = g as unknown as StateGraph<typeof TeamState.spec, any, any, string>;
  b.addEdge(START, 'team_plan');
  for (const w of WORKERS) b.addEdge('team_plan', `worker_${w}`).addEdge(`worker_${w}`, 'team_summary');
  b.addEdge('team_summary', END);
  return b.compile({ name });
}

const RootState = Annotation.Root({
  task: Annotation<string>,
  plan: Annotation<string>,
  reports: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  summary: Annotation<string>,
});

function supervisor() {
  const g = new StateGraph(RootState)
    .addNode('supervisor_plan', async (s, config) => ({ plan: await turn('the global supervisor', s.task, config) }))
    .addNode('supervisor_summary', async (s, config) => ({ summary: await turn('the global supervisor', s.reports.join('\n'), config) }));
  for (const t of TEAMS) {
    const sub = team(t);
    // The team runs as a subgraph called from its node, so its tokens stream under its namespace.
    g.addNode(`team_${t}`, async (s, config) => ({ reports: [(await sub.invoke({ task: s.plan }, config)).summary] }));
  }
  const b = g as unknown as StateGraph<typeof RootState.spec, any, any, string>;
  b.addEdge(START, 'supervisor_plan');
  for (const t of TEAMS) b.addEdge('supervisor_plan', `team_${t}`).addEdge(`team_${t}`, 'supervisor_summary');
  b.addEdge('supervisor_summary', END);
  return b.compile({ name: 'supervisor' });
}

export const graph = supervisor();
