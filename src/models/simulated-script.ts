// Pure, deterministic "brain" of the simulated model: reads a call's prompt (through
// simulated-prompt.ts) and tools and decides the whole turn up front, rendered as stream parts
// as they are read. Timing, abort and errors live in simulated-model.ts so this file stays side-effect free.
import { isWorkerTool, simulatedToolInput } from './simulated-tool-use.ts';
import { countPromptWords, currentTask, lastUserText, outputText, parseIdentity, toolResultsOf, userTexts } from './simulated-prompt.ts';
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3FunctionTool,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';

export type ScriptOptions = {
  replyTokens: number;
  reasoning: boolean;
  parallelToolCalls: boolean;
  // Explicit identity from providerOptions; wins over the system prompt.
  agentName?: string;
  role?: string;
  /** A supervisor answers this at once instead of delegating (a scripted scenario). */
  supervisorAnswer?: string;
};

export type ScriptStep = {
  part: LanguageModelV3StreamPart;
  // Token parts are paced (delayed) by the runner; structural parts are not.
  token: boolean;
};

export type Script = {
  /**
   * The turn's stream parts, made one at a time as the stream is read. Why not an array: a live
   * turn would keep every part of its reply resident until it ends (~70 objects, 10 KB), far
   * more than a network provider's stream holds — and the bench's memory per run would count them.
   */
  steps: () => Generator<ScriptStep>;
  usage: LanguageModelV3Usage;
  finishReason: LanguageModelV3FinishReason;
  // Seeds the jitter PRNG so pacing is deterministic per prompt but differs
  // between prompts, which makes concurrent runs interleave.
  seed: number;
  responseId: string;
};

const FILLER = [
  'analysis', 'shows', 'the', 'data', 'suggests', 'a', 'clear', 'result', 'with', 'further',
  'detail', 'on', 'each', 'point', 'and', 'its', 'context', 'noted', 'for', 'review',
  'evidence', 'supports', 'this', 'summary', 'of', 'findings', 'given', 'current', 'scope', 'overall',
];

/** FNV-1a 32-bit: tiny, stable across runs and platforms. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits into " word" pieces whose concatenation is the input (sans trailing space). */
export function tokenize(text: string): string[] {
  return [...tokensOf(text)];
}

/** tokenize's pieces, one at a time. */
function* tokensOf(text: string): Generator<string> {
  for (const m of text.trimEnd().matchAll(/\s*\S+/g)) yield m[0];
}

function countTokens(text: string): number {
  let n = 0;
  for (const _ of tokensOf(text)) n++;
  return n;
}

/** A turn as LanguageModelV3 stream parts (without the stream's start and finish). */
function* stepsOf(turn: Turn, reasoning: boolean): Generator<ScriptStep> {
  if (reasoning) {
    yield { part: { type: 'reasoning-start', id: 'reasoning-0' }, token: false };
    for (const delta of tokensOf(turn.reasoning)) yield { part: { type: 'reasoning-delta', id: 'reasoning-0', delta }, token: true };
    yield { part: { type: 'reasoning-end', id: 'reasoning-0' }, token: false };
  }
  yield { part: { type: 'text-start', id: 'text-0' }, token: false };
  for (const delta of tokensOf(turn.text)) yield { part: { type: 'text-delta', id: 'text-0', delta }, token: true };
  yield { part: { type: 'text-end', id: 'text-0' }, token: false };
  for (const call of turn.calls) {
    yield { part: { type: 'tool-input-start', id: call.id, toolName: call.name }, token: false };
    for (const delta of tokensOf(call.input)) yield { part: { type: 'tool-input-delta', id: call.id, delta }, token: true };
    yield { part: { type: 'tool-input-end', id: call.id }, token: false };
    yield { part: { type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.input }, token: false };
  }
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

type ToolCallPlan = { id: string; name: string; input: string };

type Turn = {
  reasoning: string;
  text: string;
  calls: ToolCallPlan[];
};

function supervisorTurn(
  options: LanguageModelV3CallOptions,
  tools: LanguageModelV3FunctionTool[],
  opts: ScriptOptions,
): Turn {
  const current = currentTask(options.prompt);
  const task = userTexts(current)[0] ?? '';
  const called = new Set<string>();
  const results = new Map<string, string>();
  let turn = 1;
  for (const m of current) {
    if (m.role === 'assistant') turn++;
    if (m.role !== 'assistant' && m.role !== 'tool') continue;
    for (const p of m.content) {
      if (p.type === 'tool-call') called.add(p.toolName);
      if (p.type === 'tool-result') results.set(p.toolName, outputText(p.output));
    }
  }
  const choice = options.toolChoice;
  let pending = tools.filter((t) => !called.has(t.name));
  if (choice?.type === 'none') pending = [];
  if (choice?.type === 'tool') pending = tools.filter((t) => t.name === choice.toolName);
  const short = truncate(task, 40);

  if (pending.length > 0) {
    const batch = opts.parallelToolCalls ? pending : pending.slice(0, 1);
    const names = batch.map((t) => t.name);
    // The original task is embedded verbatim so markers reach the workers.
    const calls = batch.map((t) => ({
      id: `sim_${hash32(task).toString(16)}_t${turn}_${t.name}`,
      name: t.name,
      input: JSON.stringify({ task: `${t.description ?? t.name}: ${task}` }),
    }));
    return {
      reasoning: `Planning delegation to ${names.join(', ')} for: ${short}`,
      text: `Delegating to ${names.join(', ')}.`,
      calls,
    };
  }
  const digest = tools
    .filter((t) => results.has(t.name))
    .map((t) => `${t.name}: ${truncate(results.get(t.name) ?? '', 60)}`);
  return {
    reasoning: `Reviewing ${digest.length} results for: ${short}`,
    text: `Synthesis of ${digest.length} results for task: ${task}. ${digest.join('; ')}`,
    calls: [],
  };
}

function workerTurn(options: LanguageModelV3CallOptions, opts: ScriptOptions): Turn {
  const task = lastUserText(options.prompt);
  const parsed = parseIdentity(options.prompt);
  const agentName = opts.agentName ?? parsed.agentName;
  const role = opts.role ?? parsed.role;
  const results = toolResultsOf(options.prompt);
  // Pieces keep their leading whitespace so a multi-line task survives verbatim.
  const pieces = tokenize(`[${agentName} as ${role}] Task: ${task} —`);
  // What the tools answered is the point of the reply: it is never cut, the filler is.
  const told = results.length === 0 ? [] : tokenize(` Tool results: ${results.map((r) => `${r.name} → ${truncate(r.text, 80)}`).join('; ')} —`);
  const rand = prng(hash32(`${agentName}|${role}|${task}`));
  const length = Math.max(opts.replyTokens, told.length === 0 ? 0 : pieces.length + told.length);
  const words = [...pieces.slice(0, told.length === 0 ? length : pieces.length), ...told];
  while (words.length < length) words.push(` ${FILLER[Math.floor(rand() * FILLER.length)] ?? 'ok'}`);
  // Without tool results exactly replyTokens words: a long task header is cut rather than overflowing.
  return {
    reasoning: `Considering how to handle: ${truncate(task, 40)}`,
    text: words.slice(0, length).join(''),
    calls: [],
  };
}

/**
 * A worker offered tools: before any tool has answered, one call per tool it can derive an
 * input for from the task (all in one turn); once results are in, its answer citing them.
 */
function workerToolTurn(options: LanguageModelV3CallOptions, tools: LanguageModelV3FunctionTool[], opts: ScriptOptions): Turn {
  const task = lastUserText(options.prompt);
  if (toolResultsOf(options.prompt).length > 0) return workerTurn(options, opts);
  const calls = tools.flatMap((t) => {
    const input = simulatedToolInput(t.name, task, t.inputSchema);
    return input === undefined ? [] : [{ id: `sim_${hash32(task).toString(16)}_${t.name}`, name: t.name, input }];
  });
  if (calls.length === 0) return workerTurn(options, opts);
  const names = calls.map((c) => c.name).join(', ');
  return { reasoning: `Using ${names} for: ${truncate(task, 40)}`, text: `Using ${names}.`, calls };
}

/** Decides one model turn and renders it as LanguageModelV3 stream parts. */
export function buildScript(options: LanguageModelV3CallOptions, opts: ScriptOptions): Script {
  const tools = (options.tools ?? []).filter((t): t is LanguageModelV3FunctionTool => t.type === 'function');
  // A call offering worker tools (built-in ones, or any tool that is not a delegation tool taking
  // `{task}`) is a worker's; otherwise the tools are a supervisor's children.
  const workerTools = tools.filter((t) => isWorkerTool({ name: t.name, inputSchema: t.inputSchema }));
  const supervisor = workerTools.length === 0 && tools.length > 0;
  const turn = workerTools.length > 0 ? workerToolTurn(options, workerTools, opts)
    : supervisor && opts.supervisorAnswer !== undefined ? { reasoning: 'Answering as the scenario says.', text: opts.supervisorAnswer, calls: [] }
      : supervisor ? supervisorTurn(options, tools, opts) : workerTurn(options, opts);
  const reasoningTokens = opts.reasoning ? countTokens(turn.reasoning) : 0;
  const textTokens = countTokens(turn.text) + turn.calls.reduce((n, c) => n + countTokens(c.input), 0);

  const inputWords = countPromptWords(options.prompt);
  const promptHash = hash32(JSON.stringify(options.prompt));
  return {
    steps: () => stepsOf(turn, opts.reasoning),
    usage: {
      inputTokens: { total: inputWords, noCache: inputWords, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: textTokens + reasoningTokens, text: textTokens, reasoning: reasoningTokens },
    },
    finishReason:
      turn.calls.length > 0 ? { unified: 'tool-calls', raw: 'tool_calls' } : { unified: 'stop', raw: 'stop' },
    seed: promptHash,
    responseId: `simresp_${promptHash.toString(16)}`,
  };
}
