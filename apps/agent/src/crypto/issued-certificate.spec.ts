import { createTestCa, TestCa } from '../testing/test-ca';
import { generateKeyAndCsr } from './key-and-csr';
import { CertificateCheckError, checkIssuedCertificate, readCertificateChain } from './issued-certificate';
import { canonicalIdentifier, sameIdentifiers } from './identifiers';

describe(checkIssuedCertificate.name, () => {
  let ca: TestCa;
  const names = [{ type: 'dns' as const, value: 'dev1.devices.example.com' }];
  beforeAll(async () => (ca = await createTestCa()));

  it('should split the chain into leaf, issuers and full chain and read the leaf', async () => {
    const { keyPem, csrPem } = await generateKeyAndCsr('ecdsa-p256', names);
    const notAfter = new Date(Date.now() + 6 * 86_400_000);
    const pem = await ca.sign(csrPem, { notAfter });
    const issued = checkIssuedCertificate(pem, keyPem, [{ type: 'dns', value: 'DEV1.devices.example.com.' }]);
    expect(issued.identifiers).toEqual(names);
    expect(issued.notAfter.getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(issued.serial).toMatch(/^[0-9a-f]+$/);
    expect(issued.fullchainPem).toBe(issued.certPem + issued.chainPem);
    expect(issued.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
  });

  it('should refuse a certificate for another key', async () => {
    const mine = await generateKeyAndCsr('ecdsa-p256', names);
    const other = await generateKeyAndCsr('ecdsa-p256', names);
    const pem = await ca.sign(other.csrPem);
    expect(() => checkIssuedCertificate(pem, mine.keyPem, names)).toThrow(
      new CertificateCheckError('the issued certificate is not for the key the agent generated'),
    );
  });

  it('should refuse a certificate for other names', async () => {
    const { keyPem, csrPem } = await generateKeyAndCsr('ecdsa-p256', names);
    const pem = await ca.sign(csrPem, { dns: ['dev1.devices.example.com'], ips: ['203.0.113.9'] });
    expect(() => checkIssuedCertificate(pem, keyPem, names)).toThrow(
      /names dev1.devices.example.com, 203.0.113.9, expected/,
    );
  });

  it('should refuse a chain in the wrong order and text that is no chain', async () => {
    const { csrPem } = await generateKeyAndCsr('ecdsa-p256', names);
    const pem = await ca.sign(csrPem);
    const [leaf, issuer] = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(() => readCertificateChain(`${issuer}\n${leaf}\n`)).toThrow(/is not signed by certificate 2/);
    expect(() => readCertificateChain('<html>bad gateway</html>')).toThrow(/no PEM certificate/);
    expect(() =>
      readCertificateChain('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).toThrow(/does not parse/);
  });
});

describe('identifiers', () => {
  it('should compare sets whatever the order and spelling', () => {
    expect(canonicalIdentifier({ type: 'ip', value: '2001:DB8:0:0:0:0:0:1' })).toEqual({
      type: 'ip',
      value: '2001:db8::1',
    });
    expect(
      sameIdentifiers(
        [
          { type: 'ip', value: '2001:db8::1' },
          { type: 'dns', value: 'A.example.' },
        ],
        [
          { type: 'dns', value: 'a.example' },
          { type: 'ip', value: '2001:DB8::0:1' },
        ],
      ),
    ).toBe(true);
    expect(sameIdentifiers([{ type: 'dns', value: 'a.example' }], [{ type: 'ip', value: '192.0.2.1' }])).toBe(
      false,
    );
  });
});
