import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors/app-error.ts';

/** A tenant secret as stored: AES-256-GCM ciphertext, its 12-byte IV and 16-byte tag, base64. */
export interface SealedSecret {
  ciphertext: string;
  iv: string;
  authTag: string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const HEX_KEY = /^[0-9A-Fa-f]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9_-]{43}$/;

/** SECRETS_KEY's text → the key: 32 bytes as 64 hex characters or base64 (standard or URL-safe). */
export function parseSecretsKey(text: string, source = 'SECRETS_KEY'): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed, trimmed.endsWith('=') ? 'base64' : 'base64url');
    if (key.length === KEY_BYTES) return key;
  }
  throw new ConfigError(`${source}: must be 32 bytes as 64 hex characters or base64 (44 characters), e.g. from \`openssl rand -base64 32\``);
}

/**
 * Encrypts tenant secrets at rest. The tenant id and the secret's name are bound as additional
 * authenticated data: a ciphertext copied to another tenant's row, or renamed, fails its tag
 * check instead of decrypting there.
 */
export class SecretCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new ConfigError(`secrets key: must be ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
  }

  /** A short, non-secret fingerprint of the key (for start-up logs: which key is in use). */
  get fingerprint(): string {
    return createHash('sha256').update('cadre-secrets-key-id').update(this.#key).digest('hex').slice(0, 12);
  }

  seal(tenantId: string, name: string, value: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(associatedData(tenantId, name));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), authTag: cipher.getAuthTag().toString('base64') };
  }

  /** The value, or null when the tag does not verify (another key, another tenant or name, or tampering). */
  open(tenantId: string, name: string, sealed: SealedSecret): string | null {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(associatedData(tenantId, name));
      decipher.setAuthTag(Buffer.from(sealed.authTag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // GCM's only failure here is a tag mismatch (or a malformed IV/tag): the caller names the secret.
      return null;
    }
  }
}

/** Length-prefixed so no (tenant, name) pair can be made to collide with another. */
function associatedData(tenantId: string, name: string): Buffer {
  const tenant = Buffer.from(tenantId, 'utf8');
  const secret = Buffer.from(name, 'utf8');
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(tenant.length, 0);
  lengths.writeUInt32BE(secret.length, 4);
  return Buffer.concat([Buffer.from('cadre-tenant-secret:v1:'), lengths, tenant, secret]);
}
