// `npm run bench:scale [-- --devices N --due FRACTION]`: the renewal scheduler and the
// rate-limit and fleet-status queries on a fleet of 100,000 devices and certificates.
// Seeds a database of its own (bench/seed-fleet.ts), times one scheduler pass over the
// certificates due (1% by default) and the operator's queries (p50/p99 over repeated
// runs), prints a table, and drops the database and its Redis keys. A benchmark, not a
// test: it prints numbers and asserts nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AcmeClientCa } from '@fleetcert/acme';
import { loadConfig } from '@fleetcert/config';
import {
  AcmeAccountRepository,
  createPgPool,
  createPrismaClientOnPool,
  FleetStatusRepository,
  RateLimitRepository,
  RenewalRepository,
  schemaOf,
} from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import { LETS_ENCRYPT, newOrderTransactions } from '@fleetcert/ratelimit';
import { createRedisConnection, ISSUANCE_QUEUE, issueJobOptions } from '@fleetcert/queue';
import { FleetStatusService } from '../apps/api/src/admin/fleet-status/fleet-status.service';
import { CaDirectoryView } from '../apps/api/src/ca-directory/ca-directory-view';
import { CapacityForecastService } from '../apps/api/src/admin/rate-limits/capacity-forecast.service';
import { RateLimitsService } from '../apps/api/src/admin/rate-limits/rate-limits.service';
import { IssuanceEnqueuer, RenewalService } from '../apps/worker/src/renewal/renewal.service';
import { InMemoryAccountStore } from '../libs/acme/src/testing/in-memory-account-store';
import { FixtureCa } from '../test/acme/support/fixture-ca';
import { seedFleet } from './seed-fleet';
import { REDIS_URL } from './support/bench-stack';
import { cleanUpOnInterrupt, runBenchmark } from './support/on-interrupt';
import { RunResources } from './support/run-resources';
import { fixed, summarize } from './support/stats';
import { renderTable } from './support/table';

const ZONE = 'bench.fleet.test';
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { devices: { type: 'string', default: '100000' }, due: { type: 'string', default: '0.01' } },
  });
  const devices = Number(values.devices);
  const dueFraction = Number(values.due);
  Logger.overrideLogger(false);

  // Ctrl-C drops the database (and its Redis keys) however far the run got: it holds the
  // whole seeded fleet.
  const resources = new RunResources((line) => console.error(line));
  cleanUpOnInterrupt(resources.takeDown);
  const db = await resources.createDatabase('fleet');
  // A CA that answers its directory (without ARI: renewals go by the stored fallback time).
  const ca = new FixtureCa();
  await ca.start();
  delete ca.directory.renewalInfo;
  const redis = createRedisConnection(REDIS_URL, 'worker', 'bench-fleet-scale');
  const queue = new Queue(ISSUANCE_QUEUE, { connection: redis, prefix: db.redisPrefix });
  const pool = createPgPool(db.url, { poolSize: 10 });
  const prisma = createPrismaClientOnPool(pool, schemaOf(db.url), { ownsPool: true });
  const acme = new AcmeClientCa({
    directoryUrl: ca.directoryUrl,
    accountStore: new InMemoryAccountStore(),
    account: { termsOfServiceAgreed: true, contact: [] },
  });
  try {
    console.log(
      `seeding ${devices} devices, certificates and rate-limit buckets into ${db.name} (Redis keys under ${db.redisPrefix}:) …`,
    );
    const seedStart = Date.now();
    const seeded = await seedFleet(db.url, devices, {
      zone: ZONE,
      dueFraction,
      rateLimitScope: ca.directoryUrl,
    });
    const seedSeconds = (Date.now() - seedStart) / 1000;
    console.log(`seeded in ${fixed(seedSeconds, 1)} s; ${seeded.due} certificates due for renewal`);

    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      FLEETCERT_DATABASE_POOL_SIZE: '10',
      FLEETCERT_REDIS_PREFIX: db.redisPrefix,
      FLEETCERT_ACME_DIRECTORY_URL: ca.directoryUrl,
      FLEETCERT_FLEET_NAME: 'bench',
      FLEETCERT_FLEET_ZONE: ZONE,
      FLEETCERT_RATE_LIMITS: 'letsencrypt',
      FLEETCERT_DATA_DIR: mkdtempSync(join(tmpdir(), 'fleetcert-bench-scale-')),
    });
    const metrics = new Metrics('bench');
    const renewals = new RenewalRepository(prisma, pool);
    const buckets = new RateLimitRepository(prisma, pool);
    const statusRepo = new FleetStatusRepository(prisma);
    const scheduler = new RenewalService(renewals, acme, config, metrics);
    const accounts = new AcmeAccountRepository(prisma);
    // Fresh services for every run: they share one computation a second between callers,
    // and the benchmark measures the computation.
    const capacity = () =>
      new CapacityForecastService(buckets, statusRepo, new CaDirectoryView(acme), config);
    const fleetStatus = () => new FleetStatusService(statusRepo, capacity());
    const rateLimits = () => new RateLimitsService(buckets, accounts, capacity());
    const enqueuer: IssuanceEnqueuer = {
      enqueue: async (id) => void (await queue.add('issue', { requestId: id }, issueJobOptions(id))),
    };
    const rows: string[][] = [];
    const row = (what: string, runs: number[], note = '') => {
      const s = summarize(runs);
      rows.push([what, String(s.count), fixed(s.p50, 1), fixed(s.p99, 1), fixed(s.max, 1), note]);
    };

    // The renewal pass with the fleet's due certificates: claim in batches, create each
    // renewal request (the device's CSR again), enqueue it. Reset between runs, untimed.
    const busy: number[] = [];
    const busyCpu: number[] = [];
    let renewed = 0;
    let heapGrowth = 0;
    for (let run = 0; run < 5; run++) {
      await prisma.$executeRaw`DELETE FROM certificate_requests WHERE "isRenewal"`;
      await prisma.$executeRaw`UPDATE certificates SET "nextCheckAt" = "renewAt" WHERE "renewAt" <= (now() AT TIME ZONE 'UTC')`;
      await queue.obliterate({ force: true });
      const heapBefore = liveHeap();
      const t = performance.now();
      const cpu = process.cpuUsage();
      const result = await scheduler.runPass(enqueuer, 1000);
      busy.push(performance.now() - t);
      // CPU, unlike wall time, does not grow with the machine's load: the number to compare.
      const spent = process.cpuUsage(cpu);
      busyCpu.push((spent.user + spent.system) / 1000);
      renewed = result.renewalsStarted;
      heapGrowth = Math.max(heapGrowth, liveHeap() - heapBefore);
    }
    row(
      `scheduler pass, ${seeded.due} due`,
      busy,
      `${renewed} renewals created and enqueued; Node CPU p50 ${fixed(summarize(busyCpu).p50, 0)} ms`,
    );

    // The pass as it runs almost always: nothing due (one indexed probe).
    const idle: number[] = [];
    for (let run = 0; run < 50; run++) {
      const t = performance.now();
      await scheduler.runPass(enqueuer);
      idle.push(performance.now() - t);
    }
    row('scheduler pass, nothing due', idle);

    row('GET /v1/admin/fleet/status (service)', await time(30, () => fleetStatus().get()));
    row(
      'GET /v1/admin/rate-limits (service, first page)',
      await time(30, () => rateLimits().list({ pageSize: 100 })),
    );
    const forecast = await capacity().forecast();

    // What the worker does before every new order: check and spend all buckets in one statement.
    let n = 0;
    row(
      'rate-limit check-and-spend per order',
      await time(300, () => {
        const host = `new-${n++}.${ZONE}`;
        return buckets.apply(
          ca.directoryUrl,
          newOrderTransactions(LETS_ENCRYPT, {
            identifiers: [{ type: 'dns', value: host }],
            identifierSet: `dns:${host}`,
            exemption: 'none',
          }),
        );
      }),
    );

    const plan = await prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT id FROM certificates WHERE "nextCheckAt" <= now() ORDER BY "nextCheckAt" LIMIT 500 FOR UPDATE SKIP LOCKED`,
    );
    console.log('');
    console.log(renderTable(['operation', 'runs', 'p50 ms', 'p99 ms', 'max ms', 'note'], rows));
    console.log('');
    console.log(
      `devices: ${devices}; certificates: ${seeded.certificates}; seeding: ${fixed(seedSeconds, 1)} s`,
    );
    console.log(
      `scheduler claim plan: ${plan.map((p) => p['QUERY PLAN'].trim()).find((l) => /Scan/.test(l))}`,
    );
    console.log(
      `live heap after a busy pass minus before: ${fixed(heapGrowth / MiB, 1)} MiB (batches of ${config.renewal.batchSize}; ${global.gc ? 'after a full GC' : 'without --expose-gc: not collected'})`,
    );
    console.log(
      `onboarding forecast: ${forecast.next24h.newDevices} new devices in 24 h, ${forecast.next7Days.newDevices} in 7 days (limited by ${forecast.next24h.limitedBy})`,
    );
  } finally {
    acme.close();
    await queue.close();
    redis.disconnect();
    await prisma.$disconnect();
    await ca.stop();
    await resources.takeDown();
  }
}

/** Heap in use after a full collection when `--expose-gc` is on (npm run bench:scale sets it). */
function liveHeap(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed;
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up, not counted
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

runBenchmark(main);
