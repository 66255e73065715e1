import { bucketsNamedByRefusal } from './refusal';
import { LETS_ENCRYPT, NO_LIMITS } from './presets';

const ORDER = {
  identifiers: [{ type: 'dns' as const, value: 'a.devices.example.com' }],
  identifierSet: 'dns:a.devices.example.com',
};

describe(bucketsNamedByRefusal.name, () => {
  const named = (detail: string) => bucketsNamedByRefusal(LETS_ENCRYPT, detail, ORDER);

  it("should read Let's Encrypt's new-orders refusal as the account's bucket", () => {
    expect(
      named(
        'too many new orders (300) from this account in the last 3h0m0s, retry after 2026-01-01 00:10:00 UTC',
      ),
    ).toEqual([{ limit: 'newOrdersPerAccount', key: 'account' }]);
  });

  it('should read the registered domain the CA quotes', () => {
    expect(
      named(
        'too many certificates (50) already issued for "example.com" in the last 168h0m0s, retry after …',
      ),
    ).toEqual([{ limit: 'certificatesPerRegisteredDomain', key: 'example.com' }]);
    expect(
      named('too many certificates (50) already issued for "192.0.2.7/32" in the last 168h0m0s'),
    ).toEqual([{ limit: 'certificatesPerRegisteredDomain', key: '192.0.2.7/32' }]);
  });

  it("should read the exact-set refusal as this order's set, in old and new wording", () => {
    const expected = [{ limit: 'certificatesPerExactSet', key: ORDER.identifierSet }];
    expect(
      named(
        'too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s',
      ),
    ).toEqual(expected);
    expect(
      named('too many certificates (5) already issued for this exact set of domains in the last 168h0m0s'),
    ).toEqual(expected);
  });

  it('should read the identifier of a failed-authorizations refusal', () => {
    expect(
      named('too many failed authorizations (5) for "b.example.com" in the last 1h0m0s, retry after …'),
    ).toEqual([{ limit: 'failedAuthorizationsPerIdentifier', key: 'b.example.com' }]);
  });

  it('should read the identifiers of a pause', () => {
    expect(
      named(
        'Your account is temporarily prevented from requesting certificates for a.example.com, b.example.com and possibly others. Please visit: https://portal',
      ),
    ).toEqual([
      { limit: 'consecutiveAuthorizationFailuresPerIdentifier', key: 'a.example.com' },
      { limit: 'consecutiveAuthorizationFailuresPerIdentifier', key: 'b.example.com' },
    ]);
  });

  it('should take an unknown refusal as account-wide', () => {
    expect(named('slow down')).toEqual([{ limit: 'newOrdersPerAccount', key: 'account' }]);
  });

  it('should name nothing for a CA modelled without limits', () => {
    expect(bucketsNamedByRefusal(NO_LIMITS, 'too many new orders', ORDER)).toEqual([]);
  });
});
