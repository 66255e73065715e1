import { join } from 'node:path';
import { migrate } from '../../libs/db/src/migrate';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../db/test-database';

export interface OwnDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A migrated database for one suite alone. Suites whose workers run the renewal scheduler
 * use one: the scheduler works on every certificate of its database, so in the run's
 * shared database it would also pick up (and other suites' workers would pick up) the
 * certificates of suites running at the same time.
 */
export async function createOwnDatabase(label: string): Promise<OwnDatabase> {
  const name = uniqueDatabaseName(label);
  const url = databaseUrl(name);
  await migrate({ databaseUrl: url, migrationsDir: join(__dirname, '../../prisma/migrations') });
  return { url, drop: () => dropDatabase(name) };
}
