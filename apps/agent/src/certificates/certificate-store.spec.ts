import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkIssuedCertificate } from '../crypto/issued-certificate';
import { generateKeyAndCsr } from '../crypto/key-and-csr';
import { createTestCa, TestCa } from '../testing/test-ca';
import { CERTIFICATE_FILES, CertificateStore } from './certificate-store';

describe(CertificateStore.name, () => {
  let ca: TestCa;
  let dir: string;
  const names = [{ type: 'dns' as const, value: 'dev.devices.example.com' }];

  beforeAll(async () => (ca = await createTestCa()));
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-store-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function issued() {
    const { keyPem, csrPem } = await generateKeyAndCsr('ecdsa-p256', names);
    return { keyPem, issued: checkIssuedCertificate(await ca.sign(csrPem), keyPem, names) };
  }

  it('should find nothing before the first install', async () => {
    const store = new CertificateStore(join(dir, 'dns'));
    expect(await store.readCurrent()).toBeNull();
  });

  it('should install key, certificate, chain and full chain, 0600, behind one current link', async () => {
    const store = new CertificateStore(join(dir, 'dns'));
    const one = await issued();
    const release = await store.install(one.keyPem, one.issued, new Date('2026-03-04T05:06:07.890Z'));
    expect(release).toBe(`20260304T050607Z-${one.issued.serial}`);
    expect(await readlink(join(dir, 'dns', 'current'))).toBe(`releases/${release}`);
    const expected = {
      'privkey.pem': one.keyPem,
      'cert.pem': one.issued.certPem,
      'chain.pem': one.issued.chainPem,
      'fullchain.pem': one.issued.fullchainPem,
    };
    for (const file of CERTIFICATE_FILES) {
      expect(await readlink(store.path(file))).toBe(`current/${file}`);
      expect(await readFile(store.path(file), 'utf8')).toBe(expected[file]);
      expect((await stat(store.path(file))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(dir, 'dns', 'releases', release))).mode & 0o777).toBe(0o700);
    expect(await store.readCurrent()).toMatchObject({
      release,
      keyPem: one.keyPem,
      issued: { serial: one.issued.serial },
    });
  });

  it('should switch key and certificate together and keep only the previous release', async () => {
    const store = new CertificateStore(join(dir, 'dns'));
    const releases: string[] = [];
    const pairs = [];
    for (let i = 0; i < 3; i++) {
      const pair = await issued();
      pairs.push(pair);
      releases.push(await store.install(pair.keyPem, pair.issued, new Date(Date.UTC(2026, 0, 1, 0, 0, i))));
    }
    expect((await readdir(join(dir, 'dns', 'releases'))).sort()).toEqual(releases.slice(1).sort());
    expect((await store.readCurrent())!.issued.serial).toBe(pairs[2].issued.serial);
  });

  it('should give readers whole files and, through the current link, a key and certificate that belong together', async () => {
    const store = new CertificateStore(join(dir, 'dns'));
    const pairs = await Promise.all([issued(), issued()]);
    await store.install(pairs[0].keyPem, pairs[0].issued);
    let consistent = 0;
    let installing = true;
    const reader = (async () => {
      while (installing) {
        // Every read by the stable path finds a complete file, never a missing or partial one.
        expect(pairs.map((p) => p.keyPem)).toContain(await readFile(store.path('privkey.pem'), 'utf8'));
        // Resolving `current` once (as a server's reload does) gives a matching pair.
        const release = join(dir, 'dns', await readlink(join(dir, 'dns', 'current')));
        try {
          const [key, cert] = await Promise.all([
            readFile(join(release, 'privkey.pem'), 'utf8'),
            readFile(join(release, 'cert.pem'), 'utf8'),
          ]);
          expect(pairs.find((p) => p.keyPem === key)!.issued.certPem).toBe(cert);
          consistent++;
        } catch (err) {
          // Only a release two installs old is removed, which a reader this slow may hit.
          expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
        }
      }
    })();
    for (let i = 0; i < 20; i++) {
      await store.install(pairs[i % 2].keyPem, pairs[i % 2].issued, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    installing = false;
    await reader;
    expect(consistent).toBeGreaterThan(0);
  });

  it('should replace regular files at the stable paths with links on first install', async () => {
    const store = new CertificateStore(join(dir, 'dns'));
    const pair = await issued();
    await store.install(pair.keyPem, pair.issued);
    await rm(store.path('fullchain.pem'));
    await writeFile(store.path('fullchain.pem'), 'left over by a hand-made setup');
    await store.install(pair.keyPem, pair.issued, new Date(Date.now() + 1000));
    expect((await lstat(store.path('fullchain.pem'))).isSymbolicLink()).toBe(true);
  });

  it('should report unusable files: a key that does not match, a truncated chain', async () => {
    const store = new CertificateStore(join(dir, 'dns'));
    const [one, two] = await Promise.all([issued(), issued()]);
    const release = await store.install(one.keyPem, one.issued);
    await writeFile(join(dir, 'dns', 'releases', release, 'privkey.pem'), two.keyPem);
    await expect(store.readCurrent()).rejects.toThrow(
      'the installed key does not match the installed certificate',
    );
    await writeFile(
      join(dir, 'dns', 'releases', release, 'fullchain.pem'),
      '-----BEGIN CERTIFICATE-----\nMIIB',
    );
    await expect(store.readCurrent()).rejects.toThrow('no PEM certificate');
  });
});
