export { checksumMatches, migrationChecksum } from './checksum';
export { MIGRATE_ADVISORY_LOCK_KEY, migrate } from './migrate';
export type { MigrateOptions } from './migrate';
export { MigrationError } from './migration-error';
export type { MigrationErrorCode } from './migration-error';
export { readLocalMigrations } from './migrations-dir';
export type { LocalMigration } from './migrations-dir';
