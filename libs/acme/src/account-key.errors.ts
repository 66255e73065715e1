/**
 * A challenge answer was not sent because the account key changed (a rollover) after its
 * key authorization was published: the CA would check the published value against the new
 * key and fail the authorization. Transient: publish again with the new key and answer.
 */
export class AccountKeyChangedError extends Error {
  constructor(readonly challengeUrl: string) {
    super(
      `the ACME account key was rolled over after challenge ${challengeUrl} was published; publish it again`,
    );
    this.name = 'AccountKeyChangedError';
  }
}

/** A key rollover was asked for while another one is under way (or was cut off less than a minute ago). */
export class AccountKeyRolloverInProgressError extends Error {
  constructor(readonly directoryUrl: string) {
    super(`a key rollover of the ACME account at ${directoryUrl} is already under way`);
    this.name = 'AccountKeyRolloverInProgressError';
  }
}
