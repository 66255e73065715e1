// Seeds a migrated fleetcert database with a large fleet, fast: every table is filled by one
// INSERT … SELECT over generate_series, so 100,000 devices take seconds and no rows cross
// the wire. Shared by `npm run bench:scale` and the fleet-scale part of `npm run bench`.
import { randomBytes } from 'node:crypto';
import { createPrismaClient, Prisma } from '@fleetcert/db';

export interface SeedFleetOptions {
  /** Fleet to add the devices to (created if missing). Default `bench`, as the benchmarks' API uses. */
  fleetName?: string;
  /** Its zone: device hostnames are `<label>.<zone>`. Default `bench.fleet.test`. */
  zone?: string;
  /**
   * Share of certificates already past their renewal time (due for the renewal scheduler).
   * Default 0: a fleet at rest, so a running worker renews nothing (the seeded CSRs are
   * placeholders that no CA would accept).
   */
  dueFraction?: number;
  /** Scope (ACME directory URL) of the rate-limit buckets seeded for recent certificates. */
  rateLimitScope?: string;
}

export interface SeededFleet {
  fleetId: string;
  zone: string;
  devices: number;
  certificates: number;
  /** Certificates due for renewal now. */
  due: number;
  /** Prefix of every seeded device label: `<prefix><n>`. */
  labelPrefix: string;
}

const DAY = Prisma.raw("interval '1 day'");
/** Columns are `timestamp` holding UTC, whatever the session's time zone. */
const NOW = Prisma.raw("(now() AT TIME ZONE 'UTC')");

/**
 * Adds `count` devices to a fleet, each with one valid request and its certificate
 * (90-day, issued uniformly over the last 55 days, so renewals spread over the next two
 * months; `dueFraction` of them are past their renewal time), 1 in 50 devices disabled,
 * labels `site` and `model`, and a `certificatesPerExactSet` bucket per certificate. The
 * database must be migrated. Several calls add several batches (labels never collide).
 */
export async function seedFleet(
  databaseUrl: string,
  count: number,
  options: SeedFleetOptions = {},
): Promise<SeededFleet> {
  const fleetName = options.fleetName ?? 'bench';
  const zone = options.zone ?? 'bench.fleet.test';
  const dueFraction = options.dueFraction ?? 0;
  const scope = options.rateLimitScope ?? 'https://acme-staging-v02.api.letsencrypt.org/directory';
  const labelPrefix = `s${randomBytes(3).toString('hex')}`;
  const prisma = createPrismaClient(databaseUrl, { poolSize: 2 });
  try {
    const [fleet] = await prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO fleets (id, name, zone, privacy, "createdAt", "updatedAt")
      VALUES (gen_random_uuid(), ${fleetName}, ${zone}, 'home', ${NOW}, ${NOW})
      ON CONFLICT (name) DO UPDATE SET "updatedAt" = ${NOW}
      RETURNING id::text AS id`;
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          INSERT INTO devices (id, "fleetId", identifier, label, hostname, labels, status, "createdAt", "updatedAt")
          SELECT gen_random_uuid(), ${fleet.id}::uuid, 'dev-' || ${labelPrefix} || i, ${labelPrefix} || i,
                 ${labelPrefix} || i || '.' || ${zone},
                 jsonb_build_object('site', 'site-' || (i % 100), 'model', 'model-' || (i % 7)),
                 (CASE WHEN i % 50 = 0 THEN 'disabled' ELSE 'active' END)::"DeviceStatus",
                 ${NOW} - (i || ' seconds')::interval, ${NOW}
            FROM generate_series(1, ${count}::int) AS i`;
        // Renewal falls 55.5–60 days after issuance. Certificates are spread over the last
        // 55.4 days (none due), except the last dueFraction, issued 60–61 days ago (all due).
        await tx.$executeRaw`
          CREATE TEMP TABLE seed_rows ON COMMIT DROP AS
          SELECT device_id, hostname, gen_random_uuid() AS request_id, gen_random_uuid() AS cert_id,
                 ${NOW} - (CASE WHEN u > 1 - ${dueFraction}::float8 THEN 60 + u ELSE 55.4 * u END) * ${DAY} AS not_before,
                 md5(device_id::text) AS key_hash
            FROM (SELECT d.id AS device_id, d.hostname,
                         (row_number() OVER (ORDER BY d.id))::float8 / ${count}::float8 AS u
                    FROM devices d
                   WHERE d."fleetId" = ${fleet.id}::uuid AND d.label LIKE ${`${labelPrefix}%`}) AS seeded`;
        await tx.$executeRaw`
          INSERT INTO certificate_requests
                 (id, "deviceId", status, identifiers, "identifierSet", "csrPem", "csrSha256", "publicKeySha256",
                  "challengeType", attempts, "createdAt", "updatedAt", "completedAt")
          SELECT request_id, device_id, 'valid', jsonb_build_array(jsonb_build_object('type', 'dns', 'value', hostname)),
                 'dns:' || hostname, 'seeded placeholder, not a CSR', md5(request_id::text), key_hash,
                 'dns-01', 1, not_before, not_before, not_before
            FROM seed_rows`;
        await tx.$executeRaw`
          INSERT INTO certificates
                 (id, "requestId", "deviceId", serial, "ariCertId", "identifierSet", "notBefore", "notAfter",
                  "chainPem", "publicKeySha256", "renewalStart", "renewalEnd", "renewAt", "nextCheckAt", "createdAt")
          SELECT cert_id, request_id, device_id, md5(cert_id::text), 'seeded.' || cert_id, 'dns:' || hostname,
                 not_before, not_before + 90 * ${DAY}, 'seeded placeholder, not a certificate', key_hash,
                 not_before + 55.5 * ${DAY}, not_before + 60 * ${DAY},
                 not_before + (55.5 + 4.5 * random()) * ${DAY},
                 not_before + (55.5 + 4.5 * random()) * ${DAY}, not_before
            FROM seed_rows`;
        // Each issuance spent one token of its exact-set bucket (1 per 33.6 h); most have refilled.
        await tx.$executeRaw`
          INSERT INTO rate_limit_buckets (id, scope, "limitName", key, tat, "updatedAt")
          SELECT gen_random_uuid(), ${scope}, 'certificatesPerExactSet', 'dns:' || hostname,
                 not_before + interval '2016 minutes', ${NOW}
            FROM seed_rows`;
      },
      { timeout: 600_000, maxWait: 60_000 },
    );
    // The steady state of a live database (autovacuum has run): statistics and visibility map.
    await prisma.$executeRawUnsafe('VACUUM ANALYZE');
    const [{ due }] = await prisma.$queryRaw<{ due: number }[]>`
      SELECT count(*)::int AS due FROM certificates c JOIN devices d ON d.id = c."deviceId"
       WHERE d.label LIKE ${`${labelPrefix}%`} AND c."nextCheckAt" <= ${NOW}`;
    return { fleetId: fleet.id, zone, devices: count, certificates: count, due, labelPrefix };
  } finally {
    await prisma.$disconnect();
  }
}
