import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyRunningError, RunLock } from './run-lock';

describe(RunLock.name, () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-lock-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('should hold the lock with its pid and let it go on release', async () => {
    const lock = await RunLock.acquire(dir);
    expect((await readFile(join(dir, 'agent.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
    await (await RunLock.acquire(dir)).release();
  });

  it('should refuse while a live process holds it', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(join(dir, 'agent.lock'), `${other.pid}\n`);
      await expect(RunLock.acquire(dir)).rejects.toEqual(new AlreadyRunningError(other.pid!));
    } finally {
      other.kill();
      await once(other, 'exit');
    }
  });

  it('should take over the lock of a process that is gone', async () => {
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    await writeFile(join(dir, 'agent.lock'), `${gone.pid}\n`);
    const lock = await RunLock.acquire(dir);
    expect((await readFile(join(dir, 'agent.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
