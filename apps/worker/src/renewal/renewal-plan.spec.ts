import { failureBackoffMs, initialPlan, planFromRenewalInfo, recheckDelayMs } from './renewal-plan';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;

describe('renewal plan', () => {
  describe(initialPlan.name, () => {
    const notBefore = new Date(NOW);
    const notAfter = new Date(NOW + 90 * DAY);

    it('should renew at a random moment of the fallback window, checked then when the CA has no ARI', () => {
      const plan = initialPlan(notBefore, notAfter, { ari: false, now: NOW, random: () => 0.5 });
      expect(plan.renewalStart).toEqual(new Date(NOW + 55.5 * DAY));
      expect(plan.renewalEnd).toEqual(new Date(NOW + 60 * DAY));
      expect(plan.renewAt).toEqual(new Date(NOW + 57.75 * DAY));
      expect(plan.nextCheckAt).toEqual(plan.renewAt);
    });

    it('should spread a fleet issued at once over the window', () => {
      const times = Array.from(
        { length: 200 },
        () => initialPlan(notBefore, notAfter, { ari: false, now: NOW }).renewAt,
      );
      const distinct = new Set(times.map((t) => t.getTime()));
      expect(distinct.size).toBeGreaterThan(190);
      expect(Math.max(...distinct) - Math.min(...distinct)).toBeGreaterThan(3 * DAY);
    });

    it('should ask the CA at once when it offers ARI', () => {
      expect(initialPlan(notBefore, notAfter, { ari: true, now: NOW }).nextCheckAt).toEqual(new Date(NOW));
    });
  });

  describe(planFromRenewalInfo.name, () => {
    const window = { start: new Date(NOW + 10 * DAY), end: new Date(NOW + 12 * DAY) };
    const info = { suggestedWindow: window, retryAfter: new Date(NOW + 6 * 3600_000) };

    it('should choose inside the window and poll again at Retry-After', () => {
      const plan = planFromRenewalInfo(info, null, { now: NOW, random: () => 0.25 });
      expect(plan).toEqual({
        renewalStart: window.start,
        renewalEnd: window.end,
        renewAt: new Date(NOW + 10.5 * DAY),
        nextCheckAt: info.retryAfter,
        due: false,
      });
    });

    it('should keep the moment chosen at an earlier poll while it is inside the window', () => {
      const earlier = new Date(NOW + 11 * DAY);
      expect(planFromRenewalInfo(info, earlier, { now: NOW, random: () => 0 }).renewAt).toEqual(earlier);
      const outside = new Date(NOW + 20 * DAY);
      expect(planFromRenewalInfo(info, outside, { now: NOW, random: () => 0 }).renewAt).toEqual(window.start);
    });

    it('should wake up at the chosen moment when it comes before the next poll', () => {
      const soon = { start: new Date(NOW + 60_000), end: new Date(NOW + 120_000) };
      const plan = planFromRenewalInfo({ ...info, suggestedWindow: soon }, null, {
        now: NOW,
        random: () => 0,
      });
      expect(plan.nextCheckAt).toEqual(soon.start);
      expect(plan.due).toBe(false);
    });

    it('should be due now when the window has already opened', () => {
      const open = { start: new Date(NOW - DAY), end: new Date(NOW - 60_000) };
      const plan = planFromRenewalInfo({ ...info, suggestedWindow: open }, null, {
        now: NOW,
        random: () => 0.9,
      });
      expect(plan).toMatchObject({ due: true, renewAt: new Date(NOW), nextCheckAt: new Date(NOW) });
    });
  });

  describe(recheckDelayMs.name, () => {
    it('should be an hour for long-lived certificates and shorter for short-lived ones', () => {
      expect(recheckDelayMs(new Date(NOW), new Date(NOW + 90 * DAY))).toBe(3600_000);
      expect(recheckDelayMs(new Date(NOW), new Date(NOW + 160 * 3600_000))).toBe(3600_000);
      expect(recheckDelayMs(new Date(NOW), new Date(NOW + 3600_000))).toBe(36_000);
      expect(recheckDelayMs(new Date(NOW), new Date(NOW + 30_000))).toBe(10_000);
    });

    it('should back off after failures, up to six hours', () => {
      const [a, b] = [new Date(NOW), new Date(NOW + 90 * DAY)];
      expect([1, 2, 3, 4, 10].map((n) => failureBackoffMs(a, b, n) / 3600_000)).toEqual([1, 2, 4, 6, 6]);
    });
  });
});
