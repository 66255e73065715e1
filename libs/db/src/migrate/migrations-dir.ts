import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrationChecksum } from './checksum';
import { MigrationError } from './migration-error';

/** One `<timestamp>_<name>/migration.sql` folder of Prisma's migrations layout. */
export interface LocalMigration {
  /** Folder name, e.g. `20261122000000_init`: the `migration_name` recorded in the database. */
  name: string;
  /** The migration.sql bytes, exactly as on disk. */
  script: Buffer;
  /** {@link migrationChecksum} of `script`. */
  checksum: string;
}

/**
 * Reads the migration folders in name order (Prisma's order). Refuses a folder without
 * migration.sql and a migration_lock.toml for another provider.
 */
export async function readLocalMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (cause) {
    throw new MigrationError('BAD_MIGRATIONS_DIR', `Cannot read migrations folder ${migrationsDir}`, {
      cause,
    });
  }
  await checkLockFile(migrationsDir);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: LocalMigration[] = [];
  for (const name of names) {
    let script: Buffer;
    try {
      script = await readFile(join(migrationsDir, name, 'migration.sql'));
    } catch (cause) {
      throw new MigrationError(
        'BAD_MIGRATIONS_DIR',
        `Migration folder ${name} has no readable migration.sql`,
        {
          cause,
        },
      );
    }
    migrations.push({ name, script, checksum: migrationChecksum(script) });
  }
  return migrations;
}

async function checkLockFile(migrationsDir: string): Promise<void> {
  let lock: string;
  try {
    lock = await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8');
  } catch {
    return; // Prisma treats a missing lock file as "not yet written".
  }
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationError(
      'BAD_MIGRATIONS_DIR',
      `${join(migrationsDir, 'migration_lock.toml')} is for provider "${provider}", not "postgresql"`,
    );
  }
}
