import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { checksumMatches } from './checksum';
import { connectCreatingDatabase, pgErrorCode, quoteIdent } from './connect';
import { MigrationError } from './migration-error';
import { LocalMigration, readLocalMigrations } from './migrations-dir';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * `postgresql://` URL of the database to migrate; the database is created if missing.
   * A `?schema=` parameter selects the Postgres schema, as in Prisma URLs (default `public`).
   */
  databaseUrl: string;
  /** Folder in Prisma's layout: `<timestamp>_<name>/migration.sql` folders, `migration_lock.toml`. */
  migrationsDir: string;
  /** Receives one line per event (database created, migration applied, nothing to do). Default: dropped. */
  log?: (line: string) => void;
  /** How long to wait for another instance that holds the migration lock; 0 waits forever. Default 60000 ms. */
  lockTimeoutMs?: number;
}

/**
 * Key of the session advisory lock. It is the one `prisma migrate deploy` takes, so this
 * command and Prisma's never migrate the same database at the same time either.
 */
export const MIGRATE_ADVISORY_LOCK_KEY = 72707369;

/** Prisma's own DDL for its history table, so `prisma migrate deploy` can take over later. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies the pending migrations of `migrationsDir`, in name order, each in its own
 * transaction, and records them in `_prisma_migrations` as `prisma migrate deploy` would.
 * Holds an advisory lock throughout, so concurrent callers run one after the other (the
 * later ones find nothing to do).
 *
 * Refuses, with a {@link MigrationError} and before applying anything, when a migration is
 * recorded as failed and unresolved, when an applied migration's file was modified, or when
 * an applied migration is missing from `migrationsDir`. A migration whose SQL fails is rolled
 * back, recorded as rolled back (so the next run retries it), and reported the same way.
 *
 * @returns the names of the migrations applied by this call, empty when up to date.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const local = await readLocalMigrations(options.migrationsDir);
  const client = await connectCreatingDatabase(options.databaseUrl, log);
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 60_000, log);
    try {
      await useSchema(client, new URL(options.databaseUrl).searchParams.get('schema') ?? 'public');
      await ensureMigrationsTable(client);
      const pending = await pendingMigrations(client, local);
      if (pending.length === 0) {
        log(`No pending migrations to apply (${local.length} already applied).`);
        return [];
      }
      for (const migration of pending) await applyMigration(client, migration, log);
      return pending.map((migration) => migration.name);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATE_ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function useSchema(client: Client, schema: string): Promise<void> {
  if (schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await client.query(`SET search_path TO ${quoteIdent(schema)}`);
}

async function acquireLock(client: Client, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
    MIGRATE_ADVISORY_LOCK_KEY,
  ]);
  if (rows[0]?.locked) return;
  log('Another instance is migrating this database; waiting for it to finish.');
  await client.query(`SET lock_timeout = ${Math.max(0, Math.ceil(timeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATE_ADVISORY_LOCK_KEY]);
  } catch (error) {
    if (pgErrorCode(error) !== '55P03') throw error; // 55P03: lock_not_available
    throw new MigrationError(
      'LOCK_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for the migration lock (pg_advisory_lock(${MIGRATE_ADVISORY_LOCK_KEY})) held by another session`,
      { cause: error },
    );
  } finally {
    await client.query('RESET lock_timeout');
  }
}

async function ensureMigrationsTable(client: Client): Promise<void> {
  const { rows } = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
  );
  if (!rows[0]?.exists) await client.query(CREATE_MIGRATIONS_TABLE);
}

/** Checks the recorded history against the folder; returns the local migrations not yet applied. */
async function pendingMigrations(client: Client, local: LocalMigration[]): Promise<LocalMigration[]> {
  const { rows } = await client.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
  );
  const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed.length > 0) {
    throw new MigrationError(
      'FAILED_MIGRATION',
      `Migration ${names(failed)} failed earlier and is not resolved. Repair the database by hand, then ` +
        'mark it with `prisma migrate resolve --rolled-back <name>` (or `--applied <name>`) and run again.',
    );
  }
  const applied = rows.filter((row) => row.rolled_back_at === null);
  const byName = new Map(local.map((migration) => [migration.name, migration]));
  const missing = applied.filter((row) => !byName.has(row.migration_name));
  if (missing.length > 0) {
    throw new MigrationError(
      'MISSING_MIGRATION',
      `Migration ${names(missing)} is applied to the database but missing from the migrations folder; ` +
        'this build is older than the database, or a migration folder was renamed or deleted.',
    );
  }
  const modified = applied.filter(
    (row) => !checksumMatches(byName.get(row.migration_name)!.script, row.checksum),
  );
  if (modified.length > 0) {
    throw new MigrationError(
      'MODIFIED_MIGRATION',
      `Migration ${names(modified)} was modified after it was applied (checksum mismatch). ` +
        'Restore the applied file and put the change in a new migration.',
    );
  }
  const appliedNames = new Set(applied.map((row) => row.migration_name));
  return local.filter((migration) => !appliedNames.has(migration.name));
}

async function applyMigration(
  client: Client,
  migration: LocalMigration,
  log: (line: string) => void,
): Promise<void> {
  const startedAt = new Date();
  await client.query('BEGIN');
  try {
    await client.query(migration.script.toString('utf8'));
    // now() is the transaction's start, clock_timestamp() the moment the script finished.
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    await recordRolledBack(client, migration, startedAt, error).catch(() => undefined);
    throw new MigrationError(
      'MIGRATION_FAILED',
      `Migration ${migration.name} failed and was rolled back: ${describe(error)}`,
      { cause: error },
    );
  }
  log(`Applied migration ${migration.name} (${Date.now() - startedAt.getTime()} ms)`);
}

/**
 * Keeps a trace of the failed attempt, in the state `prisma migrate resolve --rolled-back`
 * leaves: ignored by both tools' history checks, so the next run retries the migration.
 */
async function recordRolledBack(client: Client, migration: LocalMigration, startedAt: Date, error: unknown) {
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, rolled_back_at, applied_steps_count)
     VALUES ($1, $2, $3, $4, $5, now(), 0)`,
    [randomUUID(), migration.checksum, migration.name, describe(error), startedAt],
  );
}

function describe(error: unknown): string {
  const code = pgErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? message : `${message} (SQLSTATE ${code})`;
}

function names(rows: MigrationRow[]): string {
  return rows.map((row) => row.migration_name).join(', ');
}
