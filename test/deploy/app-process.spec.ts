import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { APP_ENTRIES, hasExited, spawnApp, SpawnAppOptions, stopChildren } from '../../scripts/app-process';
import { MALLOC_ENV, NODE_FLAGS } from '../../scripts/node-flags';

/**
 * scripts/app-process.ts, against a stand-in build output whose entry points are small
 * scripts: what Node is started with, and how the launchers stop the apps.
 */
describe('the apps as child processes', () => {
  let dist: string;
  const started: ChildProcess[] = [];

  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'fleetcert-app-process-'));
  });

  afterEach(() => {
    // A failed test must not leave a stand-in running (it would keep Jest from exiting).
    for (const child of started.splice(0)) if (!hasExited(child)) child.kill('SIGKILL');
    rmSync(dist, { recursive: true, force: true });
  });

  function start(app: keyof typeof APP_ENTRIES, options: Omit<SpawnAppOptions, 'distDir'>): ChildProcess {
    const child = spawnApp(app, { distDir: dist, ...options });
    started.push(child);
    return child;
  }

  function entryPoint(app: keyof typeof APP_ENTRIES, source: string): void {
    const file = join(dist, APP_ENTRIES[app]);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }

  async function outputOf(child: ChildProcess): Promise<string> {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await once(child, 'exit');
    return out;
  }

  it("should start an app's entry point with the shipped flags, then the extra ones", async () => {
    entryPoint(
      'worker',
      'process.stdout.write(JSON.stringify({ execArgv: process.execArgv, malloc: process.env.MALLOC_MMAP_THRESHOLD_, mine: process.env.MINE }))',
    );
    const child = start('worker', {
      env: { ...process.env, MINE: 'kept' },
      stdio: ['ignore', 'pipe', 'inherit'],
      extraFlags: ['--enable-source-maps'],
    });
    const seen = JSON.parse(await outputOf(child));
    expect(seen.execArgv).toEqual([...NODE_FLAGS, '--enable-source-maps']);
    expect(seen.malloc).toBe(MALLOC_ENV.MALLOC_MMAP_THRESHOLD_);
    expect(seen.mine).toBe('kept');
  });

  it("should leave a malloc setting of the caller's environment as it is", async () => {
    entryPoint('api', 'process.stdout.write(String(process.env.MALLOC_MMAP_THRESHOLD_))');
    const child = start('api', {
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    expect(await outputOf(child)).toBe('65536');
  });

  it('should stop running apps with SIGTERM and wait until they have exited', async () => {
    const marker = join(dist, 'drained');
    // Exits only after a SIGTERM, and only once it has written the marker (its "drain").
    entryPoint(
      'api',
      `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); process.exit(0); });
       setInterval(() => undefined, 1000);
       process.stdout.write('ready');`,
    );
    const child = start('api', { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');

    await stopChildren([child]);

    expect(child.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('should not wait for an app that a signal had already killed', async () => {
    // `npm start` stops the other app when one dies; one killed by a signal (the OOM
    // killer's SIGKILL) has a null exitCode, and waiting for its exit event again hung.
    entryPoint('worker', `setInterval(() => undefined, 1000); process.stdout.write('ready');`);
    entryPoint('api', `setInterval(() => undefined, 1000); process.stdout.write('ready');`);
    const killed = start('worker', { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const running = start('api', { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    await Promise.all([once(killed.stdout!, 'data'), once(running.stdout!, 'data')]);
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    expect(killed.exitCode).toBeNull();
    expect(hasExited(killed)).toBe(true);

    await stopChildren([killed, running]);

    expect(running.signalCode).toBe('SIGTERM');
  });
});
