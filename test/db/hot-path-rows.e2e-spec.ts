import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import {
  CertificateRepository,
  CertificateRequestRepository,
  ChallengeRepository,
  createPgPool,
  createPrismaClientOnPool,
  DeviceRepository,
  PrismaClient,
  RateLimitRepository,
} from '@fleetcert/db';
import { LETS_ENCRYPT, newOrderTransactions, successResets } from '@fleetcert/ratelimit';
import { isolatedDatabase } from '../support/isolated-database';

const ZONE = 'rows.fleet.test';
const SCOPE = 'acme-rows';
/** Devices, requests, certificates and rate-limit buckets already in the database. */
const FLEET_SIZE = 2_000;
/**
 * Most table rows one hot-path call may read (sequential-scan rows plus rows fetched through
 * an index, `pg_stat_xact_user_tables`): its own request, device, fleet, certificates, a
 * few buckets. A plan that walks a table reads about FLEET_SIZE.
 */
const MAX_ROWS_READ = 40;

type PlanMode = 'force_custom_plan' | 'force_generic_plan';

interface Probe {
  deviceId: string;
  token: { id: string; prefix: string };
  requestId: string;
  identifierSet: string;
  identifiers: { type: 'dns'; value: string }[];
  hostname: string;
}

type Call = (p: Probe) => Promise<unknown>;

/** One pooled connection and the repositories on it. */
interface Connection {
  pool: Pool;
  calls: Map<string, Call>;
}

const CALL_NAMES = [
  'CSR submission',
  'beginAttempt',
  'rate-limit settlement',
  'saveOrderUrl',
  'challenge upsert and verdict',
  'storeIssued',
  'certificate fetch',
  'token lookup',
  'token use stamp',
] as const;

/** The calls of an order (worker) and of a device's visit (API), on a one-connection pool. */
function connection(url: string): Connection {
  const pool = createPgPool(url, { poolSize: 1 });
  const prisma = createPrismaClientOnPool(pool, undefined);
  const requests = new CertificateRequestRepository(prisma, pool);
  const certificates = new CertificateRepository(prisma, pool);
  const challenges = new ChallengeRepository(prisma, pool);
  const rateLimits = new RateLimitRepository(prisma, pool);
  const devices = new DeviceRepository(prisma, pool);
  const calls: Record<(typeof CALL_NAMES)[number], Call> = {
    // The state read under the device's lock, then the request stored if it did not change.
    'CSR submission': async (p) => {
      const query = {
        deviceId: p.deviceId,
        csrSha256: randomBytes(32).toString('hex'),
        identifierSet: p.identifierSet,
        withLive: true,
      };
      const observed = await requests.submissionState(query);
      const outcome = await requests.createIfUnchanged(query, observed.version, {
        identifiers: p.identifiers,
        csrPem: 'csr',
        publicKeySha256: randomBytes(32).toString('hex'),
        challengeType: 'dns_01',
      });
      if (!('created' in outcome)) throw new Error('the submission was not stored');
    },
    beginAttempt: (p) => requests.beginAttempt(p.requestId, new Date(), new Date(Date.now() - 3_600_000)),
    'rate-limit settlement': (p) =>
      rateLimits.apply(
        SCOPE,
        newOrderTransactions(LETS_ENCRYPT, {
          identifiers: p.identifiers,
          identifierSet: p.identifierSet,
          exemption: 'none',
        }),
      ),
    saveOrderUrl: (p) =>
      requests.saveOrderUrl(p.requestId, `https://ca.test/order/${p.requestId}`, new Date()),
    'challenge upsert and verdict': async (p) => {
      const row = await challenges.upsert(
        {
          requestId: p.requestId,
          type: 'dns_01',
          identifierType: 'dns',
          identifierValue: p.hostname,
          authorizationUrl: `https://ca.test/authz/${p.requestId}`,
          challengeUrl: `https://ca.test/chall/${p.requestId}`,
          token: 'tok',
          keyAuthorization: 'ka',
        },
        'presented',
      );
      await challenges.setStatus(row.id, 'valid');
    },
    storeIssued: (p) =>
      certificates.storeIssued(
        {
          requestId: p.requestId,
          serial: randomBytes(8).toString('hex'),
          ariCertId: randomBytes(8).toString('base64url'),
          notBefore: new Date(),
          notAfter: new Date(Date.now() + 6 * 86_400_000),
          chainPem: 'chain',
          publicKeySha256: 'k',
          renewalStart: new Date(Date.now() + 3 * 86_400_000),
          renewalEnd: new Date(Date.now() + 4 * 86_400_000),
          renewAt: new Date(Date.now() + 3 * 86_400_000),
          nextCheckAt: new Date(Date.now() + 86_400_000),
          revokeSupersededAt: null,
        },
        new Date(),
        { scope: SCOPE, buckets: successResets(LETS_ENCRYPT, p.identifiers) },
      ),
    'certificate fetch': (p) => requests.getForDevice(p.deviceId, p.requestId),
    'token lookup': (p) => devices.getTokenByPrefix(p.token.prefix),
    'token use stamp': (p) => devices.stampTokenUses(new Map([[p.token.id, new Date()]])),
  };
  return { pool, calls: new Map(Object.entries(calls)) };
}

/**
 * Runs `call` in a transaction that is rolled back (each call meets the same fleet) and
 * returns the table rows it read. The backend's counts include earlier transactions not
 * yet reported, but nothing is reported inside a transaction block, so the difference
 * across the call is the call's own.
 */
async function measure(
  c: Connection,
  planMode: PlanMode,
  call: Call,
  p: Probe,
): Promise<{ total: number; byTable: Record<string, number> }> {
  await c.pool.query(`SET plan_cache_mode = ${planMode}`);
  await c.pool.query('BEGIN');
  try {
    const before = await rowsReadByTable(c.pool);
    await call(p);
    const after = await rowsReadByTable(c.pool);
    const byTable = Object.fromEntries(
      Object.entries(after)
        .map(([table, read]) => [table, read - (before[table] ?? 0)] as const)
        .filter(([, read]) => read > 0),
    );
    return { total: Object.values(byTable).reduce((sum, read) => sum + read, 0), byTable };
  } finally {
    await c.pool.query('ROLLBACK');
    await c.pool.query('RESET plan_cache_mode');
  }
}

/** Rows each table has had read in this backend (sequential scans and index fetches). */
async function rowsReadByTable(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ relname: string; read: number }>(
    `SELECT relname, (seq_tup_read + coalesce(idx_tup_fetch, 0))::int AS read FROM pg_stat_xact_user_tables`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, r.read]));
}

/**
 * FLEET_SIZE active devices, each with a token, a valid request, a live certificate and a
 * rate-limit bucket for its name, written in bulk (no ANALYZE: the database has no
 * statistics until the suite asks for them).
 */
async function bulkFleet(pool: Pool, fleetId: string, size: number): Promise<void> {
  await pool.query(
    `INSERT INTO devices (id, "fleetId", identifier, label, hostname, status, "updatedAt")
     SELECT gen_random_uuid(), $1::uuid, 'bulk' || i, 'bulk' || i, 'bulk' || i || '.' || $3, 'active', now()
       FROM generate_series(1, $2::int) i`,
    [fleetId, size, ZONE],
  );
  await pool.query(
    `INSERT INTO device_tokens (id, "deviceId", prefix, hash)
     SELECT gen_random_uuid(), d.id, 'bulk' || d.identifier, decode(md5(d.identifier), 'hex')
       FROM devices d WHERE d.identifier LIKE 'bulk%'`,
  );
  await pool.query(
    `INSERT INTO certificate_requests (id, "deviceId", status, identifiers, "identifierSet", "csrPem",
                                       "csrSha256", "publicKeySha256", "challengeType", "completedAt", "updatedAt")
     SELECT gen_random_uuid(), d.id, 'valid', jsonb_build_array(jsonb_build_object('type', 'dns', 'value', d.hostname)),
            'dns:' || d.hostname, 'csr', md5(d.id::text), md5(d.hostname), 'dns-01', now(), now()
       FROM devices d WHERE d.identifier LIKE 'bulk%'`,
  );
  await pool.query(
    `INSERT INTO certificates (id, "requestId", "deviceId", serial, "ariCertId", "identifierSet", "notBefore",
                               "notAfter", "chainPem", "publicKeySha256", "renewAt", "nextCheckAt")
     SELECT gen_random_uuid(), r.id, r."deviceId", md5(r.id::text), md5(r."deviceId"::text), r."identifierSet",
            now() - interval '1 day', now() + interval '5 days', 'chain', r."publicKeySha256",
            now() + interval '2 days', now() + interval '1 day'
       FROM certificate_requests r JOIN devices d ON d.id = r."deviceId" WHERE d.identifier LIKE 'bulk%'`,
  );
  await pool.query(
    `INSERT INTO rate_limit_buckets (id, scope, "limitName", key, tat, "updatedAt")
     SELECT gen_random_uuid(), $1, 'certificatesPerExactSet', r."identifierSet", now() + interval '1 hour', now()
       FROM certificate_requests r JOIN devices d ON d.id = r."deviceId" WHERE d.identifier LIKE 'bulk%'`,
    [SCOPE],
  );
}

/**
 * The per-order and per-device statements read a handful of rows however large the fleet,
 * with the plans Postgres makes before it has statistics (a new database, or a fleet
 * enrolled in bulk before autovacuum's first ANALYZE) as well as after, with custom and
 * generic plans alike. Without statistics the planner takes `status = 'active'`,
 * `"supersededById" IS NULL` or a bucket scope to match 0.5% of the rows, and a plan made on
 * small tables is kept as they grow: statements that left it the choice walked every active
 * device, every live certificate, every rate-limit bucket or every token on each call
 * (BENCHMARKS.md, thirteenth pass).
 */
describe('Hot-path statements on a large fleet', () => {
  let db: { url: string; drop(): Promise<void> };
  let setupPool: Pool;
  let prisma: PrismaClient;
  /** A connection whose plans were made while the database was empty (a new deployment). */
  let early: Connection;
  /** A connection opened once the fleet was enrolled. */
  let late: Connection;
  let fleetId: string;

  beforeAll(async () => {
    db = await isolatedDatabase('hotpathrows');
    setupPool = createPgPool(db.url, { poolSize: 2 });
    prisma = createPrismaClientOnPool(setupPool, undefined);
    fleetId = (await prisma.fleet.create({ data: { name: 'rows', zone: ZONE } })).id;
    early = connection(db.url);
    // Each statement's generic plan is made now, on empty tables, and kept by the
    // connection: nothing that follows (no ANALYZE) invalidates it.
    for (const [, call] of early.calls) await measure(early, 'force_generic_plan', call, await probe());
    await bulkFleet(setupPool, fleetId, FLEET_SIZE);
    late = connection(db.url);
  }, 60_000);

  afterAll(async () => {
    await prisma?.$disconnect();
    await early?.pool.end();
    await late?.pool.end();
    await setupPool?.end();
    await db?.drop();
  });

  /** A device of its own with a token and one open request, as a call finds it. */
  async function probe(): Promise<Probe> {
    const label = `p${randomBytes(5).toString('hex')}`;
    const hostname = `${label}.${ZONE}`;
    const device = await prisma.device.create({
      data: { fleetId, identifier: label, label, hostname, status: 'active' },
    });
    const token = await prisma.deviceToken.create({
      data: { deviceId: device.id, prefix: randomBytes(6).toString('hex'), hash: randomBytes(32) },
    });
    const identifiers = [{ type: 'dns' as const, value: hostname }];
    const request = await prisma.certificateRequest.create({
      data: {
        deviceId: device.id,
        identifiers,
        identifierSet: `dns:${hostname}`,
        csrPem: 'csr',
        csrSha256: randomBytes(32).toString('hex'),
        publicKeySha256: randomBytes(32).toString('hex'),
        challengeType: 'dns_01',
      },
    });
    return {
      deviceId: device.id,
      token,
      requestId: request.id,
      identifierSet: request.identifierSet,
      identifiers,
      hostname,
    };
  }

  const scenarios: [string, () => Connection, PlanMode, boolean][] = [
    ['plans made on the empty database, the fleet enrolled since', () => early, 'force_generic_plan', false],
    ['no statistics yet, custom plans', () => late, 'force_custom_plan', false],
    ['no statistics yet, generic plans', () => late, 'force_generic_plan', false],
    ['after ANALYZE, custom plans', () => late, 'force_custom_plan', true],
    ['after ANALYZE, generic plans', () => late, 'force_generic_plan', true],
  ];

  describe.each(scenarios)('%s', (_scenario, on, planMode, analyzed) => {
    beforeAll(async () => {
      if (analyzed) await setupPool.query('ANALYZE');
    });

    it.each(CALL_NAMES)('%s should read a few rows, not the fleet', async (name) => {
      const c = on();
      const { total, byTable } = await measure(c, planMode, c.calls.get(name)!, await probe());
      // Compared whole so that a failure names the tables that were walked.
      expect({ rowsRead: total, byTable }).toEqual({ rowsRead: Math.min(total, MAX_ROWS_READ), byTable });
    });
  });
});
