import type { PyValue } from './json.ts';

/**
 * The value as a handler that reads only its top level sees it: containers nested in it become empty or one-item
 * stubs of the same kind, so type and truthiness (all a legacy view asked of them) are kept while the copy across
 * threads stays small.
 */
export function topLevel(v: PyValue): PyValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(stub);
  const out: { [key: string]: PyValue } = Object.create(null);
  for (const key of Object.keys(v)) out[key] = stub(v[key]!);
  return out;
}

function stub(v: PyValue): PyValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.length ? [0] : [];
  return Object.keys(v).length ? { _: 0 } : {};
}

/** Gives the top level and its stubs the null prototype the scanner builds dicts with (a thread copy drops it). */
export function adoptTopLevel(v: PyValue): PyValue {
  if (v === null || typeof v !== 'object') return v;
  const children = Array.isArray(v) ? v : (Object.setPrototypeOf(v, null), Object.values(v));
  for (const c of children) if (c !== null && typeof c === 'object' && !Array.isArray(c)) Object.setPrototypeOf(c, null);
  return v;
}
