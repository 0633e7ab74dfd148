// A wall-clock time given on a command line, e.g. the latest moment a long job may start new work so that what it
// starts finishes before a session ends: 'HH:MM' (today, in this process's time zone), '+90m' / '+2h' (from now), or
// an ISO 8601 date-time. Returns milliseconds since the epoch, as Date.now() does.

const CLOCK = /^(\d{1,2}):(\d{2})$/;
const RELATIVE = /^\+(\d+(?:\.\d+)?)(m|h)$/;

export function parseDeadline(text: string, now: Date = new Date(), what = 'deadline'): number {
  const s = text.trim();
  const clock = CLOCK.exec(s);
  if (clock) {
    const [h, m] = [Number(clock[1]), Number(clock[2])];
    if (h > 23 || m > 59) throw new Error(`${what} "${text}": not a time of day (HH:MM, 00:00 to 23:59)`);
    const d = new Date(now);
    d.setHours(h, m, 0, 0);
    return d.getTime();
  }
  const rel = RELATIVE.exec(s);
  if (rel) return now.getTime() + Number(rel[1]) * (rel[2] === 'h' ? 3_600_000 : 60_000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw new Error(`${what} "${text}": expected HH:MM (today), +Nm / +Nh (from now) or an ISO date-time`);
}
