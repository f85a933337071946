import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import type { Core } from '../core/index.ts';
import type { Store } from '../store/store.ts';

const FixtureSet = v.object({
  departments: v.array(v.object({ name: v.string(), description: v.optional(v.string()) })),
  permissions: v.array(
    v.object({
      name: v.string(),
      category: v.optional(v.string()),
      description: v.optional(v.string()),
      method: v.optional(v.string()),
      path: v.optional(v.string()),
    }),
  ),
  roles: v.array(v.object({ name: v.string(), description: v.optional(v.string()), builtin: v.optional(v.boolean()), permissions: v.array(v.string()) })),
  users: v.array(
    v.object({
      username: v.string(),
      email: v.string(),
      password: v.string(),
      isSuperuser: v.optional(v.boolean()),
      status: v.optional(v.picklist(['active', 'inactive', 'locked'])),
      alias: v.optional(v.string()),
      phone: v.optional(v.string()),
      realName: v.optional(v.string()),
      position: v.optional(v.string()),
      roles: v.optional(v.array(v.string())),
      department: v.optional(v.string()),
    }),
  ),
});
export type FixtureSet = v.InferOutput<typeof FixtureSet>;

export const defaultFixturesPath = fileURLToPath(new URL('../../fixtures/dev.json', import.meta.url));

export function readFixtures(path = defaultFixturesPath): FixtureSet {
  return v.parse(FixtureSet, JSON.parse(readFileSync(path, 'utf8')));
}

/** Loads a fixture set into an empty store in one transaction; passwords are hashed by the core's hasher. */
/** True when this call loaded the set (false: another process seeded the store first). */
export async function seed(store: Store, core: Core, set: FixtureSet): Promise<boolean> {
  const users = await Promise.all(
    set.users.map(async (u) => ({
      uuid: core.random.uuid(),
      username: u.username,
      email: u.email,
      passwordHash: await core.hasher.hash(u.password),
      status: u.status ?? 'active',
      isSuperuser: u.isSuperuser ?? false,
      deptId: null,
      alias: u.alias ?? null,
      phone: u.phone ?? null,
      realName: u.realName ?? null,
      position: u.position ?? null,
      roles: u.roles ?? [],
      department: u.department ?? null,
    })),
  );
  return store.seed(
    {
      departments: set.departments.map((d) => ({ name: d.name, description: d.description ?? null })),
      permissions: set.permissions.map((p) => ({ name: p.name, category: p.category ?? 'general', description: p.description ?? null, method: p.method ?? null, path: p.path ?? null })),
      roles: set.roles.map((r) => ({ name: r.name, description: r.description ?? null, builtin: r.builtin ?? false, permissions: r.permissions })),
      users,
    },
    core.clock.now(),
  );
}
