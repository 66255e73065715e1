import { InvalidDnsRequestError } from '../errors/invalid-dns-request.error';
import {
  assertInZone,
  decodeDnsName,
  encodeDnsName,
  isInZone,
  normalizeDnsName,
  skipDnsName,
} from './dns-name';

describe('dns-name', () => {
  describe(normalizeDnsName.name, () => {
    it('should lower-case and drop the trailing dot', () => {
      expect(normalizeDnsName('_ACME-Challenge.X7k2.Devices.Example.COM.')).toBe(
        '_acme-challenge.x7k2.devices.example.com',
      );
    });

    it.each([
      ['', /empty/],
      ['.', /empty/],
      ['a..b', /label ""/],
      ['a.b..', /label ""/],
      ['*.example.com', /label "\*"/],
      ['a b.example.com', /label "a b"/],
      ['é.example.com', /label "é"/],
      [`${'a'.repeat(64)}.com`, /1-63 characters/],
      [Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.'), /longer than 255 octets/],
    ])('should refuse %j', (name, message) => {
      expect(() => normalizeDnsName(name)).toThrow(InvalidDnsRequestError);
      expect(() => normalizeDnsName(name)).toThrow(message);
    });

    it('should accept a name of exactly 255 octets on the wire', () => {
      const name = [...Array.from({ length: 3 }, () => 'a'.repeat(63)), 'b'.repeat(61)].join('.');
      expect(encodeDnsName(normalizeDnsName(name))).toHaveLength(255);
    });
  });

  describe(isInZone.name, () => {
    it('should match the zone and names below it, not lookalikes', () => {
      expect(isInZone('devices.example.com', 'devices.example.com')).toBe(true);
      expect(isInZone('a.b.devices.example.com', 'devices.example.com')).toBe(true);
      expect(isInZone('evildevices.example.com', 'devices.example.com')).toBe(false);
      expect(isInZone('example.com', 'devices.example.com')).toBe(false);
    });

    it('should canonicalise before checking', () => {
      expect(assertInZone('X.Devices.Example.com.', 'devices.example.com')).toBe('x.devices.example.com');
      expect(() => assertInZone('x.example.org', 'devices.example.com')).toThrow(
        '"x.example.org" is outside the zone "devices.example.com"',
      );
    });
  });

  describe('wire form', () => {
    it('should encode uncompressed labels and the root', () => {
      expect(encodeDnsName('ab.c').toString('hex')).toBe('026162016300');
      expect(encodeDnsName('').toString('hex')).toBe('00');
    });

    it('should decode compressed names and report where the name ended', () => {
      // "example.com" at 0, then "www" + pointer to 0 at 13.
      const message = Buffer.concat([
        encodeDnsName('example.com'),
        Buffer.from([3, 0x57, 0x57, 0x57, 0xc0, 0]),
      ]);
      expect(decodeDnsName(message, 13)).toEqual({ name: 'www.example.com', next: 19 });
      expect(skipDnsName(message, 13)).toBe(19);
    });

    it('should refuse pointer loops and overruns', () => {
      expect(() => decodeDnsName(Buffer.from([0xc0, 0]), 0)).toThrow(/does not point backwards/);
      expect(() => decodeDnsName(Buffer.from([5, 0x61]), 0)).toThrow(/past the end/);
      expect(() => decodeDnsName(Buffer.from([0x40]), 0)).toThrow(/unsupported label type/);
    });
  });
});
