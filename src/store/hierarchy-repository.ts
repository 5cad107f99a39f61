import type { EntityManager } from '@mikro-orm/core';
import { HierarchyTeam } from './entities/index.ts';
import type { HierarchyFields, HierarchyRepository, PageQuery, Slice } from '../domain/repositories.ts';
import type { HierarchyOrigin, HierarchyRecord } from '../domain/hierarchy-schemas.ts';
import { storedHierarchyConfig } from '../domain/hierarchy-normalise.ts';

/** The tenant's own hierarchies: those POST /execute made for its runs are not among them. */
const LISTED = { origin: 'api' } as const;

function toRecord(h: HierarchyTeam): HierarchyRecord {
  return {
    id: h.id,
    tenantId: h.tenantId,
    name: h.name,
    description: h.description ?? null,
    config: storedHierarchyConfig(h.config),
    isActive: h.isActive,
    version: h.version,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

export class SqlHierarchyRepository implements HierarchyRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  async list(query: PageQuery & { isActive?: boolean }): Promise<Slice<HierarchyRecord>> {
    const where = query.isActive === undefined ? LISTED : { ...LISTED, isActive: query.isActive };
    const [rows, total] = await this.#em.findAndCount(HierarchyTeam, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: query.size,
      offset: (query.page - 1) * query.size,
    });
    return { items: rows.map(toRecord), total };
  }

  async find(id: string, options: { anyOrigin?: boolean } = {}): Promise<HierarchyRecord | null> {
    const row = await this.#em.findOne(HierarchyTeam, options.anyOrigin ? { id } : { id, ...LISTED });
    return row ? toRecord(row) : null;
  }

  async findByName(name: string): Promise<HierarchyRecord | null> {
    const row = await this.#em.findOne(HierarchyTeam, { name, ...LISTED });
    return row ? toRecord(row) : null;
  }

  async create(fields: HierarchyFields & { origin?: HierarchyOrigin }): Promise<HierarchyRecord> {
    const row = this.#em.create(HierarchyTeam, {
      tenantId: this.#tenantId,
      name: fields.name,
      description: fields.description,
      config: fields.config as unknown as Record<string, unknown>,
      isActive: fields.isActive,
      version: 1,
      origin: fields.origin ?? 'api',
    });
    await this.#em.flush();
    return toRecord(row);
  }

  async update(id: string, fields: Partial<HierarchyFields>): Promise<HierarchyRecord | null> {
    const row = await this.#em.findOne(HierarchyTeam, { id, ...LISTED });
    if (!row) return null;
    if (fields.name !== undefined) row.name = fields.name;
    if (fields.description !== undefined) row.description = fields.description;
    if (fields.isActive !== undefined) row.isActive = fields.isActive;
    if (fields.config !== undefined) {
      row.config = fields.config as unknown as Record<string, unknown>;
      row.version += 1;
    }
    await this.#em.flush();
    return toRecord(row);
  }

  async delete(id: string, options: { anyOrigin?: boolean } = {}): Promise<boolean> {
    const row = await this.#em.findOne(HierarchyTeam, options.anyOrigin ? { id } : { id, ...LISTED });
    if (!row) return false;
    await this.#em.remove(row).flush();
    return true;
  }
}
