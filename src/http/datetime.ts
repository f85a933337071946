// Wall-clock formatting for the legacy `YYYY-MM-DD HH:MM:SS` dates, in a configured IANA zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function formatWallClock(ms: number, timeZone: string): string {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

export const isValidTimeZone = (tz: string): boolean => {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
};

/** Python's `datetime.now(timezone.utc).isoformat()`: microseconds, omitted when zero, and `+00:00`. */
export function pythonIsoUtc(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2025-01-01T00:00:00.123Z
  const frac = ms % 1000 === 0 ? '' : `.${iso.slice(20, 23)}000`;
  return `${iso.slice(0, 19)}${frac}+00:00`;
}
