import { BadRequestException, Injectable } from '@nestjs/common';
import { IssuanceStatsRepository } from '@fleetcert/db';
import { IssuanceSeriesQuery, IssuanceSeriesView, MAX_BUCKETS } from './stats.dto';

@Injectable()
export class StatsService {
  /** Time zone names Postgres has confirmed; bounded by the IANA database (~600 names). */
  private readonly knownZones = new Set<string>(['UTC']);

  constructor(private readonly stats: IssuanceStatsRepository) {}

  async issuance(query: IssuanceSeriesQuery): Promise<IssuanceSeriesView> {
    const max = MAX_BUCKETS[query.bucket];
    if (query.past > max || query.future > max) {
      throw new BadRequestException(`past and future must be at most ${max} for bucket=${query.bucket}`);
    }
    await this.requireTimeZone(query.timeZone);
    const points = await this.stats.series(query);
    return {
      bucket: query.bucket,
      timeZone: query.timeZone,
      current: points[query.past].start.toISOString(),
      points: points.map((p) => ({
        start: p.start.toISOString(),
        issued: p.issued,
        failed: p.failed,
        expiring: p.expiring,
      })),
    };
  }

  private async requireTimeZone(name: string): Promise<void> {
    if (this.knownZones.has(name)) return;
    if (!isIanaZone(name) || !(await this.stats.knowsTimeZone(name))) {
      throw new BadRequestException(`timeZone "${name}" is not a time zone this server knows`);
    }
    this.knownZones.add(name);
  }
}

function isIanaZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
