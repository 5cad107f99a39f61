import type { EntityManager } from '@mikro-orm/core';
import { McpServer } from './entities/index.ts';
import type { McpServerFields, McpServerRepository, PageQuery, Slice } from '../domain/repositories.ts';
import type { McpServerRecord } from '../domain/mcp-server-schemas.ts';

function toRecord(s: McpServer): McpServerRecord {
  return {
    id: s.id,
    tenantId: s.tenantId,
    name: s.name,
    url: s.url,
    headersEnv: s.headersEnv ?? {},
    headersSecret: s.headersSecret ?? {},
    description: s.description ?? null,
    isActive: s.isActive,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** Only the fields present are set. */
function toEntityData(fields: Partial<McpServerFields>): Partial<McpServer> {
  const data: Record<string, unknown> = {};
  for (const key of ['name', 'url', 'headersEnv', 'headersSecret', 'description', 'isActive'] as const) {
    if (fields[key] !== undefined) data[key] = fields[key];
  }
  return data as Partial<McpServer>;
}

/** A tenant's MCP servers; the tenant filter scopes every read, update and delete. */
export class SqlMcpServerRepository implements McpServerRepository {
  readonly #em: EntityManager;
  readonly #tenantId: string;

  constructor(em: EntityManager, tenantId: string) {
    this.#em = em;
    this.#tenantId = tenantId;
  }

  async list(query: PageQuery & { isActive?: boolean }): Promise<Slice<McpServerRecord>> {
    const where: Record<string, unknown> = {};
    if (query.isActive !== undefined) where.isActive = query.isActive;
    const [rows, total] = await this.#em.findAndCount(McpServer, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: query.size,
      offset: (query.page - 1) * query.size,
    });
    return { items: rows.map(toRecord), total };
  }

  async find(id: string): Promise<McpServerRecord | null> {
    const row = await this.#em.findOne(McpServer, { id });
    return row ? toRecord(row) : null;
  }

  async findByName(name: string): Promise<McpServerRecord | null> {
    const row = await this.#em.findOne(McpServer, { name });
    return row ? toRecord(row) : null;
  }

  async create(fields: McpServerFields): Promise<McpServerRecord> {
    const row = this.#em.create(McpServer, {
      ...(toEntityData(fields) as Pick<McpServer, 'name' | 'url' | 'headersEnv'>),
      tenantId: this.#tenantId,
    });
    await this.#em.flush();
    return toRecord(row);
  }

  async update(id: string, fields: Partial<McpServerFields>): Promise<McpServerRecord | null> {
    const row = await this.#em.findOne(McpServer, { id });
    if (!row) return null;
    this.#em.assign(row, toEntityData(fields));
    await this.#em.flush();
    return toRecord(row);
  }

  async delete(id: string): Promise<boolean> {
    const row = await this.#em.findOne(McpServer, { id });
    if (!row) return false;
    await this.#em.remove(row).flush();
    return true;
  }
}
