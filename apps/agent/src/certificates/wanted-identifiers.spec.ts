import type { DeviceView } from '../api/device-api.types';
import { wantedIdentifiers } from './wanted-identifiers';

const device = (ipv4: string | null, ipv6: string | null): DeviceView => ({
  identifier: 'd',
  hostname: 'x7k2.devices.example.com',
  addresses: { ipv4, ipv6 },
  certificates: [],
});

describe(wantedIdentifiers.name, () => {
  it('should name only the hostname in the DNS certificate, never an address', () => {
    expect(
      wantedIdentifiers('dns', device('203.0.113.7', '2001:4860::7'), { includeNonPublic: false }),
    ).toEqual({
      identifiers: [{ type: 'dns', value: 'x7k2.devices.example.com' }],
    });
  });

  it('should name only the public addresses in the IP certificate, never the hostname', () => {
    expect(wantedIdentifiers('ip', device('8.8.4.4', '2001:4860::7'), { includeNonPublic: false })).toEqual({
      identifiers: [
        { type: 'ip', value: '8.8.4.4' },
        { type: 'ip', value: '2001:4860::7' },
      ],
    });
    expect(
      wantedIdentifiers('ip', device('192.168.1.20', '2001:4860::7'), { includeNonPublic: false }),
    ).toEqual({
      identifiers: [{ type: 'ip', value: '2001:4860::7' }],
    });
  });

  it('should say why no IP certificate is needed', () => {
    expect(wantedIdentifiers('ip', device('192.168.1.20', null), { includeNonPublic: false })).toEqual({
      none: 'no public address on record (192.168.1.20): a CA can only validate a public one',
    });
    expect(wantedIdentifiers('ip', device(null, null), { includeNonPublic: false })).toEqual({
      none: 'the server has no address on record for this device',
    });
  });

  it('should include private addresses for a private CA when told to', () => {
    expect(wantedIdentifiers('ip', device('10.0.0.5', null), { includeNonPublic: true })).toEqual({
      identifiers: [{ type: 'ip', value: '10.0.0.5' }],
    });
  });
});
