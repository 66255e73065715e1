// CPU and allocation per `POST /v1/certificates` (a new device's first CSR), through the
// whole API in-process: Fastify, Nest's router, pipes and guards, the device-token
// strategy, the CSR check (on its thread), the group-committed statement and the job add,
// with real Postgres and Redis behind them:
//
//   node bench/run.mjs bench/micro/csr-submission.ts [submissions per round] [--sites] [--cpu-sites]
//
// Requests go through Fastify's `inject` (no sockets, logs off), 32 in flight, as in the
// API benchmark's closed loop. CPU is the process's (every thread: the check thread's too),
// not Postgres's or Redis's. Allocation comes from V8's sampling heap profiler with
// collected objects kept: what a submission allocates, garbage included, which is what
// decides how often the collector runs (BENCHMARKS.md, ninth pass). `--sites` lists where.
// `--cpu-sites` adds a round under V8's CPU profiler (main thread, no heap sampling) and
// lists where the main thread's time goes, by package and by function.
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { enrolDevices } from '../support/bench-stack';
import { makeCsrs } from '../support/csrs';
import { injectSubmission, storeAcmeAccount, withInProcessApi } from '../support/in-process-api';
import { runBenchmark } from '../support/on-interrupt';

const PER_ROUND = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2_000);
const SHOW_SITES = process.argv.includes('--sites');
const SHOW_CPU_SITES = process.argv.includes('--cpu-sites');
const WARM_UP = 500;
const ROUNDS = 3;
const CONCURRENCY = 32;

interface CpuProfile {
  nodes: { id: number; callFrame: ProfileNode['callFrame']; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function main(): Promise<void> {
  await withInProcessApi('submitbench', async (api) => {
    await storeAcmeAccount(api.app);
    const total = WARM_UP + (ROUNDS + (SHOW_CPU_SITES ? 1 : 0)) * PER_ROUND;
    const admin = await api.operatorKey('admin');
    const devices = await enrolDevices(
      api.url,
      admin,
      Array.from({ length: total }, (_, i) => `s${i}`),
    );
    const csrs = await makeCsrs(devices.map((d) => d.hostname));
    const fastify = api.app.getHttpAdapter().getInstance();
    let next = 0;
    const submitUpTo = async (end: number) => {
      while (next < end) {
        const i = next++;
        await injectSubmission(fastify, devices[i].token, csrs[i]);
      }
    };
    const submit = (count: number) => {
      const end = next + count;
      return Promise.all(Array.from({ length: CONCURRENCY }, () => submitUpTo(end)));
    };

    await submit(WARM_UP);
    const session = new Session();
    session.connect();
    console.log(`POST /v1/certificates, ${PER_ROUND} new devices' CSRs a round, ${CONCURRENCY} in flight`);
    for (let round = 1; round <= ROUNDS; round++) {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      } as never);
      const start = process.cpuUsage();
      const threadsBefore = threadCpu();
      await submit(PER_ROUND);
      const used = process.cpuUsage(start);
      const threadsAfter = threadCpu();
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
        profile: { head: ProfileNode };
      };
      const sites = allocationSites(profile.head);
      const bytes = [...sites.values()].reduce((a, b) => a + b, 0);
      console.log(
        `round ${round}: ${((used.user + used.system) / PER_ROUND).toFixed(0)} µs CPU, ` +
          `${(bytes / PER_ROUND / 1024).toFixed(1)} KiB allocated per submission`,
      );
      if (SHOW_SITES && round === ROUNDS) {
        printThreadCpu(threadsBefore, threadsAfter);
        for (const [site, size] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
          console.log(`  ${(size / PER_ROUND / 1024).toFixed(2).padStart(6)} KiB  ${site}`);
        }
      }
    }
    if (SHOW_CPU_SITES) {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
      await submit(PER_ROUND);
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
      printCpuSites(profile);
    }
    session.disconnect();
  });
}

/**
 * CPU per submission by thread: the main thread (every request's JavaScript) and the others
 * together (the signature check thread, V8's compiler and GC helpers, libuv's pool), whose
 * time is on the same cores. Heap sampling is on during the round: it adds to the main thread.
 */
function printThreadCpu(before: Map<string, { ticks: number }>, after: Map<string, { ticks: number }>): void {
  const micros = (ticks: number) => ((ticks * 10_000) / PER_ROUND).toFixed(0);
  const used = [...after].map(([tid, { ticks }]) => ({ tid, ticks: ticks - (before.get(tid)?.ticks ?? 0) }));
  const main = used.find((t) => t.tid === String(process.pid))?.ticks ?? 0;
  const others = used
    .filter((t) => t.tid !== String(process.pid) && t.ticks > 0)
    .sort((a, b) => b.ticks - a.ticks);
  console.log(`  main thread: ${micros(main)} µs CPU per submission`);
  console.log(
    `  other threads: ${micros(others.reduce((sum, t) => sum + t.ticks, 0))} µs ` +
      `(${others.map((t) => micros(t.ticks)).join(' + ')}, by thread, largest first)`,
  );
}

/** CPU ticks (10 ms) of each of this process's threads, by thread id, from /proc. */
function threadCpu(): Map<string, { name: string; ticks: number }> {
  const threads = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    threads.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return threads;
}

/** Ids of the profile's nodes inside a call of the inspector session (`node:inspector`). */
function profilerCalls(profile: CpuProfile): Set<number> {
  const children = new Map(profile.nodes.map((n) => [n.id, n.children ?? []]));
  const inside = new Set<number>();
  const mark = (id: number) => {
    if (inside.has(id)) return;
    inside.add(id);
    for (const child of children.get(id) ?? []) mark(child);
  };
  for (const node of profile.nodes) if (node.callFrame.url === 'node:inspector') mark(node.id);
  return inside;
}

/** The main thread's sampled time, by package (or project folder) and by function. */
function printCpuSites(profile: CpuProfile): void {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const profilers = profilerCalls(profile);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    // The profiler's own work (serializing the profile in `Profiler.stop`, ~70 µs a
    // submission when counted) is not the API's.
    if (profilers.has(id)) return;
    const micros = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = frames.get(id)!;
    const where = url.replace(/.*node_modules\//, '').replace(`${process.cwd()}/`, '');
    const pkg = url.includes('node_modules/')
      ? where.replace(/^((@[^/]+\/)?[^/]+).*/, '$1')
      : url.startsWith(process.cwd())
        ? where.replace(/^([^/]+\/[^/]+).*/, '$1')
        : url || functionName;
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    total += micros;
  });
  const print = (title: string, shares: Map<string, number>, count: number) => {
    console.log(title);
    for (const [name, micros] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      const perSubmission = (micros / PER_ROUND).toFixed(1).padStart(6);
      console.log(`  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${perSubmission} µs  ${name}`);
    }
  };
  console.log(`CPU profile round: ${(total / PER_ROUND).toFixed(0)} µs of main-thread wall per submission`);
  print('by package:', byPackage, 25);
  print('by function:', byFunction, 30);
}

/** Bytes allocated by function (self), across the profile's tree. */
function allocationSites(head: ProfileNode): Map<string, number> {
  const sites = new Map<string, number>();
  const walk = (node: ProfileNode) => {
    if (node.selfSize > 0) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url.replace(/.*node_modules\//, '').replace(`${process.cwd()}/`, '');
      const site = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    node.children.forEach(walk);
  };
  walk(head);
  return sites;
}

runBenchmark(main);
