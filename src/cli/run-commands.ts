import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { followRun, type RunEventJson } from './run-stream.ts';
import { progressDisplay, RunProgress, seconds, type ProgressSink } from './run-progress.ts';
import { agentsNotCompleted } from '../domain/run-summary.ts';
import { onSignal } from '../signal-repeat.ts';

export interface FollowFlags {
  json: boolean;
  /** How long to keep trying to reconnect to a server that went away, in ms. */
  retryForMs: number;
  /** Resume after this event id. */
  after?: number;
  /** How a printed `cadre respond …` command starts: `cadre` and the flags that reach this server (never the key). */
  respondPrefix?: string;
}

interface HierarchyRef {
  id: string;
  name: string;
}

/** A hierarchy by id, else by exact name (names are unique per tenant). */
export async function resolveHierarchy(client: ApiClient, ref: string): Promise<HierarchyRef> {
  try {
    return await client.post<HierarchyRef>('hierarchies/get', { id: ref });
  } catch (err) {
    // 404 (no such id) or 400 (not an id at all): try it as a name.
    if (!(err instanceof CliError && err.exitCode === EXIT.refused)) throw err;
  }
  const wanted = ref.trim();
  for (let page = 1; page <= 1000; page++) {
    const data = await client.post<{ content: HierarchyRef[]; last: boolean }>('hierarchies/list', { page, size: 100 });
    const found = data.content.find((h) => h.name === wanted);
    if (found) return found;
    if (data.last || data.content.length === 0) break;
  }
  throw new CliError(`no hierarchy with id or name "${ref}"`, EXIT.refused);
}

export interface RunStartFlags {
  /** Continue this thread: the run is given its earlier tasks and answers. */
  thread?: string;
  /** With `thread`: cancel its live run, if any, instead of being refused (multitask_strategy interrupt). */
  interrupt?: boolean;
  /** With `thread`: wait for its live runs to end, then run (multitask_strategy enqueue). */
  enqueue?: boolean;
}

/**
 * `cadre run [<hierarchy>] <task>`: starts the run, follows it live, prints the answer. With a
 * thread the hierarchy may be left out (it is the thread's); given, the server checks it is.
 */
export async function runCommand(client: ApiClient, hierarchyRef: string | undefined, task: string, flags: FollowFlags & RunStartFlags): Promise<number> {
  if (flags.interrupt && !flags.thread) throw new CliError('--interrupt needs --thread <id>: only a thread has a live run to interrupt', EXIT.usage);
  if (flags.enqueue && !flags.thread) throw new CliError('--enqueue needs --thread <id>: only a thread has runs to wait for', EXIT.usage);
  if (flags.enqueue && flags.interrupt) throw new CliError('--enqueue and --interrupt: choose one', EXIT.usage);
  if (hierarchyRef === undefined && !flags.thread) throw new CliError('run needs <hierarchy> and <task> (or --thread <id> and <task>)', EXIT.usage);
  // Resolved before the start, so that an unknown thread or hierarchy fails before any run exists.
  const hierarchy = await resolveHierarchy(client, hierarchyRef ?? (await client.post<{ hierarchy_id: string }>('threads/get', { id: flags.thread })).hierarchy_id);
  const run = await client.post<{ id: number; thread_id: string | null }>('runs/start', {
    hierarchy_id: hierarchy.id, task,
    ...(flags.thread && { thread_id: flags.thread, multitask_strategy: flags.interrupt ? 'interrupt' : flags.enqueue ? 'enqueue' : 'reject' }),
  });
  const inThread = run.thread_id ? ` in thread ${run.thread_id}` : '';
  if (!flags.json) process.stderr.write(`run ${run.id} started on "${hierarchy.name}"${inThread} (follow it again with: cadre tail ${run.id}; Ctrl-C cancels it)\n`);
  // The first Ctrl-C cancels the run and shows it ending (exit 3); a second one leaves at once.
  const stopListening = onSignal('SIGINT', () => {
    process.stderr.write(`\ncancelling run ${run.id}… (Ctrl-C again to leave without waiting)\n`);
    client.post('runs/cancel', { id: run.id }).catch((err: unknown) => process.stderr.write(`cancel failed: ${(err as Error).message}\n`));
  });
  try {
    return await followCommand(client, run.id, flags);
  } finally {
    stopListening();
  }
}

/** `cadre tail <run>` (and the second half of `run`): the run's events to its end; the exit code tells its outcome. */
export async function followCommand(client: ApiClient, runId: number, flags: FollowFlags): Promise<number> {
  const progress = new RunProgress({ ...(flags.respondPrefix && { respondPrefix: flags.respondPrefix }) });
  const display: ProgressSink = flags.json
    ? {
      event(e) {
        process.stdout.write(`${JSON.stringify(e)}\n`);
        // stdout is for machines; a person watching still learns on stderr how to answer a request.
        if (e.event.category === 'human' && e.event.action === 'requested') {
          const line = progress.apply(e);
          if (line) process.stderr.write(`${line}\n`);
        }
      },
      note: (text) => process.stderr.write(`${text}\n`),
      end() {},
    }
    : progressDisplay(process.stderr, progress);
  let terminal: RunEventJson | undefined;
  try {
    terminal = await followRun(client, runId, {
      ...(flags.after !== undefined && { after: flags.after }),
      retryForMs: flags.retryForMs,
      onEvent: (e) => display.event(e),
      onReconnect: (after, why) => display.note(`stream dropped (${why}); resuming after event ${after}`),
    });
  } finally {
    display.end();
  }
  if (!terminal) {
    // The stream closed without a terminal event: ask the run itself how it ended.
    const run = await client.post<RunRecordJson>('runs/get', { id: runId });
    return report(runId, run.status, { result: run.result, error: run.error }, durationOf(run) ?? progress.elapsedMs, progress, flags.json);
  }
  // How long the run took, from its record: `tail` of an ended run replays it in a moment.
  const took = flags.json ? undefined : durationOf(await client.post<RunRecordJson>('runs/get', { id: runId }));
  return report(runId, terminal.event.action, terminal.data, took ?? progress.elapsedMs, progress, flags.json);
}

interface RunRecordJson {
  status: string;
  result: string | null;
  error: string | null;
  started_at: string | null;
  completed_at: string | null;
}

/** From its start to its end, as the run's record has them; undefined until it has both. */
function durationOf(run: RunRecordJson): number | undefined {
  const ms = Date.parse(run.completed_at ?? '') - Date.parse(run.started_at ?? '');
  return Number.isNaN(ms) ? undefined : ms;
}

function report(runId: number, status: string, data: Record<string, any>, durationMs: number, progress: RunProgress, json: boolean): number {
  const statistics = (data.statistics ?? data.details?.statistics) as Record<string, unknown> | undefined;
  const totals = statistics?.totals as { input_tokens?: number; output_tokens?: number } | undefined;
  const usage = totals ? ` · ${totals.input_tokens ?? 0} input / ${totals.output_tokens ?? 0} output tokens` : '';
  if (status === 'completed') {
    if (!json) {
      // Completed, though some agent did not: still exit 0 (there is an answer), but said plainly.
      const missed = agentsNotCompleted(statistics) ?? [];
      const errors = missed.length > 0
        ? ` with errors (${missed.length} agent${missed.length === 1 ? '' : 's'} did not complete: ${missed.map((a) => `${a.agent_name} ${a.status.replace(/_/g, ' ')}`).join(', ')})`
        : '';
      process.stderr.write(`run ${runId} completed${errors} in ${seconds(durationMs)} · ${progress.events} events${usage}\n\n`);
      process.stdout.write(`${String(data.result ?? '')}\n`);
    }
    return EXIT.ok;
  }
  if (status === 'cancelled') {
    if (!json) process.stderr.write(`run ${runId} was cancelled\n`);
    return EXIT.runCancelled;
  }
  if (!json) process.stderr.write(`run ${runId} ${status}: ${String(data.error ?? 'no error recorded')}${usage}\n`);
  return EXIT.runFailed;
}
