import { fallbackRenewalTime, fallbackRenewalWindow, parseRenewalInfo, pickRenewalTime } from './ari';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const DAY = 24 * 3600_000;

describe(parseRenewalInfo.name, () => {
  const body = { suggestedWindow: { start: '2025-06-10T00:00:00Z', end: '2025-06-12T00:00:00Z' } };

  it('should clamp Retry-After to one minute – one day, defaulting to six hours', () => {
    expect(parseRenewalInfo(body, '5', NOW).retryAfter).toEqual(new Date(NOW + 60_000));
    expect(parseRenewalInfo(body, '3600', NOW).retryAfter).toEqual(new Date(NOW + 3600_000));
    expect(parseRenewalInfo(body, String(7 * 86400), NOW).retryAfter).toEqual(new Date(NOW + DAY));
    expect(parseRenewalInfo(body, undefined, NOW).retryAfter).toEqual(new Date(NOW + 6 * 3600_000));
  });

  it('should refuse a missing or inverted window', () => {
    expect(() => parseRenewalInfo({}, undefined, NOW)).toThrow(/suggestedWindow/);
    expect(() =>
      parseRenewalInfo(
        { suggestedWindow: { start: '2025-06-12T00:00:00Z', end: '2025-06-10T00:00:00Z' } },
        undefined,
        NOW,
      ),
    ).toThrow(/suggestedWindow/);
  });
});

describe(pickRenewalTime.name, () => {
  const window = { start: new Date(NOW + DAY), end: new Date(NOW + 2 * DAY) };

  it('should pick uniformly inside the window', () => {
    expect(pickRenewalTime(window, NOW, () => 0)).toEqual(window.start);
    expect(pickRenewalTime(window, NOW, () => 0.5)).toEqual(new Date(NOW + 1.5 * DAY));
  });

  it('should renew now when the window is already open or past', () => {
    const past = { start: new Date(NOW - 2 * DAY), end: new Date(NOW - DAY) };
    expect(pickRenewalTime(past, NOW, () => 0.3)).toEqual(new Date(NOW));
  });
});

describe(fallbackRenewalTime.name, () => {
  it('should renew 90-day certificates with a third left, short-lived ones with half left', () => {
    const start = new Date(NOW);
    expect(fallbackRenewalTime(start, new Date(NOW + 90 * DAY), () => 0)).toEqual(new Date(NOW + 60 * DAY));
    expect(fallbackRenewalTime(start, new Date(NOW + 160 * 3600_000), () => 0)).toEqual(
      new Date(NOW + 80 * 3600_000),
    );
    expect(fallbackRenewalTime(start, new Date(NOW + 90 * DAY), () => 1)).toEqual(new Date(NOW + 55.5 * DAY));
  });
});

describe(fallbackRenewalWindow.name, () => {
  it('should span 5% of the lifetime ending when a third (half under 10 days) remains', () => {
    const start = new Date(NOW);
    expect(fallbackRenewalWindow(start, new Date(NOW + 90 * DAY))).toEqual({
      start: new Date(NOW + 55.5 * DAY),
      end: new Date(NOW + 60 * DAY),
    });
    expect(fallbackRenewalWindow(start, new Date(NOW + 6 * DAY))).toEqual({
      start: new Date(NOW + 2.7 * DAY),
      end: new Date(NOW + 3 * DAY),
    });
  });
});
