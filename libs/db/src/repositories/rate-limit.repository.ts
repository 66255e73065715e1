import { Inject, Injectable } from '@nestjs/common';
import {
  bucketId,
  BucketRef,
  BucketTransaction,
  emptyUntil,
  RateLimit,
  settle,
  Settlement,
} from '@fleetcert/ratelimit';
import { Prisma, PrismaClient } from '../generated/client';
import { epochMs, utcTimestamp, UTC_NOW } from '../sql/utc-timestamp';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';

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
 * The CA's rate-limit buckets in Postgres: one row per (scope, limit, key) holding the GCRA
 * TAT; a missing row is a full bucket. {@link apply} decides and spends in one transaction
 * that locks the rows it spends from, so workers on any number of hosts never take the
 * same token twice. Times come from the database clock, one clock for every worker.
 */
@Injectable()
export class RateLimitRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Runs `transactions` all or nothing (see `settle` in @fleetcert/ratelimit): either every
   * checked bucket has its tokens and every spend happens, or nothing changes and the
   * answer says when all will have them.
   */
  async apply(scope: string, transactions: readonly BucketTransaction[]): Promise<Settlement> {
    const spent = sortedRefs(transactions.filter((t) => t.spend));
    const checkedOnly = sortedRefs(transactions.filter((t) => !t.spend)).filter(
      (ref) => !spent.some((s) => s.limit === ref.limit && s.key === ref.key),
    );
    return this.prisma.$transaction(
      async (tx) => {
        if (spent.length > 0) {
          // New rows start full (tat = now). Inserted in one order by every caller, and
          // locked in that order below: concurrent callers queue instead of deadlocking.
          await tx.$executeRaw`
            INSERT INTO rate_limit_buckets (id, scope, "limitName", key, tat, "updatedAt")
            SELECT gen_random_uuid(), ${scope}, v.l, v.k, ${UTC_NOW}, ${UTC_NOW}
              FROM unnest(${spent.map((r) => r.limit)}::text[], ${spent.map((r) => r.key)}::text[]) WITH ORDINALITY AS v(l, k, n)
             ORDER BY v.n
            ON CONFLICT (scope, "limitName", key) DO NOTHING`;
        }
        const locked = spent.length > 0 ? await this.read(tx, scope, spent, true) : [];
        const checked = checkedOnly.length > 0 ? await this.read(tx, scope, checkedOnly, false) : [];
        const [{ now }] = await tx.$queryRaw<{ now: number }[]>`SELECT ${epochMs(UTC_NOW)} AS now`;
        const tats = new Map([...locked, ...checked].map((row) => [bucketId(row), row.tat]));
        const settlement = settle(transactions, tats, now);
        if (settlement.writes.length > 0) {
          await tx.$executeRaw`
            UPDATE rate_limit_buckets b
               SET tat = (to_timestamp(v.t / 1000) AT TIME ZONE 'UTC'), "updatedAt" = ${UTC_NOW}
              FROM unnest(
                     ${settlement.writes.map((w) => w.limit)}::text[],
                     ${settlement.writes.map((w) => w.key)}::text[],
                     ${settlement.writes.map((w) => w.tat)}::float8[]) AS v(l, k, t)
             WHERE b.scope = ${scope} AND b."limitName" = v.l AND b.key = v.k`;
        }
        return settlement;
      },
      { maxWait: 10_000, timeout: 15_000 },
    );
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

  /** Refills buckets completely (a successful validation restarts the consecutive-failure count). */
  async reset(scope: string, refs: readonly BucketRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.prisma.$executeRaw`
      DELETE FROM rate_limit_buckets
       WHERE scope = ${scope}
         AND ("limitName", key) IN (SELECT * FROM unnest(${refs.map((r) => r.limit)}::text[], ${refs.map((r) => r.key)}::text[]))`;
  }

  /** The TATs of some buckets (absent: full), without locking. */
  async tats(scope: string, refs: readonly BucketRef[]): Promise<Map<string, number>> {
    if (refs.length === 0) return new Map();
    const rows = await this.read(this.prisma, scope, refs, false);
    return new Map(rows.map((row) => [bucketId(row), row.tat]));
  }

  /**
   * Buckets of `scope` that are not full, most constrained first (latest TAT), one page at a
   * time; `limit` filters by limit name. Uses the (scope, tat) index.
   */
  async listNotFull(
    scope: string,
    page: { size: number; after?: BucketCursor; limit?: string },
  ): Promise<BucketRow[]> {
    const after = page.after
      ? Prisma.sql`AND (tat, id) < (${utcTimestamp(page.after.tat)}, ${page.after.id}::uuid)`
      : Prisma.empty;
    const byLimit = page.limit ? Prisma.sql`AND "limitName" = ${page.limit}` : Prisma.empty;
    return this.prisma.$queryRaw<BucketRow[]>`
      SELECT id::text AS id, scope, "limitName" AS limit, key, ${epochMs(Prisma.sql`tat`)} AS tat
        FROM rate_limit_buckets
       WHERE scope = ${scope} AND tat > ${UTC_NOW} ${byLimit} ${after}
       ORDER BY tat DESC, id DESC
       LIMIT ${page.size}`;
  }

  /** Every scope that has buckets (one per ACME account the installation has used). */
  async scopes(): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<
      { scope: string }[]
    >`SELECT DISTINCT scope FROM rate_limit_buckets`;
    return rows.map((r) => r.scope);
  }

  /**
   * Deletes rows of buckets that have been full for a while: they carry no information (a
   * missing row is a full bucket) and would otherwise grow with the fleet.
   */
  async deleteFull(): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM rate_limit_buckets WHERE tat < ${UTC_NOW} - make_interval(secs => ${FULL_ROW_GRACE_MS / 1000})`;
  }

  private read(
    db: Db,
    scope: string,
    refs: readonly BucketRef[],
    lock: boolean,
  ): Promise<(BucketRef & { tat: number })[]> {
    return db.$queryRaw<(BucketRef & { tat: number })[]>`
      SELECT "limitName" AS limit, key, ${epochMs(Prisma.sql`tat`)} AS tat
        FROM rate_limit_buckets
       WHERE scope = ${scope}
         AND ("limitName", key) IN (SELECT * FROM unnest(${refs.map((r) => r.limit)}::text[], ${refs.map((r) => r.key)}::text[]))
       ORDER BY "limitName", key
       ${lock ? Prisma.sql`FOR UPDATE` : Prisma.empty}`;
  }
}

/** Distinct buckets of some transactions in one global order (the lock order). */
function sortedRefs(transactions: readonly BucketTransaction[]): BucketRef[] {
  const refs = new Map<string, BucketRef>();
  for (const t of transactions)
    refs.set(bucketId({ limit: t.limit.name, key: t.key }), { limit: t.limit.name, key: t.key });
  return [...refs.values()].sort((a, b) =>
    a.limit < b.limit ? -1 : a.limit > b.limit ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}
