import { forecastOnboarding, tokensWithin } from './capacity-forecast';
import { LETS_ENCRYPT, NO_LIMITS } from './presets';
import { perPeriod } from './limits';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

describe(tokensWithin.name, () => {
  it('should count what the bucket holds plus what refills in the horizon', () => {
    const limit = perPeriod('newOrdersPerAccount', 10, 10_000); // one a second, ten at most
    expect(tokensWithin(limit, undefined, NOW, 0)).toBe(10);
    expect(tokensWithin(limit, undefined, NOW, 5_000)).toBe(15);
    expect(tokensWithin(limit, NOW + 10_000, NOW, 5_000)).toBe(5); // empty now
  });
});

describe(forecastOnboarding.name, () => {
  const base = { ca: LETS_ENCRYPT, now: NOW, ariRenewals: false, renewalsDue: { total: 0, underZone: 0 } };

  it("should be bound by the zone's registered domain under Let's Encrypt's limits", () => {
    // 50 now, one back every 201.6 minutes: 7 more in a day, 50 more in a week.
    expect(forecastOnboarding({ ...base, horizonMs: DAY })).toMatchObject({
      newDevices: 57,
      limitedBy: 'certificatesPerRegisteredDomain',
    });
    expect(forecastOnboarding({ ...base, horizonMs: 7 * DAY }).newDevices).toBe(100);
  });

  it('should leave renewals out when the CA exempts them', () => {
    const forecast = forecastOnboarding({
      ...base,
      horizonMs: DAY,
      renewalsDue: { total: 900, underZone: 900 },
    });
    expect(forecast).toMatchObject({ newDevices: 57, renewalsDue: 900 });
    expect(forecast.renewalsSpend).toEqual({ newOrdersPerAccount: 0, certificatesPerRegisteredDomain: 0 });
  });

  it('should subtract renewals from limits that do not exempt them', () => {
    const strict = { ...LETS_ENCRYPT, renewalExempt: [], ariRenewalExempt: false };
    const forecast = forecastOnboarding({
      ...base,
      ca: strict,
      horizonMs: DAY,
      renewalsDue: { total: 20, underZone: 20 },
    });
    expect(forecast).toMatchObject({ newDevices: 37, limitedBy: 'certificatesPerRegisteredDomain' });
    const ari = forecastOnboarding({
      ...base,
      ca: { ...strict, ariRenewalExempt: true },
      ariRenewals: true,
      horizonMs: DAY,
      renewalsDue: { total: 20, underZone: 20 },
    });
    expect(ari.newDevices).toBe(57);
  });

  it('should start from the buckets as they are now', () => {
    const empty = NOW + 50 * LETS_ENCRYPT.limits.certificatesPerRegisteredDomain!.refillMs;
    expect(forecastOnboarding({ ...base, horizonMs: DAY, zoneDomainTat: empty }).newDevices).toBe(7);
  });

  it('should report no limit for a CA without limits', () => {
    expect(forecastOnboarding({ ...base, ca: NO_LIMITS, horizonMs: DAY })).toMatchObject({
      newDevices: null,
      limitedBy: null,
    });
  });
});
