import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fleetcert/config';
import { FleetStatusRepository, RateLimitRepository } from '@fleetcert/db';
import {
  ACCOUNT_KEY,
  bucketId,
  CaRateLimits,
  forecastOnboarding,
  OnboardingForecast,
  registeredDomainKey,
  resolveRateLimits,
} from '@fleetcert/ratelimit';
import { CaDirectoryView } from '../../ca-directory/ca-directory-view';
import { ShortLivedCache } from '../../common/short-lived-cache';

const DAY_MS = 86_400_000;

/** What the fleet status and the rate-limit view need, computed together. */
export interface CapacityForecast {
  next24h: OnboardingForecast;
  next7Days: OnboardingForecast;
}

/**
 * How many new devices can get their first certificate in the next 24 hours and 7 days,
 * from the rate-limit buckets as they are and the renewals already due (see
 * `forecastOnboarding`). Shared by the fleet status and the rate-limit views.
 */
@Injectable()
export class CapacityForecastService {
  /** The CA's limits as modelled for the configured directory. */
  readonly limits: CaRateLimits;
  /** Buckets are kept per ACME account, i.e. per directory. */
  readonly scope: string;
  /** Dashboards poll it: at most one computation a second, shared. */
  private readonly cache = new ShortLivedCache<CapacityForecast>(1000);

  constructor(
    private readonly buckets: RateLimitRepository,
    private readonly status: FleetStatusRepository,
    private readonly caDirectory: CaDirectoryView,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.scope = config.acme.directoryUrl;
    this.limits = resolveRateLimits(config.rateLimits, config.acme.directoryUrl);
  }

  forecast(): Promise<CapacityForecast> {
    return this.cache.get(() => this.compute());
  }

  private async compute(): Promise<CapacityForecast> {
    const now = Date.now();
    const zone = this.config.fleet.zone;
    // Every device name is <label>.<zone>: they all share this registered domain.
    const zoneDomain = registeredDomainKey({ type: 'dns', value: `device.${zone}` });
    const orders = { limit: 'newOrdersPerAccount' as const, key: ACCOUNT_KEY };
    const domain = { limit: 'certificatesPerRegisteredDomain' as const, key: zoneDomain };
    const [tats, ariRenewals, [due24h, due7d]] = await Promise.all([
      this.buckets.tats(this.scope, [orders, domain]),
      // Without the directory, assume no ARI: the forecast errs low.
      this.caDirectory.current().then((d) => d?.renewalInfo !== undefined),
      this.status.renewalsDue([new Date(now + DAY_MS), new Date(now + 7 * DAY_MS)], zone),
    ]);
    const input = {
      ca: this.limits,
      now,
      accountOrdersTat: tats.get(bucketId(orders)),
      zoneDomainTat: tats.get(bucketId(domain)),
      ariRenewals,
    };
    return {
      next24h: forecastOnboarding({ ...input, horizonMs: DAY_MS, renewalsDue: due24h }),
      next7Days: forecastOnboarding({ ...input, horizonMs: 7 * DAY_MS, renewalsDue: due7d }),
    };
  }
}
