import { count } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { SYSTEM, type Core } from '../core/index.ts';
import type { Db } from '../store/sqlite/open.ts';
import { departments, permissions, rolePermissions, roles, users } from '../store/sqlite/schema.ts';

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

export const isEmpty = (db: Db) => (db.select({ n: count() }).from(users).get()?.n ?? 0) === 0;

/** Loads a fixture set into an empty store. Users go through the core, so passwords are hashed as any other. */
export async function seed(db: Db, core: Core, set: FixtureSet): Promise<void> {
  const now = core.clock.now();
  const ids = db.transaction(() => {
    const deptIds = new Map<string, number>();
    for (const d of set.departments) {
      const row = db.insert(departments).values({ name: d.name, description: d.description ?? null, createdAt: now, updatedAt: now }).returning().get();
      deptIds.set(d.name, row.id);
    }
    const permIds = new Map<string, number>();
    for (const p of set.permissions) {
      const row = db
        .insert(permissions)
        .values({ name: p.name, category: p.category ?? 'general', description: p.description ?? null, method: p.method ?? null, path: p.path ?? null, createdAt: now })
        .returning()
        .get();
      permIds.set(p.name, row.id);
    }
    const roleIds = new Map<string, number>();
    for (const r of set.roles) {
      const row = db.insert(roles).values({ name: r.name, description: r.description ?? null, builtin: r.builtin ?? false, createdAt: now, updatedAt: now }).returning().get();
      roleIds.set(r.name, row.id);
      for (const name of r.permissions) {
        const permissionId = permIds.get(name);
        if (permissionId === undefined) throw new Error(`fixture role ${r.name}: unknown permission ${name}`);
        db.insert(rolePermissions).values({ roleId: row.id, permissionId }).run();
      }
    }
    return { deptIds, roleIds };
  });
  for (const u of set.users) {
    const roleIds = (u.roles ?? []).map((name) => {
      const id = ids.roleIds.get(name);
      if (id === undefined) throw new Error(`fixture user ${u.username}: unknown role ${name}`);
      return id;
    });
    await core.users.create({
      username: u.username,
      email: u.email,
      password: u.password,
      isSuperuser: u.isSuperuser ?? false,
      status: u.status ?? 'active',
      roleIds,
      deptId: u.department ? ids.deptIds.get(u.department) ?? null : null,
      alias: u.alias ?? null,
      phone: u.phone ?? null,
      realName: u.realName ?? null,
      position: u.position ?? null,
    }, SYSTEM);
  }
  core.facts.record('initialised');
}
