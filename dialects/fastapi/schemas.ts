// Request bodies and queries with pydantic v2's lax coercions; any failure is one 422 in production mode.
import * as v from 'valibot';

const INT_TEXT = /^\s*[+-]?\d+\s*$/;
const BOOL_TEXT: Record<string, boolean> = { '0': false, off: false, f: false, false: false, n: false, no: false, '1': true, on: true, t: true, true: true, y: true, yes: true };

/** int: JSON integers (or floats with no fraction) and integer strings. */
export const PyInt = v.union([
  v.pipe(v.number(), v.integer(), v.safeInteger()),
  v.pipe(v.string(), v.regex(INT_TEXT), v.transform(Number), v.safeInteger()),
]);

/** bool: booleans, 0/1 and pydantic's yes/no words. */
export const PyBool = v.union([
  v.boolean(),
  v.pipe(v.picklist([0, 1]), v.transform((n) => n === 1)),
  v.pipe(v.string(), v.transform((s) => s.trim().toLowerCase()), v.check((s) => s in BOOL_TEXT), v.transform((s) => BOOL_TEXT[s]!)),
]);

// email-validator's shape rules: a dotted domain of LDH labels, a dot-atom local part; the domain is lower-cased.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const SPECIAL_TLDS = new Set(['arpa', 'invalid', 'local', 'localhost', 'onion', 'test']);
export function normalizeEmail(s: string): string | null {
  const at = s.lastIndexOf('@');
  if (at <= 0 || s.length > 254) return null;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).toLowerCase();
  const labels = domain.split('.');
  if (local.length > 64 || !LOCAL.test(local) || labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  const tld = labels[labels.length - 1]!;
  if (/^\d+$/.test(tld) || SPECIAL_TLDS.has(tld)) return null;
  return `${local}@${domain}`;
}
export const EmailStr = v.pipe(
  v.string(),
  v.check((s) => normalizeEmail(s) !== null),
  v.transform((s) => normalizeEmail(s)!),
);

export const Credentials = v.object({ username: v.string(), password: v.string() });
export const RefreshRequest = v.object({ refresh_token: v.string() });

const Username = v.pipe(v.string(), v.minLength(3), v.maxLength(20), v.regex(/^[a-zA-Z0-9_]+$/));
const Password = v.pipe(v.string(), v.minLength(8), v.regex(/[A-Za-z]/), v.regex(/\d/));
const RoleIds = v.nullish(v.array(PyInt));

/** `null` for the booleans is let through: upstream accepted it at the schema and failed with 400 at the store. */
export const UserCreate = v.object({
  email: EmailStr,
  username: Username,
  password: Password,
  is_active: v.optional(v.nullable(PyBool), true),
  is_superuser: v.optional(v.nullable(PyBool), false),
  role_ids: RoleIds,
  dept_id: v.optional(v.nullable(PyInt), 0),
});

export const UserUpdate = v.object({
  id: PyInt,
  email: EmailStr,
  username: v.string(),
  is_active: v.optional(v.nullable(PyBool)),
  is_superuser: v.optional(v.nullable(PyBool)),
  role_ids: RoleIds,
  dept_id: v.optional(v.nullable(PyInt)),
});

export const ResetPassword = v.object({ user_id: PyInt });

export const UserListQuery = v.object({
  page: v.optional(PyInt, '1'),
  page_size: v.optional(PyInt, '10'),
  username: v.optional(v.string(), ''),
  email: v.optional(v.string(), ''),
  dept_id: v.optional(PyInt),
});

export const UserIdQuery = v.object({ user_id: PyInt });
