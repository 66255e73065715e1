/**
 * `npm start`: runs the API and the worker side by side for a local installation,
 * with the defaults of the configuration table (local Postgres and Redis, the
 * Let's Encrypt staging CA). In production run `npm run start:api` and
 * `npm run start:worker` as separate services instead.
 */
import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { FleetcertApp, spawnApp, stopChildren } from './app-process';

const dist = join(__dirname, '..');
const children: ChildProcess[] = [];
let stopping = false;

function run(app: FleetcertApp): void {
  const child = spawnApp(app, {
    distDir: dist,
    env: process.env,
    stdio: 'inherit',
    extraFlags: ['--enable-source-maps'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`fleetcert ${app} exited (${signal ?? code}); stopping the other process\n`);
      stop(code ?? 1);
    }
  });
  children.push(child);
}

function stop(code: number): void {
  stopping = true;
  void stopChildren(children).then(() => process.exit(code));
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('api');
run('worker');
