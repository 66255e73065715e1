import type { AcmeCa, AcmeIdentifier, AcmeOrder } from '@fleetcert/acme';

/** Solves one authorization the caller's way; cleans up whatever it set up before returning. */
export type ChallengeSolver = (ca: AcmeCa, authorizationUrl: string, deadline: Date) => Promise<void>;

/**
 * The order life cycle the worker will run, reduced to its ACME steps: order, solve every
 * pending authorization, finalize (at once: every authorization is valid), wait for
 * `valid`, download.
 */
export async function issue(
  ca: AcmeCa,
  identifiers: AcmeIdentifier[],
  csrDer: Uint8Array,
  solve: ChallengeSolver,
  timeoutMs = 20_000,
): Promise<{ order: AcmeOrder; chainPem: string }> {
  const deadline = new Date(Date.now() + timeoutMs);
  const order = await ca.createOrder({ identifiers });
  for (const url of order.authorizations) await solve(ca, url, deadline);
  const finalized = await ca.finalizeAuthorized(order, csrDer, deadline);
  const valid =
    finalized.status === 'valid' ? finalized : await ca.waitForOrder(order.url, ['valid'], deadline);
  return { order: valid, chainPem: await ca.downloadCertificate(valid) };
}
