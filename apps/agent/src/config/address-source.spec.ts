import { formatAddressSource, parseAddressSource } from './address-source';
import { parseListenAddress } from './listen-address';

describe(parseAddressSource.name, () => {
  it.each([
    ['interface', 'ipv4', { from: 'interface' }],
    ['interface:eth0', 'ipv4', { from: 'interface', interface: 'eth0' }],
    ['url:https://api64.ipify.org', 'ipv6', { from: 'url', url: 'https://api64.ipify.org/' }],
    [
      'command:ip -4 addr show wan0 | grep -oP "(?<=inet )[^/]+"',
      'ipv4',
      { from: 'command', command: 'ip -4 addr show wan0 | grep -oP "(?<=inet )[^/]+"' },
    ],
    ['static:192.0.2.10', 'ipv4', { from: 'static', address: '192.0.2.10' }],
    ['static:2001:db8::10', 'ipv6', { from: 'static', address: '2001:db8::10' }],
    ['none', 'ipv6', { from: 'none' }],
  ] as const)('should read %s', (text, family, expected) => {
    const parsed = parseAddressSource(text, family);
    expect(parsed).toEqual(expected);
    expect(parseAddressSource(formatAddressSource(parsed as never), family)).toEqual(expected);
  });

  it.each([
    ['static:2001:db8::1', 'ipv4', 'static: needs an ipv4 address'],
    ['url:not a url', 'ipv4', 'url: needs an http(s) URL, e.g. url:https://api.ipify.org'],
    ['url:file:///etc/passwd', 'ipv4', 'url: must be http(s)'],
    ['command:  ', 'ipv4', 'command: needs a command'],
    ['interface:eth0; rm -rf /', 'ipv4', '"eth0; rm -rf /" is not an interface name'],
    ['none:x', 'ipv4', 'none takes no argument'],
  ] as const)('should explain what is wrong with %s', (text, family, message) => {
    expect(parseAddressSource(text, family)).toBe(message);
  });
});

describe(parseListenAddress.name, () => {
  it.each([
    ['[::]:80', { host: '::', port: 80 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[2001:db8::1]:8080', { host: '2001:db8::1', port: 8080 }],
    ['localhost:8080', { host: 'localhost', port: 8080 }],
  ])('should read %s', (text, expected) => expect(parseListenAddress(text)).toEqual(expected));

  it.each(['80', ':80', '[::]80', '[1.2.3.4]:80', '0.0.0.0:99999', '::1:80'])('should refuse %s', (text) =>
    expect(typeof parseListenAddress(text)).toBe('string'),
  );
});
