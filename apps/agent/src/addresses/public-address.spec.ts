import { isPublicAddress } from './public-address';

describe(isPublicAddress.name, () => {
  it.each([
    '8.8.8.8',
    '203.0.114.1',
    '100.128.0.1',
    '172.32.0.1',
    '2a00:1450:4001::200e',
    '2606:4700::6810:84e5',
  ])('should accept %s', (a) => expect(isPublicAddress(a)).toBe(true));
  it.each([
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.20',
    '127.0.0.1',
    '169.254.1.1',
    '100.64.0.1',
    '192.0.2.1',
    '198.51.100.1',
    '203.0.113.7',
    '224.0.0.1',
    '0.1.2.3',
    '::1',
    'fe80::1',
    'fd00::1',
    '2001:db8::1',
    '::ffff:8.8.8.8',
    'ff02::1',
    'not an address',
  ])('should refuse %s', (a) => expect(isPublicAddress(a)).toBe(false));
});
