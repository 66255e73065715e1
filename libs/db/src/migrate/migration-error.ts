/** Why {@link migrate} refused to run or stopped. */
export type MigrationErrorCode =
  | 'LOCK_TIMEOUT'
  | 'BAD_MIGRATIONS_DIR'
  | 'FAILED_MIGRATION'
  | 'MODIFIED_MIGRATION'
  | 'MISSING_MIGRATION'
  | 'MIGRATION_FAILED';

/** A migration problem that needs a person: nothing was applied past the point it names. */
export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}
