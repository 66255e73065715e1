import type { CaRateLimits, LimitName, RateLimit } from './limits';

export interface OnboardingForecastInput {
  ca: CaRateLimits;
  now: number;
  horizonMs: number;
  /** Current TAT of the account's `newOrdersPerAccount` bucket (absent: full). */
  accountOrdersTat?: number;
  /** Current TAT of the `certificatesPerRegisteredDomain` bucket of the fleet zone's registered domain. */
  zoneDomainTat?: number;
  /** Renewals that will order within the horizon: all of them, and those under the fleet zone. */
  renewalsDue: { total: number; underZone: number };
  /** Whether renewals go out as ARI renewals (the CA has ARI), exempt from every limit. */
  ariRenewals: boolean;
}

export interface OnboardingForecast {
  /** New devices (one certificate under the fleet zone each) that can get a first certificate in the horizon; `null`: no modelled limit applies. */
  newDevices: number | null;
  /** The limit that sets the number, or `null`. */
  limitedBy: LimitName | null;
  /** Renewals expected within the horizon. */
  renewalsDue: number;
  /** Tokens those renewals take from the account's order limit and the zone's domain limit. */
  renewalsSpend: { newOrdersPerAccount: number; certificatesPerRegisteredDomain: number };
}

/**
 * How many new devices can be onboarded within `horizonMs`: a first certificate for a new
 * device spends one new order and one token of the fleet zone's registered domain (its
 * identifier set is new, so the exact-set limit never binds). The most a GCRA bucket can
 * hand out over a horizon is what it holds now plus what refills meanwhile; renewals due in
 * the horizon take their share first unless the CA exempts them (Let's Encrypt exempts
 * renewals from both limits, ARI renewals from all).
 */
export function forecastOnboarding(input: OnboardingForecastInput): OnboardingForecast {
  const { ca, now, horizonMs } = input;
  const renewalSpend = (name: LimitName, due: number) =>
    (input.ariRenewals && ca.ariRenewalExempt) || ca.renewalExempt.includes(name) ? 0 : due;
  const spend = {
    newOrdersPerAccount: renewalSpend('newOrdersPerAccount', input.renewalsDue.total),
    certificatesPerRegisteredDomain: renewalSpend(
      'certificatesPerRegisteredDomain',
      input.renewalsDue.underZone,
    ),
  };
  const candidates: { name: LimitName; room: number }[] = [];
  const orders = ca.limits.newOrdersPerAccount;
  if (orders) {
    candidates.push({
      name: orders.name,
      room: tokensWithin(orders, input.accountOrdersTat, now, horizonMs) - spend.newOrdersPerAccount,
    });
  }
  const domain = ca.limits.certificatesPerRegisteredDomain;
  if (domain) {
    candidates.push({
      name: domain.name,
      room: tokensWithin(domain, input.zoneDomainTat, now, horizonMs) - spend.certificatesPerRegisteredDomain,
    });
  }
  if (candidates.length === 0) {
    return { newDevices: null, limitedBy: null, renewalsDue: input.renewalsDue.total, renewalsSpend: spend };
  }
  const tightest = candidates.reduce((a, b) => (b.room < a.room ? b : a));
  return {
    newDevices: Math.max(0, tightest.room),
    limitedBy: tightest.name,
    renewalsDue: input.renewalsDue.total,
    renewalsSpend: spend,
  };
}

/** The most tokens a bucket can hand out from `now` to `now + horizonMs`. */
export function tokensWithin(
  limit: RateLimit,
  tat: number | undefined,
  now: number,
  horizonMs: number,
): number {
  const base = Math.max(tat ?? now, now);
  return Math.max(
    0,
    Math.floor((now + horizonMs + limit.capacity * limit.refillMs - base) / limit.refillMs + 1e-9),
  );
}
