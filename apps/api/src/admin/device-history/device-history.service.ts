import { Injectable, NotFoundException } from '@nestjs/common';
import {
  CertificateHistoryRow,
  DeviceHistoryRepository,
  DeviceRepository,
  RequestHistoryRow,
} from '@fleetcert/db';
import type { IdentifierView } from '../../certificates/certificates.dto';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import { certificateState } from './certificate-state';
import type {
  DeviceCertificatePageView,
  DeviceCertificateView,
  DeviceRequestPageView,
  DeviceRequestView,
  HistoryPageQuery,
} from './device-history.dto';

@Injectable()
export class DeviceHistoryService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly history: DeviceHistoryRepository,
  ) {}

  async requests(deviceId: string, query: HistoryPageQuery): Promise<DeviceRequestPageView> {
    await this.requireDevice(deviceId);
    const rows = await this.history.listRequests(deviceId, {
      limit: query.limit + 1,
      after: afterOf(query.cursor),
    });
    return page(rows, query.limit, (r) => r.createdAt, toRequestView);
  }

  async certificates(deviceId: string, query: HistoryPageQuery): Promise<DeviceCertificatePageView> {
    await this.requireDevice(deviceId);
    const rows = await this.history.listCertificates(deviceId, {
      limit: query.limit + 1,
      after: afterOf(query.cursor),
    });
    const now = new Date();
    return page(
      rows,
      query.limit,
      (c) => c.notAfter,
      (c) => toCertificateView(c, now),
    );
  }

  private async requireDevice(id: string): Promise<void> {
    if (!(await this.devices.getById(id))) throw new NotFoundException(`No device ${id}`);
  }
}

function afterOf(cursor: string | undefined) {
  if (!cursor) return undefined;
  const { createdAt, id } = decodeCursor(cursor);
  return { at: createdAt, id };
}

function page<Row extends { id: string }, View>(
  rows: Row[],
  limit: number,
  sortTime: (row: Row) => Date,
  view: (row: Row) => View,
): { items: View[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(view),
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: sortTime(last), id: last.id }) : null,
  };
}

function toRequestView(r: RequestHistoryRow): DeviceRequestView {
  return {
    id: r.id,
    status: r.status,
    identifiers: r.identifiers as unknown as IdentifierView[],
    profile: r.profile,
    challenge: r.challengeType === 'http_01' ? 'http-01' : 'dns-01',
    attempts: r.attempts,
    isRenewal: r.isRenewal,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    deferredUntil: r.deferredUntil?.toISOString() ?? null,
    error: r.errorType ? { type: r.errorType, detail: r.errorDetail ?? '' } : null,
    certificateId: r.certificate?.id ?? null,
  };
}

function toCertificateView(c: CertificateHistoryRow, now: Date): DeviceCertificateView {
  return {
    id: c.id,
    requestId: c.requestId,
    serial: c.serial,
    identifiers: c.request.identifiers as unknown as IdentifierView[],
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    renewal:
      c.renewalStart && c.renewalEnd
        ? { windowStart: c.renewalStart.toISOString(), windowEnd: c.renewalEnd.toISOString() }
        : null,
    renewAt: c.renewAt?.toISOString() ?? null,
    state: certificateState(c, now),
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revokedReason: c.revokedReason,
    supersededById: c.supersededById,
    createdAt: c.createdAt.toISOString(),
  };
}
