import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { issueToken, randomLabel, TOKEN_KINDS } from '@fleetcert/auth';
import { AuditRepository, Device, DeviceRepository, isUniqueViolation, NewDevice } from '@fleetcert/db';
import { CurrentFleetService } from '../../fleet/current-fleet.service';
import type { OperatorPrincipal } from '../../auth/principal';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import type {
  CreateDeviceDto,
  CreatedDeviceView,
  DevicePageView,
  DeviceView,
  ListDevicesQuery,
} from './devices.dto';

const LABEL_LENGTH = 10;

/**
 * A 1,000-device enrolment inserts devices, tokens and audit events in a few statements,
 * but under load it took up to 3.8 s: Prisma's 5 s default left too thin a margin.
 */
const BULK_TRANSACTION = { maxWait: 10_000, timeout: 30_000 };

@Injectable()
export class DevicesService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly audit: AuditRepository,
    private readonly fleet: CurrentFleetService,
  ) {}

  /** Creates all devices or none; each gets a token that is returned once. */
  async create(auth: OperatorPrincipal, dtos: CreateDeviceDto[]): Promise<CreatedDeviceView[]> {
    const fleet = this.fleet.get();
    const tokens: string[] = [];
    const rows: NewDevice[] = dtos.map((dto) => {
      const label = dto.label ?? randomLabel(LABEL_LENGTH);
      const issued = issueToken(TOKEN_KINDS.device);
      tokens.push(issued.token);
      return {
        fleetId: fleet.id,
        label,
        identifier: dto.identifier ?? label,
        hostname: `${label}.${fleet.zone}`,
        labels: dto.labels ?? {},
        token: { prefix: issued.prefix, hash: issued.hash },
      };
    });
    this.refuseDuplicatesWithin(rows);
    await this.refuseTaken(fleet.id, rows);

    const created = await this.devices.db
      .$transaction(async (tx) => {
        const devices = await this.devices.createMany(rows, tx);
        await this.audit.createMany(
          devices.map((d) => ({
            actorType: 'operator' as const,
            actorId: auth.operator.id,
            action: 'device.create',
            targetType: 'device',
            targetId: d.id,
            details: { identifier: d.identifier, hostname: d.hostname },
          })),
          tx,
        );
        return devices;
      }, BULK_TRANSACTION)
      .catch(async (err: unknown) => {
        // Another call took one of these labels or identifiers since refuseTaken looked:
        // the same 409, naming them, and nothing stored (the transaction rolled back).
        if (!isUniqueViolation(err)) throw err;
        await this.refuseTaken(fleet.id, rows);
        throw new ConflictException(
          'A label or identifier was taken by a concurrent request; nothing was created',
        );
      });
    return created.map((d, i) => ({
      id: d.id,
      identifier: d.identifier,
      hostname: d.hostname,
      token: tokens[i],
    }));
  }

  async list(query: ListDevicesQuery): Promise<DevicePageView> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const labels = Object.fromEntries(
      (query.label ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const rows = await this.devices.list(
      {
        status: query.status,
        identifier: query.identifier,
        hostname: query.hostname,
        address: query.address,
        labels,
        q: query.q,
      },
      { limit: query.limit + 1, after },
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toDeviceView),
      nextCursor:
        rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async get(id: string): Promise<DeviceView> {
    return toDeviceView(await this.getOrThrow(id));
  }

  async setEnabled(auth: OperatorPrincipal, id: string, enabled: boolean): Promise<DeviceView> {
    await this.getOrThrow(id);
    const device = await this.devices.db.$transaction(async (tx) => {
      const updated = await this.devices.setStatus(id, enabled ? 'active' : 'disabled', tx);
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: auth.operator.id,
          action: enabled ? 'device.enable' : 'device.disable',
          targetType: 'device',
          targetId: id,
        },
        tx,
      );
      return updated;
    });
    return toDeviceView(device);
  }

  async rotateToken(auth: OperatorPrincipal, id: string): Promise<{ token: string }> {
    await this.getOrThrow(id);
    const issued = issueToken(TOKEN_KINDS.device);
    await this.devices.db.$transaction(async (tx) => {
      await this.devices.replaceTokens(id, { prefix: issued.prefix, hash: issued.hash }, tx);
      await this.audit.create(
        {
          actorType: 'operator',
          actorId: auth.operator.id,
          action: 'device.rotate-token',
          targetType: 'device',
          targetId: id,
        },
        tx,
      );
    });
    return { token: issued.token };
  }

  private async getOrThrow(id: string): Promise<Device> {
    const device = await this.devices.getById(id);
    if (!device) throw new NotFoundException(`No device ${id}`);
    return device;
  }

  private refuseDuplicatesWithin(rows: NewDevice[]): void {
    for (const field of ['label', 'identifier'] as const) {
      const seen = new Set<string>();
      for (const r of rows) {
        if (seen.has(r[field]))
          throw new BadRequestException(`${field} "${r[field]}" appears twice in the request`);
        seen.add(r[field]);
      }
    }
  }

  private async refuseTaken(fleetId: string, rows: NewDevice[]): Promise<void> {
    const taken = await this.devices.findTaken(
      fleetId,
      rows.map((r) => r.label),
      rows.map((r) => r.identifier),
    );
    if (taken.length === 0) return;
    const labels = new Set(rows.map((r) => r.label));
    const clashes = taken.map((d) =>
      labels.has(d.label) ? `label "${d.label}"` : `identifier "${d.identifier}"`,
    );
    throw new ConflictException(`Already in use: ${clashes.slice(0, 10).join(', ')}`);
  }
}

export function toDeviceView(d: Device): DeviceView {
  return {
    id: d.id,
    identifier: d.identifier,
    label: d.label,
    hostname: d.hostname,
    labels: d.labels as Record<string, string>,
    status: d.status,
    addresses: { ipv4: d.ipv4, ipv6: d.ipv6 },
    addressesUpdatedAt: d.addressesUpdatedAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    disabledAt: d.disabledAt?.toISOString() ?? null,
  };
}
