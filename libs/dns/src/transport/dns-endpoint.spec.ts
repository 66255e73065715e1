import { formatEndpoint, parseEndpoint } from './dns-endpoint';

describe(parseEndpoint.name, () => {
  it.each([
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['127.0.0.1', { host: '127.0.0.1', port: 53 }],
    ['ns1.example.com:1053', { host: 'ns1.example.com', port: 1053 }],
    ['[2001:db8::1]:5353', { host: '2001:db8::1', port: 5353 }],
    ['[::1]', { host: '::1', port: 53 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
  ])('should parse %s', (text, expected) => {
    expect(parseEndpoint(text)).toEqual(expected);
  });

  it.each(['', 'host:', 'host:0', 'host:65536', '[127.0.0.1]:53', 'a b:53', 'http://x'])(
    'should refuse %j',
    (text) => {
      expect(() => parseEndpoint(text)).toThrow(TypeError);
    },
  );

  it('should format IPv6 endpoints with brackets', () => {
    expect(formatEndpoint({ host: '::1', port: 53 })).toBe('[::1]:53');
    expect(formatEndpoint({ host: 'ns1.example.com', port: 53 })).toBe('ns1.example.com:53');
  });
});
