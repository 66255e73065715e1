import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestEnv } from './config';
import { hasExited } from '../../scripts/app-process';

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
  /** Where it serves its Prometheus metrics (the port it logged), when it serves them. */
  metricsUrl(): string;
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
    metricsUrl: () => workerMetricsUrlIn(output),
    async stop() {
      if (!hasExited(child)) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Where a worker serves its metrics, from its log: it logs the address once it listens
 * (worker-metrics.server.ts); the last such line, if it was started more than once.
 */
export function workerMetricsUrlIn(output: string): string {
  const line = output.split('\n').findLast((l) => l.includes('worker metrics listening'));
  if (!line) {
    const tail = output.split('\n').slice(-20).join('\n');
    throw new Error(`the worker did not log a metrics address:\n${tail}`);
  }
  const { address, port } = JSON.parse(line) as { address: string; port: number };
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`;
}
