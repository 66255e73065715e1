import type DataLoader from 'dataloader';
import type { Pool } from 'pg';
import type { CertificateRequest } from '../generated/client';
import { batchPerTurn } from '../sql/batch-per-turn';
import { query } from '../sql/statement';
import type {
  ObservedSubmissionState,
  RequestWithCertificate,
  SubmissionQuery,
  SubmissionState,
  SubmittedRequest,
} from './certificate-request.repository';
import { SUBMIT_REQUESTS, SubmissionStateJson, SubmitRequestRow } from './certificate-request.submission-sql';

/** One call of `fleetcert_submit_request`: read the state, and store `request` if it is `decidedOn`. */
export interface SubmissionCall {
  query: SubmissionQuery;
  /** The version of the state decided on; null: nothing found. */
  decidedOn: string | null;
  /** The request to store; null: only read the state. */
  request: SubmittedRequest | null;
}

/** The state as read under the device's lock, and the request if one was stored. */
export interface SubmissionOutcome {
  observed: ObservedSubmissionState;
  created: RequestWithCertificate | null;
}

/**
 * Group commit for CSR submissions. Each submission is one call of the submission function;
 * those that reach the database in the same turn of the event loop go in one statement
 * ({@link SUBMIT_REQUESTS}, {@link batchPerTurn}), so they share one round trip and one
 * commit: the API's socket write and result parsing, and Postgres's per-statement work and
 * WAL flush, are paid once per batch.
 *
 * What a batch does not change: every submission still runs under its own device's lock and
 * decides on its own state. What it takes care of:
 * - locks are taken in device-id order, so two batches cannot deadlock on each other;
 * - a device submitting twice at once has its second call in a later statement, after the
 *   first committed (each must see the other, as with separate statements);
 * - one submission's error (a device deleted meanwhile) fails the statement it shares, so
 *   that statement's submissions are run again one by one, each getting its own outcome.
 *   Nothing of a failed statement was stored (it is one transaction), so running it again
 *   is safe.
 */
export class SubmissionBatches {
  private readonly loader: DataLoader<SubmissionCall, SubmissionOutcome>;

  /**
   * `onStatement` is told each statement's size: a turn's calls can need more than one
   * statement (a device twice, a failure run again alone).
   */
  constructor(
    private readonly pool: Pool,
    private readonly onStatement?: (size: number) => void,
  ) {
    this.loader = batchPerTurn((calls) => this.run(calls));
  }

  load(call: SubmissionCall): Promise<SubmissionOutcome> {
    return this.loader.load(call);
  }

  private async run(calls: readonly SubmissionCall[]): Promise<(SubmissionOutcome | Error)[]> {
    const outcomes: (SubmissionOutcome | Error)[] = new Array(calls.length);
    for (const round of distinctDeviceRounds(calls)) {
      try {
        const results = await this.statement(round.map((i) => calls[i]));
        round.forEach((callIndex, k) => (outcomes[callIndex] = results[k]));
      } catch (err) {
        if (round.length === 1) {
          outcomes[round[0]] = asError(err);
          continue;
        }
        await Promise.all(
          round.map(async (i) => {
            outcomes[i] = await this.statement([calls[i]]).then(
              ([outcome]) => outcome,
              (alone: unknown) => asError(alone),
            );
          }),
        );
      }
    }
    return outcomes;
  }

  private async statement(calls: SubmissionCall[]): Promise<SubmissionOutcome[]> {
    this.onStatement?.(calls.length);
    const rows = await query<SubmitRequestRow>(this.pool, SUBMIT_REQUESTS, [
      JSON.stringify(
        calls.map((c) => ({
          device: c.query.deviceId,
          idempotencyKey: c.query.idempotencyKey ?? null,
          csrSha256: c.query.csrSha256,
          identifierSet: c.query.identifierSet,
          withLive: c.query.withLive,
          decidedOn: c.decidedOn,
          request: c.request ? submittedRequestJson(c.request) : null,
        })),
      ),
    ]);
    const outcomes: SubmissionOutcome[] = new Array(calls.length);
    for (const { ord, state, version, ...row } of rows) {
      outcomes[Number(ord) - 1] = {
        observed: { state: submissionStateOf(state), version },
        created: row.id === null ? null : { ...(row as CertificateRequest), certificate: null },
      };
    }
    // (`new Array` has holes, which `some` would skip)
    for (let i = 0; i < outcomes.length; i++) {
      if (!outcomes[i]) throw new Error(`the submission statement did not answer for submission ${i + 1}`);
    }
    return outcomes;
  }
}

/**
 * The calls' indexes in statements to run one after another: each with a device at most
 * once, in device-id order (the order its locks are taken in).
 */
export function distinctDeviceRounds(calls: readonly SubmissionCall[]): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>(); // device → calls of it so far
  calls.forEach((call, i) => {
    const n = seen.get(call.query.deviceId) ?? 0;
    seen.set(call.query.deviceId, n + 1);
    (rounds[n] ??= []).push(i);
  });
  for (const round of rounds) {
    round.sort((a, b) => compare(calls[a].query.deviceId, calls[b].query.deviceId));
  }
  return rounds;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The JSON `fleetcert_submit_request` inserts from; absent fields are its column defaults or null. */
function submittedRequestJson(r: SubmittedRequest) {
  return {
    status: r.status ?? 'pending',
    identifiers: r.identifiers,
    csrPem: r.csrPem,
    publicKeySha256: r.publicKeySha256,
    profile: r.profile ?? null,
    challengeType: r.challengeType,
    http01Mode: r.http01Mode ?? null,
    deferredUntil: r.deferredUntil?.toISOString() ?? null,
    replacesCertificateId: r.replacesCertificateId ?? null,
    ariReplaces: r.ariReplaces ?? null,
  };
}

function submissionStateOf(row: SubmissionStateJson): SubmissionState {
  return {
    idempotent:
      row.idempotentId === null ? null : { id: row.idempotentId, csrSha256: row.idempotentCsrSha256! },
    openId: row.openId,
    replaces: row.replacesId === null ? null : { id: row.replacesId, ariCertId: row.replacesAriCertId! },
    live: row.live.map((l) => ({
      identifierSet: l.identifierSet,
      publicKeySha256: l.publicKeySha256,
      status: l.status,
      createdAt: new Date(l.createdAtMs),
      certificate:
        l.certificateCreatedAtMs === null
          ? null
          : {
              createdAt: new Date(l.certificateCreatedAtMs),
              publicKeySha256: l.certificatePublicKeySha256!,
            },
    })),
  };
}
