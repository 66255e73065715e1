import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretBoxError } from './secret-box.error';

/** One data-encryption key: the shape `FLEETCERT_ENCRYPTION_KEYS` is parsed into. */
export interface SecretBoxKey {
  /** Short stable name stored with every ciphertext (1–255 bytes of UTF-8). */
  id: string;
  /** 32 random bytes (AES-256). */
  key: Buffer;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Seals secrets at rest (the ACME account key, TSIG secrets) with AES-256-GCM.
 *
 * Layout of a sealed value, all in one Buffer (store it as `bytea`):
 *
 * ```
 * version (1 byte, = 1) | keyIdLength (1 byte) | keyId (UTF-8) | iv (12) | tag (16) | ciphertext
 * ```
 *
 * The key id says which configured key opens it, so keys rotate without a flag day: the
 * first configured key seals, every configured key opens, and {@link needsResealing}
 * finds values to rewrite under the new key. The GCM additional data is the header
 * (version, key id) followed by the caller's `aad` — name the row the secret belongs to
 * there (e.g. the ACME directory URL), so a ciphertext copied into another row or
 * relabelled with another key id fails to open instead of decrypting.
 */
export class SecretBox {
  // Private fields: keys stay out of `inspect`, JSON and error messages.
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #primary: { id: string; idBytes: Buffer; key: Buffer };

  constructor(keys: readonly SecretBoxKey[]) {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new SecretBoxError('secret box: at least one key is required', 'config');
    }
    const map = new Map<string, Buffer>();
    for (const [i, entry] of keys.entries()) {
      const idBytes = Buffer.from(typeof entry?.id === 'string' ? entry.id : '', 'utf8');
      if (idBytes.length < 1 || idBytes.length > 255) {
        throw new SecretBoxError(`secret box: key ${i + 1}: id must be 1 to 255 bytes`, 'config');
      }
      if (!Buffer.isBuffer(entry.key) || entry.key.length !== KEY_BYTES) {
        throw new SecretBoxError(`secret box: key "${entry.id}" must be ${KEY_BYTES} bytes`, 'config');
      }
      if (map.has(entry.id))
        throw new SecretBoxError(`secret box: key id "${entry.id}" is repeated`, 'config');
      // Copies: a caller zeroing or reusing its buffer must not change ours.
      map.set(entry.id, Buffer.from(entry.key));
    }
    this.#keys = map;
    const id = keys[0].id;
    this.#primary = { id, idBytes: Buffer.from(id, 'utf8'), key: map.get(id)! };
  }

  /** Id of the key that seals. */
  get primaryKeyId(): string {
    return this.#primary.id;
  }

  /** Encrypts `plaintext` under the primary key, bound to `aad`. */
  seal(plaintext: Buffer | string, aad: Buffer | string): Buffer {
    const { idBytes, key } = this.#primary;
    const header = Buffer.concat([Buffer.from([VERSION, idBytes.length]), idBytes]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(header, aad));
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Decrypts a value from {@link seal}; throws {@link SecretBoxError} unless it is authentic for `aad`. */
  open(sealed: Uint8Array, aad: Buffer | string): Buffer {
    const parts = parse(sealed);
    const key = this.#keys.get(parts.keyId);
    if (!key) {
      throw new SecretBoxError(
        `secret box: sealed with key "${parts.keyId}", which is not configured (configured: ${[...this.#keys.keys()].join(', ')})`,
        'unknownKey',
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(parts.header, aad));
    decipher.setAuthTag(parts.tag);
    try {
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
    } catch {
      throw new SecretBoxError(
        `secret box: value sealed with key "${parts.keyId}" failed authentication (tampered, or sealed for other associated data)`,
        'authentication',
      );
    }
  }

  /** Like {@link open}, decoded as UTF-8 (PEM keys, TSIG secrets). */
  openString(sealed: Uint8Array, aad: Buffer | string): string {
    return this.open(sealed, aad).toString('utf8');
  }

  /** True when `sealed` was sealed under a key other than the primary: rewrite it with {@link reseal}. */
  needsResealing(sealed: Uint8Array): boolean {
    return parse(sealed).keyId !== this.#primary.id;
  }

  /** Opens `sealed` (any configured key) and seals it again under the primary key. */
  reseal(sealed: Uint8Array, aad: Buffer | string): Buffer {
    const plaintext = this.open(sealed, aad);
    try {
      return this.seal(plaintext, aad);
    } finally {
      plaintext.fill(0);
    }
  }

  /** Id of the key `sealed` was sealed with (no decryption). */
  static keyIdOf(sealed: Uint8Array): string {
    return parse(sealed).keyId;
  }

  /** Keys are never printed, even by `console.log(box)`. */
  toJSON(): { primaryKeyId: string } {
    return { primaryKeyId: this.#primary.id };
  }
}

interface SealedParts {
  header: Buffer;
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parse(sealed: Uint8Array): SealedParts {
  if (!(sealed instanceof Uint8Array))
    throw new SecretBoxError('secret box: sealed value must be bytes', 'malformed');
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < 2) throw new SecretBoxError('secret box: sealed value is truncated', 'malformed');
  if (buf[0] !== VERSION)
    throw new SecretBoxError(`secret box: unknown format version ${buf[0]}`, 'malformed');
  const idLength = buf[1];
  const headerLength = 2 + idLength;
  if (idLength === 0 || buf.length < headerLength + IV_BYTES + TAG_BYTES) {
    throw new SecretBoxError('secret box: sealed value is truncated', 'malformed');
  }
  return {
    header: buf.subarray(0, headerLength),
    keyId: buf.subarray(2, headerLength).toString('utf8'),
    iv: buf.subarray(headerLength, headerLength + IV_BYTES),
    tag: buf.subarray(headerLength + IV_BYTES, headerLength + IV_BYTES + TAG_BYTES),
    ciphertext: buf.subarray(headerLength + IV_BYTES + TAG_BYTES),
  };
}

/** Header, then the caller's data: the header is self-delimiting, so the pair is unambiguous. */
function additionalData(header: Buffer, aad: Buffer | string): Buffer {
  return Buffer.concat([header, typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad]);
}
