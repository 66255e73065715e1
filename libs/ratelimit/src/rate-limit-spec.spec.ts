import { parseRateLimitSpec, resolveRateLimits } from './rate-limit-spec';
import { LETS_ENCRYPT, LETS_ENCRYPT_STAGING, NO_LIMITS } from './presets';

const PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
const STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

describe(parseRateLimitSpec.name, () => {
  it('should read a preset alone', () => {
    expect(parseRateLimitSpec('letsencrypt')).toEqual({ preset: 'letsencrypt', overrides: {} });
    expect(parseRateLimitSpec(' none ')).toEqual({ preset: 'none', overrides: {} });
  });

  it('should read overrides with units, capacities and off', () => {
    expect(
      parseRateLimitSpec(
        'auto, newOrdersPerAccount=1500/3h, consecutiveAuthorizationFailuresPerIdentifier=1/1d:1152, certificatesPerExactSet=off',
      ),
    ).toEqual({
      preset: 'auto',
      overrides: {
        newOrdersPerAccount: { count: 1500, periodMs: 3 * 3600_000, capacity: 1500 },
        consecutiveAuthorizationFailuresPerIdentifier: { count: 1, periodMs: 86_400_000, capacity: 1152 },
        certificatesPerExactSet: 'off',
      },
    });
  });

  it('should refuse unknown presets, limits and malformed entries with a reason', () => {
    expect(() => parseRateLimitSpec('zerossl')).toThrow(/preset/);
    expect(() => parseRateLimitSpec('letsencrypt,ordersPerHour=1/1h')).toThrow(
      /unknown limit "ordersPerHour"/,
    );
    expect(() => parseRateLimitSpec('letsencrypt,newOrdersPerAccount=300')).toThrow(/count\/period/);
    expect(() => parseRateLimitSpec('letsencrypt,newOrdersPerAccount=0/1h')).toThrow(/positive/);
  });
});

describe(resolveRateLimits.name, () => {
  it("should choose Let's Encrypt staging for its directory and production limits elsewhere", () => {
    expect(resolveRateLimits(parseRateLimitSpec('auto'), STAGING)).toBe(LETS_ENCRYPT_STAGING);
    expect(resolveRateLimits(parseRateLimitSpec('auto'), PRODUCTION)).toBe(LETS_ENCRYPT);
    expect(resolveRateLimits(parseRateLimitSpec('auto'), 'https://ca.internal/dir')).toBe(LETS_ENCRYPT);
    expect(resolveRateLimits(parseRateLimitSpec('none'), PRODUCTION)).toBe(NO_LIMITS);
  });

  it('should apply overrides on the preset, keeping its exemptions', () => {
    const ca = resolveRateLimits(
      parseRateLimitSpec('letsencrypt,newOrdersPerAccount=1/4s,certificatesPerExactSet=off'),
      PRODUCTION,
    );
    expect(ca.limits.newOrdersPerAccount).toEqual({
      name: 'newOrdersPerAccount',
      capacity: 1,
      refillMs: 4000,
    });
    expect(ca.limits.certificatesPerExactSet).toBeUndefined();
    expect(ca.limits.certificatesPerRegisteredDomain).toBe(
      LETS_ENCRYPT.limits.certificatesPerRegisteredDomain,
    );
    expect(ca.renewalExempt).toEqual(LETS_ENCRYPT.renewalExempt);
    expect(ca.name).toContain('letsencrypt,');
  });
});

describe("Let's Encrypt's published limits", () => {
  it('should refill at the published rates', () => {
    const l = LETS_ENCRYPT.limits;
    expect(l.newOrdersPerAccount).toMatchObject({ capacity: 300, refillMs: 36_000 });
    // 7 days / 50 = 201.6 minutes ("1 per 202 min").
    expect(l.certificatesPerRegisteredDomain).toMatchObject({ capacity: 50, refillMs: 201.6 * 60_000 });
    expect(Math.round(l.certificatesPerExactSet!.refillMs / 3600_000)).toBe(34);
    expect(l.failedAuthorizationsPerIdentifier).toMatchObject({ capacity: 5, refillMs: 12 * 60_000 });
    expect(l.consecutiveAuthorizationFailuresPerIdentifier).toMatchObject({
      capacity: 1152,
      refillMs: 86_400_000,
    });
    expect(LETS_ENCRYPT_STAGING.limits.newOrdersPerAccount).toMatchObject({ capacity: 1500 });
  });
});
