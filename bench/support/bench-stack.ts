import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrate } from '../../libs/db/src/migrate';
import { Bind9Handle, startBind9 } from '../../test/support/bind9';
import { PebbleHandle, startPebble } from '../../test/support/pebble';
import { adminDatabaseUrl, databaseUrl } from '../../test/support/postgres';
import { deleteRedisKeys } from '../../test/support/redis-keys';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** How many Go threads the benchmark's Pebbles run on (`--pebble-threads`): a number, or every core. */
export type PebbleThreads = number | 'all';

/** The default of `--pebble-threads`: see {@link startBenchPebble}. */
export const DEFAULT_PEBBLE_THREADS: PebbleThreads = 1;

/** `--pebble-threads`'s value: a positive integer, or `all` for Go's default (every core). */
export function parsePebbleThreads(value: string): PebbleThreads {
  if (value === 'all') return 'all';
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`--pebble-threads must be a positive integer or "all", not "${value}"`);
  }
  return n;
}

/** How a report names the setting: `GOMAXPROCS=1`, or Go's default. */
export function describePebbleThreads(threads: PebbleThreads): string {
  return threads === 'all' ? "Go's default threads (every core)" : `GOMAXPROCS=${threads}`;
}

/** The CA and the DNS server every tool in the benchmark talks to: one of each, shared. */
export interface Peers {
  zone: string;
  bind: Bind9Handle;
  pebble: PebbleHandle;
  /** The threads this Pebble runs on, and every other Pebble a row starts beside it. */
  pebbleThreads: PebbleThreads;
  stop(): Promise<void>;
}

/** BIND9 serving `zone` (dynamic updates with TSIG) and Pebble validating DNS-01 against it, without its artificial delay. */
export async function startPeers(zone: string, pebbleThreads: PebbleThreads): Promise<Peers> {
  const bind = await startBind9({ zone });
  try {
    const pebble = await startBenchPebble(bind, pebbleThreads);
    return {
      zone,
      bind,
      pebble,
      pebbleThreads,
      async stop() {
        await pebble.stop();
        await bind.stop();
      },
    };
  } catch (err) {
    await bind.stop();
    throw err;
  }
}

/**
 * A Pebble for the benchmark, validating DNS-01 against `bind`, on `threads` Go threads.
 * The default is one (since the twenty-first pass, BENCHMARKS.md item 94), as in the tests
 * and the sandbox: with Go's default, Pebble 2.4's lock cycle wedged 5 of 18 attempts at
 * fleetcert's row on that pass's machine, and none of 13 with one thread. One thread
 * served both rows a little faster and left their ratio where it was (medians 0.58×
 * against 0.61× over ten runs each). `all` gives the passes before it.
 */
export function startBenchPebble(
  bind: { host: string; port: number },
  threads: PebbleThreads,
): Promise<PebbleHandle> {
  return startPebble({ dnsServer: { host: bind.host, port: bind.port }, goMaxProcs: threads });
}

/** A database of the benchmark's own, migrated, dropped afterwards; a Redis prefix of its own. */
export interface BenchDatabase {
  name: string;
  url: string;
  redisPrefix: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(tag: string): Promise<BenchDatabase> {
  const name = `fleetcert_bench_${tag}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const url = databaseUrl(name);
  const redisPrefix = `fleetcert-bench-${name.slice('fleetcert_bench_'.length)}`;
  await migrate({ databaseUrl: url, migrationsDir: join(ROOT, 'prisma/migrations') });
  return {
    name,
    url,
    redisPrefix,
    async drop() {
      const admin = new Client({ connectionString: adminDatabaseUrl() });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      await deleteRedisKeys(REDIS_URL, redisPrefix);
    },
  };
}

/**
 * A connection of the benchmark's own to its database. An error on it while idle is logged,
 * not thrown: when a run is interrupted, dropping the database ends this connection, and an
 * unhandled `error` event would end the process before the clean-up had deleted the Redis
 * keys and stopped the peers.
 */
export async function connectToBenchDatabase(db: BenchDatabase): Promise<Client> {
  const client = new Client({ connectionString: db.url });
  client.on('error', (err) => console.error(`the benchmark's connection to ${db.name}: ${err.message}`));
  await client.connect();
  return client;
}

/** fleetcert's configuration for the benchmark: production mode, default log level, this run's peers. */
export function fleetcertEnv(opts: {
  db: BenchDatabase;
  peers: Peers;
  httpPort: number;
  workerConcurrency: number;
}): Record<string, string> {
  const { bind, pebble, zone } = opts.peers;
  return {
    NODE_ENV: 'production',
    FLEETCERT_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    FLEETCERT_DATA_DIR: mkdtempSync(join(tmpdir(), 'fleetcert-bench-data-')),
    DATABASE_URL: opts.db.url,
    REDIS_URL,
    FLEETCERT_REDIS_PREFIX: opts.db.redisPrefix,
    FLEETCERT_HTTP_HOST: '127.0.0.1',
    FLEETCERT_HTTP_PORT: String(opts.httpPort),
    FLEETCERT_FLEET_NAME: 'bench',
    FLEETCERT_FLEET_ZONE: zone,
    FLEETCERT_DNS_SERVER: `${bind.host}:${bind.port}`,
    FLEETCERT_DNS_NAMESERVERS: `${bind.host}:${bind.port}`,
    FLEETCERT_DNS_TSIG_KEY_NAME: bind.tsig.name,
    FLEETCERT_DNS_TSIG_ALGORITHM: bind.tsig.algorithm,
    FLEETCERT_DNS_TSIG_SECRET: bind.tsig.secret,
    FLEETCERT_ACME_DIRECTORY_URL: pebble.directoryUrl,
    FLEETCERT_ACME_CA_BUNDLE: pebble.caBundlePath,
    FLEETCERT_ACME_TERMS_AGREED: 'true',
    FLEETCERT_ACME_CONTACT_EMAIL: 'ops@bench.test',
    FLEETCERT_WORKER_CONCURRENCY: String(opts.workerConcurrency),
    FLEETCERT_WORKER_METRICS_PORT: '0',
    // Pebble enforces no limits, but a real CA does: keep Let's Encrypt's model (so its
    // bookkeeping is paid for in the numbers) with the two limits a benchmark of hundreds of
    // names in one registered domain would hit at once raised out of the way.
    FLEETCERT_RATE_LIMITS:
      'letsencrypt,newOrdersPerAccount=1000000/3h,certificatesPerRegisteredDomain=1000000/7d',
  };
}

/** Creates an operator with the product's own command and returns its API key. */
export async function createOperatorKey(env: Record<string, string>): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      join(ROOT, 'dist/apps/api/src/cli.js'),
      'operator:create',
      '--name',
      `bench-${randomBytes(3).toString('hex')}`,
    ],
    { env: { ...process.env, ...env } },
  );
  const key = /\b(fco_\S+)/.exec(stdout)?.[1];
  if (!key) throw new Error(`operator:create printed no key:\n${stdout}`);
  return key;
}

export interface EnrolledDevice {
  id: string;
  hostname: string;
  token: string;
}

/** Enrols one device per label through the admin API (bulk, 1,000 per call). */
export async function enrolDevices(
  apiUrl: string,
  adminKey: string,
  labels: readonly string[],
): Promise<EnrolledDevice[]> {
  const devices: EnrolledDevice[] = [];
  for (let i = 0; i < labels.length; i += 1000) {
    const res = await fetch(`${apiUrl}/v1/admin/devices/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ devices: labels.slice(i, i + 1000).map((label) => ({ label })) }),
    });
    if (res.status !== 201) throw new Error(`bulk enrol answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { devices: EnrolledDevice[] };
    devices.push(...body.devices.map(({ id, hostname, token }) => ({ id, hostname, token })));
  }
  return devices;
}

/** A loopback TCP port that is free right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}
