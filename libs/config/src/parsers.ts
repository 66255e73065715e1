/**
 * Parsers turn one raw environment string into a typed value or throw an Error whose
 * message says what was expected. The loader collects these messages for every
 * setting so that one boot reports all bad settings at once.
 */
import { isIP } from 'node:net';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface HostPort {
  host: string;
  port: number;
}

const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function int(opts: { min: number; max: number }) {
  return (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`expected a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < opts.min || n > opts.max) throw new Error(`expected ${opts.min}–${opts.max}, got ${n}`);
    return n;
  };
}

function hostPort() {
  return (raw: string): HostPort => {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(raw.trim());
    if (!m) throw new Error(`expected host:port, got "${raw}"`);
    return { host: m[1], port: int({ min: 1, max: 65535 })(m[2]) };
  };
}

export const parsers = {
  string: () => (raw: string) => {
    if (raw.trim() === '') throw new Error('must not be empty');
    return raw.trim();
  },
  int,
  port: () => int({ min: 0, max: 65535 }),
  bool: () => (raw: string) => {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    throw new Error(`expected true or false, got "${raw}"`);
  },
  oneOf:
    <const T extends string>(values: readonly T[]) =>
    (raw: string): T => {
      const v = raw.trim() as T;
      if (!values.includes(v)) throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
      return v;
    },
  url: (protocols: string[]) => (raw: string) => {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new Error('expected a URL');
    }
    if (!protocols.includes(url.protocol)) throw new Error(`expected a ${protocols.join(' or ')} URL`);
    return url.toString();
  },
  email: () => (raw: string) => {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(raw.trim())) throw new Error(`expected an e-mail address`);
    return raw.trim();
  },
  pattern: (re: RegExp, description: string) => (raw: string) => {
    if (!re.test(raw.trim())) throw new Error(`expected ${description}, got "${raw}"`);
    return raw.trim();
  },
  dnsName: () => (raw: string) => {
    const name = raw.trim().toLowerCase().replace(/\.$/, '');
    if (!DNS_NAME.test(name)) throw new Error(`expected a DNS name, got "${raw}"`);
    return name;
  },
  hostPort,
  base64: () => (raw: string) => {
    const v = raw.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v) || Buffer.from(v, 'base64').length < 16) {
      throw new Error('expected base64 of at least 16 bytes');
    }
    return v;
  },
  list:
    <T>(item: (raw: string) => T) =>
    (raw: string): T[] =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map(item),
  ip: () => (raw: string) => {
    if (isIP(raw.trim()) === 0) throw new Error(`expected an IP address, got "${raw}"`);
    return raw.trim();
  },
  encryptionKeys:
    () =>
    (raw: string): EncryptionKey[] => {
      const keys = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((entry, i) => {
          const [id, b64] = entry.split(':');
          if (!id || !b64 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
            throw new Error(`entry ${i + 1}: expected id:base64key (the key itself is not shown)`);
          }
          const key = Buffer.from(b64, 'base64');
          if (key.length !== 32) throw new Error(`key "${id}": expected 32 bytes, got ${key.length}`);
          return { id, key };
        });
      if (keys.length === 0) throw new Error('expected at least one key');
      if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('key ids must be unique');
      return keys;
    },
};
