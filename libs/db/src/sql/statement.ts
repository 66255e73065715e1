import type { Pool, PoolClient, QueryResultRow } from 'pg';

/**
 * A named SQL statement of a hot path. pg prepares it once per connection and afterwards
 * only binds and executes it: no parse or plan in Postgres, and none of Prisma's query
 * compilation in Node. Measured on this stack (`bench/`): a Prisma `findUnique` with one
 * `include` costs ~830 µs of Node CPU (two queries), the same row by a prepared join ~130 µs.
 *
 * Keep the text constant: a name is bound to its text on each connection.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Where a statement can run: the pool, or a client holding a transaction. */
export type Queryable = Pool | PoolClient;

const names = new Map<string, string>();

/** Declares a statement; names are unique in the process (checked at load time). */
export function statement(name: string, text: string): Statement {
  const existing = names.get(name);
  if (existing !== undefined && existing !== text) {
    throw new Error(`SQL statement name ${name} is declared twice with different text`);
  }
  names.set(name, text);
  return { name, text };
}

/** Runs a statement and returns its rows. */
export async function query<R extends QueryResultRow>(
  db: Queryable,
  s: Statement,
  values: unknown[],
): Promise<R[]> {
  const result = await db.query<R>({ name: s.name, text: s.text, values });
  return result.rows;
}

/** Runs a statement that returns at most one row. */
export async function queryOne<R extends QueryResultRow>(
  db: Queryable,
  s: Statement,
  values: unknown[],
): Promise<R | undefined> {
  const rows = await query<R>(db, s, values);
  return rows[0];
}

/**
 * A transaction could not get a pooled connection within its `maxWaitMs`: the database is
 * saturated. Nothing ran; safe to retry later (the API answers 503 with Retry-After).
 */
export class PoolWaitTimeoutError extends Error {
  readonly code = 'POOL_WAIT_TIMEOUT';
  constructor(readonly waitedMs: number) {
    super(`no database connection free within ${waitedMs} ms`);
    this.name = 'PoolWaitTimeoutError';
  }
}

/**
 * Whether `error` is pg giving up on a statement's answer (the pool's `query_timeout`):
 * the server's host stopped answering. A pooled connection that had it is discarded
 * (`pool.query` does so by itself; {@link inTransaction} releases it as broken; the pool
 * discards any other connection handed back while a statement awaits its answer).
 */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** Options of {@link inTransaction}. */
export interface TransactionOptions {
  /**
   * Longest wait for a pooled connection before failing with {@link PoolWaitTimeoutError}.
   * Default: the pool's own `connectionTimeoutMillis` (pg's default: wait indefinitely).
   */
  maxWaitMs?: number;
  /**
   * SQL without parameters to run right after BEGIN, in the same round trip (one simple
   * query: a BEGIN in it leaves the transaction open), e.g. a lock whose key is a checked
   * literal. Saves one round trip per transaction; values must never be user text.
   */
  beginWith?: string;
}

/**
 * Runs `fn` in a transaction on one pooled connection: committed when it resolves, rolled
 * back when it throws. Everything in `fn` must use the client it is given: a query on
 * another pooled connection while this one is held can deadlock the pool under load.
 */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const client = await (opts.maxWaitMs === undefined ? pool.connect() : connectWithin(pool, opts.maxWaitMs));
  let broken: Error | undefined;
  try {
    await client.query(opts.beginWith === undefined ? 'BEGIN' : `BEGIN; ${opts.beginWith}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (isQueryTimeout(err)) {
      // The connection still awaits the answer: a ROLLBACK would only queue behind it and
      // time out too. Discarded; the server rolls back when the connection closes.
      broken = err as Error;
    } else {
      // A connection that cannot even roll back is discarded, not returned to the pool.
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * `pool.connect()` bounded in time. pg has no per-call timeout, so a caller that gave up
 * stays in the pool's queue; the connection it is eventually handed goes straight back.
 */
function connectWithin(pool: Pool, maxWaitMs: number): Promise<PoolClient> {
  return new Promise((resolve, reject) => {
    let gaveUp = false;
    const timer = setTimeout(() => {
      gaveUp = true;
      reject(new PoolWaitTimeoutError(maxWaitMs));
    }, maxWaitMs);
    pool.connect().then(
      (client) => {
        if (gaveUp) return client.release();
        clearTimeout(timer);
        resolve(client);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!gaveUp) reject(err);
      },
    );
  });
}
