// Wall-clock formatting for the legacy `YYYY-MM-DD HH:MM:SS` dates, in a configured IANA zone.
// Intl is slow per call, so the zone's UTC offset is looked up once per 15-minute slice and cached
// (zone transitions fall on such boundaries).
const SLICE_MS = 15 * 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds to add to UTC to get the zone's wall clock at `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  const slice = Math.floor(ms / SLICE_MS) * SLICE_MS;
  const key = `${timeZone}|${slice}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const p: Record<string, number> = {};
    for (const part of formatter(timeZone).formatToParts(slice)) p[part.type] = Number(part.value);
    offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - slice;
    if (offsets.size > 10_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatWallClock(ms: number, timeZone: string): string {
  const d = new Date(ms + offsetAt(ms, timeZone));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
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
