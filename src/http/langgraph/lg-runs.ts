import type { Context } from 'koa';
import { ConflictError } from '../../errors/app-error.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import { terminalStatuses, type RunRecord, type RunStatus } from '../../domain/run-records.ts';
import { writeSseFrames } from '../sse-stream-writer.ts';
import { LgError, lgErrorOf, notFound, unprocessable } from './lg-errors.ts';
import { runIdOf } from './lg-ids.ts';
import { parseRunRequest, type RunRequest } from './lg-input.ts';
import type { LgRoute } from './lg-mount.ts';
import { cursorOf, FROM_START, lgRunFrames, type Cursor, type LgFrame } from './lg-run-stream.ts';
import { limitsOf, sliceAt, type LgCall, type LgServices } from './lg-services.ts';
import { stateRuns, valuesOf } from './lg-state.ts';
import { findThread, threadIdOf } from './lg-threads.ts';
import { findAssistant } from './lg-assistants.ts';
import { interruptsOf, LG_METADATA_KEY, runOf, settingsOf, STREAM_MODES, type StreamMode } from './lg-views.ts';

/** The run named by the path, of the thread named by the path, of this tenant; anything else is 404. */
async function findRun({ ctx, repos, services }: LgCall, thread: unknown = ctx.params.thread_id, runRef: unknown = ctx.params.run_id): Promise<RunRecord> {
  const threadId = threadIdOf(thread);
  await findThread(services, repos, threadId);
  const raw = String(runRef);
  const id = runIdOf(raw);
  const run = id === undefined ? null : await repos.runs.find(id);
  if (!run || run.threadId !== threadId) throw notFound(`run ${raw}`);
  return run;
}

/** The run's conversation before it (what its `values` begin with). */
async function priorOf(services: LgServices, repos: TenantRepositories, run: RunRecord) {
  return valuesOf((await stateRuns(services.runs, repos, run.threadId!)).filter((r) => r.id < run.id)).messages;
}

/**
 * Starts a run on the thread (null: a stateless run, on a thread of its own made for it and
 * deleted once it ended, unless on_completion is "keep"). multitask_strategy reject and
 * interrupt are the thread's own; rollback deletes the thread's live runs (each cancelled
 * first) before starting.
 */
async function start(call: LgCall, pathThread: string | null): Promise<{ run: RunRecord; request: RunRequest }> {
  const { repos, services } = call;
  const request = parseRunRequest(call.body, pathThread === null);
  const assistant = await findAssistant(repos, request.assistantId);
  let threadId = pathThread;
  if (threadId === null) {
    threadId = (await services.threads.create(repos, { hierarchyId: assistant.id, metadata: { stateless: true } })).id;
  } else if (!(await repos.threads.find(threadId))) {
    if (request.ifNotExists !== 'create') throw notFound(`thread ${threadId}`);
    await services.threads.create(repos, { hierarchyId: assistant.id, threadId, ifExists: 'do_nothing' });
  }
  if (request.multitask === 'rollback') {
    for (const live of await repos.runs.liveOfThread(threadId)) await services.runs.delete(repos, live.id);
  }
  try {
    const run = await services.threads.startRun(repos, {
      threadId, hierarchyId: assistant.id, task: request.task, multitaskStrategy: request.settings.multitask_strategy,
      metadata: { ...request.metadata, [LG_METADATA_KEY]: request.settings },
    });
    return { run, request };
  } catch (err) {
    // The run was refused: the thread made for it goes too (a failure to delete it is logged; the refusal is the answer).
    if (pathThread === null) {
      await services.threads.delete(repos, threadId).catch((deleteErr: unknown) => services.logger.warn('a refused stateless run\'s thread could not be deleted', { thread_id: threadId, error: String(deleteErr) }));
    }
    throw err;
  }
}

/** A stateless run's thread goes once the run ended and `reading` (its stream or wait) is done. */
function cleanUpStateless(call: LgCall, run: RunRecord, reading: Promise<unknown>): void {
  if (settingsOf(run).on_completion !== 'delete') return;
  const { repos, services } = call;
  void Promise.allSettled([reading, services.runs.untilEnded(repos, run.id)])
    .then(() => services.threads.delete(repos, run.threadId!))
    .catch((err: unknown) => services.logger.warn('a stateless run\'s thread could not be deleted', { run_id: run.id, thread_id: run.threadId, error: String(err) }));
}

function setLocation(ctx: Context, run: RunRecord): void {
  // Relative to the client's apiUrl (the SDK prefixes it): the run, and where to resume its stream.
  ctx.set('Content-Location', `/threads/${run.threadId}/runs/${runOf(run).run_id}`);
  ctx.set('Location', `/threads/${run.threadId}/runs/${runOf(run).run_id}/stream`);
}

const encode = (f: LgFrame) => `id: ${f.id}\nevent: ${f.event}\ndata: ${JSON.stringify(f.data)}\n\n`;

/** Streams the run as LangGraph does; a client that goes away with on_disconnect "cancel" cancels it. */
async function stream(call: LgCall, run: RunRecord, modes: readonly StreamMode[], cursor: Cursor, onDisconnect: 'cancel' | 'continue'): Promise<void> {
  const { ctx, repos, services } = call;
  const abort = new AbortController();
  const frames = lgRunFrames(services.runs, services.polledFeeds, repos, {
    run, prior: await priorOf(services, repos, run), modes, subgraphs: settingsOf(run).stream_subgraphs, cursor, signal: abort.signal,
  });
  const first = await frames.next();
  const errorFrame = (err: unknown) => `event: error\ndata: ${JSON.stringify({ error: 'StreamError', message: lgErrorOf(err, services.logger).message })}\n\n`;
  await writeSseFrames(ctx, first, frames, encode, errorFrame, abort, services.connections);
  if (abort.signal.aborted && onDisconnect === 'cancel' && !terminalStatuses.has((await services.runs.get(repos, run.id)).status)) {
    await services.runs.cancel(repos, run.id).catch((err: unknown) => {
      // It ended on its own meanwhile: nothing to cancel.
      if (!(err instanceof ConflictError)) services.logger.warn('a run whose client went away could not be cancelled', { run_id: run.id, error: String(err) });
    });
  }
}

/** Waits until the run ended or waits for a human, then answers the thread's values as LangGraph's wait and join do. */
async function finalValues(call: LgCall, found: RunRecord): Promise<Record<string, unknown>> {
  const { repos, services } = call;
  const frames = lgRunFrames(services.runs, services.polledFeeds, repos, { run: found, prior: [], modes: [], subgraphs: false, cursor: FROM_START });
  for await (const _frame of frames) {
    // Only its end matters here.
  }
  const run = await services.runs.get(repos, found.id);
  const values: Record<string, unknown> = valuesOf((await stateRuns(services.runs, repos, run.threadId!)).filter((r) => r.id <= run.id));
  if (run.status === 'failed') values.__error__ = { error: 'RunError', message: run.error ?? 'the run failed' };
  const interrupts = interruptsOf(run)[runOf(run).run_id];
  if (interrupts) values.__interrupt__ = interrupts;
  return values;
}

/** `stream_mode` of a join's query: the run's own modes when absent. */
function modesOf(ctx: Context, run: RunRecord): StreamMode[] {
  const raw = ctx.query.stream_mode;
  if (raw === undefined) return settingsOf(run).stream_mode;
  const modes = (Array.isArray(raw) ? raw : [raw]).flatMap((m) => m.split(','));
  for (const m of modes) if (!(STREAM_MODES as readonly string[]).includes(m)) throw unprocessable(`stream_mode: ${m} is not supported (${STREAM_MODES.join(', ')})`);
  return modes as StreamMode[];
}

/** LangGraph's run statuses a list filters by, as Cadre's. */
const STATUS_FILTER: Record<string, RunStatus> = { pending: 'pending', running: 'running', success: 'completed', error: 'failed' };

/** Cancels a run; rollback deletes it too. */
async function cancelRun(call: LgCall, run: RunRecord, action: string): Promise<void> {
  if (action !== 'interrupt' && action !== 'rollback') throw unprocessable('action: must be interrupt or rollback');
  if (terminalStatuses.has(run.status)) throw new LgError(409, `run ${runOf(run).run_id} already ended (${runOf(run).status})`);
  if (action === 'rollback') await call.services.runs.delete(call.repos, run.id);
  else await call.services.runs.cancel(call.repos, run.id);
}

/** Most runs one bulk cancel stops: a tenant's runs are many; a call's work is bounded. */
const MAX_BULK_CANCEL = 100;

export function runRoutes(): LgRoute[] {
  const create = (stateless: boolean) => async (call: LgCall) => {
    const { run } = await start(call, stateless ? null : threadIdOf(call.ctx.params.thread_id));
    setLocation(call.ctx, run);
    call.ctx.body = runOf(run);
    if (stateless) cleanUpStateless(call, run, Promise.resolve());
  };
  const streamed = (stateless: boolean) => async (call: LgCall) => {
    const { run, request } = await start(call, stateless ? null : threadIdOf(call.ctx.params.thread_id));
    setLocation(call.ctx, run);
    const done = stream(call, run, request.settings.stream_mode, FROM_START, request.onDisconnect);
    if (stateless) cleanUpStateless(call, run, done);
    await done;
  };
  const waited = (stateless: boolean) => async (call: LgCall) => {
    const { run } = await start(call, stateless ? null : threadIdOf(call.ctx.params.thread_id));
    call.ctx.set('Content-Location', `/threads/${run.threadId}/runs/${runOf(run).run_id}`);
    const values = finalValues(call, run);
    if (stateless) cleanUpStateless(call, run, values);
    call.ctx.body = await values;
  };
  return [
    ['post', '/threads/:thread_id/runs', create(false)],
    ['post', '/threads/:thread_id/runs/stream', streamed(false)],
    ['post', '/threads/:thread_id/runs/wait', waited(false)],
    ['post', '/runs', create(true)],
    ['post', '/runs/stream', streamed(true)],
    ['post', '/runs/wait', waited(true)],
    ['get', '/threads/:thread_id/runs', async (call) => {
      const { ctx, repos, services } = call;
      const threadId = threadIdOf(ctx.params.thread_id);
      await findThread(services, repos, threadId);
      const { limit, offset } = limitsOf(ctx.query as Record<string, unknown>);
      const status = typeof ctx.query.status === 'string' && ctx.query.status !== '' ? STATUS_FILTER[ctx.query.status] : undefined;
      if (ctx.query.status && !status) throw unprocessable(`status: filtering by ${String(ctx.query.status)} is not supported (${Object.keys(STATUS_FILTER).join(', ')})`);
      const { items } = await sliceAt(offset, limit, (page, size) => services.runs.list(repos, { page, size, threadId, ...(status && { status }) }));
      ctx.body = items.map(runOf);
    }],
    ['get', '/threads/:thread_id/runs/:run_id', async (call) => {
      call.ctx.body = runOf(await findRun(call));
    }],
    ['delete', '/threads/:thread_id/runs/:run_id', async (call) => {
      await call.services.runs.delete(call.repos, (await findRun(call)).id);
      call.ctx.status = 204;
    }],
    ['get', '/threads/:thread_id/runs/:run_id/join', async (call) => {
      call.ctx.body = await finalValues(call, await findRun(call));
    }],
    ['get', '/threads/:thread_id/runs/:run_id/stream', async (call) => {
      const run = await findRun(call);
      const cursor = cursorOf(call.ctx.get('last-event-id') || undefined);
      call.ctx.set('Content-Location', `/threads/${run.threadId}/runs/${runOf(run).run_id}`);
      await stream(call, run, modesOf(call.ctx, run), cursor, call.ctx.query.cancel_on_disconnect === '1' || call.ctx.query.cancel_on_disconnect === 'true' ? 'cancel' : 'continue');
    }],
    ['post', '/threads/:thread_id/runs/:run_id/cancel', async (call) => {
      const run = await findRun(call);
      const action = typeof call.ctx.query.action === 'string' ? call.ctx.query.action : 'interrupt';
      await cancelRun(call, run, action);
      const wait = call.ctx.query.wait === '1' || call.ctx.query.wait === 'true';
      if (wait && action !== 'rollback') await call.services.runs.untilEnded(call.repos, run.id);
      call.ctx.status = wait ? 204 : 202;
    }],
    ['post', '/runs/cancel', async (call) => {
      const { ctx, repos, body, services } = call;
      const action = typeof ctx.query.action === 'string' ? ctx.query.action : 'interrupt';
      const runs: RunRecord[] = [];
      if (Array.isArray(body.run_ids)) {
        if (typeof body.thread_id !== 'string') throw unprocessable('thread_id: run_ids are of one thread: name it');
        if (body.run_ids.length > MAX_BULK_CANCEL) throw unprocessable(`run_ids: at most ${MAX_BULK_CANCEL}`);
        for (const runId of body.run_ids) runs.push(await findRun(call, body.thread_id, runId));
      } else if (typeof body.thread_id === 'string') {
        await findThread(services, repos, threadIdOf(body.thread_id));
        runs.push(...(await repos.runs.liveOfThread(body.thread_id)).slice(0, MAX_BULK_CANCEL));
      } else if (body.status === 'pending' || body.status === 'running' || body.status === 'all') {
        const statuses: RunStatus[] = body.status === 'all' ? ['pending', 'running'] : [body.status];
        for (const status of statuses) {
          runs.push(...(await services.runs.list(repos, { page: 1, size: MAX_BULK_CANCEL, status })).items);
        }
      } else throw unprocessable('thread_id, run_ids or status (pending, running, all): say which runs to cancel');
      for (const run of runs.slice(0, MAX_BULK_CANCEL)) {
        if (!terminalStatuses.has(run.status)) {
          await cancelRun(call, run, action).catch((err: unknown) => {
            // Ended on its own since it was listed: nothing to cancel.
            if (!(err instanceof LgError && err.status === 409) && !(err instanceof ConflictError)) throw err;
          });
        }
      }
      ctx.status = 204;
    }],
  ];
}
