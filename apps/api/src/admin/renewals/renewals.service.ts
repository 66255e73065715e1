import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import {
  ariCertIdOf,
  AuditRepository,
  Certificate,
  DeviceRepository,
  RenewalRepository,
} from '@fleetcert/db';
import { Metrics } from '@fleetcert/observability';
import type { OperatorPrincipal } from '../../auth/principal';
import { IssuanceQueue } from '../../queue/issuance-queue';
import type { ForcedRenewalView } from './renewals.dto';

/**
 * An operator renews a device's certificates now, outside their window: one renewal
 * request per live certificate, reusing its CSR, queued like any request. A renewal
 * already under way is returned instead of a second one.
 */
@Injectable()
export class RenewalsService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly renewals: RenewalRepository,
    private readonly audit: AuditRepository,
    private readonly queue: IssuanceQueue,
    private readonly metrics: Metrics,
  ) {}

  async renewDevice(auth: OperatorPrincipal, deviceId: string): Promise<ForcedRenewalView> {
    const device = await this.devices.getById(deviceId);
    if (!device) throw new NotFoundException(`No device ${deviceId}`);
    if (device.status !== 'active') throw new ConflictException('The device is disabled: enable it first');
    // Newest first: the newest live certificate of each identifier set is the one to replace.
    const newestPerSet = new Map<string, Certificate>();
    for (const cert of await this.renewals.liveForDevice(deviceId)) {
      if (!newestPerSet.has(cert.identifierSet)) newestPerSet.set(cert.identifierSet, cert);
    }

    const requests: ForcedRenewalView['requests'] = [];
    for (const cert of newestPerSet.values()) {
      const result = await this.renewals.createRenewal(cert, ariCertIdOf(cert.ariCertId));
      if (!result) continue; // superseded or revoked a moment ago
      if (result.created) {
        this.metrics.renewalsStarted.inc({ trigger: 'forced' });
        await this.queue.enqueue(result.request.id);
      }
      requests.push({
        id: result.request.id,
        status: result.request.status,
        replacesCertificateId: cert.id,
        created: result.created,
      });
    }
    if (requests.length === 0) throw new ConflictException('The device has no live certificate to renew');
    await this.audit.create({
      actorType: 'operator',
      actorId: auth.operator.id,
      action: 'device.renew',
      targetType: 'device',
      targetId: deviceId,
      details: {
        requests: requests.map((r) => ({
          requestId: r.id,
          replaces: r.replacesCertificateId,
          created: r.created,
        })),
      },
    });
    return { deviceId, requests };
  }
}
