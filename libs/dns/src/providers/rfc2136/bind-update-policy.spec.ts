import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderBindUpdatePolicy } from './bind-update-policy';

const README_EXAMPLE = {
  zone: 'devices.example.com',
  keyNames: ['fleetcert'],
  protectedNames: ['ns1.devices.example.com'],
};

describe(renderBindUpdatePolicy.name, () => {
  it('should put every denial before the one grant', () => {
    expect(renderBindUpdatePolicy(README_EXAMPLE).split('\n')).toEqual([
      'update-policy {',
      '  deny  fleetcert name      devices.example.com. ANY;',
      '  deny  fleetcert name      _acme-challenge.devices.example.com. ANY;',
      '  deny  fleetcert name      *.devices.example.com. ANY;',
      '  deny  fleetcert subdomain ns1.devices.example.com. ANY;',
      '  grant fleetcert wildcard  *.devices.example.com. TXT A AAAA;',
      '};',
    ]);
  });

  it('should repeat the rules for each key', () => {
    const policy = renderBindUpdatePolicy({ zone: 'Z.test.', keyNames: ['k1', 'K2'] });
    expect(policy.match(/grant (\S+) wildcard {2}\*\.z\.test\. TXT A AAAA;/g)).toEqual([
      'grant k1 wildcard  *.z.test. TXT A AAAA;',
      'grant k2 wildcard  *.z.test. TXT A AAAA;',
    ]);
  });

  it('should refuse a protected name outside the zone', () => {
    expect(() =>
      renderBindUpdatePolicy({ zone: 'z.test', keyNames: ['k'], protectedNames: ['ns1.other.test'] }),
    ).toThrow('"ns1.other.test" is outside the zone "z.test"');
  });

  it('should match the policy documented in libs/dns/README.md', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const indented = renderBindUpdatePolicy(README_EXAMPLE).replace(/^/gm, '  ');
    expect(readme).toContain(indented);
  });
});
