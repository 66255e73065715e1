import { exactSetKey, registeredDomainKey, registeredDomainKeys } from './bucket-keys';

describe(registeredDomainKey.name, () => {
  it('should key DNS names by registered domain from the Public Suffix List', () => {
    expect(registeredDomainKey({ type: 'dns', value: 'x7k2qf9a.devices.example.com' })).toBe('example.com');
    expect(registeredDomainKey({ type: 'dns', value: 'a.b.example.co.uk' })).toBe('example.co.uk');
  });

  it("should honour the list's private section, as the CA does", () => {
    expect(registeredDomainKey({ type: 'dns', value: 'www.me.github.io' })).toBe('me.github.io');
  });

  it('should key a name that is itself a public suffix by itself', () => {
    expect(registeredDomainKey({ type: 'dns', value: 'github.io' })).toBe('github.io');
  });

  it('should count an IPv4 address alone and an IPv6 address by its /64', () => {
    expect(registeredDomainKey({ type: 'ip', value: '192.0.2.7' })).toBe('192.0.2.7/32');
    expect(registeredDomainKey({ type: 'ip', value: '2001:db8:1:2:aaaa::1' })).toBe('2001:db8:1:2::/64');
    expect(registeredDomainKey({ type: 'ip', value: '2001:db8:1:2::ffff' })).toBe('2001:db8:1:2::/64');
  });

  it('should count a certificate once per registered domain', () => {
    expect(
      registeredDomainKeys([
        { type: 'dns', value: 'a.example.com' },
        { type: 'dns', value: 'b.example.com' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'ip', value: '2001:db8::2' },
      ]),
    ).toEqual(['2001:db8::/64', 'example.com']);
  });
});

describe(exactSetKey.name, () => {
  it('should keep short sets readable and hash very long ones', () => {
    expect(exactSetKey('dns:a.example.com,ip:192.0.2.1')).toBe('dns:a.example.com,ip:192.0.2.1');
    const long = Array.from({ length: 40 }, (_, i) => `dns:host-${i}.devices.example.com`).join(',');
    expect(exactSetKey(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
