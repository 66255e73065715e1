import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(__dirname, 'xargs-timed.sh');

export interface XargsRun {
  /** When the batch started (ms since the epoch). */
  t0: number;
  /** One entry per name, in completion order. */
  results: { name: string; start: number; end: number; ok: boolean }[];
  /** User + system CPU seconds of everything the batch ran (xargs, the wrappers, the tool). */
  cpuSeconds: number;
  outDir: string;
}

/**
 * Runs `command` once per name, `parallel` at a time, through xargs-timed.sh (plain
 * `xargs -P`, as an operator would), and reads back the per-name timings and the CPU time of
 * the whole process tree. Pebble and BIND9 are not in that tree, so they are not counted.
 */
export async function runXargs(opts: {
  parallel: number;
  names: readonly string[];
  command: readonly string[];
  env: Record<string, string>;
  outDir: string;
  timeoutMs?: number;
}): Promise<XargsRun> {
  mkdirSync(opts.outDir, { recursive: true });
  const namesFile = join(opts.outDir, 'names');
  writeFileSync(namesFile, `${opts.names.join('\n')}\n`);
  const t0 = Date.now();
  const { stdout } = await run(SCRIPT, [String(opts.parallel), namesFile, opts.outDir, ...opts.command], {
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 60 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const results = readFileSync(join(opts.outDir, 'times'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, start, end, rc] = line.split(' ');
      return { name, start: Number(start) * 1000, end: Number(end) * 1000, ok: rc === '0' };
    });
  return { t0, results, cpuSeconds: parseChildrenTimes(stdout), outDir: opts.outDir };
}

/** bash `times` prints two lines, the shell's then its children's: `0m1.234s 0m0.567s`. */
export function parseChildrenTimes(output: string): number {
  const lines = output.trim().split('\n');
  const children = lines[lines.length - 1];
  const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)];
  if (parts.length !== 2) throw new Error(`cannot read CPU times from: ${children}`);
  return parts.reduce((sum, [, min, sec]) => sum + Number(min) * 60 + Number(sec), 0);
}
