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
/** How many times a device's live certificates are read while renewals race with them. */
const MAX_LOOKS = 3;

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
    const requests: ForcedRenewalView['requests'] = [];
    const done = new Set<string>(); // identifier sets answered
    // A certificate read as live can be superseded (a renewal completing) or revoked before its
    // renewal is created. Its set is then looked at again: the certificate that superseded it is
    // the one to renew. Bounded: a set superseded on every look is left out, not waited on.
    for (let look = 0; look < MAX_LOOKS; look++) {
      let raced = false;
      for (const cert of newestPerSet(await this.renewals.liveForDevice(deviceId))) {
        if (done.has(cert.identifierSet)) continue;
        const result = await this.renewals.createRenewal(cert, ariCertIdOf(cert.ariCertId));
        if (!result) {
          raced = true;
          continue;
        }
        done.add(cert.identifierSet);
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
      if (!raced) break;
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

/** The newest live certificate of each identifier set, from a newest-first list. */
function newestPerSet(live: Certificate[]): Certificate[] {
  const newest = new Map<string, Certificate>();
  for (const cert of live) if (!newest.has(cert.identifierSet)) newest.set(cert.identifierSet, cert);
  return [...newest.values()];
}
