import { dns01TxtValueOf } from '@fleetcert/acme';
import { DnsProvider, PropagationChecker, Rfc2136Provider } from '@fleetcert/dns';
import type { Bind9Handle } from '../../support/bind9';
import type { ChallengeSolver } from './issue';

/**
 * DNS-01 the way the worker does it: TXT through the provider, wait until every
 * authoritative nameserver serves it, only then tell the CA; always remove the record.
 */
export function dns01Solver(
  provider: DnsProvider,
  checker: PropagationChecker,
  zone: string,
): ChallengeSolver {
  return async (ca, url, deadline) => {
    const authorization = await ca.getAuthorization(url);
    if (authorization.status === 'valid') return; // reused authorization
    const challenge = authorization.challenges.find((c) => c.type === 'dns-01');
    if (!challenge) throw new Error('no dns-01 challenge offered');
    const fqdn = `_acme-challenge.${authorization.identifier.value}`;
    const keyAuthorization = await ca.keyAuthorization(challenge.token);
    const value = dns01TxtValueOf(keyAuthorization);
    await provider.presentTxt(fqdn, value);
    try {
      await checker.waitForTxt(zone, fqdn, value);
      await ca.answerChallenge(challenge.url, keyAuthorization);
      await ca.waitForAuthorization(url, deadline);
    } finally {
      await provider.cleanUpTxt(fqdn, value);
    }
  };
}

/** The worker's DNS side against a test BIND9: RFC 2136 updates, and a quick propagation check. */
export function dns01Peers(
  bind: Bind9Handle,
  zone: string,
): { provider: Rfc2136Provider; checker: PropagationChecker } {
  return {
    provider: new Rfc2136Provider({ server: bind.host, port: bind.port, zone, tsig: bind.tsig, ttl: 5 }),
    checker: new PropagationChecker({
      nameservers: [`${bind.host}:${bind.port}`],
      intervalMs: 50,
      timeoutMs: 5000,
    }),
  };
}
