import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../support/wait-for';
import { hasExited } from '../../../scripts/app-process';

/** The built agent, exactly what the package's `bin` entry runs. */
export const AGENT_ENTRY = join(__dirname, '../../../dist/apps/agent/src/main.js');

export interface AgentResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One JSON log line of the agent. */
export type AgentLogLine = Record<string, unknown> & { level: string; msg: string; time: string };

function ensureBuilt(): void {
  if (!existsSync(AGENT_ENTRY))
    throw new Error(`${AGENT_ENTRY} is missing: run \`npm run build\` first (npm test does)`);
}

/** Runs one agent command to completion (enroll, status, run --once). */
export function runAgent(
  args: string[],
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<AgentResult> {
  ensureBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', AGENT_ENTRY, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `agent ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 30_000} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface AgentProcess {
  pid: number;
  /** Everything printed so far. */
  output(): string;
  /** The JSON log lines so far. */
  logs(): AgentLogLine[];
  /** Waits for a log line matching `match`, seen after `fromLine` (default: any). */
  waitForLog(
    match: (line: AgentLogLine) => boolean,
    opts?: { timeoutMs?: number; fromLine?: number; what?: string },
  ): Promise<AgentLogLine>;
  signal(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `fleetcert-agent run` (long-running) as its own process. */
export function startAgent(args: string[]): AgentProcess {
  ensureBuilt();
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', AGENT_ENTRY, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const logs = () =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AgentLogLine);
  return {
    pid: child.pid!,
    output: () => output,
    logs,
    async waitForLog(match, { timeoutMs = 30_000, fromLine = 0, what = 'a log line' } = {}) {
      const found = await waitFor(
        async () => {
          if (hasExited(child))
            throw new Error(
              `agent exited (${child.signalCode ?? child.exitCode}) while waiting for ${what}:\n${output}`,
            );
          return logs().slice(fromLine).find(match);
        },
        (line) => line !== undefined,
        { timeoutMs, what: `${what}; agent output:\n${output.slice(-4000)}` },
      );
      return found!;
    },
    signal: (signal) => child.kill(signal),
    exited,
    async stop() {
      if (!hasExited(child)) child.kill('SIGTERM');
      return exited;
    },
  };
}
