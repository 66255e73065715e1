import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { normalizeDnsName } from '../wire/dns-name';
import { isTsigAlgorithm, TSIG_ALGORITHMS, TsigAlgorithm, tsigAlgorithmSpec } from './tsig-algorithm';

/** A TSIG key as BIND's `tsig-keygen` prints it. */
export interface TsigKeyOptions {
  /** Key name, e.g. `fleetcert-sha256` (compared case-insensitively, like a DNS name). */
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret, base64 (the `secret "..."` of a BIND `key` clause). */
  secret: string;
}

// 128 bits: below that an HMAC key is guessable offline from one signed message.
const MIN_SECRET_BYTES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A validated TSIG key. The secret lives in a private field and is left out of
 * `JSON.stringify`, `util.inspect` and every error message, so a key that ends up in a log
 * line or a job payload by mistake does not leak.
 */
export class TsigKey {
  /** Canonical key name (lower case, no trailing dot). */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly #secret: Buffer;

  constructor(options: TsigKeyOptions) {
    if (!isTsigAlgorithm(options.algorithm)) {
      throw new TypeError(`TSIG algorithm must be one of ${TSIG_ALGORITHMS.join(', ')}`);
    }
    this.name = normalizeDnsName(options.name);
    this.algorithm = options.algorithm;
    const secret = typeof options.secret === 'string' ? options.secret.trim() : '';
    if (!BASE64.test(secret)) {
      throw new TypeError(`TSIG secret of key "${this.name}" is not valid base64`);
    }
    this.#secret = Buffer.from(secret, 'base64');
    if (this.#secret.length < MIN_SECRET_BYTES) {
      throw new TypeError(`TSIG secret of key "${this.name}" is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
  }

  /** Length of a full MAC for this key's algorithm. */
  get macLength(): number {
    return tsigAlgorithmSpec(this.algorithm).macLength;
  }

  /** HMAC of the concatenation of `parts` under this key. */
  mac(parts: readonly Buffer[]): Buffer {
    const hmac = createHmac(tsigAlgorithmSpec(this.algorithm).hash, this.#secret);
    for (const part of parts) hmac.update(part);
    return hmac.digest();
  }

  toJSON(): Record<string, string> {
    return { name: this.name, algorithm: this.algorithm, secret: '[redacted]' };
  }

  [inspect.custom](): string {
    return `TsigKey { name: '${this.name}', algorithm: '${this.algorithm}', secret: [redacted] }`;
  }
}
