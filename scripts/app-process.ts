/**
 * The API and the worker as child processes: the one way every launcher starts and stops
 * them (`npm start`: scripts/start-local.ts, `npm run sandbox`: scripts/sandbox.ts, and the
 * benchmark: bench/support/fleetcert-process.ts), with the shipped Node flags and malloc
 * setting of scripts/node-flags.ts.
 */
import { ChildProcess, spawn, StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { NODE_FLAGS, withMallocEnv } from './node-flags';

export type FleetcertApp = 'api' | 'worker';

/** Each app's production entry point, relative to the build output (`dist/`). */
export const APP_ENTRIES: Readonly<Record<FleetcertApp, string>> = {
  api: 'apps/api/src/main.js',
  worker: 'apps/worker/src/main.js',
};

export interface SpawnAppOptions {
  /** The build output the entry points are in (`dist/`). */
  distDir: string;
  /** The app's environment; the shipped malloc setting goes underneath it. */
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
  /** Flags after the shipped ones: on Node's command line the later of two flags wins. */
  extraFlags?: readonly string[];
}

/** The path of `app`'s entry point under `distDir`. */
export function appEntry(distDir: string, app: FleetcertApp): string {
  return join(distDir, APP_ENTRIES[app]);
}

/** Starts `app` from `distDir` as `npm run start:api` / `start:worker` would. */
export function spawnApp(app: FleetcertApp, options: SpawnAppOptions): ChildProcess {
  return spawn(
    process.execPath,
    [...NODE_FLAGS, ...(options.extraFlags ?? []), appEntry(options.distDir, app)],
    {
      env: withMallocEnv(options.env),
      stdio: options.stdio,
    },
  );
}

/** Whether `child` has exited, by an exit code or by a signal (then `exitCode` stays null). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Sends SIGTERM (a graceful stop: each app drains its work and closes its connections) to
 * every child still running, and resolves once all of them have exited, including any that
 * had already died, by a signal or otherwise. Any child process, not only the apps: the
 * benchmark stops its issuance runs the same way.
 */
export async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      if (hasExited(child)) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}
