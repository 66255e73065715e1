import { chooseRenewalTime, fallbackWindow, windowFrom } from './renewal-plan';

const day = 86_400_000;
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe(fallbackWindow.name, () => {
  it('should open when a third of a 90-day lifetime remains, for a tenth of the lifetime', () => {
    expect(fallbackWindow(at(0), at(90 * day))).toEqual({ start: at(60 * day), end: at(69 * day) });
  });

  it('should open at half-life for certificates under 10 days (6-day IP certificates)', () => {
    const w = fallbackWindow(at(0), at(160 * 3600_000));
    expect(w.start).toEqual(at(80 * 3600_000));
    expect(w.end).toEqual(at(96 * 3600_000));
  });
});

describe(chooseRenewalTime.name, () => {
  const window = { start: at(60 * day), end: at(62 * day) };

  it('should pick a uniformly random moment inside the window', () => {
    expect(chooseRenewalTime(window, at(90 * day), at(0), () => 0)).toEqual(window.start);
    expect(chooseRenewalTime(window, at(90 * day), at(0), () => 0.5)).toEqual(at(61 * day));
    const picks = Array.from({ length: 500 }, () => chooseRenewalTime(window, at(90 * day), at(0)).getTime());
    expect(Math.min(...picks)).toBeGreaterThanOrEqual(window.start.getTime());
    expect(Math.max(...picks)).toBeLessThan(window.end.getTime());
    expect(new Set(picks).size).toBeGreaterThan(450);
  });

  it('should not pick a moment already past when the window has opened', () => {
    const now = at(61 * day);
    const pick = chooseRenewalTime(window, at(90 * day), now, () => 0);
    expect(pick).toEqual(now);
  });

  it('should renew now once the window is over', () => {
    expect(chooseRenewalTime(window, at(90 * day), at(70 * day), () => 0.9)).toEqual(at(70 * day));
  });

  it('should never renew after the certificate expires, whatever the server said', () => {
    const late = { start: at(80 * day), end: at(120 * day) };
    const pick = chooseRenewalTime(late, at(90 * day), at(0), () => 0.999);
    expect(pick.getTime()).toBeLessThanOrEqual(at(90 * day).getTime());
  });
});

describe(windowFrom.name, () => {
  it("should take the server's window and fall back on a missing or broken one", () => {
    expect(
      windowFrom(
        { windowStart: at(5 * day).toISOString(), windowEnd: at(6 * day).toISOString() },
        at(0),
        at(90 * day),
      ),
    ).toEqual({
      start: at(5 * day),
      end: at(6 * day),
    });
    expect(windowFrom(undefined, at(0), at(90 * day))).toEqual(fallbackWindow(at(0), at(90 * day)));
    expect(windowFrom({ windowStart: 'soon', windowEnd: 'later' }, at(0), at(90 * day))).toEqual(
      fallbackWindow(at(0), at(90 * day)),
    );
    expect(
      windowFrom(
        { windowStart: at(6 * day).toISOString(), windowEnd: at(5 * day).toISOString() },
        at(0),
        at(90 * day),
      ),
    ).toEqual(fallbackWindow(at(0), at(90 * day)));
  });
});
