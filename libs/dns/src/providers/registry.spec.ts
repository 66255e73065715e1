import { createDnsProvider, dnsProviderNames, isDnsProviderName } from './registry';
import { Rfc2136Provider } from './rfc2136/rfc2136.provider';

describe('DNS provider registry', () => {
  const options = {
    server: '127.0.0.1',
    zone: 'devices.example.com',
    tsig: { name: 'k', algorithm: 'hmac-sha256' as const, secret: Buffer.alloc(32, 1).toString('base64') },
  };

  it('should list the known providers', () => {
    expect(dnsProviderNames).toEqual(['rfc2136']);
    expect(isDnsProviderName('rfc2136')).toBe(true);
    expect(isDnsProviderName('toString')).toBe(false);
  });

  it('should build a provider by name', () => {
    const provider = createDnsProvider('rfc2136', options);
    expect(provider).toBeInstanceOf(Rfc2136Provider);
    expect((provider as Rfc2136Provider).zone).toBe('devices.example.com');
  });

  it('should refuse an unknown name', () => {
    expect(() => createDnsProvider('route53' as never, options as never)).toThrow(
      'unknown DNS provider "route53"; known: rfc2136',
    );
  });
});
