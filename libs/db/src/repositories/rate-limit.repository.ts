import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  bucketId,
  BucketRef,
  BucketTransaction,
  combineTransactions,
  emptyUntil,
  RateLimit,
  settle,
  Settlement,
} from '@fleetcert/ratelimit';
import { PrismaClient } from '../generated/client';
import { UTC_NOW } from '../sql/utc-timestamp';
import { query, statement } from '../sql/statement';
import { PG_POOL, PRISMA } from '../tokens';

/** A stored bucket that is not full. */
export interface BucketRow {
  id: string;
  scope: string;
  limit: string;
  key: string;
  /** Epoch ms at which the bucket is full again. */
  tat: number;
}

/** A page position in {@link RateLimitRepository.listNotFull}: the last row's (tat, id). */
export interface BucketCursor {
  tat: number;
  id: string;
}

/**
 * A full bucket keeps its row for this long after it filled, so that a transaction that
 * inserted it a moment ago never finds it gone (see {@link RateLimitRepository.deleteFull}).
 */
const FULL_ROW_GRACE_MS = 10 * 60_000;

/**
 * One page of the buckets that are not full, for the operator's rate-limit view.
 *
 * - `now()`, not `clock_timestamp()`: a volatile function cannot bound an index scan, and
 *   comparing with it read every row of the table (100,000 at fleet scale) on each call.
 * - The ORDER BY names the table's columns: the output columns of the same names are the
 *   converted `tat` and `id::text`, and sorting by those also needed every not-full row.
 * - The cursor is always given (the first page starts after `(infinity, any id)`), so one
 *   plan serves every page: a backward range scan of the (scope, tat, id) index from the
 *   cursor that stops after `$4` rows.
 */
const LIST_NOT_FULL = statement(
  'rateLimit.listNotFull',
  `SELECT b.id::text AS id, b.scope, b."limitName" AS limit, b.key, (extract(epoch from b.tat) * 1000)::float8 AS tat
     FROM rate_limit_buckets b
    WHERE b.scope = $1
      AND b.tat > (now() AT TIME ZONE 'UTC')
      AND (b.tat, b.id) < ((to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC'), $3::uuid)
      AND ($5::text IS NULL OR b."limitName" = $5)
    ORDER BY b.tat DESC, b.id DESC
    LIMIT $4`,
);

/** The TATs of some buckets by (limit, key), for reading only (the spending path locks its own). */
const TATS = statement(
  'rateLimit.tats',
  `SELECT "limitName" AS limit, key, (extract(epoch from tat) * 1000)::float8 AS tat
     FROM rate_limit_buckets
    WHERE scope = $1
      AND ("limitName", key) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
);

/**
 * The whole settlement in one statement (`fleetcert_apply_buckets`, prisma/migrations/
 * 20261122143000_rate_limit_apply_function): locks the spent buckets in the order given,
 * decides with the database's clock, writes the spends when every check passes, and returns
 * each bucket's TAT before the call, that clock and whether it applied the spends. The
 * lock on the hot account bucket lasts one function call, not two round trips, and its
 * waiters queue on an advisory lock rather than on the row (20261123210000_rate_limit_apply_queue).
 */
const APPLY = statement(
  'rateLimit.apply',
  `SELECT limit_name AS limit, bucket_key AS key, tat_ms AS tat, now_ms AS now, applied
     FROM fleetcert_apply_buckets($1, $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[],
                                  $7::boolean[], $8::boolean[])`,
);

/**
 * The database decided differently from `settle` on the same TATs and clock: the SQL copy
 * of the GCRA and libs/ratelimit disagree, a bug. The spends, if any, were made as the
 * database decided; the order is not created.
 */
export class RateLimitModelMismatchError extends Error {
  constructor(scope: string, appliedByDatabase: boolean) {
    super(
      `rate-limit settlement for ${scope}: the database ${appliedByDatabase ? 'applied' : 'refused'} what settle() ${appliedByDatabase ? 'refused' : 'allowed'}`,
    );
    this.name = 'RateLimitModelMismatchError';
  }
}

/** Any id: the first page's cursor is `(infinity, ·)`, so the id never decides. */
const ANY_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The CA's rate-limit buckets in Postgres: one row per (scope, limit, key) holding the GCRA
 * TAT; a missing row is a full bucket. {@link apply} decides and spends in one statement
 * that locks the rows it spends from, so workers on any number of hosts never take the
 * same token twice. Times come from the database clock, one clock for every worker.
 */
@Injectable()
export class RateLimitRepository {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * Runs `transactions` all or nothing (see `settle` in @fleetcert/ratelimit): either every
   * checked bucket has its tokens and every spend happens, or nothing changes and the
   * answer says when all will have them.
   */
  async apply(scope: string, transactions: readonly BucketTransaction[]): Promise<Settlement> {
    const combined = combineTransactions(transactions).sort((a, b) =>
      compareRefs({ limit: a.limit.name, key: a.key }, { limit: b.limit.name, key: b.key }),
    );
    if (combined.length === 0) return settle([], new Map(), Date.now());
    const rows = await query<BucketRef & { tat: number | null; now: number; applied: boolean }>(
      this.pool,
      APPLY,
      [
        scope,
        combined.map((t) => t.limit.name),
        combined.map((t) => t.key),
        combined.map((t) => t.cost),
        combined.map((t) => t.limit.refillMs),
        combined.map((t) => t.limit.capacity),
        combined.map((t) => t.check),
        combined.map((t) => t.spend),
      ],
    );
    const tats = new Map(rows.flatMap((row) => (row.tat === null ? [] : [[bucketId(row), row.tat]])));
    // The same decision on the same inputs: the blocking buckets and their refill times.
    const settlement = settle(combined, tats, rows[0].now);
    if (settlement.allowed !== rows[0].applied) throw new RateLimitModelMismatchError(scope, rows[0].applied);
    return settlement;
  }

  /**
   * Marks buckets empty until `until` (a CA's `rateLimited` answer with its `Retry-After`);
   * a bucket already emptier keeps its TAT.
   */
  async emptyUntil(scope: string, buckets: { limit: RateLimit; key: string }[], until: Date): Promise<void> {
    if (buckets.length === 0) return;
    const tats = buckets.map((b) => emptyUntil(b.limit, until.getTime()));
    await this.prisma.$executeRaw`
      INSERT INTO rate_limit_buckets (id, scope, "limitName", key, tat, "updatedAt")
      SELECT gen_random_uuid(), ${scope}, v.l, v.k, (to_timestamp(v.t / 1000) AT TIME ZONE 'UTC'), ${UTC_NOW}
        FROM unnest(${buckets.map((b) => b.limit.name)}::text[], ${buckets.map((b) => b.key)}::text[], ${tats}::float8[]) AS v(l, k, t)
      ON CONFLICT (scope, "limitName", key)
      DO UPDATE SET tat = GREATEST(rate_limit_buckets.tat, EXCLUDED.tat), "updatedAt" = EXCLUDED."updatedAt"`;
  }

  /**
   * Gives back what {@link apply} spent for an order the CA then refused outright (its
   * newOrder answered a problem: no order exists, so the CA counted nothing). A TAT never
   * moves before now.
   */
  async refund(
    scope: string,
    spent: readonly { limit: string; key: string; tat: number }[],
    transactions: readonly BucketTransaction[],
  ): Promise<void> {
    const refunds = spent.flatMap((w) => {
      const txn = transactions.find((t) => t.limit.name === w.limit && t.key === w.key);
      return txn ? [{ ...w, ms: txn.cost * txn.limit.refillMs }] : [];
    });
    if (refunds.length === 0) return;
    await this.prisma.$executeRaw`
      UPDATE rate_limit_buckets b
         SET tat = GREATEST(${UTC_NOW}, b.tat - make_interval(secs => v.ms / 1000)), "updatedAt" = ${UTC_NOW}
        FROM unnest(${refunds.map((r) => r.limit)}::text[], ${refunds.map((r) => r.key)}::text[], ${refunds.map((r) => r.ms)}::float8[]) AS v(l, k, ms)
       WHERE b.scope = ${scope} AND b."limitName" = v.l AND b.key = v.k`;
  }

  /** The TATs of some buckets (absent: full), without locking. */
  async tats(scope: string, refs: readonly BucketRef[]): Promise<Map<string, number>> {
    if (refs.length === 0) return new Map();
    const rows = await query<BucketRef & { tat: number }>(this.pool, TATS, [
      scope,
      refs.map((r) => r.limit),
      refs.map((r) => r.key),
    ]);
    return new Map(rows.map((row) => [bucketId(row), row.tat]));
  }

  /**
   * Buckets of `scope` that are not full, most constrained first (latest TAT), one page at a
   * time; `limit` filters by limit name. One backward range scan of the (scope, tat, id)
   * index (see {@link LIST_NOT_FULL}).
   */
  listNotFull(
    scope: string,
    page: { size: number; after?: BucketCursor; limit?: string },
  ): Promise<BucketRow[]> {
    return query<BucketRow>(this.pool, LIST_NOT_FULL, [
      scope,
      page.after?.tat ?? Infinity,
      page.after?.id ?? ANY_ID,
      page.size,
      page.limit ?? null,
    ]);
  }

  /**
   * Deletes rows of buckets that have been full for a while: they carry no information (a
   * missing row is a full bucket) and would otherwise grow with the fleet.
   */
  async deleteFull(): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM rate_limit_buckets WHERE tat < ${UTC_NOW} - make_interval(secs => ${FULL_ROW_GRACE_MS / 1000})`;
  }
}

/** The callers' one global lock order: by limit, then key. */
function compareRefs(a: BucketRef, b: BucketRef): number {
  if (a.limit !== b.limit) return a.limit < b.limit ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
