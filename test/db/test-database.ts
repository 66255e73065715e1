import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { adminDatabaseUrl, databaseUrl } from '../support/postgres';

export { databaseUrl };

/** A fresh database name, unique to this run: `fleetcert_test_<label>_<pid>_<random>`. */
export function uniqueDatabaseName(label: string): string {
  return `fleetcert_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs `fn` on a connection to the maintenance database `postgres` of the test server. */
async function withMaintenanceClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
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
