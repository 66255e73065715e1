/**
 * `npm start`: runs the API and the worker side by side for a local installation,
 * with the defaults of the configuration table (local Postgres and Redis, the
 * Let's Encrypt staging CA). In production run `npm run start:api` and
 * `npm run start:worker` as separate services instead.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { NODE_FLAGS, withMallocEnv } from './node-flags';

const dist = join(__dirname, '..');
const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', ...NODE_FLAGS, join(dist, entry)], {
    stdio: 'inherit',
    env: withMallocEnv(process.env),
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`fleetcert ${name} exited (${signal ?? code}); stopping the other process\n`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code: number): void {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))),
  ).then(() => process.exit(code));
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('api', 'apps/api/src/main.js');
run('worker', 'apps/worker/src/main.js');
