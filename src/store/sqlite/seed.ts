import { count } from 'drizzle-orm';
import type { SeedSet } from '../store.ts';
import type { Conn, Ctx } from './conn.ts';
import { replaceUserRoles } from './directory.ts';
import { recordFact } from './facts.ts';
import { departments, permissions, rolePermissions, roles, users } from './schema.ts';

/** No user yet (a store never seeded nor initialised). */
export const isEmpty = ({ db }: Ctx) => (db.select({ n: count() }).from(users).get()?.n ?? 0) === 0;

/**
 * The whole fixture set in one transaction, then the `initialised` fact; publishes `all`. An unknown permission (of a
 * role) or role (of a user) throws and loads nothing; an unknown department leaves the user without one.
 */
export function seed({ write }: Ctx, set: SeedSet, now: number): boolean {
  return write((tx, tags) => {
    loadSet(tx, set, now);
    tags.add('all');
    return true;
  });
}

/** The set and the `initialised` fact, inside the caller's transaction (seed, and the control plane's reset). */
export function loadSet(tx: Conn, set: SeedSet, now: number): void {
  const deptIds = new Map<string, number>();
  for (const d of set.departments) {
    const row = tx.insert(departments).values({ name: d.name, description: d.description, createdAt: now, updatedAt: now }).returning({ id: departments.id }).get();
    deptIds.set(d.name, row.id);
  }
  const permIds = new Map<string, number>();
  for (const p of set.permissions) {
    const row = tx
      .insert(permissions)
      .values({ name: p.name, category: p.category, description: p.description, method: p.method, path: p.path, createdAt: now })
      .returning({ id: permissions.id })
      .get();
    permIds.set(p.name, row.id);
  }
  const roleIds = new Map<string, number>();
  for (const r of set.roles) {
    const row = tx.insert(roles).values({ name: r.name, description: r.description, builtin: r.builtin, createdAt: now, updatedAt: now }).returning({ id: roles.id }).get();
    roleIds.set(r.name, row.id);
    for (const name of new Set(r.permissions)) {
      const permissionId = permIds.get(name);
      if (permissionId === undefined) throw new Error(`seed: role ${r.name}: unknown permission ${name}`);
      tx.insert(rolePermissions).values({ roleId: row.id, permissionId }).run();
    }
  }
  for (const u of set.users) {
    const ids = u.roles.map((name) => {
      const id = roleIds.get(name);
      if (id === undefined) throw new Error(`seed: user ${u.username}: unknown role ${name}`);
      return id;
    });
    const row = tx
      .insert(users)
      .values({ ...userRow(u), deptId: u.department === null ? null : (deptIds.get(u.department) ?? null), createdAt: now, updatedAt: now })
      .returning({ id: users.id })
      .get();
    replaceUserRoles(tx, row.id, ids, now);
  }
  recordFact(tx, 'initialised', now);
}

/** A seed user's own columns (its role and department names are resolved by the caller). */
const userRow = ({ roles: _roles, department: _department, ...row }: SeedSet['users'][number]) => row;
