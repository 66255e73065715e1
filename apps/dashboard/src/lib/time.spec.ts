import { formatBucket, formatDateTime, formatDuration, relativeTime } from './time';

const NOW = new Date('2026-03-28T12:00:00Z');

describe('time formatting', () => {
  describe('relativeTime', () => {
    it('should round to the largest unit that fits', () => {
      const opts = { locale: 'en' };
      expect(relativeTime(new Date(NOW.getTime() + (2 * 24 + 20) * 3600_000), NOW, opts)).toBe('in 3 days');
      expect(relativeTime(new Date(NOW.getTime() - 5 * 60_000), NOW, opts)).toBe('5 minutes ago');
      expect(relativeTime(new Date(NOW.getTime() + 3 * 3600_000), NOW, opts)).toBe('in 3 hours');
      expect(relativeTime(new Date(NOW.getTime() - 24 * 3600_000), NOW, opts)).toBe('yesterday');
      expect(relativeTime(new Date(NOW.getTime() + 89 * 24 * 3600_000), NOW, opts)).toBe('in 3 months');
    });

    it('should say "now" within 45 seconds either way', () => {
      expect(relativeTime(new Date(NOW.getTime() + 30_000), NOW, { locale: 'en' })).toBe('now');
      expect(relativeTime(new Date(NOW.getTime() - 44_000), NOW, { locale: 'en' })).toBe('now');
    });

    it('should speak the asked locale', () => {
      expect(relativeTime(new Date(NOW.getTime() + 3 * 24 * 3600_000), NOW, { locale: 'de' })).toBe(
        'in 3 Tagen',
      );
    });
  });

  describe('formatDateTime', () => {
    it("should show the instant in the viewer's time zone", () => {
      const iso = '2026-03-28T23:30:00Z';
      expect(formatDateTime(iso, { locale: 'en-GB', timeZone: 'Europe/Berlin' })).toBe('29 Mar 2026, 00:30');
      expect(formatDateTime(iso, { locale: 'en-GB', timeZone: 'America/New_York' })).toBe(
        '28 Mar 2026, 19:30',
      );
      expect(formatDateTime(iso, { locale: 'en-GB', timeZone: 'Asia/Kolkata' })).toBe('29 Mar 2026, 05:00');
    });
  });

  describe('formatBucket', () => {
    it('should label days with the local date and hours with the local hour', () => {
      // Midnight in Berlin is 23:00 UTC the day before (winter time).
      expect(
        formatBucket('2026-01-14T23:00:00Z', 'day', { locale: 'en-GB', timeZone: 'Europe/Berlin' }),
      ).toBe('15 Jan');
      expect(
        formatBucket('2026-01-14T23:00:00Z', 'hour', { locale: 'en-GB', timeZone: 'Europe/Berlin' }),
      ).toBe('00:00');
    });
  });

  describe('formatDuration', () => {
    it('should pick a readable unit', () => {
      expect(formatDuration(12_000)).toBe('12 s');
      expect(formatDuration(36_000 * 10)).toBe('6 min');
      expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2 h 5 min');
      expect(formatDuration(34 * 3600_000)).toBe('34 h');
      expect(formatDuration(4 * 24 * 3600_000)).toBe('4 days');
      expect(formatDuration(49 * 3600_000)).toBe('2 days');
    });
  });
});
