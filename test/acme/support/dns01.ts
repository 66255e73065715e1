import { dns01TxtValueOf } from '@fleetcert/acme';
import type { DnsProvider, PropagationChecker } from '@fleetcert/dns';
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
