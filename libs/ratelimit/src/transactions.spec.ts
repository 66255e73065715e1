import { authorizationFailureTransactions, newOrderTransactions, successResets } from './transactions';
import { LETS_ENCRYPT, NO_LIMITS } from './presets';

const ORDER = {
  identifiers: [
    { type: 'dns' as const, value: 'a.devices.example.com' },
    { type: 'ip' as const, value: '192.0.2.1' },
  ],
  identifierSet: 'dns:a.devices.example.com,ip:192.0.2.1',
};

const summary = (txns: ReturnType<typeof newOrderTransactions>) =>
  txns.map((t) => `${t.limit.name}:${t.key}:${t.check ? 'c' : ''}${t.spend ? 's' : ''}`);

describe(newOrderTransactions.name, () => {
  it('should check and spend every certificate limit of a new set, and check the failure limits', () => {
    expect(summary(newOrderTransactions(LETS_ENCRYPT, { ...ORDER, exemption: 'none' }))).toEqual([
      'newOrdersPerAccount:account:cs',
      'certificatesPerRegisteredDomain:192.0.2.1/32:cs',
      'certificatesPerRegisteredDomain:example.com:cs',
      `certificatesPerExactSet:${ORDER.identifierSet}:cs`,
      'failedAuthorizationsPerIdentifier:a.devices.example.com:c',
      'consecutiveAuthorizationFailuresPerIdentifier:a.devices.example.com:c',
      'failedAuthorizationsPerIdentifier:192.0.2.1:c',
      'consecutiveAuthorizationFailuresPerIdentifier:192.0.2.1:c',
    ]);
  });

  it('should exempt a renewal from the new-orders and registered-domain limits only', () => {
    const names = newOrderTransactions(LETS_ENCRYPT, { ...ORDER, exemption: 'renewal' }).map(
      (t) => t.limit.name,
    );
    expect(names).not.toContain('newOrdersPerAccount');
    expect(names).not.toContain('certificatesPerRegisteredDomain');
    expect(names).toContain('certificatesPerExactSet');
    expect(names).toContain('failedAuthorizationsPerIdentifier');
    expect(names).toContain('consecutiveAuthorizationFailuresPerIdentifier');
  });

  it('should exempt an ARI renewal from every limit', () => {
    expect(newOrderTransactions(LETS_ENCRYPT, { ...ORDER, exemption: 'ari' })).toEqual([]);
  });

  it('should do nothing for a CA without limits', () => {
    expect(newOrderTransactions(NO_LIMITS, { ...ORDER, exemption: 'none' })).toEqual([]);
  });
});

describe(authorizationFailureTransactions.name, () => {
  it('should spend both failure buckets of the identifier, best effort', () => {
    const txns = authorizationFailureTransactions(LETS_ENCRYPT, { type: 'dns', value: 'A.Example.com' });
    expect(txns.map((t) => [t.limit.name, t.key, t.check, t.spend])).toEqual([
      ['failedAuthorizationsPerIdentifier', 'a.example.com', false, true],
      ['consecutiveAuthorizationFailuresPerIdentifier', 'a.example.com', false, true],
    ]);
  });
});

describe(successResets.name, () => {
  it('should reset the consecutive-failure bucket of each identifier', () => {
    expect(successResets(LETS_ENCRYPT, ORDER.identifiers)).toEqual([
      { limit: 'consecutiveAuthorizationFailuresPerIdentifier', key: 'a.devices.example.com' },
      { limit: 'consecutiveAuthorizationFailuresPerIdentifier', key: '192.0.2.1' },
    ]);
    expect(successResets(NO_LIMITS, ORDER.identifiers)).toEqual([]);
  });
});
