import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode of every file the agent writes: keys, certificates, configuration and state. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of every directory the agent creates. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Writes a file so that readers see either the old contents or the new, never a mix or a
 * truncated file, even across a power cut: the data goes to a fresh temporary file in the
 * same directory (created exclusively with `mode`, so it is never readable by others, not
 * even for a moment), is flushed to disk, renamed over the target (atomic within one
 * filesystem), and the directory entry is flushed too.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number = PRIVATE_FILE_MODE,
): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    try {
      await handle.writeFile(data);
      // open() applied the umask; chmod makes the mode exact whatever the umask is.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** Creates a directory (and its parents) readable only by the agent's user. */
export async function ensurePrivateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Flushes a directory's entries (renames, new files) to disk. Some filesystems refuse to
 * fsync a directory (EINVAL / EISDIR / EPERM): there the rename is as durable as it gets.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}
