import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Another agent process owns the state directory. */
export class AlreadyRunningError extends Error {
  constructor(readonly pid: number) {
    super(`another fleetcert-agent (pid ${pid}) is already running with this state directory`);
    this.name = 'AlreadyRunningError';
  }
}

/**
 * Keeps two agents from working on one state directory (two `run`s would each submit
 * requests and overwrite each other's files). The lock is a file holding the owner's pid;
 * a lock whose process is gone (a crash, a reboot) is taken over.
 */
export class RunLock {
  private constructor(private readonly path: string) {}

  static async acquire(stateDir: string): Promise<RunLock> {
    const path = join(stateDir, 'agent.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return new RunLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new AlreadyRunningError(owner);
      }
      await rm(path, { force: true }); // stale: its owner is gone
    }
    throw new Error(`cannot take the lock ${path}`);
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
