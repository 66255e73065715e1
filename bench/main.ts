// `npm run bench`: fleetcert against the tools fleets script today (lego, certbot) and
// against a bare ACME script, then the API's throughput and the fleet-scale queries.
// Prints the tables; writes results.json and report.md under test-artifacts/bench/<date>/.
// Options: see USAGE below. BENCHMARKS.md records a run and how to read it.
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runApiBench, apiTable, ApiBenchReport, pacedWindowLines } from './api/api-bench';
import { issueValidCertificates } from './api/valid-certificates';
import {
  issuanceRatios,
  orderStepLines,
  issuanceTable,
  IssuanceBenchReport,
  runIssuanceBench,
} from './issuance/issuance-bench';
import { runScaleBench, scaleTable, ScaleBenchReport } from './scale/scale-bench';
import {
  createOperatorKey,
  DEFAULT_PEBBLE_THREADS,
  describePebbleThreads,
  fleetcertEnv,
  parsePebbleThreads,
  PebbleThreads,
  Peers,
  freePort,
  startPeers,
} from './support/bench-stack';
import type { FleetcertProcess } from './support/fleetcert-process';
import { loadNow, machineInfo } from './support/machine';
import { summarizeProfiles } from './profile/summarize-profile';
import { clearProfileWindows, profileWindows } from './support/profile-windows';
import { PEBBLE_ATTEMPTS, PebbleStallError } from './support/pebble-stall';
import { cleanUpOnInterrupt, runBenchmark, runsOnce } from './support/on-interrupt';
import { RunResources } from './support/run-resources';
import { checkCertbot, checkLego, checkPeers, checkWrk } from './support/tools';

const USAGE = `Usage: npm run bench -- [options]
  --parts LIST        issuance,api,scale (default: all three)
  --count N           certificates per issuance run (default 500)
  --warm-up N         names fleetcert and the bare baseline each issue before their clock
                      starts, on the same processes (default 1: fleetcert's first order;
                      e.g. 300 to compare warmed-up processes rather than fresh ones)
  --concurrency LIST  fleetcert worker concurrency, and the bare baseline's (default 32)
  --lego LIST         xargs -P values for lego (default 16,32,64; empty to skip)
  --certbot LIST      xargs -P values for certbot (default 16; empty to skip)
  --submissions N     CSR submissions in the API run (default 5000)
  --profile           run the API and worker under node --cpu-prof and print where time goes
                      (slower: use it to find hot paths, not for the recorded numbers)
  --devices N         devices in the fleet-scale run (default 100000)
  --api-processes LIST  API processes for the API rows (FLEETCERT_API_PROCESSES; default 1,2:
                      the shipped default, then one per core); the other parts run with 1
  --node-options STR  extra Node flags for the API and worker processes,
                      e.g. "--max-old-space-size=160" to bound their heaps
  --pebble-threads N  Go threads (GOMAXPROCS) for every Pebble of the run (default 1, which
                      rarely deadlocks; "all" for Go's default, as before the twenty-first
                      pass of BENCHMARKS.md)`;

const ROOT = join(__dirname, '..');
const ZONE = 'bench.fleet.test';

function list(value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  return value
    .split(',')
    .filter(Boolean)
    .map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${v}\n${USAGE}`);
      return n;
    });
}

async function main(): Promise<void> {
  const values = parseOptions();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const parts = new Set(values.parts!.split(','));
  const pebbleThreads = parsePebbleThreads(values['pebble-threads']!);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = join(ROOT, 'test-artifacts/bench', stamp);
  mkdirSync(workDir, { recursive: true });
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  const machine = machineInfo();
  log(
    `machine: ${machine.nproc} cores (${machine.cpuModel}), memory ${machine.memory}, Node ${machine.node}`,
  );
  log(
    `peers: pebble ${machine.pebble} (${describePebbleThreads(pebbleThreads)}), bind9 ${machine.bind9}; load ${loadNow()}`,
  );
  const missing = checkPeers().filter((t) => !t.available);
  if (missing.length) {
    throw new Error(`missing: ${missing.map((t) => `${t.name} (${t.install})`).join(', ')}`);
  }
  // The API and fleet-scale parts are driven by wrk: no use starting anything without it.
  if (parts.has('api') || parts.has('scale')) {
    const wrk = checkWrk();
    if (!wrk.available) {
      throw new Error(`wrk is not installed; the api and scale parts need it. Install: ${wrk.install}`);
    }
    log(`wrk: ${wrk.version}`);
  }
  for (const tool of [checkLego(), checkCertbot()]) {
    log(
      tool.available
        ? `${tool.name}: ${tool.version}`
        : `${tool.name}: NOT INSTALLED — its rows are skipped. Install: ${tool.install}`,
    );
  }
  if (values.profile) log('profiling: the API and worker run under --cpu-prof; numbers are inflated by it');

  const concurrencies = list(values.concurrency, [32]);
  const nodeOptions = values['node-options']!;
  if (nodeOptions) log(`API and worker run with the extra Node flags ${nodeOptions}`);
  const profileDir = values.profile ? join(workDir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  // Ctrl-C still stops every process and drops the database.
  cleanUpOnInterrupt(() => stopRunningStack?.() ?? Promise.resolve(), log);

  // Every part runs on one stack: Pebble, BIND9, a database, the API and a worker. Pebble
  // 2.4 can wedge under fleetcert's own orders too ("How it measures" in BENCHMARKS.md),
  // and then nothing on that stack issues again: the run starts over on a fresh stack, up
  // to PEBBLE_ATTEMPTS in all, with each wedged attempt's logs kept aside and the report
  // saying so.
  let reports: PartReports | undefined;
  const wedged: string[] = [];
  for (let attempt = 1; !reports; attempt++) {
    try {
      reports = await runParts({
        values,
        parts,
        workDir,
        profileDir,
        concurrencies,
        nodeOptions,
        pebbleThreads,
        log,
      });
    } catch (err) {
      if (!(err instanceof PebbleStallError) || attempt >= PEBBLE_ATTEMPTS) throw err;
      const keptIn = setWedgedAttemptAside(workDir, attempt);
      wedged.push(
        `attempt ${attempt} (${err.what}: ${err.done}/${err.total} finished; its logs in ${keptIn})`,
      );
      log(`${err.finding}: starting over on a fresh stack (attempt ${attempt + 1} of ${PEBBLE_ATTEMPTS})`);
      if (profileDir) mkdirSync(profileDir, { recursive: true });
      clearProfileWindows();
    }
  }
  const startedOver = wedged.length
    ? `Pebble wedged in ${wedged.join(' and in ')}; these numbers are from attempt ${wedged.length + 1}, on a fresh Pebble, BIND9, database, API and worker`
    : undefined;
  const { issuance, apiReport, scale } = reports;

  const sections: string[] = [
    `# fleetcert benchmark, ${machine.date}`,
    '',
    `Machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memory}, Node ${machine.node}, pebble ${machine.pebble} (${describePebbleThreads(pebbleThreads)}), bind9 ${machine.bind9}${values.profile ? ' — PROFILED RUN' : ''}`,
    `Command: npm run bench -- ${process.argv.slice(2).join(' ')}`,
    ...(startedOver ? [`Started over: ${startedOver}`] : []),
  ];
  if (issuance) {
    sections.push('', '## Issuance (DNS-01, Pebble + BIND9)', '', issuanceTable(issuance.results), '');
    sections.push(...issuanceRatios(issuance.results).map((l) => `- ${l}`));
    sections.push(...orderStepLines(issuance.results).map((l) => `- ${l}`));
    sections.push(...issuance.skipped.map((l) => `- skipped: ${l}`));
    sections.push(
      ...issuance.results.flatMap((r) => r.notes.map((n) => `- ${r.tool} ${r.concurrency}: ${n}`)),
    );
  }
  if (apiReport)
    sections.push(
      '',
      '## API (worker stopped)',
      '',
      apiTable(apiReport),
      '',
      ...apiReport.notes.map((n) => `- ${n}`),
      ...pacedWindowLines(apiReport).map((n) => `- ${n}`),
    );
  if (scale)
    sections.push('', '## Fleet scale', '', scaleTable(scale), '', ...scale.notes.map((n) => `- ${n}`));
  if (profileDir)
    sections.push(
      '',
      '## Where the CPU goes (node --cpu-prof)',
      '',
      ...(await summarizeProfiles(profileDir, profileWindows())),
    );
  const report = sections.join('\n');
  console.log(`\n${report}\n`);
  writeFileSync(join(workDir, 'report.md'), `${report}\n`);
  writeFileSync(
    join(workDir, 'results.json'),
    JSON.stringify(
      {
        machine,
        pebbleThreads,
        startedOver,
        wedgedAttempts: wedged.length,
        issuance,
        api: apiReport,
        scale,
        profileWindows: profileWindows(),
      },
      null,
      2,
    ),
  );
  log(`written: ${join(workDir, 'report.md')} and results.json`);
}

function parseOptions() {
  return parseArgs({
    options: {
      parts: { type: 'string', default: 'issuance,api,scale' },
      count: { type: 'string', default: '500' },
      'warm-up': { type: 'string', default: '1' },
      concurrency: { type: 'string' },
      lego: { type: 'string' },
      certbot: { type: 'string' },
      submissions: { type: 'string', default: '5000' },
      'node-options': { type: 'string', default: '' },
      'api-processes': { type: 'string' },
      devices: { type: 'string', default: '100000' },
      'pebble-threads': { type: 'string', default: String(DEFAULT_PEBBLE_THREADS) },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }).values;
}

interface PartReports {
  issuance?: IssuanceBenchReport;
  apiReport?: ApiBenchReport;
  scale?: ScaleBenchReport;
}

interface RunPartsOptions {
  values: ReturnType<typeof parseOptions>;
  parts: Set<string>;
  workDir: string;
  profileDir?: string;
  concurrencies: number[];
  nodeOptions: string;
  pebbleThreads: PebbleThreads;
  log(line: string): void;
}

/** The stack's clean-up while a run is in progress, for Ctrl-C. */
let stopRunningStack: (() => Promise<void>) | undefined;

/** Starts a stack, runs the chosen parts on it, and always takes it down again. */
async function runParts(o: RunPartsOptions): Promise<PartReports> {
  const { values, parts, workDir, profileDir, concurrencies, nodeOptions, log } = o;
  // What this stack starts, every part's processes and databases, is taken down by
  // `cleanUp`: when the parts end or fail, and on Ctrl-C, whichever part is running.
  const resources = new RunResources(log);
  let startedPeers: Peers | undefined;
  const cleanUp = runsOnce(async () => {
    await resources.takeDown();
    if (!startedPeers) return;
    writeFileSync(join(workDir, 'pebble.log'), startedPeers.pebble.log());
    await startedPeers.stop();
  });
  stopRunningStack = cleanUp;
  let api: FleetcertProcess | undefined;
  let worker: FleetcertProcess | undefined;
  let issuance: IssuanceBenchReport | undefined;
  let apiReport: ApiBenchReport | undefined;
  let scale: ScaleBenchReport | undefined;
  try {
    const peers = await startPeers(ZONE, o.pebbleThreads);
    startedPeers = peers;
    const db = await resources.createDatabase('main');
    log(`database: ${db.name} (Redis keys under ${db.redisPrefix}:)`);
    const port = await freePort();
    const env = {
      ...fleetcertEnv({ db, peers, httpPort: port, workerConcurrency: concurrencies[0] }),
      FLEETCERT_API_PROCESSES: '1',
    };
    const apiUrl = `http://127.0.0.1:${port}`;
    api = await resources.launch({
      app: 'api',
      env,
      nodeFlags: nodeOptions,
      logFile: join(workDir, 'api.log'),
      cpuProfileDir: profileDir,
    });
    const adminKey = await createOperatorKey(env);
    const startWorker = async (concurrency: number) => {
      await worker?.stop();
      worker = await resources.launch({
        app: 'worker',
        env: { ...env, FLEETCERT_WORKER_CONCURRENCY: String(concurrency) },
        nodeFlags: nodeOptions,
        logFile: join(workDir, `worker-c${concurrency}.log`),
        cpuProfileDir: profileDir,
      });
      return worker;
    };

    if (parts.has('issuance')) {
      issuance = await runIssuanceBench({
        peers,
        db,
        apiUrl,
        adminKey,
        api,
        startWorker,
        count: Number(values.count),
        warmUp: list(values['warm-up'], [1])[0],
        concurrencies,
        legoParallel: list(values.lego, [16, 32, 64]),
        certbotParallel: list(values.certbot, [16]),
        propagationIntervalMs: 250,
        workDir: join(workDir, 'issuance'),
        cpuProfileDir: profileDir,
        log,
      });
    }
    if (parts.has('api')) {
      log('API: issuing 200 certificates for the fetch run');
      if (!worker) await startWorker(concurrencies[0]);
      const validCertificates = await issueValidCertificates(apiUrl, adminKey, 200);
      // The API alone: no worker takes jobs, so only the request path is measured.
      await worker?.stop();
      worker = undefined;
      for (const processes of list(values['api-processes'], [1, 2])) {
        if (String(processes) !== env.FLEETCERT_API_PROCESSES) {
          await api.stop();
          env.FLEETCERT_API_PROCESSES = String(processes);
          api = await resources.launch({
            app: 'api',
            env,
            nodeFlags: nodeOptions,
            logFile: join(workDir, `api-${processes}-processes.log`),
            cpuProfileDir: profileDir,
          });
        }
        const report = await runApiBench({
          api,
          apiUrl,
          adminKey,
          db,
          processes,
          submissions: Number(values.submissions),
          validCertificates,
          log,
        });
        apiReport = apiReport ? { ...report, runs: [...apiReport.runs, ...report.runs] } : report;
      }
    }
    await worker?.stop();
    worker = undefined;
    if (parts.has('scale')) {
      scale = await runScaleBench({
        peers,
        resources,
        devices: Number(values.devices),
        workDir,
        profileDir,
        nodeOptions,
        log,
      });
    }
  } finally {
    await cleanUp();
    stopRunningStack = undefined;
  }
  return { issuance, apiReport, scale };
}

/** Moves everything a wedged attempt wrote under `workDir` into a folder of its own; returns that folder. */
function setWedgedAttemptAside(workDir: string, attempt: number): string {
  const aside = join(workDir, `wedged-attempt-${attempt}`);
  mkdirSync(aside);
  for (const entry of readdirSync(workDir)) {
    if (!entry.startsWith('wedged-attempt-')) renameSync(join(workDir, entry), join(aside, entry));
  }
  return aside;
}

runBenchmark(main);
