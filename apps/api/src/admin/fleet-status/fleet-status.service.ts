import { Injectable } from '@nestjs/common';
import { FleetStatusRepository } from '@fleetcert/db';
import { ShortLivedCache } from '../../common/short-lived-cache';
import { CapacityForecastService } from '../rate-limits/capacity-forecast.service';
import type { FleetStatusView } from './fleet-status.dto';

const DAY_MS = 86_400_000;
/** The oldest status answered without waiting for a new one (`generatedAt` says its age). */
const STALE_MS = 10_000;

/**
 * The fleet at a glance: a handful of aggregate queries, one scan per table. Dashboards
 * poll it, so one computation a second is shared by every caller (`generatedAt` says when),
 * and once a second has passed callers still get the last one at once while the next is
 * computed: with 100,000 devices the aggregate takes tens of milliseconds on a busy
 * machine, which the caller whose turn it was used to wait for (the fleet-scale
 * benchmark's p99 was that wait: 99 ms, against a 100 ms target).
 */
@Injectable()
export class FleetStatusService {
  private readonly cache = new ShortLivedCache<FleetStatusView>(1000, { serveStaleForMs: STALE_MS });

  constructor(
    private readonly status: FleetStatusRepository,
    private readonly capacity: CapacityForecastService,
  ) {}

  get(): Promise<FleetStatusView> {
    return this.cache.get(() => this.compute());
  }

  private async compute(): Promise<FleetStatusView> {
    const now = Date.now();
    const [devices, certificates, requests, failures, capacity] = await Promise.all([
      this.status.devicesByStatus(),
      this.status.certificateCounts(new Date(now), new Date(now + 7 * DAY_MS)),
      this.status.requestsByStatus(),
      this.status.failuresSince(new Date(now - DAY_MS)),
      this.capacity.forecast(),
    ]);
    return {
      generatedAt: new Date(now).toISOString(),
      devices: {
        total: (devices.active ?? 0) + (devices.disabled ?? 0),
        active: devices.active ?? 0,
        disabled: devices.disabled ?? 0,
      },
      certificates: {
        valid: certificates.valid,
        expiring: certificates.expiringSoon,
        expired: certificates.expired,
        revoked: certificates.revoked,
      },
      requests: {
        pending: requests.pending ?? 0,
        deferred: requests.deferred ?? 0,
        processing: requests.processing ?? 0,
        valid: requests.valid ?? 0,
        failed: requests.failed ?? 0,
      },
      failures: { last24h: failures.total, byType: failures.byType },
      renewals: {
        dueWithin24h: capacity.next24h.renewalsDue,
        dueWithin7Days: capacity.next7Days.renewalsDue,
      },
      capacity,
    };
  }
}
