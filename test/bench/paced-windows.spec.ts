import { describeSlowWindows, slowStretches } from '../../bench/support/paced-windows';

// Where a paced row's slow answers were due (bench/support/paced-windows.ts): stretches of
// consecutive 100-ms windows over the limit, each with its worst answer.

describe('paced windows', () => {
  it('merges consecutive slow windows into one stretch, with its worst answer', () => {
    const windows = [10, 80, 120, 30, 20, 55, 60, 70, 12];
    expect(slowStretches(windows, 50)).toEqual([
      { fromSeconds: 0.1, toSeconds: 0.3, worstMs: 120 },
      { fromSeconds: 0.5, toSeconds: 0.8, worstMs: 70 },
    ]);
  });

  it('counts an answer at the limit as within it', () => {
    expect(slowStretches([50, 50.01], 50)).toEqual([{ fromSeconds: 0.1, toSeconds: 0.2, worstMs: 50.01 }]);
  });

  it('says how many windows went over and where', () => {
    expect(describeSlowWindows([10, 80, 120, 30, 61], 50)).toBe(
      '3 of 5 100-ms windows (by when requests were due) had an answer over 50 ms, in 2 stretches: ' +
        '0.1–0.3 s (worst 120 ms), 0.4–0.5 s (worst 61 ms)',
    );
    expect(describeSlowWindows([10, 20], 50)).toBe(
      '0 of 2 100-ms windows (by when requests were due) had an answer over 50 ms',
    );
  });
});
