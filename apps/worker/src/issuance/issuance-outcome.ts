/** What one attempt at a request ended with; the queue adapter turns it into BullMQ terms. */
export type IssuanceOutcome =
  | { kind: 'done' }
  /** Nothing may happen before `until` (CA rate limit, privacy delay): park the job. */
  | { kind: 'defer'; until: Date }
  /** Cut off by the worker's shutdown: back to the queue as it is, no attempt spent. */
  | { kind: 'interrupted' };

/** A transient failure: the job is retried with capped exponential backoff, resuming the same order. */
export class RetryableIssuanceError extends Error {
  constructor(
    readonly type: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'RetryableIssuanceError';
  }
}
