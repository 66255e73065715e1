import { isInZone, normalizeDnsName } from '../../wire/dns-name';

export interface BindUpdatePolicyOptions {
  /** The fleet zone, e.g. `devices.example.com`. */
  zone: string;
  /** TSIG key names the rules apply to (one set of rules per key). */
  keyNames: readonly string[];
  /** Host names inside the zone that the key must never change, e.g. the zone's own `ns1`. */
  protectedNames?: readonly string[];
}

/**
 * Renders the BIND9 `update-policy` clause that limits a fleetcert TSIG key to what the
 * control server writes: TXT (for `_acme-challenge.<label>`) and A/AAAA (device names)
 * below the zone, and nothing at names that would widen its power.
 *
 * BIND applies the first rule that matches, so the denials come first:
 * - the apex: SOA, NS, DS/CAA and anything else that governs the whole zone;
 * - `_acme-challenge.<zone>`: a TXT there would validate `<zone>` and `*.<zone>` certificates;
 * - `*.<zone>`: a wildcard record would answer for every name that does not exist;
 * - the zone's own nameserver hosts.
 * `wildcard *.<zone>` then matches every name strictly below the zone. BIND cannot express
 * "leftmost label is `_acme-challenge`", so TXT is granted at any depth: harmless, since the
 * key may write `_acme-challenge.<any label>` anyway, and it still cannot write CAA, NS, DS,
 * CNAME or DNAME anywhere.
 */
export function renderBindUpdatePolicy(options: BindUpdatePolicyOptions): string {
  const zone = normalizeDnsName(options.zone);
  const protectedNames = (options.protectedNames ?? []).map((name) => {
    const canonical = normalizeDnsName(name);
    if (!isInZone(canonical, zone)) throw new TypeError(`"${canonical}" is outside the zone "${zone}"`);
    return canonical;
  });
  const lines = ['update-policy {'];
  for (const keyName of options.keyNames.map(normalizeDnsName)) {
    const rule = (verb: string, kind: string, name: string, types: string) =>
      `  ${verb.padEnd(5)} ${keyName} ${kind.padEnd(9)} ${name}. ${types};`;
    lines.push(
      rule('deny', 'name', zone, 'ANY'),
      rule('deny', 'name', `_acme-challenge.${zone}`, 'ANY'),
      rule('deny', 'name', `*.${zone}`, 'ANY'),
      ...protectedNames.map((name) => rule('deny', 'subdomain', name, 'ANY')),
      rule('grant', 'wildcard', `*.${zone}`, 'TXT A AAAA'),
    );
  }
  lines.push('};');
  return lines.join('\n');
}
