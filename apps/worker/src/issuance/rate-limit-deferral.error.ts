/**
 * The rate-limit gate found no headroom for a new order: nothing was sent to the CA and
 * nothing was spent. The request waits until `until`, when every blocking bucket has
 * refilled enough, and then runs again on its own.
 */
export class RateLimitDeferral extends Error {
  /** Problem type recorded on the request while it waits. */
  static readonly TYPE = 'urn:fleetcert:error:rateLimitHeadroom';

  constructor(
    readonly until: Date,
    readonly limits: string[],
    detail: string,
  ) {
    super(detail);
    this.name = 'RateLimitDeferral';
  }
}
