import { Inject, Injectable, Optional } from '@nestjs/common';
import { Metrics } from '@fleetcert/observability';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Device, DeviceStatus, DeviceToken, Fleet, Prisma, PrismaClient } from '../generated/client';
import type DataLoader from 'dataloader';
import { batchPerTurn } from '../sql/batch-per-turn';
import { query, statement } from '../sql/statement';
import { TX_UTC_NOW } from '../sql/utc-timestamp';
import { PG_POOL, PRISMA } from '../tokens';
import type { Db } from './audit.repository';
import { DEVICE_SEARCH_SQL } from './device-search.sql';

export type DeviceWithFleet = Device & { fleet: Fleet };
export type DeviceTokenWithDevice = DeviceToken & { device: DeviceWithFleet };

export interface NewDevice {
  fleetId: string;
  identifier: string;
  label: string;
  hostname: string;
  labels: Prisma.InputJsonObject;
  token: { prefix: string; hash: Buffer };
}

export interface DeviceFilter {
  status?: DeviceStatus;
  identifier?: string;
  hostname?: string;
  /** Exact IPv4 or IPv6 address (canonical form). */
  address?: string;
  /** Devices whose labels contain all these key/value pairs. */
  labels?: Record<string, string>;
  /**
   * Search: devices whose hostname (so also its DNS label), identifier or reported address
   * starts with this text. Each is a prefix match on a `text_pattern_ops` index.
   */
  q?: string;
}

/** Keyset cursor: the (createdAt, id) of the last row of the previous page. */
export interface DeviceCursor {
  createdAt: Date;
  id: string;
}

@Injectable()
export class DeviceRepository {
  /** Token lookups of one event-loop turn, in one statement (see {@link getTokenByPrefix}). */
  private readonly tokens: DataLoader<string, DeviceTokenWithDevice | null>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() metrics?: Metrics,
  ) {
    this.tokens = batchPerTurn(
      async (prefixes) => {
        const rows = await query<TokenWithDeviceRow>(this.pool, TOKENS_BY_PREFIX, [prefixes]);
        const byPrefix = new Map(rows.map((r) => [r.prefix, toTokenWithDevice(r)]));
        return prefixes.map((p) => byPrefix.get(p) ?? null);
      },
      (size) => metrics?.batchSize.observe({ kind: 'token_lookups' }, size),
    );
  }

  get db(): PrismaClient {
    return this.prisma;
  }

  getById(id: string): Promise<DeviceWithFleet | null> {
    return this.prisma.device.findUnique({ where: { id }, include: { fleet: true } });
  }

  /**
   * The token with its device and fleet: the one indexed lookup behind every device
   * request, a plain read (revoked tokens and disabled devices included: the caller decides
   * what they mean). The token's use is stamped apart from it, in batches
   * ({@link stampTokenUses}), so that authenticating never writes. The lookups of one
   * event-loop turn share a statement ({@link batchPerTurn}): devices that are not in the
   * API's authentication cache (a fleet checking in after a restart) arrive together.
   */
  getTokenByPrefix(prefix: string): Promise<DeviceTokenWithDevice | null> {
    return this.tokens.load(prefix);
  }

  /**
   * Stamps the last use of many tokens in one statement (`uses`: token id → when it was
   * used). A stored use that is already as late is kept: batches from several API
   * processes, or a retried one, never move a stamp back. Ids of deleted tokens are
   * skipped. Returns how many tokens were stamped.
   */
  async stampTokenUses(uses: ReadonlyMap<string, Date>): Promise<number> {
    if (uses.size === 0) return 0;
    const result = await this.pool.query({
      ...STAMP_TOKEN_USES,
      values: [[...uses.keys()], [...uses.values()]],
    });
    return result.rowCount ?? 0;
  }

  /**
   * Inserts devices and their first tokens in one statement, inside the caller's transaction,
   * and returns the devices in the order given.
   *
   * Raw SQL on arrays rather than Prisma's `createManyAndReturn`: Prisma builds a query plan
   * per bulk insert that grows with its rows (about 10 MiB for 1,000 devices) and keeps the
   * last plans in its debug history even with debugging off (`@prisma/client` 7.10: every
   * query's plan goes through `debug("query plan created", plan)`, which remembers its last 100
   * calls). A few bulk enrolments then held ~100 MiB of the API's 192 MiB heap until enough
   * other Prisma queries pushed them out, and the API spent its time in major collections.
   * Here the statement's parameters are nine arrays.
   */
  async createMany(devices: NewDevice[], tx: Db): Promise<Device[]> {
    const ids = devices.map(() => randomUUID());
    const created = await tx.$queryRaw<Device[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${ids}::uuid[], ${devices.map((d) => d.fleetId)}::uuid[],
          ${devices.map((d) => d.identifier)}::text[], ${devices.map((d) => d.label)}::text[],
          ${devices.map((d) => d.hostname)}::text[], ${devices.map((d) => JSON.stringify(d.labels))}::jsonb[],
          ${devices.map(() => randomUUID())}::uuid[], ${devices.map((d) => d.token.prefix)}::text[],
          ${devices.map((d) => d.token.hash.toString('hex'))}::text[]
        ) AS t(id, "fleetId", identifier, label, hostname, labels, "tokenId", "tokenPrefix", "tokenHash")
      ),
      inserted AS (
        INSERT INTO devices (id, "fleetId", identifier, label, hostname, labels, "createdAt", "updatedAt")
        SELECT id, "fleetId", identifier, label, hostname, labels, ${TX_UTC_NOW}, ${TX_UTC_NOW} FROM input
        RETURNING *
      ),
      tokens AS (
        INSERT INTO device_tokens (id, "deviceId", prefix, hash, "createdAt")
        SELECT "tokenId", id, "tokenPrefix", decode("tokenHash", 'hex'), ${TX_UTC_NOW} FROM input
      )
      SELECT * FROM inserted`;
    const byId = new Map(created.map((d) => [d.id, d]));
    return ids.map((id) => byId.get(id)!);
  }

  /** Which of these labels or identifiers are already taken in the fleet. */
  async findTaken(fleetId: string, labels: string[], identifiers: string[]): Promise<Device[]> {
    return this.prisma.device.findMany({
      where: { fleetId, OR: [{ label: { in: labels } }, { identifier: { in: identifiers } }] },
    });
  }

  /**
   * One page of devices, newest first. A search (`q`) is {@link search}; the other
   * filters alone go through Prisma.
   */
  async list(filter: DeviceFilter, page: { limit: number; after?: DeviceCursor }): Promise<Device[]> {
    if (filter.q) return this.search(filter.q, filter, page);
    const where = whereOf(filter);
    const and = [...((where.AND as Prisma.DeviceWhereInput[] | undefined) ?? [])];
    if (page.after) {
      const { createdAt, id } = page.after;
      // `createdAt <= c` is implied by the OR, but only it can start the backward scan of the
      // (createdAt, id) index at the cursor; without it a deep page reads every newer row first.
      and.push({ createdAt: { lte: createdAt } });
      and.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
    }
    return this.prisma.device.findMany({
      where: { ...where, AND: and.length > 0 ? and : undefined },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit,
    });
  }

  /**
   * A page of the devices whose hostname, identifier or address starts with `q`, with the
   * other filters: one statement that counts the matches (up to {@link SEARCH_SORT_CAP})
   * and then either sorts them all or walks the list order (see `device-search.sql.ts`).
   * Unnamed, so that Postgres plans it with the patterns it can turn into index ranges.
   */
  private async search(
    q: string,
    filter: DeviceFilter,
    page: { limit: number; after?: DeviceCursor },
  ): Promise<Device[]> {
    const patterns = searchPatterns(q);
    const labels = Object.keys(filter.labels ?? {}).length > 0 ? filter.labels : null;
    const result = await this.pool.query<Device>(DEVICE_SEARCH_SQL, [
      patterns.hostname,
      patterns.identifier,
      patterns.ipv4,
      patterns.ipv6,
      filter.status ?? null,
      filter.identifier ?? null,
      filter.hostname ?? null,
      filter.address ?? null,
      labels,
      page.after?.createdAt.toISOString() ?? null,
      page.after?.id ?? null,
      page.limit,
      SEARCH_SORT_CAP + 1,
    ]);
    return result.rows;
  }

  setStatus(id: string, status: DeviceStatus, tx: Db = this.prisma): Promise<Device> {
    return tx.device.update({
      where: { id },
      data: { status, disabledAt: status === 'disabled' ? new Date() : null },
    });
  }

  /** Revokes every live token of the device and adds a new one, atomically. */
  async replaceTokens(deviceId: string, token: { prefix: string; hash: Buffer }, tx: Db): Promise<void> {
    await tx.deviceToken.updateMany({
      where: { deviceId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    await tx.deviceToken.create({
      data: { deviceId, prefix: token.prefix, hash: new Uint8Array(token.hash) },
    });
  }

  /**
   * Runs `change` while holding the device's row lock, so that concurrent address
   * reports of one device reach DNS and the database in the same order.
   */
  async withDeviceLock<T>(
    id: string,
    timeoutMs: number,
    change: (device: Device, tx: Db) => Promise<T>,
  ): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<
          { id: string }[]
        >`SELECT id FROM devices WHERE id = ${id}::uuid FOR UPDATE`;
        if (rows.length === 0) throw new Error(`device ${id} vanished`);
        const device = await tx.device.findUniqueOrThrow({ where: { id } });
        return change(device, tx);
      },
      { timeout: timeoutMs, maxWait: timeoutMs },
    );
  }

  updateAddresses(
    id: string,
    addresses: { ipv4: string | null; ipv6: string | null },
    tx: Db,
  ): Promise<Device> {
    return tx.device.update({ where: { id }, data: { ...addresses, addressesUpdatedAt: new Date() } });
  }
}

/** {@link TOKEN_BY_PREFIX}'s row: the token's columns, then the device's and the fleet's, renamed where they clash. */
interface TokenWithDeviceRow {
  id: string;
  deviceId: string;
  prefix: string;
  hash: Buffer;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  fleetId: string;
  identifier: string;
  label: string;
  hostname: string;
  labels: Prisma.JsonValue;
  status: DeviceStatus;
  ipv4: string | null;
  ipv6: string | null;
  addressesUpdatedAt: Date | null;
  disabledAt: Date | null;
  deviceCreatedAt: Date;
  deviceUpdatedAt: Date;
  fleetName: string;
  zone: string;
  privacy: Fleet['privacy'];
  allowMixedIdentifiers: boolean;
  defaultProfile: string | null;
  fleetCreatedAt: Date;
  fleetUpdatedAt: Date;
}

const TOKEN_WITH_DEVICE_COLUMNS = `t.id, t."deviceId", t.prefix, t.hash, t."createdAt", t."lastUsedAt", t."revokedAt",
          d."fleetId", d.identifier, d.label, d.hostname, d.labels, d.status, d.ipv4, d.ipv6,
          d."addressesUpdatedAt", d."disabledAt", d."createdAt" AS "deviceCreatedAt",
          d."updatedAt" AS "deviceUpdatedAt",
          f.name AS "fleetName", f.zone, f.privacy, f."allowMixedIdentifiers", f."defaultProfile",
          f."createdAt" AS "fleetCreatedAt", f."updatedAt" AS "fleetUpdatedAt"`;

/**
 * $1 prefixes (unique, so at most one row each). Each prefix is looked up on its own
 * (LATERAL, kept apart by OFFSET 0): its token by the prefix index, then the device and fleet
 * by their keys. As one join, the planner hashed the whole devices table for a few tokens
 * whenever it believed the table small, and kept that plan as the fleet grew
 * (test/db/hot-path-rows).
 */
const TOKENS_BY_PREFIX = statement(
  'devices.tokensByPrefix',
  `SELECT x.*
     FROM unnest($1::text[]) AS p(prefix)
    CROSS JOIN LATERAL (
      SELECT ${TOKEN_WITH_DEVICE_COLUMNS}
        FROM device_tokens t
        JOIN devices d ON d.id = t."deviceId"
        JOIN fleets f ON f.id = d."fleetId"
       WHERE t.prefix = p.prefix
      OFFSET 0) x`,
);

/**
 * $1 token ids, $2 their uses (`timestamptz`: pg sends each Date with its offset, and the
 * column holds UTC as a plain `timestamp`, hence `AT TIME ZONE 'UTC'`; see `utc-param.ts`).
 * The ids are unique (the caller's map keys), so no row is updated twice. Only
 * "lastUsedAt" is set: the change-notification trigger ignores such an UPDATE (migration
 * `token_use_stamp_quiet`), so a stamp does not empty the API's read caches.
 */
const STAMP_TOKEN_USES = statement(
  'devices.stampTokenUses',
  `UPDATE device_tokens t SET "lastUsedAt" = v.at AT TIME ZONE 'UTC'
     FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at)
    WHERE t.id = v.id
      -- Redundant with the join, but an index condition: the tokens are found by their keys
      -- rather than by hashing the whole table against the batch.
      AND t.id = ANY($1::uuid[])
      AND (t."lastUsedAt" IS NULL OR t."lastUsedAt" < v.at AT TIME ZONE 'UTC')`,
);

/** The row as the Prisma shape the callers know (`DeviceToken & { device: Device & { fleet } }`). */
function toTokenWithDevice(r: TokenWithDeviceRow): DeviceTokenWithDevice {
  return {
    id: r.id,
    deviceId: r.deviceId,
    prefix: r.prefix,
    hash: r.hash as DeviceToken['hash'],
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
    device: {
      id: r.deviceId,
      fleetId: r.fleetId,
      identifier: r.identifier,
      label: r.label,
      hostname: r.hostname,
      labels: r.labels,
      status: r.status,
      ipv4: r.ipv4,
      ipv6: r.ipv6,
      addressesUpdatedAt: r.addressesUpdatedAt,
      disabledAt: r.disabledAt,
      createdAt: r.deviceCreatedAt,
      updatedAt: r.deviceUpdatedAt,
      fleet: {
        id: r.fleetId,
        name: r.fleetName,
        zone: r.zone,
        privacy: r.privacy,
        allowMixedIdentifiers: r.allowMixedIdentifiers,
        defaultProfile: r.defaultProfile,
        createdAt: r.fleetCreatedAt,
        updatedAt: r.fleetUpdatedAt,
      },
    },
  };
}

/** Most search matches sorted in memory; more than this means the matches are dense. */
export const SEARCH_SORT_CAP = 2000;

function whereOf(filter: DeviceFilter): Prisma.DeviceWhereInput {
  const where: Prisma.DeviceWhereInput = {
    status: filter.status,
    identifier: filter.identifier,
    hostname: filter.hostname,
  };
  const and: Prisma.DeviceWhereInput[] = [];
  if (filter.address) and.push({ OR: [{ ipv4: filter.address }, { ipv6: filter.address }] });
  for (const [key, value] of Object.entries(filter.labels ?? {})) {
    and.push({ labels: { path: [key], equals: value } });
  }
  if (and.length > 0) where.AND = and;
  return where;
}

/** `LIKE` treats `%`, `_` and the backslash specially; Prisma's `startsWith` does not escape them. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/**
 * The LIKE patterns of a search text, per column (null: the column is not searched).
 * Hostnames are lower case (a label is a hostname prefix, so it needs no pattern of its
 * own); identifiers are matched as typed; only text that could be part of an IP address is
 * looked for among addresses.
 */
function searchPatterns(q: string): Record<'hostname' | 'identifier' | 'ipv4' | 'ipv6', string | null> {
  const lower = `${escapeLike(q.toLowerCase())}%`;
  return {
    hostname: lower,
    identifier: `${escapeLike(q)}%`,
    ipv4: /^[0-9.]+$/.test(q) ? lower : null,
    ipv6: /^[0-9a-f:.]+$/i.test(q) && q.includes(':') ? lower : null,
  };
}
