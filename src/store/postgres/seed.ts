import { sql } from 'drizzle-orm';
import type { SeedSet } from '../store.ts';
import type { Ctx, Tx } from './conn.ts';
import { recordFact } from './facts.ts';
import { departments, permissions, rolePermissions, roles, userRoles, users } from './schema.ts';

/** No user yet (a store never seeded nor initialised). */
export const isEmpty = async ({ db }: Ctx) => (await db.execute<{ empty: boolean }>(sql`select not exists (select 1 from ${users}) as empty`)).rows[0]?.empty ?? true;

/**
 * The whole fixture set in one transaction (multi-row inserts), then the `initialised` fact; publishes `all`. An
 * unknown permission (of a role) or role (of a user) throws and loads nothing; an unknown department leaves the user
 * without one. Processes starting together on an empty schema all find it empty: the seeds queue on a
 * transaction-scoped advisory lock on the schema, and one that finds users already there (a rival's committed seed)
 * loads nothing, instead of failing the process's start on a unique violation.
 */
export async function seed({ write }: Ctx, set: SeedSet, now: number): Promise<boolean> {
  return write(async (tx, tags) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('dialectgate.seed:' || current_schema()))`);
    if ((await tx.execute<{ taken: boolean }>(sql`select exists (select 1 from ${users}) as taken`)).rows[0]?.taken) return false;
    await loadSet(tx, set, now);
    tags.add('all');
    return true;
  });
}

/** The set and the `initialised` fact, inside the caller's transaction (seed, and the control plane's reset). */
export async function loadSet(tx: Tx, set: SeedSet, now: number): Promise<void> {
  const ids = <T extends { id: number; name: string }>(rows: T[]) => new Map(rows.map((r) => [r.name, r.id]));
  const deptIds = ids(
    set.departments.length
      ? await tx.insert(departments).values(set.departments.map((d) => ({ name: d.name, description: d.description, createdAt: now, updatedAt: now }))).returning({ id: departments.id, name: departments.name })
      : [],
  );
  const permIds = ids(
    set.permissions.length
      ? await tx
          .insert(permissions)
          .values(set.permissions.map((p) => ({ name: p.name, category: p.category, description: p.description, method: p.method, path: p.path, createdAt: now })))
          .returning({ id: permissions.id, name: permissions.name })
      : [],
  );
  const roleIds = ids(
    set.roles.length
      ? await tx.insert(roles).values(set.roles.map((r) => ({ name: r.name, description: r.description, builtin: r.builtin, createdAt: now, updatedAt: now }))).returning({ id: roles.id, name: roles.name })
      : [],
  );
  const grants = set.roles.flatMap((r) =>
    [...new Set(r.permissions)].map((name) => {
      const permissionId = permIds.get(name);
      if (permissionId === undefined) throw new Error(`seed: role ${r.name}: unknown permission ${name}`);
      return { roleId: roleIds.get(r.name)!, permissionId };
    }),
  );
  if (grants.length) await tx.insert(rolePermissions).values(grants);
  for (const u of set.users) {
    const held = [...new Set(u.roles)].map((name) => {
      const id = roleIds.get(name);
      if (id === undefined) throw new Error(`seed: user ${u.username}: unknown role ${name}`);
      return id;
    });
    const [row] = await tx
      .insert(users)
      .values({ ...userRow(u), deptId: u.department === null ? null : (deptIds.get(u.department) ?? null), createdAt: now, updatedAt: now })
      .returning({ id: users.id });
    if (held.length) await tx.insert(userRoles).values(held.map((roleId) => ({ userId: row!.id, roleId, addedAt: now })));
  }
  await recordFact(tx, 'initialised', now);
}

/** A seed user's own columns (its role and department names are resolved by the caller). */
const userRow = ({ roles: _roles, department: _department, ...row }: SeedSet['users'][number]) => row;
