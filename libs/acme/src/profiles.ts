import { ProfileUnavailableError } from './profile-unavailable.error';

/** Let's Encrypt's only profile for IP identifiers (about 160 hours of validity). */
export const SHORTLIVED_PROFILE = 'shortlived';

export interface ProfileChoice {
  /** The directory's `meta.profiles` (name → description), `undefined` when it has none. */
  advertised: Record<string, string> | undefined;
  /** What the device asked for. */
  requested?: string;
  /** The fleet's configured default. */
  fleetDefault?: string;
  /** Whether the order has at least one `ip` identifier. */
  hasIp: boolean;
}

/**
 * The `profile` to send in newOrder (draft-ietf-acme-profiles), or `undefined` to send
 * none (the CA's default). Throws {@link ProfileUnavailableError} for an order the CA would
 * refuse or issue wrongly.
 *
 * - The CA advertises no profiles (Pebble 2.4, older CAs): send none; it would ignore or
 *   refuse one.
 * - IP identifiers: `shortlived`, the only profile under which Let's Encrypt issues for IPs;
 *   a device asking for another is refused, the fleet default is overridden.
 * - Otherwise the device's request, else the fleet default, else none — and it must be one
 *   the CA advertises (an unknown one is answered `invalidProfile` after an order was spent).
 */
export function chooseProfile(choice: ProfileChoice): string | undefined {
  const advertised = choice.advertised ? Object.keys(choice.advertised) : [];
  if (advertised.length === 0) return undefined;
  const offered = `offered: ${advertised.join(', ')}`;

  if (choice.hasIp) {
    if (!advertised.includes(SHORTLIVED_PROFILE)) {
      throw new ProfileUnavailableError(
        `IP identifiers need the "${SHORTLIVED_PROFILE}" profile, which this CA does not offer (${offered})`,
        SHORTLIVED_PROFILE,
        advertised,
      );
    }
    if (choice.requested !== undefined && choice.requested !== SHORTLIVED_PROFILE) {
      throw new ProfileUnavailableError(
        `profile "${choice.requested}" cannot certify IP identifiers: only "${SHORTLIVED_PROFILE}" can`,
        choice.requested,
        advertised,
      );
    }
    return SHORTLIVED_PROFILE;
  }

  const wanted = choice.requested ?? choice.fleetDefault;
  if (wanted === undefined) return undefined;
  if (!advertised.includes(wanted)) {
    const whose = choice.requested !== undefined ? 'requested' : 'fleet default';
    throw new ProfileUnavailableError(
      `${whose} profile "${wanted}" is not offered by the CA (${offered})`,
      wanted,
      advertised,
    );
  }
  return wanted;
}
