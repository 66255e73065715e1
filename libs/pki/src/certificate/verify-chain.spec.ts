import { verifyChainTo } from './verify-chain';
import { CertificateError } from './certificate-error';
import { Issuer, generateKeys, issue, makeRoot } from '../testing/pki-fixtures';

describe(verifyChainTo.name, () => {
  let root: Issuer;
  let impostor: Issuer;
  let intermediate: Issuer;
  let leafPem: string;
  let intermediatePem: string;
  let rootPem: string;

  beforeAll(async () => {
    root = await makeRoot();
    // Same subject name, different key: only the signatures tell them apart.
    impostor = await makeRoot();
    const keys = await generateKeys({ ec: 'P-256' });
    intermediate = {
      keys,
      certificate: await issue({
        issuer: root,
        subject: 'CN=test intermediate',
        publicKey: keys.publicKey,
        serialNumber: '02',
        ca: true,
      }),
    };
    const leafKeys = await generateKeys({ ec: 'P-256' });
    const leaf = await issue({
      issuer: intermediate,
      subject: 'CN=a.example.com',
      publicKey: leafKeys.publicKey,
      serialNumber: '1234',
      dns: ['a.example.com'],
    });
    leafPem = leaf.toString('pem');
    intermediatePem = intermediate.certificate.toString('pem');
    rootPem = root.certificate.toString('pem');
  });

  it('should accept a leaf and intermediate that lead to the root', async () => {
    await expect(verifyChainTo(`${leafPem}\n${intermediatePem}`, rootPem)).resolves.toBe(true);
  });

  it('should accept a chain that ends with the root itself', async () => {
    await expect(verifyChainTo(`${leafPem}\n${intermediatePem}\n${rootPem}`, rootPem)).resolves.toBe(true);
  });

  it('should refuse another root with the same name', async () => {
    await expect(
      verifyChainTo(`${leafPem}\n${intermediatePem}`, impostor.certificate.toString('pem')),
    ).resolves.toBe(false);
  });

  it('should refuse a chain missing its intermediate', async () => {
    await expect(verifyChainTo(leafPem, rootPem)).resolves.toBe(false);
  });

  it('should refuse a chain in the wrong order', async () => {
    await expect(verifyChainTo(`${intermediatePem}\n${leafPem}`, rootPem)).resolves.toBe(false);
  });

  it('should refuse an issuer that is not a CA, even when its signature verifies', async () => {
    const keys = await generateKeys({ ec: 'P-256' });
    const notCa: Issuer = {
      keys,
      certificate: await issue({
        issuer: root,
        subject: 'CN=not a ca',
        publicKey: keys.publicKey,
        serialNumber: '03',
      }),
    };
    const other = await generateKeys({ ec: 'P-256' });
    const leaf = await issue({
      issuer: notCa,
      subject: 'CN=b.example.com',
      publicKey: other.publicKey,
      serialNumber: '04',
    });
    await expect(leaf.verify({ publicKey: notCa.certificate.publicKey, signatureOnly: true })).resolves.toBe(
      true,
    );
    await expect(
      verifyChainTo(`${leaf.toString('pem')}\n${notCa.certificate.toString('pem')}`, rootPem),
    ).resolves.toBe(false);
  });

  it('should throw a CertificateError for unreadable input or several roots', async () => {
    await expect(verifyChainTo('garbage', rootPem)).rejects.toThrow(CertificateError);
    await expect(verifyChainTo(leafPem, 'garbage')).rejects.toThrow(CertificateError);
    await expect(verifyChainTo(leafPem, `${rootPem}\n${rootPem}`)).rejects.toThrow(CertificateError);
  });
});
