/**
 * A short name for an error type: the CA's ACME problems by their name (`rateLimited`),
 * fleetcert's own marked as such (`dns (fleetcert)`, not to be confused with the CA's `dns`).
 */
export function errorTitle(type: string): string {
  const acme = /^urn:ietf:params:acme:error:(.+)$/.exec(type);
  if (acme) return acme[1];
  const own = /^urn:fleetcert:error:(.+)$/.exec(type);
  return own ? `${own[1]} (fleetcert)` : type;
}
