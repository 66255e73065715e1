import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import * as acme from 'acme-client';
import { useParsedAccountKey } from './acme-client-internals';

interface SignedBody {
  protected: string;
  payload: string;
  signature: string;
}

describe('acme-client internals', () => {
  describe(useParsedAccountKey.name, () => {
    it('should keep JWS signatures verifiable with the account key after the swap', () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const client = new acme.Client({ directoryUrl: 'https://ca.test/dir', accountKey: pem });
      useParsedAccountKey(client, createPrivateKey(pem));

      const http = (
        client as unknown as {
          http: { createSignedBody(url: string, payload: object, o: object): SignedBody };
        }
      ).http;
      const body = http.createSignedBody(
        'https://ca.test/new-order',
        { hello: 'world' },
        { nonce: 'n1', kid: 'https://ca.test/acct/1' },
      );
      const header = JSON.parse(Buffer.from(body.protected, 'base64url').toString('utf8'));
      expect(header).toMatchObject({ alg: 'ES256', nonce: 'n1', kid: 'https://ca.test/acct/1' });
      const valid = verify(
        'sha256',
        Buffer.from(`${body.protected}.${body.payload}`),
        { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' },
        Buffer.from(body.signature, 'base64url'),
      );
      expect(valid).toBe(true);
    });

    it('should refuse a client whose internals no longer hold the key as a Buffer', () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const client = { http: { accountKey: 'not a buffer' } } as unknown as acme.Client;
      expect(() => useParsedAccountKey(client, privateKey)).toThrow(/acme-client internals changed/);
    });
  });
});
