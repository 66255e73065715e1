import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate, MIGRATE_ADVISORY_LOCK_KEY, MigrationError } from '../../libs/db/src/migrate';
import { databaseExists, databaseUrl, dropDatabase, uniqueDatabaseName, withDatabase } from './test-database';

const MIGRATIONS_DIR = join(__dirname, '../../prisma/migrations');
const INIT = '20261122000000_init';
/** Every migration the project ships, in the order they apply. */
const ALL = readdirSync(MIGRATIONS_DIR)
  .filter((d) => /^\d{14}_/.test(d))
  .sort();

interface HistoryRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

function history(name: string): Promise<HistoryRow[]> {
  return withDatabase(name, async (client) => {
    const { rows } = await client.query<HistoryRow>('SELECT * FROM _prisma_migrations ORDER BY started_at');
    return rows;
  });
}

async function migrationError(run: Promise<unknown>): Promise<MigrationError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

describe('migrate', () => {
  const databases: string[] = [];
  const tempDirs: string[] = [];

  /** A database name for this test; the suite drops it afterwards. */
  function newDatabase(label: string): string {
    const name = uniqueDatabaseName(label);
    databases.push(name);
    return name;
  }

  /** A copy of prisma/migrations the test may edit. */
  async function copyOfMigrations(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'fleetcert-migrations-'));
    tempDirs.push(dir);
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  async function addMigration(dir: string, name: string, sql: string): Promise<void> {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }

  afterAll(async () => {
    for (const name of databases) await dropDatabase(name);
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  });

  describe('on an empty server', () => {
    const name = newDatabase('migrate');
    const url = databaseUrl(name);

    it('should create the database, apply the init migration and record it as Prisma does', async () => {
      expect(await databaseExists(name)).toBe(false);
      const lines: string[] = [];

      const applied = await migrate({
        databaseUrl: url,
        migrationsDir: MIGRATIONS_DIR,
        log: (l) => lines.push(l),
      });

      expect(applied).toEqual(ALL);
      expect(lines).toEqual([
        `Created database ${name}`,
        ...ALL.map((m) => expect.stringMatching(new RegExp(`^Applied migration ${m} `))),
      ]);
      const file = await readFile(join(MIGRATIONS_DIR, INIT, 'migration.sql'));
      const rows = await history(name);
      expect(rows).toHaveLength(ALL.length);
      const row = rows.find((r) => r.migration_name === INIT);
      expect(row).toMatchObject({
        migration_name: INIT,
        checksum: createHash('sha256').update(file).digest('hex'),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row!.finished_at!.getTime()).toBeGreaterThanOrEqual(row!.started_at.getTime());
    });

    it('should create _prisma_migrations with exactly the columns Prisma creates', async () => {
      const columns = await withDatabase(name, async (client) => {
        const { rows } = await client.query(
          `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
             FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
        );
        return rows;
      });
      const column = (
        name: string,
        type: string,
        length: number | null,
        nullable: boolean,
        def: string | null,
      ) => ({
        column_name: name,
        data_type: type,
        length,
        is_nullable: nullable ? 'YES' : 'NO',
        column_default: def,
      });
      expect(columns).toEqual([
        column('id', 'character varying', 36, false, null),
        column('checksum', 'character varying', 64, false, null),
        column('finished_at', 'timestamp with time zone', null, true, null),
        column('migration_name', 'character varying', 255, false, null),
        column('logs', 'text', null, true, null),
        column('rolled_back_at', 'timestamp with time zone', null, true, null),
        column('started_at', 'timestamp with time zone', null, false, 'now()'),
        column('applied_steps_count', 'integer', null, false, '0'),
      ]);
      const primaryKey = await withDatabase(name, (client) =>
        client.query(
          "SELECT 1 FROM pg_constraint WHERE conrelid = '_prisma_migrations'::regclass AND contype = 'p' AND conname = '_prisma_migrations_pkey'",
        ),
      );
      expect(primaryKey.rowCount).toBe(1);
    });

    it('should apply nothing on a second run, and say so', async () => {
      const lines: string[] = [];

      const applied = await migrate({
        databaseUrl: url,
        migrationsDir: MIGRATIONS_DIR,
        log: (l) => lines.push(l),
      });

      expect(applied).toEqual([]);
      expect(lines).toEqual([`No pending migrations to apply (${ALL.length} already applied).`]);
      expect(await history(name)).toHaveLength(ALL.length);
    });

    it('should refuse a migration file modified after it was applied', async () => {
      const dir = await copyOfMigrations();
      await writeFile(join(dir, INIT, 'migration.sql'), '-- edited\n', { flag: 'a' });

      const error = await migrationError(migrate({ databaseUrl: url, migrationsDir: dir }));

      expect(error.code).toBe('MODIFIED_MIGRATION');
      expect(error.message).toContain(INIT);
    });

    it('should accept the applied file checked out with CRLF line endings', async () => {
      const dir = await copyOfMigrations();
      const file = join(dir, INIT, 'migration.sql');
      await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));

      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).resolves.toEqual([]);
    });
  });

  it('should apply new migrations in name order, and then refuse a folder that lacks an applied one', async () => {
    const name = newDatabase('order');
    const url = databaseUrl(name);
    const dir = await copyOfMigrations();
    await addMigration(dir, '29991231000001_second', 'ALTER TABLE "probe" ADD COLUMN "b" INTEGER;\n');
    await addMigration(dir, '29991231000000_first', 'CREATE TABLE "probe" ("a" INTEGER);\n');

    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).resolves.toEqual([
      ...ALL,
      '29991231000000_first',
      '29991231000001_second',
    ]);

    const error = await migrationError(migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }));
    expect(error.code).toBe('MISSING_MIGRATION');
    expect(error.message).toContain('29991231000000_first, 29991231000001_second');
  });

  it('should refuse to run while a migration is recorded as failed and unresolved', async () => {
    const name = newDatabase('failed');
    const url = databaseUrl(name);
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    // What `prisma migrate deploy` leaves behind when a migration fails half-way.
    await withDatabase(name, (client) =>
      client.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count)
         VALUES ('00000000-0000-4000-8000-000000000000', 'x', '29991231000000_broken', 'boom', 0)`,
      ),
    );
    const dir = await copyOfMigrations();
    await addMigration(dir, '29991231000000_broken', 'SELECT 1;\n');

    const error = await migrationError(migrate({ databaseUrl: url, migrationsDir: dir }));

    expect(error.code).toBe('FAILED_MIGRATION');
    expect(error.message).toContain('29991231000000_broken');
  });

  it('should roll back a failing migration, record it as rolled back, and apply it once fixed', async () => {
    const name = newDatabase('rollback');
    const url = databaseUrl(name);
    const dir = await copyOfMigrations();
    const bad = '29991231000000_bad';
    await addMigration(dir, bad, 'CREATE TABLE "half_done" ("a" INTEGER);\nSELECT 1 / 0;\n');

    const error = await migrationError(migrate({ databaseUrl: url, migrationsDir: dir }));

    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toMatch(/29991231000000_bad failed and was rolled back: division by zero/);
    const tables = await withDatabase(name, (client) =>
      client.query(
        "SELECT to_regclass('half_done') IS NULL AS gone, to_regclass('fleets') IS NOT NULL AS init",
      ),
    );
    expect(tables.rows[0]).toEqual({ gone: true, init: true }); // init committed, the bad one rolled back
    const failed = (await history(name)).find((row) => row.migration_name === bad);
    expect(failed).toMatchObject({
      finished_at: null,
      applied_steps_count: 0,
      logs: expect.stringContaining('22012'),
    });
    expect(failed!.rolled_back_at).toBeInstanceOf(Date);

    await writeFile(join(dir, bad, 'migration.sql'), 'CREATE TABLE "half_done" ("a" INTEGER);\n');
    await expect(migrate({ databaseUrl: url, migrationsDir: dir })).resolves.toEqual([bad]);
  });

  it('should let only one of two instances started at once create the database and migrate', async () => {
    const name = newDatabase('race');
    const url = databaseUrl(name);

    const results = await Promise.all([
      migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }),
      migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR }),
    ]);

    expect(results.flat()).toEqual(ALL);
    expect(await history(name)).toHaveLength(ALL.length);
  });

  it('should give up after lockTimeoutMs while another session holds the migration lock', async () => {
    const name = newDatabase('lock');
    const url = databaseUrl(name);
    await migrate({ databaseUrl: url, migrationsDir: MIGRATIONS_DIR });
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATE_ADVISORY_LOCK_KEY]);
      const lines: string[] = [];

      const error = await migrationError(
        migrate({
          databaseUrl: url,
          migrationsDir: MIGRATIONS_DIR,
          lockTimeoutMs: 300,
          log: (l) => lines.push(l),
        }),
      );

      expect(error.code).toBe('LOCK_TIMEOUT');
      expect(lines).toEqual(['Another instance is migrating this database; waiting for it to finish.']);
    } finally {
      await holder.end();
    }
  });
});
