import { spawn } from 'node:child_process';

export interface ReloadResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The command's combined output, cut to its last 4 KiB. */
  output: string;
}

const MAX_OUTPUT = 4096;

/**
 * Runs the configured reload command through `/bin/sh -c` after a certificate was
 * installed, with the certificate's details in the environment (`FLEETCERT_CERT_KIND`,
 * `FLEETCERT_CERT_DIR`, `FLEETCERT_CERT_SERIAL`, `FLEETCERT_CERT_NOT_AFTER`), as certbot's
 * deploy hooks get `RENEWED_LINEAGE`. A command that outlives `timeoutMs` is killed with
 * its whole process group.
 */
export function runReloadCommand(
  command: string,
  variables: Record<string, string>,
  timeoutMs: number,
): Promise<ReloadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      // The command inherits the agent's environment (PATH, ...) plus the certificate's details.
      // eslint-disable-next-line no-restricted-properties -- passed through, not read as settings
      env: { ...process.env, ...variables },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, output: output.trim() });
    });
  });
}
