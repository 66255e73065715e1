import { createHash } from 'node:crypto';

/** Prisma's migration checksum: lower-case hex SHA-256 of the migration.sql bytes. */
export function migrationChecksum(script: Buffer): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether a migration file still matches the checksum recorded when it was applied.
 * Like Prisma, a file that only differs in line endings (a Windows checkout with
 * `core.autocrlf`) still matches.
 */
export function checksumMatches(script: Buffer, recorded: string): boolean {
  if (migrationChecksum(script) === recorded) return true;
  const text = script.toString('utf8');
  const lf = text.replace(/\r\n/g, '\n');
  const crlf = lf.replace(/\n/g, '\r\n');
  return [lf, crlf].some((variant) => migrationChecksum(Buffer.from(variant, 'utf8')) === recorded);
}
