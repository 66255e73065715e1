import { Client } from 'pg';
import { adminDatabaseUrl } from './postgres';
import { deleteRedisKeys } from './redis-keys';

/** Drops this run's database and deletes this run's Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const dbName = process.env.FLEETCERT_TEST_DATABASE;
  if (dbName && !process.env.FLEETCERT_TEST_KEEP) {
    const client = new Client({ connectionString: adminDatabaseUrl() });
    await client.connect();
    try {
      // The run's database and every per-stack database made from it (isolated-database.ts).
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
        [dbName, `fleetcert_test_${process.env.FLEETCERT_TEST_RUN}_%`],
      );
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  const prefix = process.env.FLEETCERT_REDIS_PREFIX;
  if (prefix?.startsWith('fleetcert-test-')) {
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix);
  }
}
