import { AdminCertificatesController } from './certificates/admin-certificates.controller';
import { RevocationService } from './certificates/revocation.service';
import { FleetStatusController } from './fleet-status/fleet-status.controller';
import { FleetStatusService } from './fleet-status/fleet-status.service';
import { CapacityForecastService } from './rate-limits/capacity-forecast.service';
import { RateLimitsController } from './rate-limits/rate-limits.controller';
import { RateLimitsService } from './rate-limits/rate-limits.service';
import { RenewalsController } from './renewals/renewals.controller';
import { RenewalsService } from './renewals/renewals.service';

/**
 * The admin endpoints of rate limits and renewal: CA headroom and the onboarding forecast,
 * fleet status, forced renewal and revocation.
 */
export const RENEWAL_CONTROLLERS = [
  RateLimitsController,
  FleetStatusController,
  AdminCertificatesController,
  RenewalsController,
];

export const RENEWAL_PROVIDERS = [
  CapacityForecastService,
  RateLimitsService,
  FleetStatusService,
  RevocationService,
  RenewalsService,
];
