import { DEFAULT_STATE_DIR } from './agent-config';
import { ConfigError } from './config-error';
import { parseAgentConfig } from './parse-config';

const TOKEN = 'fcd_0123456789abcdef0123456789abcdef';
const minimal = { server: 'https://fleet.example.com/', token: TOKEN };

function problems(raw: unknown): string[] {
  try {
    parseAgentConfig(raw, '/etc/fleetcert-agent/config.json');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe(parseAgentConfig.name, () => {
  it('should fill in the defaults around server and token', () => {
    const config = parseAgentConfig(minimal, '/etc/fleetcert-agent/config.json');
    expect(config).toMatchObject({
      server: 'https://fleet.example.com',
      token: TOKEN,
      allowHttp: false,
      stateDir: DEFAULT_STATE_DIR,
      certificates: {
        dns: {
          enabled: true,
          dir: `${DEFAULT_STATE_DIR}/certs/dns`,
          keyType: 'ecdsa-p256',
          includeNonPublic: false,
        },
        ip: { enabled: false, dir: `${DEFAULT_STATE_DIR}/certs/ip`, keyType: 'ecdsa-p256' },
      },
      addresses: { ipv4: { from: 'interface' }, ipv6: { from: 'interface' }, checkIntervalSeconds: 120 },
      responder: { mode: 'off', listen: '[::]:80' },
      retry: { initialDelaySeconds: 5, maxDelaySeconds: 900 },
      logLevel: 'info',
    });
    expect(config.caBundle).toBeUndefined();
    expect(config.reloadCommand).toBeUndefined();
  });

  it('should read every setting and resolve relative paths against the file', () => {
    const config = parseAgentConfig(
      {
        ...minimal,
        caBundle: 'ca.pem',
        stateDir: 'state',
        certificates: {
          dns: { keyType: 'rsa-3072', profile: 'tlsserver' },
          ip: { enabled: true, dir: '/srv/tls/ip', includeNonPublic: true },
        },
        reloadCommand: 'systemctl reload nginx',
        addresses: { ipv4: 'url:https://api.ipify.org', ipv6: 'none', checkIntervalSeconds: 30 },
        responder: { mode: 'pull', listen: '0.0.0.0:8080' },
        retry: { initialDelaySeconds: 1, maxDelaySeconds: 60 },
        intervals: { pollMinSeconds: 0.5 },
        logLevel: 'debug',
      },
      '/opt/agent/config.json',
    );
    expect(config).toMatchObject({
      caBundle: '/opt/agent/ca.pem',
      stateDir: '/opt/agent/state',
      certificates: {
        dns: { enabled: true, dir: '/opt/agent/state/certs/dns', keyType: 'rsa-3072', profile: 'tlsserver' },
        ip: { enabled: true, dir: '/srv/tls/ip', includeNonPublic: true },
      },
      reloadCommand: 'systemctl reload nginx',
      addresses: {
        ipv4: { from: 'url', url: 'https://api.ipify.org/' },
        ipv6: { from: 'none' },
        checkIntervalSeconds: 30,
      },
      responder: { mode: 'pull', listen: '0.0.0.0:8080' },
      retry: { initialDelaySeconds: 1, maxDelaySeconds: 60, refusedInitialDelaySeconds: 300 },
      intervals: { pollMinSeconds: 0.5, pollMaxSeconds: 15 },
      logLevel: 'debug',
    });
  });

  it('should name every problem at once, never the token', () => {
    const found = problems({
      server: 'ftp://x',
      token: 'has spaces in it, a secret',
      certificates: { dns: { keyType: 'dsa-1024' }, ip: { enabled: 'yes' } },
      addresses: { ipv4: 'static:::1', ipv6: 'dhcp' },
      responder: { mode: 'tunnel', listen: '::80' },
      retry: { initialDelaySeconds: 10, maxDelaySeconds: 1 },
      reloadComand: 'typo',
    });
    expect(found).toEqual([
      'server must be an https:// URL',
      'token must be the device token the operator gave you (printable, no spaces)',
      'certificates.dns.keyType must be one of ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096',
      'certificates.ip.enabled must be true or false',
      'addresses.ipv4: static: needs an ipv4 address',
      'addresses.ipv6: "dhcp" is not an address source (interface[:NAME], url:URL, command:CMD, static:ADDRESS, none)',
      'responder.mode must be one of off, proxy, redirect, pull',
      'responder.listen: "::80" is not host:port (IPv6 in brackets, e.g. [::]:80)',
      'retry.maxDelaySeconds must not be below retry.initialDelaySeconds',
      'reloadComand is not a known setting',
    ]);
    expect(found.join('\n')).not.toContain('a secret');
  });

  it('should require server and token', () => {
    expect(problems({})).toEqual(['server is required', 'token is required']);
    expect(problems([])).toContain('the configuration must be an object');
  });

  it('should refuse plain http unless allowHttp says it is a development server', () => {
    expect(problems({ ...minimal, server: 'http://10.0.0.1:3000' })[0]).toContain(
      'cross the network in clear',
    );
    expect(
      parseAgentConfig({ ...minimal, server: 'http://10.0.0.1:3000', allowHttp: true }, '/c.json').server,
    ).toBe('http://10.0.0.1:3000');
  });

  it('should keep a path prefix of the server URL and refuse credentials or queries in it', () => {
    expect(parseAgentConfig({ ...minimal, server: 'https://example.com/fleetcert/' }, '/c.json').server).toBe(
      'https://example.com/fleetcert',
    );
    expect(problems({ ...minimal, server: 'https://user:pw@example.com' })).toEqual([
      'server must not carry credentials, a query or a fragment',
    ]);
  });

  it('should keep the two kinds in different directories (one key per kind)', () => {
    expect(problems({ ...minimal, certificates: { dns: { dir: '/tls' }, ip: { dir: '/tls' } } })).toEqual([
      'certificates.dns.dir and certificates.ip.dir must differ (one key per kind)',
    ]);
  });

  it('should accept null as "use the default"', () => {
    expect(
      parseAgentConfig({ ...minimal, caBundle: null, reloadCommand: null }, '/c.json').caBundle,
    ).toBeUndefined();
  });
});
