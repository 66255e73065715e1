import { IntervalLog } from './interval-log';

describe(IntervalLog.name, () => {
  it('should let the first occurrence through, then one a interval carrying the count since', () => {
    let clock = 0;
    const log = new IntervalLog(10_000, () => clock);
    const due: (number | undefined)[] = [];
    for (const at of [0, 1, 2, 9_999, 10_000, 10_001, 25_000]) {
      clock = at;
      due.push(log.note());
    }
    expect(due).toEqual([1, undefined, undefined, undefined, 4, undefined, 2]);
  });
});
