import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { migrate } from '../../libs/db/src/migrate';
import { dropDatabase } from '../db/test-database';
import { databaseUrl } from './postgres';

/**
 * A freshly migrated database of a test stack's own. Every stack's worker runs the
 * reconciler, which re-enqueues any open request it finds in Postgres into *its* queue:
 * stacks of parallel test files sharing one database would take each other's open (e.g.
 * deferred) requests and run them against the wrong CA and DNS server. A database per
 * stack keeps each worker to its own requests.
 */
export async function isolatedDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const run = process.env.FLEETCERT_TEST_RUN ?? 'local';
  const name = `fleetcert_test_${run}_${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  const url = databaseUrl(name);
  await migrate({ databaseUrl: url, migrationsDir: join(__dirname, '../../prisma/migrations') });
  return { url, drop: () => dropDatabase(name) };
}
