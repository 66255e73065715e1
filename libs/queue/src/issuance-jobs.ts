import type { JobsOptions } from 'bullmq';

/** The queue that carries certificate requests from the API to the worker. */
export const ISSUANCE_QUEUE = 'issuance';

/** Job name → payload. Payloads carry ids only: secrets and CSRs stay in Postgres. */
export interface IssuanceJobs {
  issue: { requestId: string };
}

/**
 * One job per request, its id the request id: adding the same request twice is a no-op,
 * which is what makes the reconciler and client retries safe.
 */
export function issueJobOptions(requestId: string, delayMs = 0): JobsOptions {
  return {
    jobId: requestId,
    delay: delayMs > 0 ? delayMs : undefined,
    attempts: 12,
    backoff: { type: 'capped-exponential' },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** Capped exponential backoff with jitter: 2 s, 4 s, 8 s … at most 5 minutes. */
export function cappedExponentialBackoff(attemptsMade: number): number {
  const base = Math.min(2000 * 2 ** Math.max(0, attemptsMade - 1), 5 * 60_000);
  return Math.round(base / 2 + Math.random() * (base / 2));
}
