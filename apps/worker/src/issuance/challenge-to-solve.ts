import { AcmeAuthorization, AcmeChallenge, AcmeProblemError } from '@fleetcert/acme';

/**
 * The challenge of `type` to solve in an authorization; `null` when the authorization is
 * already valid (a resumed order, or one reusing an earlier validation). An authorization
 * that can no longer be solved throws the CA's own reason, so the request fails with it.
 */
export function challengeToSolve(authz: AcmeAuthorization, type: 'dns-01' | 'http-01'): AcmeChallenge | null {
  if (authz.status === 'valid') return null;
  if (authz.status !== 'pending') throw refusal(authz, `authorization is ${authz.status}`);
  const challenge = authz.challenges.find((c) => c.type === type);
  if (!challenge) throw refusal(authz, `the CA offered no ${type} challenge`);
  return challenge;
}

function refusal(authz: AcmeAuthorization, detail: string): AcmeProblemError {
  const challengeError = authz.challenges.find((c) => c.error)?.error;
  return AcmeProblemError.fromDocument(
    challengeError ?? {
      type: 'urn:ietf:params:acme:error:unauthorized',
      detail: `${authz.identifier.value}: ${detail}`,
    },
  );
}
