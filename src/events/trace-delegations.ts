import type { EventSource } from './run-event.ts';
import { bounded } from './trace-span.ts';
import { tracedAgentOf } from './trace-topology.ts';
import type { SpanTable } from './trace-span-table.ts';

/** A supervisor's tool call, until it is dispatched (then its agent task is its span) or answered without a child. */
interface Delegation {
  at: number;
  sequence: number;
  source: EventSource;
  toolName: string;
  toolCount: number;
  input: unknown;
  dispatched: boolean;
  deduplicated: boolean;
}

/**
 * Supervisors' tool calls by `<supervisor>|<tool_call_id>`, while their result is awaited. A
 * dispatched one has no span of its own (the agent task it opened is its span); one answered
 * without a child gets a tool-call span when its result comes, from when it was called.
 */
export class TraceDelegations {
  readonly #spans: SpanTable;
  readonly #pending = new Map<string, Delegation>();

  constructor(spans: SpanTable) {
    this.#spans = spans;
  }

  called(key: string, source: EventSource, toolName: string, d: Record<string, unknown>, at: number, seq: number): void {
    this.#pending.set(key, {
      at, sequence: seq, source, toolName, toolCount: Number(d.tool_count ?? this.#pending.size + 1), input: d.input, dispatched: false, deduplicated: false,
    });
  }

  dispatched(key: string): void {
    const delegation = this.#pending.get(key);
    if (delegation) delegation.dispatched = true;
  }

  /** Answered from an earlier task's result: the tool call span it gets says so. */
  deduplicated(key: string): void {
    const delegation = this.#pending.get(key);
    if (delegation) delegation.deduplicated = true;
  }

  answered(key: string, source: EventSource, d: Record<string, unknown>, error: string | null, at: number, seq: number): void {
    const delegation = this.#pending.get(key);
    this.#pending.delete(key);
    if (!delegation || delegation.dispatched) return;
    // Answered without a child: an unknown tool, unusable input, or a duplicate answered from the cache.
    const span = this.#spans.open(`delegation:${source.agent_id}#${delegation.toolCount}`, this.#spans.parentOf(source.agent_id), 'tool_call', delegation.toolName,
      tracedAgentOf(source), delegation.at, delegation.sequence, {
        tool_call_id: d.tool_call_id, input: bounded(delegation.input), result: bounded(d.result), ...(delegation.deduplicated && { deduplicated: true }),
      });
    this.#spans.close(span, error === null ? 'ok' : 'error', at, seq, error);
  }
}
