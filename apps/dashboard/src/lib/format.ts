/** Small display helpers shared by the pages. */

export function formatCount(n: number | null | undefined): string {
  return typeof n === 'number' ? new Intl.NumberFormat().format(n) : '—';
}

/**
 * `urn:ietf:params:acme:error:rateLimited` → `rateLimited`; fleetcert's own errors are
 * marked (`urn:fleetcert:error:dns` → `dns (fleetcert)`), so they never read as the CA's.
 */
export function shortErrorType(type: string): string {
  const acme = /^urn:ietf:params:acme:error:(.+)$/.exec(type);
  if (acme) return acme[1];
  const own = /^urn:fleetcert:error:(.+)$/.exec(type);
  return own ? `${own[1]} (fleetcert)` : type;
}

export function identifiersText(ids: { type: string; value: string }[]): string {
  return ids.map((i) => i.value).join(', ');
}

/** Serial numbers are long hex strings: group them so they can be read aloud and compared. */
export function formatSerial(hex: string): string {
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const LIMIT_TITLES: Record<string, string> = {
  newOrdersPerAccount: 'New orders per account',
  certificatesPerRegisteredDomain: 'Certificates per registered domain',
  certificatesPerExactSet: 'Certificates per exact set of names',
  failedAuthorizationsPerIdentifier: 'Failed validations per name',
  consecutiveAuthorizationFailuresPerIdentifier: 'Consecutive failed validations per name',
};

/** `newOrdersPerAccount` → "New orders per account". */
export function limitTitle(name: string): string {
  return LIMIT_TITLES[name] ?? name;
}
