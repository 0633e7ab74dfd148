import { describe, expect, it } from 'vitest';
import { parseDeadline } from '../../lib/util/deadline';

describe('parseDeadline', () => {
  const now = new Date(2026, 11, 3, 8, 30, 15); // local time, as HH:MM is read

  it('HH:MM is today in local time; +Nm / +Nh count from now; ISO is absolute', () => {
    expect(parseDeadline('09:05', now)).toBe(new Date(2026, 11, 3, 9, 5, 0, 0).getTime());
    expect(parseDeadline('7:00', now)).toBe(new Date(2026, 11, 3, 7, 0, 0, 0).getTime()); // already past: starts nothing
    expect(parseDeadline('+90m', now)).toBe(now.getTime() + 90 * 60_000);
    expect(parseDeadline('+1.5h', now)).toBe(now.getTime() + 90 * 60_000);
    expect(parseDeadline('2026-12-03T09:10:00Z', now)).toBe(Date.UTC(2026, 11, 3, 9, 10));
  });

  it('anything else is an error that says what it expected', () => {
    for (const bad of ['25:00', '9:60', 'soon', '90m', '+m', '2026-13-40T99:00'])
      expect(() => parseDeadline(bad, now)).toThrow(/expected HH:MM|not a time of day/);
  });
});
