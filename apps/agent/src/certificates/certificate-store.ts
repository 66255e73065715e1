import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensurePrivateDirectory,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  syncDirectory,
  writeFileAtomic,
} from '../fs/atomic-write';
import { CertificateCheckError, IssuedCertificate, readCertificateChain } from '../crypto/issued-certificate';

/** The files of one certificate, as servers expect them (certbot's names). */
export const CERTIFICATE_FILES = ['privkey.pem', 'cert.pem', 'chain.pem', 'fullchain.pem'] as const;

export interface CurrentCertificate {
  release: string;
  keyPem: string;
  issued: IssuedCertificate;
}

/**
 * One certificate kind's directory. Each issued certificate is written, complete, into a
 * release directory of its own; then the `current` symlink is switched to it with one
 * rename, the only step that is visible. A reader therefore always finds a key and a
 * certificate that belong together, and the old pair stays in place (and served) until
 * the new one is entirely on disk:
 *
 * ```
 * <dir>/privkey.pem   -> current/privkey.pem      (what servers are pointed at)
 * <dir>/fullchain.pem -> current/fullchain.pem    (also cert.pem, chain.pem)
 * <dir>/current       -> releases/<time>-<serial>
 * <dir>/releases/<time>-<serial>/{privkey,cert,chain,fullchain}.pem   (0700 / 0600)
 * ```
 * The previous release is kept (for a quick manual rollback); older ones are removed.
 */
export class CertificateStore {
  constructor(readonly dir: string) {}

  /** Path of one of {@link CERTIFICATE_FILES} as servers should be configured with it. */
  path(file: (typeof CERTIFICATE_FILES)[number]): string {
    return join(this.dir, file);
  }

  /** Writes a new release and makes it current. */
  async install(keyPem: string, issued: IssuedCertificate, now = new Date()): Promise<string> {
    const releases = join(this.dir, 'releases');
    await ensurePrivateDirectory(releases);
    const name = `${now.toISOString().replace(/[-:]|\.\d+/g, '')}-${issued.serial.slice(0, 32)}`;
    const staging = join(releases, `.tmp-${name}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { mode: PRIVATE_DIR_MODE });
    const contents: Record<(typeof CERTIFICATE_FILES)[number], string> = {
      'privkey.pem': keyPem,
      'cert.pem': issued.certPem,
      'chain.pem': issued.chainPem,
      'fullchain.pem': issued.fullchainPem,
    };
    try {
      for (const file of CERTIFICATE_FILES) {
        await writeFileAtomic(join(staging, file), contents[file], PRIVATE_FILE_MODE);
      }
      await rename(staging, join(releases, name));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    await syncDirectory(releases);

    const previous = await this.currentRelease();
    await replaceSymlink(join(this.dir, 'current'), join('releases', name));
    for (const file of CERTIFICATE_FILES) {
      const link = join(this.dir, file);
      if ((await readLinkOrNull(link)) !== join('current', file))
        await replaceSymlink(link, join('current', file));
    }
    await syncDirectory(this.dir);
    await this.prune([name, previous]);
    return name;
  }

  /** Name of the current release, or null when nothing was installed yet. */
  async currentRelease(): Promise<string | null> {
    const target = await readLinkOrNull(join(this.dir, 'current'));
    return target ? target.replace(/^releases\//, '') : null;
  }

  /**
   * The installed certificate and key, checked to belong together; null when none was
   * installed.
   *
   * @throws CertificateCheckError when the files are there but unusable (edited, truncated)
   */
  async readCurrent(): Promise<CurrentCertificate | null> {
    const release = await this.currentRelease();
    if (!release) return null;
    const base = join(this.dir, 'releases', release);
    let keyPem: string;
    let fullchain: string;
    try {
      [keyPem, fullchain] = await Promise.all([
        readFile(join(base, 'privkey.pem'), 'utf8'),
        readFile(join(base, 'fullchain.pem'), 'utf8'),
      ]);
    } catch (err) {
      throw new CertificateCheckError(`the installed files cannot be read: ${(err as Error).message}`);
    }
    const issued = readCertificateChain(fullchain);
    let matches: boolean;
    try {
      matches = new X509Certificate(issued.certPem).checkPrivateKey(createPrivateKey(keyPem));
    } catch {
      matches = false; // not a key at all
    }
    if (!matches)
      throw new CertificateCheckError('the installed key does not match the installed certificate');
    return { release, keyPem, issued };
  }

  private async prune(keep: (string | null)[]): Promise<void> {
    const releases = join(this.dir, 'releases');
    for (const entry of await readdir(releases)) {
      if (keep.includes(entry)) continue;
      await rm(join(releases, entry), { recursive: true, force: true });
    }
  }
}

/** Points `link` at `target` atomically: a new symlink renamed over the old one. */
async function replaceSymlink(link: string, target: string): Promise<void> {
  const temp = `${link}.${randomBytes(4).toString('hex')}.tmp`;
  await symlink(target, temp);
  try {
    await rename(temp, link);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function readLinkOrNull(path: string): Promise<string | null> {
  try {
    if (!(await lstat(path)).isSymbolicLink()) return null;
    return await readlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
