import { issuanceRatios } from '../../bench/issuance/issuance-bench';
import type { IssuanceResult } from '../../bench/issuance/issuance-result';

/** A row of 100 certificates in 10 s whose own processes used `cpuSeconds`. */
function row(
  tool: string,
  concurrency: number,
  cpuSeconds: number,
  extra: Partial<IssuanceResult> = {},
): IssuanceResult {
  return {
    tool,
    concurrency,
    requested: 100,
    succeeded: 100,
    wallSeconds: 10,
    latencyMs: { count: 100, p50: 1, p99: 2, max: 2, mean: 1 },
    cpuSeconds,
    cpuBreakdown: {},
    load: '0, 0, 0',
    notes: [],
    ...extra,
  };
}

const cpuLine = (lines: string[]) => lines.find((l) => l.includes('lego -P 16 CPU per certificate'));

describe('issuanceRatios: CPU per certificate against lego -P 16', () => {
  // lego -P 16: 2 ms a certificate.
  const lego16 = row('lego', 16, 0.2);

  it("should judge all of fleetcert's processes: API, worker, its Postgres backends and Redis", () => {
    // API + worker 3 ms a certificate (1.5×), with Postgres 1.5 ms and Redis 0.5 ms: 5 ms (2.5×).
    const fleet = row('fleetcert', 32, 0.3, { dependencyCpu: { postgres: 0.15, redisServer: 0.05 } });
    const line = cpuLine(issuanceRatios([fleet, lego16]));
    expect(line).toContain('2.50× (target ≤ 2×: MISSED)');
    expect(line).toContain('API + worker alone: 1.50×');
  });

  it('should be met when everything counted stays within 2×', () => {
    const fleet = row('fleetcert', 32, 0.2, { dependencyCpu: { postgres: 0.1, redisServer: 0.01 } });
    expect(cpuLine(issuanceRatios([fleet, lego16]))).toContain('1.55× (target ≤ 2×: met)');
  });

  it('should say what it counted when the dependencies were not measured', () => {
    const fleet = row('fleetcert', 32, 0.3);
    expect(cpuLine(issuanceRatios([fleet, lego16]))).toBe(
      'fleetcert / lego -P 16 CPU per certificate (API + worker): 1.50× (target ≤ 2×: met)',
    );
  });
});
