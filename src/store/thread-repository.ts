import type { EntityManager } from '@mikro-orm/core';
import { Thread } from './entities/index.ts';
import type { PageQuery, Slice, ThreadRepository } from '../domain/repositories.ts';
import type { ThreadRecord } from '../domain/thread-schemas.ts';

function toRecord(t: Thread): ThreadRecord {
  return { id: t.id, tenantId: t.tenantId, hierarchyId: t.hierarchyId, metadata: t.metadata ?? {}, createdAt: t.createdAt, updatedAt: t.updatedAt };
}

/** A tenant's threads; the tenant filter scopes every read, update and delete. */
export class SqlThreadRepository implements ThreadRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  async list(query: PageQuery & { hierarchyId?: string; metadata?: Record<string, unknown> }): Promise<Slice<ThreadRecord>> {
    const where: Record<string, unknown> = {};
    if (query.hierarchyId !== undefined) where.hierarchyId = query.hierarchyId;
    // MikroORM turns a nested object on a JSON property into a per-key comparison on every dialect.
    if (query.metadata && Object.keys(query.metadata).length > 0) where.metadata = query.metadata;
    const [rows, total] = await this.#em.findAndCount(Thread, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: query.size,
      offset: (query.page - 1) * query.size,
    });
    return { items: rows.map(toRecord), total };
  }

  async find(id: string): Promise<ThreadRecord | null> {
    const row = await this.#em.findOne(Thread, { id }, { refresh: true });
    return row ? toRecord(row) : null;
  }

  async create(fields: { id?: string; hierarchyId: string; metadata: Record<string, unknown> }): Promise<ThreadRecord> {
    const row = this.#em.create(Thread, {
      ...(fields.id && { id: fields.id }),
      tenantId: this.#tenantId,
      hierarchyId: fields.hierarchyId,
      metadata: fields.metadata,
    });
    await this.#em.flush();
    return toRecord(row);
  }

  async update(id: string, fields: { metadata: Record<string, unknown> }): Promise<ThreadRecord | null> {
    const row = await this.#em.findOne(Thread, { id });
    if (!row) return null;
    this.#em.assign(row, { metadata: fields.metadata });
    await this.#em.flush();
    return toRecord(row);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#em.nativeDelete(Thread, { id })) > 0;
  }

  count(): Promise<number> {
    return this.#em.count(Thread, {});
  }
}
