import { webcrypto } from 'node:crypto';
import { CsrPolicy, checkCsr } from './csr-policy';
import { CSR_ERROR_HTTP_STATUS, CsrError, CsrErrorCode } from './csr-error';
import { ParsedCsr, parseCsr } from './parse-csr';
import { publicKeySha256OfPem } from '../key-fingerprint';
import { KeyPair, KeySpec, csrPem, generateKeys, makeCsr, pemDer } from '../testing/pki-fixtures';

const DEVICE = 'x7k2qf9a.devices.example.com';
const policy: CsrPolicy = {
  allowedDnsNames: [DEVICE],
  allowedIps: ['192.0.2.10', '2001:DB8:0:0:0:0:0:1'],
  maxIdentifiers: 25,
};

function refusal(csr: ParsedCsr, p: CsrPolicy = policy): CsrError {
  try {
    checkCsr(csr, p);
  } catch (error) {
    expect(error).toBeInstanceOf(CsrError);
    return error as CsrError;
  }
  throw new Error('checkCsr accepted the CSR');
}

function expectRefusal(
  csr: ParsedCsr,
  code: CsrErrorCode,
  httpStatus: number,
  p: CsrPolicy = policy,
): CsrError {
  const error = refusal(csr, p);
  expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code, httpStatus });
  return error;
}

describe(checkCsr.name, () => {
  const keys = new Map<string, KeyPair>();
  const specs: Record<string, KeySpec> = {
    p256: { ec: 'P-256' },
    p384: { ec: 'P-384' },
    p521: { ec: 'P-521' },
    rsa1024: { rsa: 1024 },
    rsa2048: { rsa: 2048 },
    rsa4096: { rsa: 4096 },
    rsa2048e3: { rsa: 2048, exponent: 3 },
    rsa2052: { rsa: 2052 },
    rsa2048sha1: { rsa: 2048, hash: 'SHA-1' },
  };
  const key = (name: string) => keys.get(name)!;
  const csrWith = async (spec: Partial<Parameters<typeof makeCsr>[0]>) =>
    parseCsr(await makeCsr({ keys: key('p256'), ...spec }));

  beforeAll(async () => {
    await Promise.all(
      Object.entries(specs).map(async ([name, spec]) => keys.set(name, await generateKeys(spec))),
    );
  });

  describe('keys', () => {
    it.each(['p256', 'p384', 'rsa2048', 'rsa4096'])('should accept a %s key', async (name) => {
      const csr = await csrWith({ keys: key(name), subject: `CN=${DEVICE}`, dns: [DEVICE] });
      expect(checkCsr(csr, policy)).toEqual([{ type: 'dns', value: DEVICE }]);
    });

    it('should refuse RSA 1024 as a weak key with an actionable message', async () => {
      const error = expectRefusal(await csrWith({ keys: key('rsa1024'), dns: [DEVICE] }), 'weak-key', 422);
      expect(error.message).toBe('RSA key of 1024 bits: use RSA 2048–4096 or ECDSA P-256/P-384');
      expect(error.identifier).toBe('publicKey');
    });

    it('should refuse an RSA key with public exponent 3 as weak', async () => {
      const csr = await csrWith({ keys: key('rsa2048e3'), dns: [DEVICE] });
      expect(csr.publicKey).toEqual({ kind: 'rsa', modulusBits: 2048, exponent: 3 });
      expect(expectRefusal(csr, 'weak-key', 422).message).toContain('exponent 3');
    });

    it('should refuse an RSA modulus that is not a multiple of 8 bits', async () => {
      const csr = await csrWith({ keys: key('rsa2052'), dns: [DEVICE] });
      expect(expectRefusal(csr, 'unsupported-key', 422).message).toContain('2052 bits');
    });

    it('should refuse ECDSA P-521 as unsupported', async () => {
      const error = expectRefusal(
        await csrWith({ keys: key('p521'), dns: [DEVICE], hash: 'SHA-512' }),
        'unsupported-key',
        422,
      );
      expect(error.message).toBe('ECDSA key on curve P-521: use RSA 2048–4096 or ECDSA P-256/P-384');
    });

    it.each([
      [
        { kind: 'rsa', modulusBits: 8192, exponent: 65537 } as const,
        'unsupported-key',
        'RSA key of 8192 bits',
      ],
      [{ kind: 'other', algorithm: 'Ed25519' } as const, 'unsupported-key', 'Ed25519 key'],
      [{ kind: 'ec', curve: 'secp256k1' } as const, 'unsupported-key', 'curve secp256k1'],
    ])('should refuse a %j key (described, as WebCrypto cannot make it)', async (publicKey, code, text) => {
      const csr = await csrWith({ dns: [DEVICE] });
      const error = expectRefusal({ ...csr, publicKey }, code as CsrErrorCode, 422);
      expect(error.message).toContain(text);
    });

    it('should refuse the ACME account key, whatever the case of its fingerprint', async () => {
      const csr = await csrWith({ dns: [DEVICE] });
      const error = expectRefusal(csr, 'account-key-reuse', 422, {
        ...policy,
        forbiddenPublicKeySha256: ['00'.repeat(32), csr.publicKeySha256.toUpperCase()],
      });
      expect(error.identifier).toBe('publicKey');
      expect(checkCsr(csr, { ...policy, forbiddenPublicKeySha256: ['00'.repeat(32)] })).toHaveLength(1);
    });

    it('should compute the same fingerprint from the account key PEM as from the CSR', async () => {
      const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key('p256').privateKey));
      const privatePem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
      const csr = await csrWith({ dns: [DEVICE] });
      expect(publicKeySha256OfPem(privatePem)).toBe(csr.publicKeySha256);
      expectRefusal(csr, 'account-key-reuse', 422, {
        ...policy,
        forbiddenPublicKeySha256: [publicKeySha256OfPem(privatePem)],
      });
    });
  });

  describe('signatures', () => {
    it('should refuse an RSA CSR signed with SHA-1', async () => {
      const csr = await csrWith({ keys: key('rsa2048sha1'), dns: [DEVICE] });
      expect(csr.signatureAlgorithm).toBe('sha1WithRSAEncryption');
      const error = expectRefusal(csr, 'weak-signature', 422);
      expect(error.message).toContain('SHA-1 is broken');
    });

    it('should refuse an ECDSA CSR signed with SHA-1', async () => {
      const csr = await csrWith({ dns: [DEVICE], hash: 'SHA-1' });
      expect(csr.signatureAlgorithm).toBe('ecdsa-with-SHA1');
      expectRefusal(csr, 'weak-signature', 422);
    });

    it.each(['md5WithRSAEncryption', 'RSASSA-PSS', 'sha224WithRSAEncryption'])(
      'should refuse the %s signature algorithm',
      async (signatureAlgorithm) => {
        const csr = await csrWith({ keys: key('rsa2048'), dns: [DEVICE] });
        expectRefusal({ ...csr, signatureAlgorithm, signatureHash: undefined }, 'weak-signature', 422);
      },
    );

    it('should refuse a CSR whose signature bytes were altered', async () => {
      const der = (await csrWith({ dns: [DEVICE] })).der;
      der[der.length - 1] ^= 0x01;
      expectRefusal(await parseCsr(csrPem(der)), 'bad-signature', 400);
    });

    it('should refuse a CSR whose subject was altered after signing, before judging its names', async () => {
      const der = pemDer(await makeCsr({ keys: key('p256'), subject: `CN=${DEVICE}`, dns: [DEVICE] }));
      der.write('z', der.indexOf(DEVICE));
      const error = expectRefusal(await parseCsr(csrPem(der)), 'bad-signature', 400);
      expect(error.identifier).toBe('signature');
    });

    it('should refuse a CSR signed by another key than the one it carries', async () => {
      const pem = await makeCsr({
        keys: { publicKey: key('p256').publicKey, privateKey: key('p384').privateKey },
        dns: [DEVICE],
      });
      expectRefusal(await parseCsr(pem), 'bad-signature', 400);
    });
  });

  describe('names', () => {
    it('should refuse an email SAN', async () => {
      const error = expectRefusal(
        await csrWith({ dns: [DEVICE], emails: ['ops@example.com'] }),
        'forbidden-san-type',
        422,
      );
      expect(error.identifier).toBe('email');
    });

    it('should refuse a URI SAN', async () => {
      const error = expectRefusal(
        await csrWith({ dns: [DEVICE], uris: ['https://example.com/'] }),
        'forbidden-san-type',
        422,
      );
      expect(error.identifier).toBe('uri');
    });

    it('should refuse a wildcard as not this device’s', async () => {
      const error = expectRefusal(await csrWith({ dns: [DEVICE, '*.devices.example.com'] }), 'wildcard', 403);
      expect(error.identifier).toBe('*.devices.example.com');
    });

    it('should refuse a wildcard even when a misconfigured policy lists it', async () => {
      const csr = await csrWith({ dns: ['*.devices.example.com'] });
      expectRefusal(csr, 'wildcard', 403, { ...policy, allowedDnsNames: ['*.devices.example.com'] });
    });

    it('should throw a RangeError, not a CsrError, for an invalid name in the policy', async () => {
      const csr = await csrWith({ dns: [DEVICE] });
      expect(() => checkCsr(csr, { ...policy, allowedDnsNames: ['bad name'] })).toThrow(RangeError);
    });

    it('should compare names case-insensitively and return them lower-case', async () => {
      const csr = await csrWith({
        subject: `CN=${DEVICE.toUpperCase()}`,
        dns: ['X7K2QF9A.Devices.Example.COM'],
      });
      expect(checkCsr(csr, policy)).toEqual([{ type: 'dns', value: DEVICE }]);
    });

    it('should refuse a trailing dot as written, naming the spelling to use', async () => {
      const error = expectRefusal(await csrWith({ dns: [`${DEVICE}.`] }), 'malformed', 400);
      expect(error.message).toContain(`write it as '${DEVICE}'`);
    });

    it('should match an A-label SAN against a Unicode name on record', async () => {
      const csr = await csrWith({ subject: 'CN=XN--NICODE-2YA.example', dns: ['xn--nicode-2ya.example'] });
      const ids = checkCsr(csr, { ...policy, allowedDnsNames: ['ünicode.example'] });
      expect(ids).toEqual([{ type: 'dns', value: 'xn--nicode-2ya.example' }]);
    });

    it('should refuse a Unicode Common Name as written, naming its A-label', async () => {
      const csr = await csrWith({ subject: 'CN=ünicode.example', dns: ['xn--nicode-2ya.example'] });
      expect(csr.subjectCommonName).toBe('ünicode.example');
      const error = expectRefusal(csr, 'malformed', 400, { ...policy, allowedDnsNames: ['ünicode.example'] });
      expect(error.message).toContain("'xn--nicode-2ya.example'");
    });

    it('should refuse a DNS SAN that is not a host name', async () => {
      expectRefusal(await csrWith({ dns: ['bad_name.example.com'] }), 'malformed', 400);
      expect(expectRefusal(await csrWith({ dns: ['192.0.2.10'] }), 'malformed', 400).message).toContain(
        'IP SANs',
      );
    });

    it('should refuse a Common Name that is not among the SANs', async () => {
      const error = expectRefusal(
        await csrWith({ subject: 'CN=other.example.com', dns: [DEVICE] }),
        'common-name-not-in-sans',
        422,
      );
      expect(error.identifier).toBe('other.example.com');
    });

    it('should refuse a Common Name over 64 characters, which the CA refuses', async () => {
      const long = `${'a'.repeat(60)}.example.com`;
      const csr = await csrWith({ subject: `CN=${long}`, dns: [long] });
      expect(expectRefusal(csr, 'malformed', 400).message).toContain('longer than 64');
      expect(checkCsr(await csrWith({ dns: [long] }), { ...policy, allowedDnsNames: [long] })).toHaveLength(
        1,
      );
    });

    it('should refuse a Common Name without any SAN', async () => {
      expectRefusal(await csrWith({ subject: `CN=${DEVICE}` }), 'common-name-not-in-sans', 422);
    });

    it.each(['192.0.2.10', '2001:db8::1', '[2001:db8::1]', '127.1'])(
      'should refuse the IP %s in the Common Name',
      async (cn) => {
        const error = expectRefusal(
          await csrWith({ subject: `CN=${cn}`, ips: ['192.0.2.10'] }),
          'ip-in-common-name',
          422,
        );
        expect(error.identifier).toBe(cn);
      },
    );

    it('should accept IP identifiers compared in RFC 5952 form', async () => {
      const csr = await csrWith({ ips: ['2001:db8::1', '192.0.2.10'] });
      expect(checkCsr(csr, policy)).toEqual([
        { type: 'ip', value: '192.0.2.10' },
        { type: 'ip', value: '2001:db8::1' },
      ]);
    });
  });

  describe('identifiers', () => {
    it('should refuse a name that is not this device’s', async () => {
      const error = expectRefusal(
        await csrWith({ dns: [DEVICE, 'other.devices.example.com'] }),
        'foreign-identifier',
        403,
      );
      expect(error.identifier).toBe('other.devices.example.com');
    });

    it('should refuse an address that is not this device’s', async () => {
      const error = expectRefusal(
        await csrWith({ dns: [DEVICE], ips: ['198.51.100.7'] }),
        'foreign-identifier',
        403,
      );
      expect(error.identifier).toBe('198.51.100.7');
    });

    it('should refuse more identifiers than the policy allows', async () => {
      const csr = await csrWith({ dns: [DEVICE], ips: ['192.0.2.10', '2001:db8::1'] });
      const error = expectRefusal(csr, 'too-many-identifiers', 422, { ...policy, maxIdentifiers: 2 });
      expect(error.message).toContain('3 distinct identifiers; at most 2');
      expect(checkCsr(csr, { ...policy, maxIdentifiers: 3 })).toHaveLength(3);
    });

    it('should de-duplicate before counting and return the canonical order', async () => {
      const csr = await csrWith({
        subject: `CN=${DEVICE}`,
        dns: [DEVICE, DEVICE.toUpperCase(), DEVICE],
        ips: ['2001:db8:0:0:0:0:0:1', '192.0.2.10', '2001:DB8::1'],
      });
      expect(checkCsr(csr, { ...policy, maxIdentifiers: 3 })).toEqual([
        { type: 'dns', value: DEVICE },
        { type: 'ip', value: '192.0.2.10' },
        { type: 'ip', value: '2001:db8::1' },
      ]);
    });

    it('should refuse a CSR that names nothing', async () => {
      expectRefusal(await csrWith({ subject: 'O=Acme' }), 'no-identifiers', 422);
    });
  });
});

describe(CsrError.name, () => {
  it('should carry the HTTP status of its code', () => {
    expect(new CsrError('foreign-identifier', 'x', 'a.example.com')).toMatchObject({
      httpStatus: 403,
      identifier: 'a.example.com',
      name: 'CsrError',
    });
    expect(new Set(Object.values(CSR_ERROR_HTTP_STATUS))).toEqual(new Set([400, 403, 422]));
    expect(Object.keys(CSR_ERROR_HTTP_STATUS)).toHaveLength(13);
  });
});
