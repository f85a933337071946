// Python semantics the legacy handlers relied on, over values from pyJsonLoads.
import type { PyValue } from './json.ts';

/** `bool(v)`: None, False, 0, "", [] and {} are falsy; NaN is truthy. */
export function pyTruthy(v: PyValue | undefined): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

export const isPyDict = (v: PyValue | undefined): v is { [key: string]: PyValue } =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Python's str.isspace() within Latin-1 (header values are Latin-1 strings). */
export const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0';
const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
const RUNS = new RegExp(`[${PY_SPACE}]+`);

export const pyStrip = (s: string) => s.replace(STRIP, '');
/** `s.split()`: on runs of whitespace, without empty parts. */
export const pySplit = (s: string) => pyStrip(s).split(RUNS).filter((p) => p !== '');

/**
 * `int(v)`: 'value' where CPython raises ValueError (caught by PyJWT), 'type' or 'overflow' where it raises
 * TypeError or OverflowError (not caught: the legacy server answered 500).
 */
export function pyInt(v: PyValue | undefined): { ok: true; value: number } | { ok: false; error: 'value' | 'type' | 'overflow' } {
  if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { ok: false, error: 'value' };
    if (!Number.isFinite(v)) return { ok: false, error: 'overflow' };
    return { ok: true, value: Math.trunc(v) };
  }
  if (typeof v === 'string') {
    const t = pyStrip(v);
    return /^[+-]?\d+(_\d+)*$/.test(t) ? { ok: true, value: Number(t.replace(/_/g, '')) } : { ok: false, error: 'value' };
  }
  return { ok: false, error: 'type' };
}
