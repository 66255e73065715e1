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

  list(filter: DeviceFilter, page: { limit: number; after?: DeviceCursor }): Promise<Device[]> {
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
    if (page.after) {
      const { createdAt, id } = page.after;
      and.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] });
    }
    if (and.length > 0) where.AND = and;
    return this.prisma.device.findMany({
      where,
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
