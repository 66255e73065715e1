import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { appEntry, FleetcertApp, spawnApp } from '../../scripts/app-process';

const DIST = join(__dirname, '../../dist');

export interface FleetcertProcess {
  app: FleetcertApp;
  pid: number;
  logFile: string;
  /** Graceful stop (SIGTERM, as an orchestrator would), then waits for the exit; SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface StartOptions {
  app: FleetcertApp;
  env: Record<string, string | undefined>;
  /** Where the process's JSON logs go (a file, so the benchmark does not spend CPU reading them). */
  logFile: string;
  /**
   * An experiment's extra Node flags (`--node-options`), put after the shipped ones on the
   * command line, where the later flag wins. Never in NODE_OPTIONS: Node refuses many V8
   * flags there (`--maglev`, for one), and the product's CLI, run with the same environment,
   * would get them too.
   */
  nodeFlags?: string;
  /**
   * Writes a V8 CPU profile (`node --cpu-prof`) into `<this directory>/<app>` when the process
   * exits: one file per process, named by Node with its pid, so a restarted process and a
   * clustered API's workers (which inherit the flags) each keep their own.
   */
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
}

/**
 * Starts the production entry point of the API or the worker (built by `npm run build`) as
 * its own process, exactly as `npm run start:api` / `start:worker` would (with the shipped
 * Node flags and malloc setting of scripts/node-flags.ts), and resolves once
 * it is ready: the API when `/health` answers 200, the worker when it logs that it is ready.
 */
export async function startFleetcertProcess(options: StartOptions): Promise<FleetcertProcess> {
  const entry = appEntry(DIST, options.app);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const profile = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, options.app)}`]
    : [];
  const experiment = options.nodeFlags?.split(/\s+/).filter(Boolean) ?? [];
  const log = openSync(options.logFile, 'a');
  const child: ChildProcess = spawnApp(options.app, {
    distDir: DIST,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', log, log],
    extraFlags: [...experiment, ...profile],
  });
  closeSync(log);
  const exited = once(child, 'exit');
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  const ready =
    options.app === 'api'
      ? async () => {
          const res = await fetch(`http://127.0.0.1:${options.env.FLEETCERT_HTTP_PORT}/health`).catch(
            () => undefined,
          );
          return res?.status === 200;
        }
      : async () => readFileSync(options.logFile, 'utf8').includes('fleetcert worker ready');
  while (!(await ready())) {
    if (gone || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`${options.app} did not become ready (${gone ? 'exited' : 'timeout'}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    app: options.app,
    pid: child.pid!,
    logFile: options.logFile,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
