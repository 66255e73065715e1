import { api } from './client';

/** One CA rate-limit bucket that is not full (a bucket not listed is full). */
export interface RateLimitBucket {
  limit: string;
  key: string;
  capacity: number;
  remaining: number;
  refillEverySeconds: number;
  /** When the next token arrives (null: the bucket is full). */
  nextAvailableAt: string | null;
  fullAt: string;
}

export interface RateLimitDefinition {
  limit: string;
  capacity: number;
  refillEverySeconds: number;
  renewalExempt: boolean;
  ariRenewalExempt: boolean;
}

export interface OnboardingForecast {
  /** New devices that can get a first certificate in the period; null: no modelled limit applies. */
  newDevices: number | null;
  limitedBy: string | null;
  renewalsDue: number;
  renewalsSpend: { newOrdersPerAccount: number; certificatesPerRegisteredDomain: number };
}

export interface CapacityForecast {
  next24h: OnboardingForecast;
  next7Days: OnboardingForecast;
}

/** `GET /v1/admin/rate-limits`. */
export interface RateLimitsView {
  account: { directoryUrl: string; accountUrl: string | null };
  model: string;
  limits: RateLimitDefinition[];
  buckets: RateLimitBucket[];
  nextCursor?: string;
  forecast: CapacityForecast;
}

export function loadRateLimits(cursor: string | undefined, signal?: AbortSignal): Promise<RateLimitsView> {
  return api.get<RateLimitsView>('/v1/admin/rate-limits', { pageSize: 100, cursor }, signal);
}
