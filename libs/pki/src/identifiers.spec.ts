import { canonicalIdentifiers, canonicalIp, identifierSetKey, normalizeDnsName } from './identifiers';

describe(normalizeDnsName.name, () => {
  it('should lower-case and drop one trailing dot', () => {
    expect(normalizeDnsName('Device.EXAMPLE.com.')).toBe('device.example.com');
  });

  it('should turn IDN U-labels into A-labels', () => {
    expect(normalizeDnsName('ünicode.example')).toBe('xn--nicode-2ya.example');
    expect(normalizeDnsName('ÜNICODE.Example.')).toBe('xn--nicode-2ya.example');
  });

  it('should keep a valid A-label as it is', () => {
    expect(normalizeDnsName('XN--NICODE-2YA.example')).toBe('xn--nicode-2ya.example');
  });

  it.each([
    ['a wildcard', '*.example.com'],
    ['an empty label', 'a..example.com'],
    ['a leading hyphen', '-a.example.com'],
    ['an underscore', 'a_b.example.com'],
    ['a space', 'exa mple.com'],
    ['an IPv4 address', '192.0.2.1'],
    ['a short IPv4 form', '127.1'],
    ['a hex IPv4 form', '0x7f.1'],
    ['an IPv6 address', '2001:db8::1'],
    ['an empty name', ''],
    ['a 64-character label', `${'a'.repeat(64)}.example.com`],
    ['a name over 253 characters', `${'a.'.repeat(127)}com`],
    ['invalid punycode', 'xn--zz.example.com'],
  ])('should refuse %s', (_what, name) => {
    expect(() => normalizeDnsName(name)).toThrow(RangeError);
  });
});

describe(canonicalIp.name, () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8::0001', '2001:db8::1'],
    ['::1', '::1'],
  ])('should write %s as %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it.each(['127.1', '010.0.0.1', '0x7f.0.0.1', '256.1.1.1', '1.2.3.4.5', 'fe80::1%eth0', 'example.com', ''])(
    'should refuse %s',
    (input) => {
      expect(() => canonicalIp(input)).toThrow(RangeError);
    },
  );
});

describe(canonicalIdentifiers.name, () => {
  it('should de-duplicate spellings and put DNS names first, each kind sorted', () => {
    expect(
      canonicalIdentifiers([
        { type: 'ip', value: '2001:DB8::1' },
        { type: 'dns', value: 'b.example.com' },
        { type: 'ip', value: '192.0.2.1' },
        { type: 'dns', value: 'A.example.com.' },
        { type: 'ip', value: '2001:db8:0::1' },
        { type: 'dns', value: 'a.example.com' },
      ]),
    ).toEqual([
      { type: 'dns', value: 'a.example.com' },
      { type: 'dns', value: 'b.example.com' },
      { type: 'ip', value: '192.0.2.1' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
  });

  it('should refuse an unknown identifier type', () => {
    expect(() => canonicalIdentifiers([{ type: 'email' as 'dns', value: 'a@example.com' }])).toThrow(
      RangeError,
    );
  });
});

describe(identifierSetKey.name, () => {
  it('should give one key for any order and spelling of the same set', () => {
    const key = 'dns:a.example.com,ip:192.0.2.1';
    expect(
      identifierSetKey([
        { type: 'dns', value: 'a.example.com' },
        { type: 'ip', value: '192.0.2.1' },
      ]),
    ).toBe(key);
    expect(
      identifierSetKey([
        { type: 'ip', value: '192.0.2.1' },
        { type: 'dns', value: 'A.Example.com.' },
        { type: 'dns', value: 'a.example.com' },
      ]),
    ).toBe(key);
  });

  it('should tell different sets apart', () => {
    expect(identifierSetKey([{ type: 'dns', value: 'a.example.com' }])).not.toBe(
      identifierSetKey([{ type: 'dns', value: 'b.example.com' }]),
    );
    expect(identifierSetKey([])).toBe('');
  });
});
