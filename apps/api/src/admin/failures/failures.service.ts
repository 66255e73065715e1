import { Injectable } from '@nestjs/common';
import { FailureReportRepository, FailureRow } from '@fleetcert/db';
import type { IdentifierView } from '../../certificates/certificates.dto';
import { errorTitle } from './error-title';
import type { FailureExampleView, FailureReportView, FailuresQuery } from './failures.dto';

/** How failures without a recorded error type are named in the API. */
export const UNKNOWN_ERROR_TYPE = 'unknown';

@Injectable()
export class FailuresService {
  constructor(private readonly failures: FailureReportRepository) {}

  /**
   * Failed requests of the last `hours`, grouped by error type, most frequent first, each
   * with its latest examples. The number of groups is bounded by the error types that exist
   * (a few dozen), so the example queries stay few whatever the fleet's size.
   */
  async report(query: FailuresQuery, now = new Date()): Promise<FailureReportView> {
    const since = new Date(now.getTime() - query.hours * 3600_000);
    const wanted =
      query.type === undefined ? undefined : query.type === UNKNOWN_ERROR_TYPE ? null : query.type;
    const groups = (await this.failures.groupSince(since)).filter(
      (g) => wanted === undefined || g.errorType === wanted,
    );
    const examples = await Promise.all(
      groups.map((g) =>
        query.examples > 0 ? this.failures.latest(since, g.errorType, query.examples) : Promise.resolve([]),
      ),
    );
    return {
      since: since.toISOString(),
      total: groups.reduce((sum, g) => sum + g.count, 0),
      groups: groups.map((g, i) => {
        const type = g.errorType ?? UNKNOWN_ERROR_TYPE;
        return {
          type,
          title: errorTitle(type),
          count: g.count,
          lastFailedAt: g.lastAt.toISOString(),
          examples: examples[i].map(toExample),
        };
      }),
    };
  }
}

function toExample(r: FailureRow): FailureExampleView {
  return {
    requestId: r.id,
    deviceId: r.deviceId,
    hostname: r.hostname,
    identifiers: r.identifiers as IdentifierView[],
    detail: r.errorDetail ?? '',
    attempts: r.attempts,
    failedAt: r.failedAt.toISOString(),
  };
}
