// The issuance comparison, fleetcert against the bare baseline, run N times: one run's
// ratio moves by ±10% with the machine's other work, more than most changes worth
// measuring, so a claim about the ratio should rest on the median of several.
//
//   npm run bench:repeat -- [--repeat N] [options of npm run bench]
//
// Each repeat is a whole `bench/main.ts --parts issuance --lego '' --certbot ''` in a
// child process: a fresh Pebble, BIND9, database, API and worker every time (Pebble 2.4
// wedges after ~850 orders, so one Pebble cannot serve many repeats). A repeat that ends
// in a Pebble deadlock is run again, up to N extra times, and counted in the report.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  certsPerSecond,
  cpuPerCert,
  IssuanceResult,
  machineBusyShare,
  machineCpuPerCert,
} from './issuance/issuance-result';
import { fixed } from './support/stats';
import { renderTable } from './support/table';

const USAGE = `Usage: npm run bench:repeat -- [--repeat N] [options]
  --repeat N   issuance runs, each on fresh peers and processes (default 5)
  Any other option goes to every run (npm run bench -- --help lists them), e.g.
  --count 300, --concurrency 16, --warm-up 50, --node-options=...; the lego and certbot
  rows are never run here.`;

const ROOT = join(__dirname, '..');
const CORES = cpus().length;

interface Repeat {
  fleetcert: IssuanceResult;
  baseline: IssuanceResult;
  reportPath: string;
}

async function main(): Promise<void> {
  // Only --repeat and --help are this script's; everything else goes to each run as given.
  let repeatArg = '5';
  const passOn: string[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help') {
      console.log(USAGE);
      return;
    }
    if (argv[i] === '--repeat') repeatArg = argv[++i] ?? '';
    else if (argv[i].startsWith('--repeat=')) repeatArg = argv[i].slice('--repeat='.length);
    else passOn.push(argv[i]);
  }
  const repeat = Number(repeatArg);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: not a positive integer\n${USAGE}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(ROOT, 'test-artifacts/bench', `repeat-${stamp}`);
  mkdirSync(workDir, { recursive: true });
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  const repeats: Repeat[] = [];
  let deadlocks = 0;
  for (let run = 1; repeats.length < repeat; run++) {
    if (run > 2 * repeat)
      throw new Error(`${deadlocks} of ${run - 1} runs ended in a Pebble deadlock: giving up`);
    log(`run ${run} (${repeats.length} of ${repeat} done)`);
    const outcome = await runOnce(passOn, join(workDir, `run-${run}.log`));
    if (outcome === 'pebble deadlock') {
      deadlocks++;
      log(`run ${run}: Pebble deadlocked; running again`);
      continue;
    }
    repeats.push(outcome);
    log(
      `run ${run}: fleetcert ${fixed(certsPerSecond(outcome.fleetcert), 1)}/s, baseline ${fixed(certsPerSecond(outcome.baseline), 1)}/s, ratio ${fixed(ratioOf(outcome), 2)}×`,
    );
  }

  const report = [
    `# fleetcert issuance against the bare baseline, ${repeat} runs`,
    '',
    `Command: npm run bench:repeat -- ${process.argv.slice(2).join(' ')}`,
    '',
    repeatTable(repeats),
    '',
    ...summaryLines(repeats, deadlocks).map((l) => `- ${l}`),
  ].join('\n');
  console.log(`\n${report}\n`);
  writeFileSync(join(workDir, 'report.md'), `${report}\n`);
  log(`written: ${join(workDir, 'report.md')}`);
}

/** One issuance run in a child process; its results, or the fact that Pebble deadlocked. */
function runOnce(passOn: string[], logPath: string): Promise<Repeat | 'pebble deadlock'> {
  const args = [join(ROOT, 'bench/run.mjs'), join(ROOT, 'bench/main.ts')];
  args.push(...passOn, '--parts', 'issuance', '--lego', '', '--certbot', '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
      const { issuance } = JSON.parse(readFileSync(join(reportPath, 'results.json'), 'utf8')) as {
        issuance: { results: IssuanceResult[] };
      };
      const fleetcert = issuance.results.find((r) => r.tool === 'fleetcert');
      const baseline = issuance.results.find((r) => r.tool === 'bare baseline');
      if (!fleetcert || !baseline) return reject(new Error(`${reportPath}: a row is missing`));
      resolve({ fleetcert, baseline, reportPath });
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

function summaryLines(repeats: readonly Repeat[], deadlocks: number): string[] {
  const ratios = repeats.map(ratioOf);
  const met = ratios.filter((r) => r >= 0.8).length;
  return [
    `fleetcert / bare baseline throughput: median ${fixed(median(ratios), 2)}× (min ${fixed(Math.min(...ratios), 2)}×, max ${fixed(Math.max(...ratios), 2)}×); ≥ 0.8× in ${met} of ${ratios.length} runs`,
    `fleetcert certs/s: median ${fixed(median(repeats.map((r) => certsPerSecond(r.fleetcert))), 2)}; baseline: median ${fixed(median(repeats.map((r) => certsPerSecond(r.baseline))), 2)}`,
    ...(deadlocks ? [`${deadlocks} more runs ended in a Pebble deadlock and were run again`] : []),
    `each run's report: ${repeats.map((r) => r.reportPath.replace(`${ROOT}/`, '')).join(', ')}`,
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

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
