import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestEnv } from './config';

const ENTRY = join(__dirname, '../../dist/apps/worker/src/main.js');

export interface WorkerProcess {
  pid: number;
  /** Everything the worker printed (JSON log lines), for assertions and failure messages. */
  output(): string;
  /** Sends a signal; SIGKILL is a crash: no cleanup, no graceful shutdown. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  /** Graceful stop (SIGTERM), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real worker entry point (`dist/apps/worker/src/main.js`, built by
 * `npm run build`, which `npm test` runs first) as its own process, and resolves once it
 * logs that it is ready.
 */
export async function startWorkerProcess(env: TestEnv, readyTimeoutMs = 20_000): Promise<WorkerProcess> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first (npm test does)`);
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', ENTRY], {
    env: { ...process.env, ...env, FLEETCERT_LOG_LEVEL: env.FLEETCERT_WORKER_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker not ready after ${readyTimeoutMs} ms:\n${output}`)),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('fleetcert worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${output}`));
    });
  });
  await ready;
  return {
    pid: child.pid!,
    output: () => output,
    kill: (signal) => child.kill(signal),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
