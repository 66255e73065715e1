import { BadRequestException, Injectable } from '@nestjs/common';
import { AcmeAccountRepository, BucketCursor, BucketRow, RateLimitRepository } from '@fleetcert/db';
import { ACCOUNT_KEY, bucketId, bucketStatus, LimitName, RateLimit } from '@fleetcert/ratelimit';
import { CapacityForecastService } from './capacity-forecast.service';
import type { ListRateLimitsQuery, RateLimitBucketView, RateLimitsView } from './rate-limits.dto';

/** The CA rate-limit model as an operator reads it: definitions, buckets with headroom left, forecast. */
@Injectable()
export class RateLimitsService {
  constructor(
    private readonly buckets: RateLimitRepository,
    private readonly accounts: AcmeAccountRepository,
    private readonly capacity: CapacityForecastService,
  ) {}

  async list(query: ListRateLimitsQuery): Promise<RateLimitsView> {
    const { limits, scope } = this.capacity;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const orders = limits.limits.newOrdersPerAccount;
    const accountWide = { limit: 'newOrdersPerAccount' as const, key: ACCOUNT_KEY };
    // Always shown on the first page, full or not: it is the account's overall headroom.
    const showAccountWide = orders && !after && (!query.limit || query.limit === orders.name);
    const [account, rows, forecast, accountTats] = await Promise.all([
      this.accounts.getByDirectory(scope),
      this.buckets.listNotFull(scope, { size: query.pageSize + 1, after, limit: query.limit }),
      this.capacity.forecast(),
      showAccountWide ? this.buckets.tats(scope, [accountWide]) : undefined,
    ]);
    const now = Date.now();
    const page = rows.slice(0, query.pageSize);
    const views: RateLimitBucketView[] = [];
    if (orders && accountTats) {
      views.push(bucketView(orders, ACCOUNT_KEY, accountTats.get(bucketId(accountWide)), now));
    }
    for (const row of page) {
      const limit = limits.limits[row.limit as LimitName];
      // Rows of limits no longer modelled (the setting changed) say nothing any more.
      if (!limit || (row.limit === accountWide.limit && row.key === ACCOUNT_KEY)) continue;
      views.push(bucketView(limit, row.key, row.tat, now));
    }
    return {
      account: { directoryUrl: scope, accountUrl: account?.accountUrl ?? null },
      model: limits.name,
      limits: Object.values(limits.limits).map((l) => ({
        limit: l.name,
        capacity: l.capacity,
        refillEverySeconds: l.refillMs / 1000,
        renewalExempt: limits.renewalExempt.includes(l.name),
        ariRenewalExempt: limits.ariRenewalExempt,
      })),
      buckets: views,
      ...(rows.length > query.pageSize && { nextCursor: encodeCursor(page[page.length - 1]) }),
      forecast,
    };
  }
}

function bucketView(
  limit: RateLimit,
  key: string,
  tat: number | undefined,
  now: number,
): RateLimitBucketView {
  const status = bucketStatus(limit, tat, now);
  return {
    limit: limit.name,
    key,
    capacity: limit.capacity,
    remaining: status.remaining,
    refillEverySeconds: limit.refillMs / 1000,
    nextAvailableAt: status.nextTokenAt === null ? null : new Date(status.nextTokenAt).toISOString(),
    fullAt: new Date(status.fullAt).toISOString(),
  };
}

function encodeCursor(row: BucketRow): string {
  return Buffer.from(`${row.tat}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): BucketCursor {
  const [tat, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!/^\d+(\.\d+)?$/.test(tat ?? '') || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new BadRequestException('cursor must be a cursor returned by this endpoint');
  }
  return { tat: Number(tat), id };
}
