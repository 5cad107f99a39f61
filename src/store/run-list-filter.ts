import { raw } from '@mikro-orm/core';
import type { RunListQuery } from '../domain/repositories.ts';

/** `!` escapes LIKE's wildcards: the same ESCAPE clause on SQLite (which has no default), PostgreSQL and MySQL. */
function likeContaining(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * The WHERE of runs/list, as a fresh object per query (a raw fragment serves one query). The
 * text is bound as a parameter (never spliced into the SQL), matched against lower(task) so
 * the match is case-insensitive whatever the column's collation; all digits also match the id.
 */
export function runListWhere(query: RunListQuery): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  const all: Array<Record<string, unknown>> = [];
  if (query.hierarchyId !== undefined) where.hierarchyId = query.hierarchyId;
  if (query.threadId !== undefined) where.threadId = query.threadId;
  if (query.status !== undefined) where.status = query.status;
  if (query.changedAfter !== undefined) {
    const after = { $gt: query.changedAfter };
    all.push({ $or: [{ createdAt: after }, { startedAt: after }, { completedAt: after }] });
  }
  if (query.createdAfter !== undefined || query.createdBefore !== undefined) {
    where.createdAt = {
      ...(query.createdAfter !== undefined && { $gte: query.createdAfter }),
      ...(query.createdBefore !== undefined && { $lt: query.createdBefore }),
    };
  }
  if (query.text !== undefined) {
    const task = { [raw((alias) => `lower(${alias}.task) like ? escape '!'`, [likeContaining(query.text)])]: [] };
    const id = /^\d{1,15}$/.test(query.text) ? Number(query.text) : null;
    all.push(id === null ? task : { $or: [task, { id }] });
  }
  if (query.hasErrors === true) {
    all.push({ $or: [{ status: 'failed' }, { status: 'completed', agentErrors: { $gt: 0 } }] });
  } else if (query.hasErrors === false) {
    all.push({ status: { $ne: 'failed' } }, { $or: [{ status: { $ne: 'completed' } }, { agentErrors: null }, { agentErrors: 0 }] });
  }
  if (all.length > 0) where.$and = all;
  return where;
}
