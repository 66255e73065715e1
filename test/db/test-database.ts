import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The Postgres server the db suites use: TEST_POSTGRES_URL, else DATABASE_URL, else the local
 * trust-auth server. Only its address and credentials are used: every suite works in a
 * database of its own that it creates and drops.
 */
const SERVER_URL =
  process.env.TEST_POSTGRES_URL ??
  process.env.DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the test server (plus `params`, e.g. `{ schema: 'x' }`). */
export function databaseUrl(name: string, params: Record<string, string> = {}): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  url.search = new URLSearchParams(params).toString();
  return url.toString();
}

/** A fresh database name, unique to this run: `fleetcert_test_<label>_<pid>_<random>`. */
export function uniqueDatabaseName(label: string): string {
  return `fleetcert_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs `fn` on a connection to the maintenance database `postgres` of the test server. */
async function withMaintenanceClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function databaseExists(name: string): Promise<boolean> {
  return withMaintenanceClient(async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  });
}

/** Drops a database this suite created, disconnecting whoever is still on it. */
export async function dropDatabase(name: string): Promise<void> {
  if (!name.startsWith('fleetcert_test_')) throw new Error(`refusing to drop ${name}: not a test database`);
  await withMaintenanceClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Runs `fn` on a connection to database `name`. */
export async function withDatabase<T>(name: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
