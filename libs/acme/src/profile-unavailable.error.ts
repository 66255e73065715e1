/**
 * The order cannot be placed with the profile it needs: the profile asked for is not
 * offered by the CA, or IP identifiers need `shortlived` and the CA does not offer it.
 * Permanent for this request (a `422` to a device), until the CA or the configuration changes.
 */
export class ProfileUnavailableError extends Error {
  constructor(
    message: string,
    /** The profile that was wanted. */
    readonly profile: string,
    /** What the CA's directory offers. */
    readonly advertised: string[],
  ) {
    super(message);
    this.name = 'ProfileUnavailableError';
  }
}
