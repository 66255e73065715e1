// The issuance comparison, fleetcert against the bare baseline, run N times: one run's
// ratio moves by ±10% with the machine's other work, more than most changes worth
// measuring, so a claim about the ratio should rest on the median of several.
//
//   npm run bench:repeat -- [--repeat N] [--against REV] [options of npm run bench]
//
// With --against, the same runs of another commit (built in a `git worktree`) alternate
// with this checkout's, so both meet the same spells of the machine's other work: the
// way to tell whether a change moved the ratio (sequential sets of runs differed by 0.08×
// on the same code, BENCHMARKS.md item 57).
//
// Each repeat is a whole `bench/main.ts --parts issuance --lego '' --certbot ''` in a
// child process: a fresh Pebble, BIND9, database, API and worker every time (Pebble 2.4
// wedges after ~850 orders, so one Pebble cannot serve many repeats). A repeat that ends
// in a Pebble deadlock is run again, up to N extra times, and counted in the report.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certsPerSecond,
  cpuPerCert,
  IssuanceResult,
  machineBusyShare,
  machineCpuPerCert,
} from './issuance/issuance-result';
import { cleanUpOnInterrupt, runBenchmark } from './support/on-interrupt';
import { fixed } from './support/stats';
import { renderTable } from './support/table';
import { stopChildren } from '../scripts/app-process';

const USAGE = `Usage: npm run bench:repeat -- [--repeat N] [options]
  --repeat N      issuance runs, each on fresh peers and processes (default 5)
  --against REV   also run commit REV (built in a git worktree), alternating with this
                  checkout run by run, and compare the two
  Any other option goes to every run (npm run bench -- --help lists them), e.g.
  --count 300, --concurrency 16, --warm-up 50, --node-options=...; the lego and certbot
  rows are never run here.`;

const ROOT = join(__dirname, '..');
const CORES = cpus().length;

interface Repeat {
  fleetcert: IssuanceResult;
  baseline: IssuanceResult;
  reportPath: string;
  /** Attempts the run itself started over after Pebble wedged (`wedgedAttempts` in results.json). */
  wedgedAttempts: number;
}

async function main(): Promise<void> {
  // Only --repeat and --help are this script's; everything else goes to each run as given.
  let repeatArg = '5';
  let against: string | undefined;
  const passOn: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help') {
      console.log(USAGE);
      return;
    }
    if (argv[i] === '--repeat') repeatArg = argv[++i] ?? '';
    else if (argv[i].startsWith('--repeat=')) repeatArg = argv[i].slice('--repeat='.length);
    else if (argv[i] === '--against') against = argv[++i];
    else if (argv[i].startsWith('--against=')) against = argv[i].slice('--against='.length);
    else passOn.push(argv[i]);
  }
  const repeat = Number(repeatArg);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: not a positive integer\n${USAGE}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(ROOT, 'test-artifacts/bench', `repeat-${stamp}`);
  mkdirSync(workDir, { recursive: true });
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  const checkouts: Checkout[] = [{ label: 'this checkout', root: ROOT, repeats: [], deadlocks: 0 }];
  // Ctrl-C, or a SIGTERM sent to this process alone: the run in progress takes its own stack
  // down (bench/main.ts does on SIGTERM), and the other checkout's worktree is removed.
  cleanUpOnInterrupt(async () => {
    await stopRunInProgress();
    for (const checkout of checkouts.slice(1)) removeWorktree(checkout.root);
  });
  if (against !== undefined) checkouts.push(buildWorktree(against, log));
  try {
    for (let index = 1; index <= repeat; index++) {
      // A B, B A, A B…: neither checkout always runs first in its pair.
      const order = index % 2 === 1 ? checkouts : [...checkouts].reverse();
      for (const checkout of order) await repeatOnce(checkout, index, repeat, passOn, workDir, log);
    }
  } finally {
    for (const checkout of checkouts.slice(1)) removeWorktree(checkout.root);
  }

  const sections = checkouts.flatMap((c) => [
    ...(checkouts.length > 1 ? [`## ${c.label}`, ''] : []),
    repeatTable(c.repeats),
    '',
    ...summaryLines(c.repeats, c.deadlocks, c.root === ROOT).map((l) => `- ${l}`),
    '',
  ]);
  const report = [
    `# fleetcert issuance against the bare baseline, ${repeat} runs${checkouts.length > 1 ? ' of each checkout, alternating' : ''}`,
    '',
    `Command: npm run bench:repeat -- ${process.argv.slice(2).join(' ')}`,
    '',
    ...sections,
    ...(checkouts.length > 1 ? [`- ${pairedLine(checkouts[0], checkouts[1])}`] : []),
  ].join('\n');
  console.log(`\n${report}\n`);
  writeFileSync(join(workDir, 'report.md'), `${report}\n`);
  log(`written: ${join(workDir, 'report.md')}`);
}

/** A tree of the code under test, and its runs so far. */
interface Checkout {
  label: string;
  root: string;
  repeats: Repeat[];
  deadlocks: number;
}

/** The `index`-th run of `checkout`, run again while Pebble deadlocks (up to `repeat` times in all). */
async function repeatOnce(
  checkout: Checkout,
  index: number,
  repeat: number,
  passOn: string[],
  workDir: string,
  log: (line: string) => void,
): Promise<void> {
  for (;;) {
    const attempt = checkout.repeats.length + checkout.deadlocks + 1;
    if (checkout.deadlocks >= repeat)
      throw new Error(`${checkout.label}: ${checkout.deadlocks} runs ended in a Pebble deadlock: giving up`);
    log(`${checkout.label}, run ${index} of ${repeat}`);
    const logName = `${checkout.label.replace(/\W+/g, '-')}-run-${attempt}.log`;
    const outcome = await runOnce(checkout.root, passOn, join(workDir, logName));
    if (outcome === 'pebble deadlock') {
      checkout.deadlocks++;
      log(`${checkout.label}, run ${index}: Pebble deadlocked; running again`);
      continue;
    }
    checkout.repeats.push(outcome);
    checkout.deadlocks += outcome.wedgedAttempts;
    log(
      `${checkout.label}, run ${index}: fleetcert ${fixed(certsPerSecond(outcome.fleetcert), 1)}/s, baseline ${fixed(certsPerSecond(outcome.baseline), 1)}/s, ratio ${fixed(ratioOf(outcome), 2)}×`,
    );
    return;
  }
}

/** Commit `rev` checked out beside this one, sharing its node_modules, and built. */
function buildWorktree(rev: string, log: (line: string) => void): Checkout {
  // Outside this tree, so that a run cut short leaves nothing the type check or lint would read.
  const root = mkdtempSync(join(tmpdir(), 'fleetcert-against-'));
  const commit = execFileSync('git', ['rev-parse', '--short', `${rev}^{commit}`], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  log(`building ${rev} (${commit}) in ${root}`);
  execFileSync('git', ['worktree', 'add', '--detach', root, commit], { cwd: ROOT, stdio: 'ignore' });
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  } catch (err) {
    removeWorktree(root);
    throw err;
  }
  return { label: rev === commit ? rev : `${rev} (${commit})`, root, repeats: [], deadlocks: 0 };
}

/** Removes the worktree, if it is still there (both an interrupt and the run's `finally` may ask). */
function removeWorktree(root: string): void {
  if (!existsSync(root)) return;
  execFileSync('git', ['worktree', 'remove', '--force', root], { cwd: ROOT, stdio: 'ignore' });
}

/** The two checkouts' runs side by side: run k of one ran just before run k of the other. */
function pairedLine(current: Checkout, other: Checkout): string {
  const differences = current.repeats.map((r, i) => ratioOf(r) - ratioOf(other.repeats[i]));
  const higher = differences.filter((d) => d > 0).length;
  return (
    `${current.label} against ${other.label}: median ratio ${fixed(median(current.repeats.map(ratioOf)), 2)}× against ` +
    `${fixed(median(other.repeats.map(ratioOf)), 2)}×; run by run, the median difference is ` +
    `${fixed(median(differences), 3)}× (higher in ${higher} of ${differences.length} pairs)`
  );
}

/** The issuance run in progress, if any (see {@link stopRunInProgress}). */
let runInProgress: ChildProcess | undefined;

/** Sends the run in progress a SIGTERM, on which it takes its stack down, and waits for its exit. */
async function stopRunInProgress(): Promise<void> {
  if (runInProgress) await stopChildren([runInProgress]);
}

/** One issuance run in a child process; its results, or the fact that Pebble deadlocked. */
function runOnce(root: string, passOn: string[], logPath: string): Promise<Repeat | 'pebble deadlock'> {
  const args = [join(root, 'bench/run.mjs'), join(root, 'bench/main.ts')];
  args.push(...passOn, '--parts', 'issuance', '--lego', '', '--certbot', '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    runInProgress = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(logPath, output);
      if (code !== 0) {
        if (/Pebble 2\.4 has most likely deadlocked/.test(output)) return resolve('pebble deadlock');
        return reject(new Error(`an issuance run exited with ${code}; its output is in ${logPath}`));
      }
      const reportPath = /written: (\S+)\/report\.md/.exec(output)?.[1];
      if (!reportPath) return reject(new Error(`no report in the output of ${logPath}`));
      const { issuance, wedgedAttempts } = JSON.parse(
        readFileSync(join(reportPath, 'results.json'), 'utf8'),
      ) as { issuance: { results: IssuanceResult[] }; wedgedAttempts?: number };
      const fleetcert = issuance.results.find((r) => r.tool === 'fleetcert');
      const baseline = issuance.results.find((r) => r.tool === 'bare baseline');
      if (!fleetcert || !baseline) return reject(new Error(`${reportPath}: a row is missing`));
      resolve({ fleetcert, baseline, reportPath, wedgedAttempts: wedgedAttempts ?? 0 });
    });
  });
}

function repeatTable(repeats: readonly Repeat[]): string {
  return renderTable(
    [
      'run',
      'fleetcert certs/s',
      'baseline certs/s',
      'ratio',
      'fleetcert CPU ms/cert',
      '+ Postgres',
      'baseline CPU ms/cert',
      'machine busy % (fleetcert / baseline)',
      'machine CPU ms/cert (fleetcert / baseline)',
      'load at start',
    ],
    repeats.map((r, i) => [
      String(i + 1),
      fixed(certsPerSecond(r.fleetcert), 2),
      fixed(certsPerSecond(r.baseline), 2),
      fixed(ratioOf(r), 2),
      fixed(cpuPerCert(r.fleetcert) * 1000, 1),
      fixed(
        ((r.fleetcert.cpuSeconds + (r.fleetcert.dependencyCpu?.postgres ?? NaN)) / r.fleetcert.succeeded) *
          1000,
        1,
      ),
      fixed(cpuPerCert(r.baseline) * 1000, 1),
      `${fixed(machineBusyShare(r.fleetcert, CORES) * 100, 0)} / ${fixed(machineBusyShare(r.baseline, CORES) * 100, 0)}`,
      `${fixed(machineCpuPerCert(r.fleetcert) * 1000, 1)} / ${fixed(machineCpuPerCert(r.baseline) * 1000, 1)}`,
      r.fleetcert.load,
    ]),
  );
}

function summaryLines(repeats: readonly Repeat[], deadlocks: number, reportsKept = true): string[] {
  const ratios = repeats.map(ratioOf);
  const met = ratios.filter((r) => r >= 0.8).length;
  return [
    `fleetcert / bare baseline throughput: median ${fixed(median(ratios), 2)}× (min ${fixed(Math.min(...ratios), 2)}×, max ${fixed(Math.max(...ratios), 2)}×); ≥ 0.8× in ${met} of ${ratios.length} runs`,
    `fleetcert certs/s: median ${fixed(median(repeats.map((r) => certsPerSecond(r.fleetcert))), 2)}; baseline: median ${fixed(median(repeats.map((r) => certsPerSecond(r.baseline))), 2)}`,
    ...(deadlocks
      ? [`${deadlocks} more attempt${deadlocks === 1 ? '' : 's'} ended in a Pebble deadlock and ran again`]
      : []),
    reportsKept
      ? `each run's report: ${repeats.map((r) => r.reportPath.replace(`${ROOT}/`, '')).join(', ')}`
      : "each run's report was removed with the worktree; its output is in this run's directory",
  ];
}

function ratioOf(r: Repeat): number {
  return certsPerSecond(r.fleetcert) / certsPerSecond(r.baseline);
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)];
}

runBenchmark(main);
