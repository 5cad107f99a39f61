import type { RunEventJson } from './run-stream.ts';
import { controlEventLine } from './control-event-lines.ts';

/** What the live display shows of a run, folded from its events. */
export class RunProgress {
  readonly #startedAt = Date.now();
  /** The server's clock: the first and the latest event's timestamps (ms), so a replay shows the run's own timeline. */
  #firstAt: number | undefined;
  #lastAt = 0;
  /** This machine's clock when the latest event came (a live display ticks on from it). */
  #lastSeen = 0;
  #ended = false;
  #elapsed = 0;
  #running = false;
  #teams = 0;
  #workers = 0;
  /** Streamed text and reasoning deltas: providers stream about one token per delta. */
  tokens = 0;
  events = 0;
  last = '';
  /** How a printed `cadre respond …` command starts (see control-event-lines.ts). */
  readonly #respondPrefix: string;

  constructor(options: { respondPrefix?: string } = {}) {
    this.#respondPrefix = options.respondPrefix ?? 'cadre';
  }

  /** Agents working now: the global supervisor while the run goes, plus dispatched teams and workers not yet done. */
  get activeAgents(): number {
    return (this.#running ? 1 : 0) + this.#teams + this.#workers;
  }

  /**
   * Time since the run's first event shown, on the server's clock (a replay of an ended run
   * reads as the run went, not as fast as it is replayed); while live, ticking on between events.
   */
  get elapsedMs(): number {
    const now = this.#firstAt === undefined ? Date.now() - this.#startedAt
      : this.#lastAt - this.#firstAt + (this.#ended ? 0 : Date.now() - this.#lastSeen);
    // Never backwards: an event may arrive a little later than the ticking assumed.
    this.#elapsed = Math.max(this.#elapsed, now);
    return this.#elapsed;
  }

  #clock(e: RunEventJson): void {
    const at = Date.parse(e.timestamp);
    if (Number.isNaN(at)) return;
    this.#firstAt ??= at;
    this.#lastAt = Math.max(this.#lastAt, at);
    this.#lastSeen = Date.now();
  }

  /** Folds one event in; answers a line worth printing on its own (plain mode), if any. */
  apply(e: RunEventJson): string | undefined {
    this.events++;
    this.#clock(e);
    const { category, action } = e.event;
    const who = e.source ? (e.source.team_name && e.source.agent_type !== 'global_supervisor' ? `${e.source.agent_name} (${e.source.team_name})` : e.source.agent_name) : 'run';
    if (category === 'llm' && (action === 'stream' || action === 'reasoning')) {
      this.tokens++;
      this.last = who;
      return undefined;
    }
    if (category === 'lifecycle' && action === 'started') {
      this.#running = true;
      return `started: ${oneLine(String(e.data.task ?? ''), 80)}`;
    }
    if (category === 'lifecycle' && action === 'resumed') {
      // Its process was lost (or shut down) and another took it over: the run goes on.
      return `resumed (#${String(e.data.resume ?? '?')}) from its checkpoint after event ${String(e.data.checkpoint_sequence ?? '?')}`;
    }
    if (category === 'lifecycle') {
      this.#ended = true;
      this.#running = false;
      this.#teams = 0;
      this.#workers = 0;
      return action;
    }
    if (category === 'dispatch') {
      if (action === 'team') this.#teams++;
      else if (action === 'worker') this.#workers++;
      else if (action === 'team_completed') this.#teams = Math.max(0, this.#teams - 1);
      else if (action === 'worker_completed') this.#workers = Math.max(0, this.#workers - 1);
      this.last = who;
      if (action === 'team') return `${who} → team ${e.data.team_name}: ${oneLine(String(e.data.task ?? ''), 60)}`;
      if (action === 'worker') return `${who} → ${e.data.worker_name}: ${oneLine(String(e.data.task ?? ''), 60)}`;
      return completionLine(e, who);
    }
    if (category === 'llm' && action === 'tool_call') {
      this.last = who;
      // A worker's tool, with what it was given; a supervisor's calls are delegations (dispatch.* tell them).
      return `${who} calls ${e.data.tool_name}${e.source?.agent_type === 'worker' ? `(${brief(e.data.input, 60)})` : ''}`;
    }
    if (category === 'llm' && action === 'tool_result' && e.source?.agent_type === 'worker') {
      return `${who} ← ${e.data.tool_name}${e.data.is_error ? ' failed' : ''}: ${brief(e.data.result, 80)}`;
    }
    if (category === 'agent' || category === 'budget' || category === 'human') return controlEventLine(e, who, this.#respondPrefix);
    if (category === 'system' && action === 'error') return `${who} error: ${oneLine(String(e.data.error ?? ''), 100)}`;
    return undefined;
  }

  /** `3 agents active · 120 tokens · 4.2s` */
  status(): string {
    return `${this.activeAgents} agent${this.activeAgents === 1 ? '' : 's'} active · ${this.tokens} tokens · ${seconds(this.elapsedMs)}`;
  }
}

/**
 * `Ada (Analysts) done in 0.7s`, `Ada (Analysts) failed after 0.7s: <error>`, `team Analysts done in 2.5s`:
 * the delegate by its name (the event's source is the supervisor that delegated).
 */
function completionLine(e: RunEventJson, who: string): string {
  // Since typed outcomes the event names how it ended; before, only ok told it.
  const status = typeof e.data.status === 'string' ? e.data.status : e.data.ok === false ? 'failed' : 'completed';
  const team = e.data.team_name as string | undefined;
  const delegate = e.event.action === 'team_completed'
    ? (team ? `team ${team}` : undefined)
    : (typeof e.data.worker_name === 'string' ? `${e.data.worker_name}${team ? ` (${team})` : ''}` : undefined);
  // Events written before they named the delegate: the supervisor's line, as it was.
  if (!delegate) return `${who} ${e.event.action === 'team_completed' ? 'team' : 'worker'} done${status !== 'completed' ? ` (${status})` : ''}`;
  const took = typeof e.data.duration_ms === 'number' ? seconds(e.data.duration_ms) : undefined;
  if (status === 'completed') return `${delegate} done${took ? ` in ${took}` : ''}`;
  const error = typeof e.data.outcome?.error === 'string' ? `: ${oneLine(e.data.outcome.error, 80)}` : '';
  return `${delegate} ${status}${took ? ` after ${took}` : ''}${error}`;
}

/** A tool's input or result on one line, at most `max` characters. */
function brief(value: unknown, max: number): string {
  return oneLine(typeof value === 'string' ? value : JSON.stringify(value) ?? '', max);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export interface ProgressSink {
  event(e: RunEventJson): void;
  note(text: string): void;
  /** Clears the status line (TTY) before the answer is printed. */
  end(): void;
}

/**
 * On a terminal: one status line redrawn in place (10 times a second), notable events printed
 * above it. Elsewhere (a pipe, a CI log): plain lines, one per notable event, each with the
 * status, so the log reads top to bottom.
 */
export function progressDisplay(out: NodeJS.WriteStream, progress: RunProgress): ProgressSink {
  if (!out.isTTY) {
    return {
      event(e) {
        const line = progress.apply(e);
        if (line !== undefined) out.write(`[${seconds(progress.elapsedMs).padStart(7)}] ${progress.status()} | ${line}\n`);
      },
      note(text) {
        out.write(`${text}\n`);
      },
      end() {},
    };
  }
  const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  let frame = 0;
  const draw = () => {
    const last = progress.last ? ` · ${progress.last}` : '';
    const line = `${spinner[frame++ % spinner.length]} ${progress.status()}${last}`;
    out.write(`\r\x1b[2K${line.slice(0, Math.max(20, (out.columns || 80) - 1))}`);
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    event(e) {
      const line = progress.apply(e);
      if (line !== undefined) {
        out.write(`\r\x1b[2K${line}\n`);
        draw();
      }
    },
    note(text) {
      out.write(`\r\x1b[2K${text}\n`);
      draw();
    },
    end() {
      clearInterval(timer);
      out.write(`\r\x1b[2K`);
    },
  };
}
