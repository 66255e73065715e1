import { Inject, Injectable } from '@nestjs/common';
import type { Device, DeviceStatus, DeviceToken, Fleet, Prisma, PrismaClient } from '../generated/client';
import { PRISMA } from '../tokens';
import type { Db } from './audit.repository';

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
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  get db(): PrismaClient {
    return this.prisma;
  }

  getById(id: string): Promise<DeviceWithFleet | null> {
    return this.prisma.device.findUnique({ where: { id }, include: { fleet: true } });
  }

  /** The one indexed lookup behind every device request. */
  getTokenByPrefix(prefix: string): Promise<DeviceTokenWithDevice | null> {
    return this.prisma.deviceToken.findUnique({
      where: { prefix },
      include: { device: { include: { fleet: true } } },
    });
  }

  /** Inserts devices and their first tokens in two statements, inside the caller's transaction. */
  async createMany(devices: NewDevice[], tx: Db): Promise<Device[]> {
    const created = await tx.device.createManyAndReturn({
      data: devices.map(({ token: _token, ...d }) => d),
    });
    const byLabel = new Map(created.map((d) => [`${d.fleetId}/${d.label}`, d]));
    await tx.deviceToken.createMany({
      data: devices.map((d) => ({
        deviceId: byLabel.get(`${d.fleetId}/${d.label}`)!.id,
        prefix: d.token.prefix,
        hash: new Uint8Array(d.token.hash),
      })),
    });
    return devices.map((d) => byLabel.get(`${d.fleetId}/${d.label}`)!);
  }

  /** Which of these labels or identifiers are already taken in the fleet. */
  async findTaken(fleetId: string, labels: string[], identifiers: string[]): Promise<Device[]> {
    return this.prisma.device.findMany({
      where: { fleetId, OR: [{ label: { in: labels } }, { identifier: { in: identifiers } }] },
    });
  }

  /**
   * One page of devices, newest first. A search (`q`) first collects its matches through
   * the prefix indexes when they are few (up to {@link SEARCH_SORT_CAP}) and sorts them
   * itself: left to the planner, a selective prefix that it over-estimates makes it walk the
   * `(createdAt, id)` index through most of the fleet looking for a page of matches. Many
   * matches are dense, so the ordered walk then finds a page at once.
   */
  async list(filter: DeviceFilter, page: { limit: number; after?: DeviceCursor }): Promise<Device[]> {
    const where = whereOf(filter);
    if (filter.q) {
      const matches = await this.prisma.device.findMany({
        where,
        select: { id: true, createdAt: true },
        take: SEARCH_SORT_CAP + 1,
      });
      if (matches.length <= SEARCH_SORT_CAP) {
        const ids = matches
          .filter((m) => !page.after || isOlder(m, page.after))
          .sort((a, b) => (isOlder(a, b) ? 1 : -1))
          .slice(0, page.limit)
          .map((m) => m.id);
        const rows = await this.prisma.device.findMany({ where: { id: { in: ids } } });
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id)).filter((d): d is Device => d !== undefined);
      }
    }
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

  async touchToken(id: string, at: Date): Promise<void> {
    await this.prisma.deviceToken.update({ where: { id }, data: { lastUsedAt: at } });
  }
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
  if (filter.q) and.push({ OR: searchConditions(filter.q) });
  for (const [key, value] of Object.entries(filter.labels ?? {})) {
    and.push({ labels: { path: [key], equals: value } });
  }
  if (and.length > 0) where.AND = and;
  return where;
}

/** Whether `a` comes after `b` in the list's order (createdAt, then id, both descending). */
function isOlder(a: DeviceCursor, b: DeviceCursor): boolean {
  const at = a.createdAt.getTime() - b.createdAt.getTime();
  return at < 0 || (at === 0 && a.id < b.id);
}

/** `LIKE` treats `%`, `_` and the backslash specially; Prisma's `startsWith` does not escape them. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/**
 * Prefix conditions for a search text. Hostnames are lower case (a label is a hostname
 * prefix, so it needs no condition of its own); identifiers are matched as typed; only
 * text that could be part of an IP address is looked for among addresses.
 */
function searchConditions(q: string): Prisma.DeviceWhereInput[] {
  const lower = escapeLike(q.toLowerCase());
  const conditions: Prisma.DeviceWhereInput[] = [
    { hostname: { startsWith: lower } },
    { identifier: { startsWith: escapeLike(q) } },
  ];
  if (/^[0-9.]+$/.test(q)) conditions.push({ ipv4: { startsWith: lower } });
  if (/^[0-9a-f:.]+$/i.test(q) && q.includes(':')) conditions.push({ ipv6: { startsWith: lower } });
  return conditions;
}
