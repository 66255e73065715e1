/**
 * Runs once before all suites: creates a database of this run's own, migrated, and a
 * Redis key prefix of its own, so the suite never touches anyone else's data.
 * Test files inherit them through the environment (workers start after this).
 */
import { randomBytes } from 'node:crypto';
import { migrate } from '../../libs/db/src/migrate';
import { databaseUrl as urlOfDatabase } from './postgres';

export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbName = `fleetcert_test_${run}`;
  const databaseUrl = urlOfDatabase(dbName);
  await migrate({ databaseUrl, migrationsDir: `${__dirname}/../../prisma/migrations`, log: () => undefined });
  process.env.FLEETCERT_TEST_RUN = run;
  process.env.FLEETCERT_TEST_DATABASE = dbName;
  process.env.DATABASE_URL = databaseUrl;
  process.env.FLEETCERT_REDIS_PREFIX = `fleetcert-test-${run}`;
}
