// Request bodies and queries; a failure lists each field with a short reason.
import * as v from 'valibot';
import type { FieldError } from './envelope.ts';

const REQUIRED = '不能为空';
const TYPE = '类型错误';

const text = (max = 255) => v.pipe(v.string(TYPE), v.trim(), v.minLength(1, REQUIRED), v.maxLength(max, `长度不能超过${max}`));
const names = v.array(v.pipe(v.string(TYPE), v.minLength(1, REQUIRED)), TYPE);
const email = v.pipe(v.string(TYPE), v.trim(), v.maxLength(254, '格式不正确'), v.email('格式不正确'), v.toLowerCase());
const password = v.pipe(v.string(TYPE), v.minLength(1, REQUIRED), v.maxLength(1024, '密码不符合复杂度要求'));
const status = v.picklist(['active', 'inactive', 'locked'], '取值必须是 active、inactive 或 locked');

export const Profile = v.partial(
  v.object({
    real_name: v.nullable(v.string(TYPE)),
    phone: v.nullable(v.string(TYPE)),
    department: v.nullable(v.string(TYPE)),
    position: v.nullable(v.string(TYPE)),
  }),
);

export const Login = v.object({
  username: v.pipe(v.string(TYPE), v.minLength(1, REQUIRED)),
  password: v.pipe(v.string(TYPE), v.minLength(1, REQUIRED)),
  remember_me: v.optional(v.boolean(TYPE), false),
});
export const Refresh = v.object({ token: v.pipe(v.string(TYPE), v.minLength(1, REQUIRED)) });
export const CreateUser = v.object({
  username: v.pipe(text(64), v.regex(/^[A-Za-z0-9_.@-]+$/, '格式不正确')),
  email,
  password,
  roles: names,
  profile: v.optional(Profile),
});
export const UpdateUser = v.object({ email: v.optional(email), roles: v.optional(names), status: v.optional(status), profile: v.optional(Profile) });
export const ChangePassword = v.object({ current_password: v.pipe(v.string(TYPE), v.minLength(1, REQUIRED)), new_password: password });
export const ResetPassword = v.object({ send_email: v.optional(v.boolean(TYPE), true) });
export const CreateRole = v.object({ name: text(64), description: v.optional(v.nullable(v.string(TYPE))), permissions: names });
export const UpdateRole = v.object({ name: v.optional(text(64)), description: v.optional(v.nullable(v.string(TYPE))), permissions: v.optional(names) });
export const CreateKey = v.object({
  name: text(100),
  description: v.optional(v.nullable(v.string(TYPE))),
  permissions: names,
  expires_in_days: v.optional(v.pipe(v.number(TYPE), v.integer(TYPE), v.minValue(1, '取值范围 1..3650'), v.maxValue(3650, '取值范围 1..3650')), 365),
});
export const CreatePermission = v.object({ name: text(100), category: v.optional(text(64), 'general'), description: v.optional(v.nullable(v.string(TYPE))) });

const intText = (min: number, max: number, fallback: string) =>
  v.optional(v.pipe(v.string(), v.regex(/^\d+$/, TYPE), v.transform(Number), v.minValue(min, `取值范围 ${min}..${max}`), v.maxValue(max, `取值范围 ${min}..${max}`)), fallback);
export const Paging = { page: intText(1, 1_000_000, '1'), page_size: intText(1, 100, '20') };
export const UserQuery = v.object({ ...Paging, username: v.optional(v.string()), email: v.optional(v.string()), status: v.optional(status) });
export const RoleQuery = v.object({ ...Paging, name: v.optional(v.string()) });
export const KeyQuery = v.object({ ...Paging, name: v.optional(v.string()), status: v.optional(v.picklist(['active', 'inactive', 'expired'], '取值必须是 active、inactive 或 expired')) });
export const PermissionQuery = v.object({ ...Paging, name: v.optional(v.string()), category: v.optional(v.string()) });
export const PageQuery = v.object(Paging);
export const StatsQuery = v.object({
  time_range: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+[dh]$/, '格式应为 <n>d 或 <n>h'),
      v.transform((s) => Number(s.slice(0, -1)) * (s.endsWith('d') ? 86_400_000 : 3_600_000)),
      v.minValue(3_600_000, '取值范围 1h..90d'),
      v.maxValue(90 * 86_400_000, '取值范围 1h..90d'),
    ),
    '7d',
  ),
});

/** valibot issues as the dialect's field list (the top-level field name, or `body`). */
export function fieldErrors(issues: v.BaseIssue<unknown>[]): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const i of issues) {
    const field = i.path?.map((p) => String(p.key)).join('.') || 'body';
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message: i.received === 'undefined' ? REQUIRED : i.message });
  }
  return out;
}

/** The policy of the spec's §5: 8..128 characters, three of four classes, not the username. */
export function strongEnough(password: string, username: string): boolean {
  if (password.length < 8 || password.length > 128 || password === username) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return classes >= 3;
}
