import { Logger } from '@nestjs/common';
import { Pool, PoolClient, types } from 'pg';

/** Options of {@link createPgPool}. */
export interface CreatePgPoolOptions {
  /** Most connections the pool opens at once. Default: pg's own default (10). */
  poolSize?: number;
  /**
   * Longest wait for a free connection before the query fails (pg: "timeout exceeded when
   * trying to connect", which the API answers with 503). Default: pg's own, no limit.
   */
  connectionWaitMs?: number;
  /**
   * How long a connection may stay idle in the pool before it is closed; 0 = never.
   * Default: pg's own, 10 s. A connection opened again costs PostgreSQL a new backend,
   * whose catalog caches and statement plans start cold: 40–80 ms of its CPU before the hot
   * statements run at full speed, paid by the first burst after each quiet spell
   * (BENCHMARKS.md, nineteenth pass).
   */
  idleMs?: number;
  /**
   * Longest wait for the answer to one statement (pg's `query_timeout`); then the statement
   * fails with "Query read timeout" and its connection is discarded (see
   * {@link isQueryTimeout}). Bounds a request when the server's host stops answering
   * without closing the connection. Default: pg's own, no limit.
   */
  queryTimeoutMs?: number;
}

const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;

/**
 * Prisma stores `DateTime` as `timestamp` (without time zone) holding UTC; pg would read
 * it in the process's local zone. Statements run on the pool read it as UTC.
 */
function parseUtcTimestamp(value: string): Date {
  return new Date(`${value.replace(' ', 'T')}Z`);
}

const poolTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_WITHOUT_TIME_ZONE && format !== 'binary'
      ? parseUtcTimestamp
      : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
};

/**
 * The process's one Postgres connection pool. Prisma runs on it (through
 * `@prisma/adapter-pg`), and so do the prepared statements of the hot paths
 * (`sql/statement.ts`): one pool, one connection budget.
 *
 * A `?schema=` parameter in the URL, as Prisma URLs allow, becomes the connections'
 * `search_path`, so unqualified names in raw SQL resolve where Prisma's qualified ones do.
 */
export function createPgPool(databaseUrl: string, opts: CreatePgPoolOptions = {}): Pool {
  if (opts.poolSize !== undefined && !(Number.isInteger(opts.poolSize) && opts.poolSize > 0)) {
    throw new RangeError(`poolSize must be a positive integer, got ${opts.poolSize}`);
  }
  if (opts.idleMs !== undefined && !(Number.isInteger(opts.idleMs) && opts.idleMs >= 0)) {
    throw new RangeError(`idleMs must be a non-negative integer, got ${opts.idleMs}`);
  }
  if (
    opts.queryTimeoutMs !== undefined &&
    !(Number.isInteger(opts.queryTimeoutMs) && opts.queryTimeoutMs >= 0)
  ) {
    throw new RangeError(`queryTimeoutMs must be a non-negative integer, got ${opts.queryTimeoutMs}`);
  }
  const schema = schemaOf(databaseUrl);
  const pool = new Pool({
    connectionString: databaseUrl,
    types: poolTypes,
    ...(opts.poolSize === undefined ? {} : { max: opts.poolSize }),
    ...(opts.connectionWaitMs === undefined ? {} : { connectionTimeoutMillis: opts.connectionWaitMs }),
    ...(opts.idleMs === undefined ? {} : { idleTimeoutMillis: opts.idleMs }),
    // 0 means no limit to pg as to us.
    ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
    ...(schema === undefined ? {} : { options: `-c search_path=${quoteIdent(schema)}` }),
  });
  // An idle connection that the server closes (restart, failover, pg_terminate_backend)
  // is reported as an 'error' event on the pool; unhandled, that event would kill the
  // process. The pool drops that connection and opens a new one when next needed.
  pool.on('error', (err) =>
    logger.warn({ err: err.message }, 'idle database connection closed by the server'),
  );
  pool.on('connect', discardWhenReleasedAwaiting);
  return pool;
}

/**
 * A connection handed back while a statement on it still awaits its answer (pg gave up on
 * it: `query_timeout`) would serve its next user only after that answer, if ever: it is
 * discarded instead. `pool.query` and `inTransaction` already say so when they release;
 * this covers every other user, Prisma's interactive transactions above all (their
 * adapter releases the connection without an error after a ROLLBACK that timed out too).
 *
 * pg-pool assigns each checkout's `release` to the client just after its 'acquire' event,
 * so the wrapping happens in a property setter, installed once per connection.
 */
function discardWhenReleasedAwaiting(client: PoolClient): void {
  const internals = client as PoolClient & { _getActiveQuery?: () => unknown };
  // pg 8 internals; without them (another version) the pool behaves as pg's own.
  if (typeof internals._getActiveQuery !== 'function') return;
  let release: PoolClient['release'] | undefined;
  Object.defineProperty(client, 'release', {
    configurable: true,
    get: () => release,
    set: (poolRelease: PoolClient['release']) => {
      release = (err?: Error | boolean) =>
        poolRelease(
          err ??
            (internals._getActiveQuery!()
              ? new Error('released while a statement awaited its answer')
              : undefined),
        );
    },
  });
}

const logger = new Logger('PgPool');

/** The Postgres schema a Prisma-style URL selects with `?schema=`, if any. */
export function schemaOf(databaseUrl: string): string | undefined {
  return new URL(databaseUrl).searchParams.get('schema') ?? undefined;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
