// `npm run db:migrate`: applies prisma/migrations to the configured DATABASE_URL without the Prisma CLI
// (whose schema engine cannot be downloaded offline), recording them as `prisma migrate
// deploy` does. Usage: node dist/scripts/db-migrate.js [migrations-dir]
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../libs/config/src';
import { migrate, MigrationError } from '../libs/db/src/migrate';

/** The nearest prisma/migrations above this file: works from scripts/ and from dist/scripts/. */
function findMigrationsDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve('prisma', 'migrations');
  }
}

async function main(): Promise<void> {
  // The same loader and defaults as the servers, so `npm start` migrates the database it serves.
  const databaseUrl = loadConfig().database.url;
  const migrationsDir = process.argv[2] ? resolve(process.argv[2]) : findMigrationsDir();
  await migrate({ databaseUrl, migrationsDir, log: (line) => console.log(line) });
}

/** One line for the operator; connection failures to localhost are AggregateErrors with no message. */
function describe(error: unknown): string {
  if (error instanceof MigrationError || error instanceof ConfigError) return error.message;
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

main().catch((error: unknown) => {
  console.error(`db:migrate failed: ${describe(error)}`);
  process.exitCode = 1;
});
