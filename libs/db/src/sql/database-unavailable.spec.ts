import { DatabaseError } from 'pg';
import { describeDatabaseUnavailable, isDatabaseUnavailable } from './database-unavailable';
import { isUniqueViolation } from './unique-violation';

/** An error as node-postgres reports one the server sent. */
function pgError(code: string, severity: string, message = 'from the server'): DatabaseError {
  return Object.assign(new DatabaseError(message, 0, 'error'), { code, severity });
}

/** An error as a Prisma query reports the same (its driver adapter's cause in `meta`). */
function prismaError(prismaCode: string, originalCode: string, severity?: string): Error {
  return Object.assign(new Error(`Database error. Code: \`${originalCode}\``), {
    name: 'PrismaClientKnownRequestError',
    code: prismaCode,
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode, severity } } },
  });
}

describe(isDatabaseUnavailable.name, () => {
  it.each([
    ['the database closed to connections (FATAL 55000)', pgError('55000', 'FATAL')],
    ['a session ended by a shutdown (57P01)', pgError('57P01', 'FATAL')],
    ['a server still starting up (57P03)', pgError('57P03', 'FATAL')],
    ['a database that does not exist (3D000)', pgError('3D000', 'FATAL')],
    ['too many connections (53300)', pgError('53300', 'FATAL')],
    ['a full disk (53100), reported as an ERROR', pgError('53100', 'ERROR')],
    ['a write on a standby during a failover (25006)', pgError('25006', 'ERROR')],
    ['a refused login (28P01)', pgError('28P01', 'FATAL')],
    ['a Prisma model query on a closed database (P2039, 55000)', prismaError('P2039', '55000', 'FATAL')],
    ['a Prisma raw query after a shutdown (P2010, 57P01)', prismaError('P2010', '57P01', 'FATAL')],
    ["Prisma's missing database (P1003, no severity kept)", prismaError('P1003', '3D000')],
    [
      "a Prisma raw query that could not connect (P2010, the adapter's kind, no SQLSTATE)",
      Object.assign(new Error("Raw query failed. Code: `N/A`. Message: `Can't reach database server`"), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 } } },
      }),
    ],
    [
      "the driver adapter's own error, unwrapped",
      Object.assign(new Error('DatabaseNotReachable'), {
        name: 'DriverAdapterError',
        cause: { kind: 'DatabaseNotReachable' },
      }).cause,
    ],
    ["node-postgres's lost connection", new Error('Connection terminated unexpectedly')],
    ["pg-pool's connect timeout", new Error('timeout exceeded when trying to connect')],
    ["pg's statement timeout (query_timeout): the host stopped answering", new Error('Query read timeout')],
  ])('should count %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', pgError('23505', 'ERROR')],
    ['a missing table (42P01): a deployment without its migrations, a bug', pgError('42P01', 'ERROR')],
    ['a syntax error (42601)', pgError('42601', 'ERROR')],
    ['the same through Prisma (P2010, 23505)', prismaError('P2010', '23505', 'ERROR')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['no error at all', undefined],
  ])('should not count %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe(isUniqueViolation.name, () => {
  it('should recognise 23505 from node-postgres, a Prisma model query and a Prisma raw query', () => {
    expect(isUniqueViolation(pgError('23505', 'ERROR'))).toBe(true);
    expect(isUniqueViolation(Object.assign(new Error('Unique constraint failed'), { code: 'P2002' }))).toBe(
      true,
    );
    expect(isUniqueViolation(prismaError('P2010', '23505', 'ERROR'))).toBe(true);
  });

  it('should not take another constraint or an outage for one', () => {
    expect(isUniqueViolation(pgError('23503', 'ERROR'))).toBe(false);
    expect(isUniqueViolation(prismaError('P2010', '57P01', 'FATAL'))).toBe(false);
  });
});

describe(describeDatabaseUnavailable.name, () => {
  it("should say in one line that Postgres is unavailable, in the database's words", () => {
    const closed = pgError('55000', 'FATAL', 'database "fleetcert" is not currently accepting connections');
    expect(describeDatabaseUnavailable(closed)).toMatch(
      /^Postgres is unavailable: database "fleetcert" is not currently accepting connections\. Check DATABASE_URL/,
    );
    expect(describeDatabaseUnavailable(closed)).not.toContain('\n');
  });

  it('should leave any other error to the caller (its stack may show a bug)', () => {
    expect(describeDatabaseUnavailable(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeDatabaseUnavailable(pgError('42P01', 'ERROR'))).toBeUndefined();
  });
});
