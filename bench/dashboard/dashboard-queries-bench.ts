// The admin queries behind the dashboard, against a fleet of 100,000 devices:
//
//   npm run build && node bench/run.mjs bench/dashboard/dashboard-queries-bench.ts [devices]
//
// Creates a throwaway database, seeds it (bench/seed-fleet.ts: one valid request and
// certificate per device) plus reported addresses and 2,000 failures of the last day, starts
// the real API in this process, and times each endpoint the dashboard calls over loopback
// HTTP (sequential requests, after a warm-up). Prints latencies and the plans Postgres
// chooses for the prefix search; asserts nothing about time (numbers, not pass/fail).
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createPrismaClient } from '@fleetcert/db';
import { migrate } from '../../libs/db/src/migrate';
import { encodeCursor } from '../../apps/api/src/common/cursor';
import { startTestApi } from '../../test/support/api';
import { testConfig } from '../../test/support/config';
import { adminDatabaseUrl, databaseUrl as urlOfDatabase } from '../../test/support/postgres';
import { seedFleet } from '../seed-fleet';
import { fixed, summarize } from '../support/stats';

const DEVICES = Number(process.argv[2] ?? 100_000);
const WARMUP = 10;
const SAMPLES = 100;
const ZONE = 'dash.bench.test';

async function main(): Promise<void> {
  const dbName = `fleetcert_bench_dashboard_${randomBytes(3).toString('hex')}`;
  const databaseUrl = urlOfDatabase(dbName);
  await migrate({ databaseUrl, migrationsDir: `${__dirname}/../../prisma/migrations`, log: () => undefined });
  try {
    const started = Date.now();
    const fleet = await seedFleet(databaseUrl, DEVICES, { fleetName: 'dashboard', zone: ZONE });
    await addAddressesAndFailures(databaseUrl);
    console.log(`seeded ${DEVICES} devices in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const api = await startTestApi(
      testConfig({
        DATABASE_URL: databaseUrl,
        FLEETCERT_FLEET_NAME: 'dashboard',
        FLEETCERT_FLEET_ZONE: ZONE,
      }),
    );
    try {
      const token = await api.operatorKey('viewer');
      const prisma = createPrismaClient(databaseUrl, { poolSize: 1 });
      const middle = await prisma.device.findFirstOrThrow({
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: Math.floor(DEVICES / 2),
      });
      const one = await prisma.device.findFirstOrThrow({ where: { label: `${fleet.labelPrefix}4242` } });
      await prisma.$disconnect();
      const deepCursor = encodeCursor({ createdAt: middle.createdAt, id: middle.id });

      const scenarios: [string, string][] = [
        ['devices, first page (50)', '/v1/admin/devices?limit=50'],
        ['devices, page at 50,000 deep (cursor)', `/v1/admin/devices?limit=50&cursor=${deepCursor}`],
        ['devices, status=disabled', '/v1/admin/devices?limit=50&status=disabled'],
        ['search q=<a label> (prefix of 10 more)', `/v1/admin/devices?limit=50&q=${one.label}`],
        ['search q=<label prefix> (111 matches)', `/v1/admin/devices?limit=50&q=${fleet.labelPrefix}424`],
        ['search q=<prefix of every label>', `/v1/admin/devices?limit=50&q=${fleet.labelPrefix}`],
        [
          'search q=<an identifier> (prefix of 10)',
          `/v1/admin/devices?limit=50&q=dev-${fleet.labelPrefix}4242`,
        ],
        ['search q=10.1.42. (256 matches)', '/v1/admin/devices?limit=50&q=10.1.42.'],
        ['search q=zzz (no match)', '/v1/admin/devices?limit=50&q=zzz'],
        ['device requests', `/v1/admin/devices/${one.id}/requests?limit=20`],
        ['device certificates', `/v1/admin/devices/${one.id}/certificates?limit=20`],
        ['failures, 24 h (5 examples/type)', '/v1/admin/failures?hours=24&examples=5'],
        ['failures, 30 days', '/v1/admin/failures?hours=720&examples=5'],
        [
          'issuance series, 30+30 days',
          '/v1/admin/stats/issuance?bucket=day&past=29&future=30&timeZone=Europe/Berlin',
        ],
        [
          'issuance series, 48+48 hours',
          '/v1/admin/stats/issuance?bucket=hour&past=47&future=48&timeZone=Asia/Kolkata',
        ],
        ['queue counts', '/v1/admin/queue'],
        ['audit, newest 50', '/v1/admin/audit?limit=50'],
      ];

      console.log(`\n${DEVICES} devices; ${SAMPLES} sequential requests each after ${WARMUP} warm-up; ms\n`);
      console.log(
        `${'endpoint'.padEnd(42)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  rows`,
      );
      for (const [name, path] of scenarios) {
        let rows = 0;
        const times: number[] = [];
        for (let i = 0; i < WARMUP + SAMPLES; i++) {
          const t0 = performance.now();
          const res = await api.request('GET', path, { token });
          const elapsed = performance.now() - t0;
          if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
          rows = countRows(res.body);
          if (i >= WARMUP) times.push(elapsed);
        }
        const s = summarize(times);
        console.log(
          `${name.padEnd(42)} ${fixed(s.p50, 1).padStart(7)} ${fixed(s.p99, 1).padStart(7)} ${fixed(s.max, 1).padStart(7)}  ${rows}`,
        );
      }
      await printPlans(databaseUrl, fleet.labelPrefix);
    } finally {
      await api.close();
    }
  } finally {
    const admin = new Client({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/** Every device reports an IPv4 address; 2,000 requests failed over the last day, in five error types. */
async function addAddressesAndFailures(databaseUrl: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`
      UPDATE devices SET ipv4 = '10.' || (n / 65536 % 256) || '.' || (n / 256 % 256) || '.' || (n % 256)
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM devices) numbered
       WHERE devices.id = numbered.id`);
    await db.query(`
      INSERT INTO certificate_requests
             (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
              "challengeType", attempts, "errorType", "errorDetail", "createdAt", "updatedAt", "completedAt")
      SELECT gen_random_uuid(), d.id, 'failed', jsonb_build_array(jsonb_build_object('type', 'dns', 'value', d.hostname)),
             'dns:' || d.hostname, 'seeded', md5(random()::text), md5(random()::text), 'dns-01', 12,
             'urn:ietf:params:acme:error:' || (ARRAY['dns', 'caa', 'rateLimited', 'connection', 'unauthorized'])[1 + n % 5],
             'seeded failure ' || n,
             (now() AT TIME ZONE 'UTC') - (n || ' seconds')::interval * 40,
             (now() AT TIME ZONE 'UTC') - (n || ' seconds')::interval * 40,
             (now() AT TIME ZONE 'UTC') - (n || ' seconds')::interval * 40
        FROM (SELECT id, hostname, row_number() OVER (ORDER BY id) AS n FROM devices LIMIT 2000) d`);
    await db.query('ANALYZE');
  } finally {
    await db.end();
  }
}

/**
 * The plans of the search's first step (DeviceRepository.list): collect at most 2,001
 * matches through the prefix indexes, unordered; only when there are more does the ordered
 * walk of the (createdAt, id) index run.
 */
async function printPlans(databaseUrl: string, labelPrefix: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const q of [`${labelPrefix}424`, labelPrefix, '10.1.42.']) {
      const address = /^[0-9.]+$/.test(q) ? ' OR ipv4 LIKE $1' : '';
      const { rows } = await db.query(
        `EXPLAIN (ANALYZE, TIMING OFF)
         SELECT id, "createdAt" FROM devices
          WHERE (hostname LIKE $1 OR identifier LIKE $1${address})
          LIMIT 2001`,
        [`${q}%`],
      );
      console.log(`\nplan for q=${q}:\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
    }
  } finally {
    await db.end();
  }
}

function countRows(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  const b = body as { items?: unknown[]; groups?: unknown[]; points?: unknown[] };
  return b.items?.length ?? b.groups?.length ?? b.points?.length ?? 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
