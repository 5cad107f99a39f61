import type { Context } from 'koa';
import type { RunService } from '../../services/run-service.ts';
import type { ThreadService } from '../../services/thread-service.ts';
import type { PolledRunFeeds } from '../../events/polled-run-feeds.ts';
import type { TenantRepositories } from '../../domain/repositories.ts';
import type { Slice } from '../../domain/repositories.ts';
import type { Logger } from '../../logging/logger.ts';
import type { SseConnectionSlots } from '../sse-connections.ts';
import { unprocessable } from './lg-errors.ts';

/** The services the LangGraph adapter speaks for: it keeps no state of its own. */
export interface LgServices {
  runs: RunService;
  threads: ThreadService;
  /** The process's SSE streams (SSE_MAX_CONNECTIONS): LangGraph streams take slots like every other. */
  connections?: SseConnectionSlots;
  /** The shared pollers of runs executing in another process (as the SSE streams use). */
  polledFeeds?: PolledRunFeeds;
  logger: Logger;
}

/** One request, its tenant resolved: what every route handler is given. */
export interface LgCall {
  ctx: Context;
  repos: TenantRepositories;
  /** The JSON body ({} for GET). */
  body: Record<string, unknown>;
  services: LgServices;
}

/** Most items one search answers (LangGraph's `limit`): lists are pages of Cadre's, at most 100. */
export const MAX_LIMIT = 100;

/** `limit` and `offset` of a search body or query, checked. */
export function limitsOf(raw: { limit?: unknown; offset?: unknown }, defaultLimit = 10): { limit: number; offset: number } {
  const number = (value: unknown, name: string, fallback: number, min: number, max: number) => {
    if (value === undefined || value === null || value === '') return fallback;
    const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw unprocessable(`${name}: must be an integer from ${min} to ${max}`);
    return n;
  };
  return { limit: number(raw.limit, 'limit', defaultLimit, 1, MAX_LIMIT), offset: number(raw.offset, 'offset', 0, 0, 1_000_000_000) };
}

/**
 * Items [offset, offset + limit) of a list Cadre serves by pages: one page when the offset
 * falls on a page of `limit` items, else the two pages it spans.
 */
export async function sliceAt<T>(offset: number, limit: number, fetch: (page: number, size: number) => Promise<Slice<T>>): Promise<Slice<T>> {
  const page = Math.floor(offset / limit) + 1;
  const skip = offset % limit;
  const first = await fetch(page, limit);
  if (skip === 0) return first;
  const second = first.items.length === limit ? (await fetch(page + 1, limit)).items : [];
  return { items: [...first.items, ...second].slice(skip, skip + limit), total: first.total };
}

/** Sets the pagination headers LangGraph's clients read (X-Pagination-Next: the next offset, when there are more). */
export function paginate(ctx: Context, offset: number, count: number, total: number): void {
  ctx.set('X-Pagination-Total', String(total));
  if (offset + count < total) ctx.set('X-Pagination-Next', String(offset + count));
}
