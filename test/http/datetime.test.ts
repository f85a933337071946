import { describe, expect, it } from 'vitest';
import { formatWallClock, pythonIsoUtc } from '../../src/http/datetime.ts';

describe('legacy date formats', () => {
  it('formats wall-clock time in the zone, across DST changes', () => {
    expect(formatWallClock(Date.UTC(2025, 0, 1), 'Asia/Shanghai')).toBe('2025-01-01 08:00:00');
    expect(formatWallClock(Date.UTC(2024, 11, 31, 16, 0, 0), 'Asia/Shanghai')).toBe('2025-01-01 00:00:00');
    expect(formatWallClock(Date.UTC(2025, 2, 30, 0, 59, 59), 'Europe/Berlin')).toBe('2025-03-30 01:59:59');
    expect(formatWallClock(Date.UTC(2025, 2, 30, 1, 0, 0), 'Europe/Berlin')).toBe('2025-03-30 03:00:00');
    expect(formatWallClock(Date.UTC(2025, 9, 26, 0, 59, 59), 'Europe/Berlin')).toBe('2025-10-26 02:59:59');
    expect(formatWallClock(Date.UTC(2025, 9, 26, 1, 0, 0), 'Europe/Berlin')).toBe('2025-10-26 02:00:00');
    expect(formatWallClock(Date.UTC(2025, 5, 1, 12, 34, 56, 789), 'UTC')).toBe('2025-06-01 12:34:56');
    expect(formatWallClock(Date.UTC(2025, 0, 1, 0, 0, 0), 'Asia/Kolkata')).toBe('2025-01-01 05:30:00');
  });

  it('agrees with Intl on a spread of instants', () => {
    const intl = new Intl.DateTimeFormat('sv-SE', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2026, 0, 1); t += 7_777_777_7) {
      expect(formatWallClock(t, 'America/New_York')).toBe(intl.format(t));
    }
  });

  it('writes Python isoformat() for UTC instants', () => {
    expect(pythonIsoUtc(Date.UTC(2025, 0, 1))).toBe('2025-01-01T00:00:00+00:00');
    expect(pythonIsoUtc(Date.UTC(2025, 0, 1, 2, 49, 11, 123))).toBe('2025-01-01T02:49:11.123000+00:00');
  });
});
