import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { SecretBox } from './secret-box';
import { SecretBoxError } from './secret-box.error';

const AAD = 'https://acme-v02.api.letsencrypt.org/directory';

function key(id: string) {
  return { id, key: randomBytes(32) };
}

describe(SecretBox.name, () => {
  const k1 = key('k1');
  const k2 = key('k2');

  describe('seal / open', () => {
    it('should round-trip a secret', () => {
      const box = new SecretBox([k1]);
      const sealed = box.seal('-----BEGIN PRIVATE KEY-----\nabc\n', AAD);
      expect(box.openString(sealed, AAD)).toBe('-----BEGIN PRIVATE KEY-----\nabc\n');
      expect(box.open(sealed, Buffer.from(AAD)).toString()).toBe('-----BEGIN PRIVATE KEY-----\nabc\n');
    });

    it('should write the documented layout', () => {
      const sealed = new SecretBox([k1]).seal(Buffer.from('hello'), AAD);
      expect(sealed[0]).toBe(1);
      expect(sealed[1]).toBe(2);
      expect(sealed.subarray(2, 4).toString()).toBe('k1');
      expect(sealed.length).toBe(4 + 12 + 16 + 5);
      expect(SecretBox.keyIdOf(sealed)).toBe('k1');
    });

    it('should use a fresh IV every time', () => {
      const box = new SecretBox([k1]);
      expect(box.seal('same', AAD).equals(box.seal('same', AAD))).toBe(false);
    });

    it('should open a value held in a Uint8Array view', () => {
      const box = new SecretBox([k1]);
      const sealed = box.seal('x', AAD);
      const padded = new Uint8Array(sealed.length + 3);
      padded.set(sealed, 3);
      expect(box.openString(padded.subarray(3), AAD)).toBe('x');
    });
  });

  describe('rotation', () => {
    it('should open values sealed under an older key and reseal them under the primary', () => {
      const old = new SecretBox([k1]).seal('secret', AAD);
      const rotated = new SecretBox([k2, k1]);
      expect(rotated.openString(old, AAD)).toBe('secret');
      expect(rotated.needsResealing(old)).toBe(true);

      const resealed = rotated.reseal(old, AAD);
      expect(SecretBox.keyIdOf(resealed)).toBe('k2');
      expect(rotated.needsResealing(resealed)).toBe(false);
      expect(new SecretBox([k2]).openString(resealed, AAD)).toBe('secret');
    });
  });

  describe('failures', () => {
    it('should refuse a tampered ciphertext, tag, iv or header', () => {
      const box = new SecretBox([k1, key('k3')]);
      const sealed = box.seal('secret value', AAD);
      for (const index of [sealed.length - 1, sealed.length - 13, 4 + 12 + 1, 4 + 1]) {
        const copy = Buffer.from(sealed);
        copy[index] ^= 0x01;
        expect(() => box.open(copy, AAD)).toThrow(expect.objectContaining({ reason: 'authentication' }));
      }
    });

    it('should refuse a value relabelled with another configured key id', () => {
      const k3 = { id: 'k3', key: k1.key };
      const box = new SecretBox([k1, k3]);
      const sealed = box.seal('secret', AAD);
      sealed[3] = '3'.charCodeAt(0);
      expect(() => box.open(sealed, AAD)).toThrow(SecretBoxError);
    });

    it('should refuse other associated data', () => {
      const box = new SecretBox([k1]);
      const sealed = box.seal('secret', AAD);
      expect(() => box.open(sealed, 'https://other.example/directory')).toThrow(
        /failed authentication .*other associated data/,
      );
    });

    it('should say clearly when the key id is not configured', () => {
      const sealed = new SecretBox([k1]).seal('secret', AAD);
      expect(() => new SecretBox([k2]).open(sealed, AAD)).toThrow(
        'secret box: sealed with key "k1", which is not configured (configured: k2)',
      );
    });

    it('should refuse truncated and unknown-version values', () => {
      const box = new SecretBox([k1]);
      const sealed = box.seal('secret', AAD);
      expect(() => box.open(sealed.subarray(0, 20), AAD)).toThrow(/truncated/);
      const v2 = Buffer.from(sealed);
      v2[0] = 2;
      expect(() => box.open(v2, AAD)).toThrow(/unknown format version 2/);
    });

    it('should validate the key list', () => {
      expect(() => new SecretBox([])).toThrow(/at least one key/);
      expect(() => new SecretBox([{ id: 'a', key: randomBytes(16) }])).toThrow(/must be 32 bytes/);
      expect(() => new SecretBox([k1, { ...k2, id: 'k1' }])).toThrow(/repeated/);
      expect(() => new SecretBox([{ id: '', key: randomBytes(32) }])).toThrow(/id must be/);
    });
  });

  it('should never print its keys', () => {
    const box = new SecretBox([k1]);
    const hex = k1.key.toString('hex');
    expect(JSON.stringify(box)).toBe('{"primaryKeyId":"k1"}');
    expect(inspect(box, { showHidden: true, depth: 5 })).not.toContain(hex.slice(0, 16));
  });
});
