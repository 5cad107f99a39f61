import { initORM } from '../store/init-orm.ts';
import { Store } from '../store/store.ts';
import { databaseConfigFromEnv, describeDatabase } from '../store/database-config.ts';
import { ApiKeyService } from '../services/api-key-service.ts';
import { AppError } from '../errors/app-error.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { formatTable } from './text-output.ts';

/**
 * The `keys` commands talk to the database directly, with the server's own DATABASE_URL /
 * DB_* settings, not over HTTP: whoever can read the server's database settings administers
 * its keys, and no first ("bootstrap") key is needed to create the first one.
 */
async function withKeys<T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const database = databaseConfigFromEnv();
  let store: Store;
  try {
    // The same safe schema update as the server's start: a database from before API keys gets its table.
    store = new Store(await initORM({ database }));
  } catch (err) {
    throw new CliError(`cannot open the database ${describeDatabase(database)}: ${(err as Error).message}`, EXIT.unreachable);
  }
  try {
    return await work(new ApiKeyService(store.apiKeys));
  } catch (err) {
    if (err instanceof AppError && err.status < 500) throw new CliError(err.message, EXIT.refused);
    throw err;
  } finally {
    await store.close();
  }
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export async function createKeyCommand(flags: { tenant?: string; name?: string; json: boolean }): Promise<number> {
  if (!flags.tenant) throw new CliError('keys create needs --tenant <tenant>: a key is bound to one tenant', EXIT.usage);
  const tenant = flags.tenant;
  const { key, record } = await withKeys((keys) => keys.create(tenant, flags.name));
  if (flags.json) {
    print(JSON.stringify({ id: record.id, tenant: record.tenantId, name: record.name, prefix: record.prefix, created_at: record.createdAt.toISOString(), key }));
  } else {
    // The key alone on stdout (KEY=$(cadre keys create …)); the rest on stderr.
    process.stderr.write(`API key ${record.id} for tenant "${record.tenantId}"${record.name ? ` (${record.name})` : ''}. It is shown only now; only its SHA-256 is stored:\n`);
    print(key);
  }
  return EXIT.ok;
}

export async function listKeysCommand(flags: { tenant?: string; json: boolean }): Promise<number> {
  const rows = await withKeys((keys) => keys.list(flags.tenant));
  const view = rows.map((k) => ({
    id: k.id, tenant: k.tenantId, name: k.name, prefix: k.prefix, created_at: k.createdAt.toISOString(), revoked_at: k.revokedAt?.toISOString() ?? null,
  }));
  if (flags.json) return print(JSON.stringify(view)), EXIT.ok;
  print(formatTable(['ID', 'TENANT', 'NAME', 'KEY', 'CREATED', 'REVOKED'], view.map((k) => [
    k.id, k.tenant, k.name ?? '', `${k.prefix}…`, k.created_at.replace('T', ' ').slice(0, 19), k.revoked_at?.replace('T', ' ').slice(0, 19) ?? '',
  ])));
  return EXIT.ok;
}

export async function revokeKeyCommand(id: string, flags: { json: boolean }): Promise<number> {
  await withKeys((keys) => keys.revoke(id));
  if (flags.json) print(JSON.stringify({ id, revoked: true }));
  else process.stderr.write(`API key ${id} revoked: requests with it now get 401\n`);
  return EXIT.ok;
}
