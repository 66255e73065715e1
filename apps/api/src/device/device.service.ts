import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { AuditRepository, Device, DeviceRepository } from '@fleetcert/db';
import type { AddressChange, DnsProvider } from '@fleetcert/dns';
import { Metrics } from '@fleetcert/observability';
import { CertificatesService } from '../certificates/certificates.service';
import { DNS_PROVIDER } from '@fleetcert/adapters';
import { canonicalAddress } from './address-policy';
import type { AddressesResultView, DeviceSelfView, UpdateAddressesDto } from './device.dto';

@Injectable()
export class DeviceService {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly audit: AuditRepository,
    @Inject(DNS_PROVIDER) private readonly dns: DnsProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly certificates: CertificatesService,
  ) {}

  async self(device: Device): Promise<DeviceSelfView> {
    return {
      identifier: device.identifier,
      hostname: device.hostname,
      addresses: { ipv4: device.ipv4, ipv6: device.ipv6 },
      certificates: await this.certificates.listForDevice(device),
    };
  }

  /**
   * Brings the zone's A/AAAA records in line with what the device reports. DNS is written
   * first, under the device's row lock, and the database only if DNS accepted: a DNS
   * outage leaves both untouched (503) and the device simply reports again.
   */
  async updateAddresses(deviceId: string, dto: UpdateAddressesDto): Promise<AddressesResultView> {
    const wanted: AddressChange = {};
    if (dto.ipv4 !== undefined) wanted.ipv4 = dto.ipv4 === null ? null : canonicalAddress('ipv4', dto.ipv4);
    if (dto.ipv6 !== undefined) wanted.ipv6 = dto.ipv6 === null ? null : canonicalAddress('ipv6', dto.ipv6);

    const lockBudget = this.config.dns.timeoutMs * 3 + 2000;
    return this.devices.withDeviceLock(deviceId, lockBudget, async (device, tx) => {
      const change: AddressChange = {};
      if (wanted.ipv4 !== undefined && wanted.ipv4 !== device.ipv4) change.ipv4 = wanted.ipv4;
      if (wanted.ipv6 !== undefined && wanted.ipv6 !== device.ipv6) change.ipv6 = wanted.ipv6;
      if (Object.keys(change).length === 0) {
        return { ipv4: device.ipv4, ipv6: device.ipv6, changed: false };
      }
      try {
        await this.dns.setAddresses(device.hostname, change);
        this.metrics.dnsUpdates.inc({ kind: 'addresses', outcome: 'ok' });
      } catch (err) {
        this.metrics.dnsUpdates.inc({ kind: 'addresses', outcome: 'error' });
        throw err;
      }
      const next = {
        ipv4: change.ipv4 !== undefined ? change.ipv4 : device.ipv4,
        ipv6: change.ipv6 !== undefined ? change.ipv6 : device.ipv6,
      };
      await this.devices.updateAddresses(device.id, next, tx);
      await this.audit.create(
        {
          actorType: 'device',
          actorId: device.id,
          action: 'device.addresses',
          targetType: 'device',
          targetId: device.id,
          details: { ...change },
        },
        tx,
      );
      return { ...next, changed: true };
    });
  }
}
