import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors/app-error.ts';
import { parseSecretsKey } from './secret-cipher.ts';
import type { DatabaseConfig } from './database-config.ts';

export interface SecretsKey {
  /** Null: no key (a server database without SECRETS_KEY); secrets cannot be set or used. */
  key: Buffer | null;
  /** Where it came from, for the start-up log (never the key). */
  source: string;
}

export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * The key tenant secrets are encrypted with. SECRETS_KEY wins. Without it, the embedded SQLite
 * database keeps a generated key in a file beside itself (mode 0600, made once, reused after),
 * so a single-machine install needs no setup; an in-memory database gets a key for the process.
 * A PostgreSQL/MySQL deployment gets none: its processes must share one key, which only the
 * operator can hand them (see checkSecretsKey for what happens to stored secrets then).
 */
export async function resolveSecretsKey(database: DatabaseConfig, configured: Buffer | undefined): Promise<SecretsKey> {
  if (configured) return { key: configured, source: 'SECRETS_KEY' };
  if (database.driver !== 'libsql') return { key: null, source: 'none (SECRETS_KEY is not set)' };
  if (database.dbName === ':memory:') return { key: randomBytes(32), source: 'generated for this process (in-memory database)' };
  const file = join(dirname(database.dbName), SECRETS_KEY_FILE);
  return { key: await keyFile(file), source: `key file ${file}` };
}

async function keyFile(file: string): Promise<Buffer> {
  try {
    // `wx`: exactly one process creates it, even when two start at once on the same data dir.
    const handle = await open(file, 'wx', 0o600);
    const key = randomBytes(32);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
    } finally {
      await handle.close();
    }
    await chmod(file, 0o600); // whatever the umask made of the mode
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`${file}: cannot create the secrets key file: ${(err as Error).message}`);
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new ConfigError(`${file}: the secrets key file is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  const text = await readFile(file, 'utf8');
  // Created but not yet written by a process starting at the same moment: wait for it, briefly.
  if (text.trim() === '') return waitForKey(file);
  return parseSecretsKey(text, file);
}

async function waitForKey(file: string): Promise<Buffer> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const text = await readFile(file, 'utf8');
    if (text.trim() !== '') return parseSecretsKey(text, file);
    if (Date.now() > deadline) throw new ConfigError(`${file}: the secrets key file is empty`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
