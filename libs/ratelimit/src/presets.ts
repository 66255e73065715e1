import { CaRateLimits, perPeriod } from './limits';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/**
 * Let's Encrypt production (https://letsencrypt.org/docs/rate-limits/, Boulder's
 * `ratelimits`): 300 new orders per 3 h, 50 certificates per registered domain per 7 days,
 * 5 per exact identifier set per 7 days, 5 failed authorizations per identifier per hour,
 * 1,152 consecutive failures refilled one a day. Renewals (a set issued in the last 120
 * days) are exempt from the first two; ARI renewals from all.
 */
export const LETS_ENCRYPT: CaRateLimits = {
  name: 'letsencrypt',
  limits: {
    newOrdersPerAccount: perPeriod('newOrdersPerAccount', 300, 3 * HOUR),
    certificatesPerRegisteredDomain: perPeriod('certificatesPerRegisteredDomain', 50, 7 * DAY),
    certificatesPerExactSet: perPeriod('certificatesPerExactSet', 5, 7 * DAY),
    failedAuthorizationsPerIdentifier: perPeriod('failedAuthorizationsPerIdentifier', 5, HOUR),
    consecutiveAuthorizationFailuresPerIdentifier: perPeriod(
      'consecutiveAuthorizationFailuresPerIdentifier',
      1,
      DAY,
      1152,
    ),
  },
  renewalExempt: ['newOrdersPerAccount', 'certificatesPerRegisteredDomain'],
  renewalLookbackMs: 120 * DAY,
  ariRenewalExempt: true,
};

/** Let's Encrypt staging: the same, with 1,500 new orders per 3 h. */
export const LETS_ENCRYPT_STAGING: CaRateLimits = {
  ...LETS_ENCRYPT,
  name: 'letsencrypt-staging',
  limits: {
    ...LETS_ENCRYPT.limits,
    newOrdersPerAccount: perPeriod('newOrdersPerAccount', 1500, 3 * HOUR),
  },
};

/** A CA without limits (Pebble, a private CA): nothing is checked or spent. */
export const NO_LIMITS: CaRateLimits = {
  name: 'none',
  limits: {},
  renewalExempt: [],
  renewalLookbackMs: 0,
  ariRenewalExempt: false,
};

export const PRESETS: Record<string, CaRateLimits> = {
  letsencrypt: LETS_ENCRYPT,
  'letsencrypt-staging': LETS_ENCRYPT_STAGING,
  none: NO_LIMITS,
};
