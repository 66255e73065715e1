import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import * as acme from 'acme-client';
import {
  accountKeyThumbprint,
  assertUsableAccountKey,
  generateAccountKeyPem,
  loadOrCreateAccountKey,
} from './account';
import { InMemoryAccountStore } from './testing/in-memory-account-store';

const DIRECTORY = 'https://acme.example/directory';

describe('account', () => {
  describe(generateAccountKeyPem.name, () => {
    it('should make a PKCS#8 ECDSA P-256 key', () => {
      const pem = generateAccountKeyPem();
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const key = createPrivateKey(pem);
      expect(key.asymmetricKeyType).toBe('ec');
      expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    });
  });

  describe(accountKeyThumbprint.name, () => {
    it('should match the thumbprint acme-client signs key authorizations with', () => {
      for (const pem of [
        generateAccountKeyPem(),
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      ]) {
        const jwk = acme.crypto.getJwk(pem);
        const expected = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');
        expect(accountKeyThumbprint(pem)).toBe(expected);
      }
    });
  });

  describe(assertUsableAccountKey.name, () => {
    it('should refuse unreadable and weak keys without echoing them', () => {
      expect(() =>
        assertUsableAccountKey('-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----'),
      ).toThrow('stored ACME account key is not a readable PEM private key');
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      expect(() => assertUsableAccountKey(small.toString())).toThrow(/unsupported type \(rsa 1024\)/);
    });
  });

  describe(loadOrCreateAccountKey.name, () => {
    it('should create a key once and return it afterwards', async () => {
      const store = new InMemoryAccountStore();
      const first = await loadOrCreateAccountKey(store, DIRECTORY);
      expect(first.accountUrl).toBeUndefined();
      expect(await loadOrCreateAccountKey(store, DIRECTORY)).toEqual(first);
    });

    it('should converge on one key when workers race', async () => {
      const store = new InMemoryAccountStore();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => loadOrCreateAccountKey(store, DIRECTORY)),
      );
      expect(new Set(results.map((r) => r.keyPem)).size).toBe(1);
    });
  });
});
