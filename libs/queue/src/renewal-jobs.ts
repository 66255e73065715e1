/**
 * The queue that carries the renewal scheduler's passes. A BullMQ job scheduler adds one
 * `scan` job per interval, whichever worker upserted it; one worker at a time runs each.
 */
export const RENEWAL_QUEUE = 'renewal';

/** The id of the one job scheduler on {@link RENEWAL_QUEUE}. */
export const RENEWAL_SCHEDULER_ID = 'renewal-scan';

/** Job name → payload. A pass needs nothing: Postgres says what is due. */
export interface RenewalJobs {
  scan: Record<string, never>;
}
