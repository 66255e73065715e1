import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Peers } from '../support/bench-stack';
import { loadNow } from '../support/machine';
import { perSecond, summarize } from '../support/stats';
import type { BareBaselineInput, BareBaselineOutput } from './bare-baseline';
import type { IssuanceResult } from './issuance-result';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');

/** Runs bare-baseline.ts in its own process (so only its CPU is counted) and reads its report. */
export async function runBareBaseline(opts: {
  peers: Peers;
  names: readonly string[];
  csrs: readonly string[];
  /** Issued first, off the clock and off the CPU count (JIT, connections). */
  warmUp: { names: readonly string[]; csrs: readonly string[] };
  concurrency: number;
  propagationIntervalMs: number;
  workDir: string;
  /** Writes a V8 CPU profile of the baseline process here (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** Kills the run after this long (default 30 minutes). */
  timeoutMs?: number;
}): Promise<IssuanceResult> {
  const load = loadNow();
  const { bind, pebble, zone } = opts.peers;
  const input: BareBaselineInput = {
    directoryUrl: pebble.directoryUrl,
    caBundlePath: pebble.caBundlePath,
    zone,
    dns: { host: bind.host, port: bind.port, tsig: bind.tsig },
    propagationIntervalMs: opts.propagationIntervalMs,
    names: [...opts.names],
    csrs: [...opts.csrs],
    warmUp: { names: [...opts.warmUp.names], csrs: [...opts.warmUp.csrs] },
    concurrency: opts.concurrency,
  };
  const inputPath = join(opts.workDir, 'bare-baseline-input.json');
  writeFileSync(inputPath, JSON.stringify(input), { mode: 0o600 });
  const { stdout } = await run(
    process.execPath,
    [
      ...(opts.cpuProfileDir
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${opts.cpuProfileDir}`,
            `--cpu-prof-name=bare-baseline-c${opts.concurrency}.cpuprofile`,
          ]
        : []),
      join(ROOT, 'bench/run.mjs'),
      join(ROOT, 'bench/issuance/bare-baseline.ts'),
      inputPath,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 30 * 60_000, killSignal: 'SIGKILL' },
  );
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as BareBaselineOutput;
  const ok = out.results.filter((r) => r.ok);
  const failed = out.results.filter((r) => !r.ok);
  return {
    tool: 'bare baseline',
    concurrency: opts.concurrency,
    requested: opts.names.length,
    succeeded: ok.length,
    wallSeconds: (Math.max(...out.results.map((r) => r.end)) - out.t0) / 1000,
    latencyMs: summarize(ok.map((r) => r.end - out.t0)),
    orderMs: summarize(ok.map((r) => r.end - r.start)),
    cpuSeconds: out.cpuSeconds,
    cpuBreakdown: { baseline: out.cpuSeconds },
    machine: out.machine,
    orderStepMs: Object.fromEntries(
      Object.entries(out.steps).map(([step, { ms, count }]) => [step, ms / count]),
    ),
    load,
    notes: [
      ...(failed.length ? [`${failed.length} failed, e.g. ${failed[0].error}`] : []),
      // The same timeline as fleetcert's row prints, to set their first seconds side by side.
      `certificates stored per second of the row: ${perSecond(ok.map((r) => r.end - out.t0)).join(', ')}`,
    ],
  };
}
