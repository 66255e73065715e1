/**
 * A sealed secret could not be opened (or sealed): malformed bytes, a key id that is not
 * configured, or failed authentication. Messages never contain key material or plaintext.
 */
export class SecretBoxError extends Error {
  constructor(
    message: string,
    /** What went wrong, for callers that branch (`config`: the key list itself is invalid). */
    readonly reason: 'malformed' | 'unknownKey' | 'authentication' | 'config',
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}
