import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, chmod, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretCipher, parseSecretsKey } from '../src/store/secret-cipher.ts';
import { resolveSecretsKey, SECRETS_KEY_FILE } from '../src/store/secrets-key.ts';
import { ConfigError } from '../src/errors/app-error.ts';
import { loadConfig } from '../src/config.ts';

// Tenant secrets at rest: AES-256-GCM with the tenant and the name bound in, and where the key comes from.

const VALUE = 'sk-live-0123456789abcdef';

test('a sealed value opens only with the same key, tenant and name; any altered byte is refused', (t) => {
  const key = randomBytes(32);
  const cipher = new SecretCipher(key);
  const sealed = cipher.seal('tenant-a', 'openai.key', VALUE);
  t.is(cipher.open('tenant-a', 'openai.key', sealed), VALUE);
  t.false(JSON.stringify(sealed).includes(VALUE));
  t.is(Buffer.from(sealed.iv, 'base64').length, 12);
  t.is(Buffer.from(sealed.authTag, 'base64').length, 16);
  // A fresh IV per value: sealing again gives another ciphertext.
  const again = cipher.seal('tenant-a', 'openai.key', VALUE);
  t.not(again.iv, sealed.iv);
  t.not(again.ciphertext, sealed.ciphertext);

  t.is(cipher.open('tenant-b', 'openai.key', sealed), null, 'moved to another tenant');
  t.is(cipher.open('tenant-a', 'other.key', sealed), null, 'renamed');
  // Length-prefixed AAD: shifting characters between tenant and name does not collide.
  t.is(cipher.open('tenant-ao', 'penai.key', sealed), null);
  t.is(new SecretCipher(randomBytes(32)).open('tenant-a', 'openai.key', sealed), null, 'another key');
  const flip = (b64: string, at: number) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[at] = bytes[at]! ^ 1;
    return bytes.toString('base64');
  };
  t.is(cipher.open('tenant-a', 'openai.key', { ...sealed, ciphertext: flip(sealed.ciphertext, 3) }), null, 'ciphertext tampered');
  t.is(cipher.open('tenant-a', 'openai.key', { ...sealed, authTag: flip(sealed.authTag, 0) }), null, 'tag tampered');
  t.is(cipher.open('tenant-a', 'openai.key', { ...sealed, iv: flip(sealed.iv, 5) }), null, 'IV tampered');
  t.is(cipher.open('tenant-a', 'openai.key', { ...sealed, authTag: '' }), null, 'tag missing');
  t.not(cipher.fingerprint, new SecretCipher(randomBytes(32)).fingerprint);
  t.false(cipher.fingerprint.includes(key.toString('hex').slice(0, 12)));
});

test('SECRETS_KEY is 32 bytes as 64 hex characters or base64; anything else is a ConfigError that does not repeat it', (t) => {
  const key = randomBytes(32);
  t.deepEqual(parseSecretsKey(key.toString('hex')), key);
  t.deepEqual(parseSecretsKey(key.toString('base64')), key);
  t.deepEqual(parseSecretsKey(key.toString('base64url')), key);
  t.deepEqual(loadConfig({ SECRETS_KEY: key.toString('base64') }).secretsKey, key);
  t.is(loadConfig({}).secretsKey, undefined);
  for (const bad of ['short-but-secret-passphrase', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), randomBytes(33).toString('base64'), 'g'.repeat(64)]) {
    const err = t.throws(() => loadConfig({ SECRETS_KEY: bad }), { instanceOf: ConfigError });
    t.regex(err!.message, /^SECRETS_KEY: must be 32 bytes/);
    t.false(err!.message.includes(bad));
  }
});

test('TENANT_ENV_ALLOWED is a comma list of names and * globs', (t) => {
  t.deepEqual(loadConfig({}).tenantEnvAllowed, []);
  t.deepEqual(loadConfig({ TENANT_ENV_ALLOWED: ' OPENAI_* , MY_KEY,,' }).tenantEnvAllowed, ['OPENAI_*', 'MY_KEY']);
  t.throws(() => loadConfig({ TENANT_ENV_ALLOWED: 'OPENAI KEY' }), { instanceOf: ConfigError, message: /^TENANT_ENV_ALLOWED/ });
});

test('without SECRETS_KEY, a SQLite file database gets a key file beside it: mode 0600, made once, reused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cadre-secrets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const database = { driver: 'libsql' as const, dbName: join(dir, 'cadre.sqlite') };
  const first = await resolveSecretsKey(database, undefined);
  const file = join(dir, SECRETS_KEY_FILE);
  t.is(first.source, `key file ${file}`);
  t.is(first.key!.length, 32);
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.deepEqual(parseSecretsKey(await readFile(file, 'utf8')), first.key);
  const second = await resolveSecretsKey(database, undefined);
  t.deepEqual(second.key, first.key, 'reused on the next start');
  // Two processes starting at once agree on one key.
  const [a, b] = await Promise.all([resolveSecretsKey({ ...database, dbName: join(dir, 'x', '..', 'other.sqlite') }, undefined), resolveSecretsKey(database, undefined)]);
  t.deepEqual(a.key, b.key);

  const configured = randomBytes(32);
  t.deepEqual((await resolveSecretsKey(database, configured)).key, configured, 'SECRETS_KEY wins');
  await chmod(file, 0o644);
  await t.throwsAsync(resolveSecretsKey(database, undefined), { instanceOf: ConfigError, message: /readable by others/ });
  await chmod(file, 0o600);
  await writeFile(file, 'not a key\n');
  await t.throwsAsync(resolveSecretsKey(database, undefined), { instanceOf: ConfigError, message: /must be 32 bytes/ });
});

test('a server database without SECRETS_KEY has no key; an in-memory one gets a key for the process', async (t) => {
  const pg = { driver: 'postgresql' as const, host: '127.0.0.1', port: 5432, dbName: 'x', user: 'u', password: 'p' };
  t.is((await resolveSecretsKey(pg, undefined)).key, null);
  t.is((await resolveSecretsKey({ driver: 'mysql', host: '127.0.0.1', port: 3306, dbName: 'x', user: 'u', password: 'p' }, undefined)).key, null);
  t.is((await resolveSecretsKey({ driver: 'libsql', dbName: ':memory:' }, undefined)).key!.length, 32);
});
