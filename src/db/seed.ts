// Fixture sets: the format of fixtures/dev.json, checked field by field before anything is written, then loaded into
// an empty store in one transaction.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../config.ts';
import type { Core } from '../core/index.ts';
import { packageFixturesDir } from '../package.ts';
import type { SeedSet, Store } from '../store/store.ts';

export interface FixtureSet {
  departments: { name: string; description?: string }[];
  permissions: { name: string; category?: string; description?: string; method?: string; path?: string }[];
  roles: { name: string; description?: string; builtin?: boolean; permissions: string[] }[];
  users: {
    username: string;
    email: string;
    password: string;
    isSuperuser?: boolean;
    status?: 'active' | 'inactive' | 'locked';
    alias?: string;
    phone?: string;
    realName?: string;
    position?: string;
    roles?: string[];
    department?: string;
  }[];
}

/** The package's development set. */
export const defaultFixturesPath = join(packageFixturesDir, 'dev.json');

/** A fixture set that does not hold: `problems` are lines such as `users[2].password: expected a non-empty string, got ""`. */
export class FixtureError extends ConfigError {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`dialectgate: invalid fixtures in ${source}:\n${problems.map((p) => `  fixtures${p.startsWith(':') ? '' : ' '}${p}`).join('\n')}`);
  }
}

/** No fixture set of that name, or no such file (the admin plane answers 404); the message has no prefix. */
export class FixtureNotFoundError extends ConfigError {}

/** A name (letters, digits, `_`, `-`) rather than a file path. */
export const FIXTURE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * `--fixtures <name|file>`: a name is `<data-dir>/fixtures/<name>.json`, then the package's `fixtures/<name>.json`
 * (`dev`: fixtures/dev.json); anything else is a file path, relative to the working directory.
 */
export function resolveFixtures(spec: string, dataDir: string): string {
  if (!FIXTURE_NAME.test(spec)) {
    const file = resolve(spec);
    if (!existsSync(file)) throw new FixtureNotFoundError(`no such file ${file}`);
    return file;
  }
  const candidates = [join(resolve(dataDir), 'fixtures', `${spec}.json`), join(packageFixturesDir, `${spec}.json`)];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new FixtureNotFoundError(`no fixture set named ${JSON.stringify(spec)} (looked for ${candidates.join(' and ')})`);
  return found;
}

/** Reads, parses and checks a fixture file; throws FixtureError listing every problem. */
export function readFixtures(path = defaultFixturesPath): FixtureSet {
  const file = isAbsolute(path) ? path : resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FixtureError(file, [`: cannot read the file: ${(e as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FixtureError(file, [`: not JSON: ${(e as Error).message}`]);
  }
  const checked = checkFixtures(value);
  if (!checked.ok) throw new FixtureError(file, checked.problems);
  return checked.set;
}

/** `--fixtures` as configured: resolved, read and checked (a bad set stops start-up: ConfigError, exit 2). */
export function loadFixtures(spec: string, dataDir: string): { set: FixtureSet; file: string } {
  let file: string;
  try {
    file = resolveFixtures(spec, dataDir);
  } catch (e) {
    if (e instanceof FixtureNotFoundError) throw new ConfigError(`dialectgate: ${e.message}`);
    throw e;
  }
  return { set: readFixtures(file), file };
}

const show = (x: unknown) => {
  if (x === undefined) return 'nothing';
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Checks a parsed fixture set (a file's content, or an object sent to the admin plane). Every problem is reported,
 * with its path (`users[2].password`): wrong types, empty names, unknown fields (keys starting with `_` are comments),
 * duplicate names, usernames and e-mails, permissions, roles and departments that the set does not define.
 */
export function checkFixtures(value: unknown): { ok: true; set: FixtureSet } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const bad = (path: string, expected: string, got: unknown) => problems.push(`${path}: expected ${expected}, got ${show(got)}`);
  if (!isObject(value)) {
    bad('', 'an object with departments, permissions, roles and users', value);
    return { ok: false, problems };
  }
  type Field = 'name' | 'string' | 'boolean' | 'names' | 'email' | 'status' | 'method' | 'path';
  const check = (path: string, x: unknown, kind: Field, optional: boolean): boolean => {
    if (x === undefined || (x === null && optional && kind !== 'name')) {
      if (optional) return true;
      problems.push(`${path}: required, expected ${kind === 'email' ? 'an e-mail address' : 'a non-empty string'}`);
      return false;
    }
    switch (kind) {
      case 'name':
        if (typeof x === 'string' && x.trim() !== '') return true;
        bad(path, 'a non-empty string', x);
        return false;
      case 'string':
        if (typeof x === 'string') return true;
        bad(path, 'a string', x);
        return false;
      case 'boolean':
        if (typeof x === 'boolean') return true;
        bad(path, 'true or false', x);
        return false;
      case 'email':
        if (typeof x === 'string' && /^[^\s@]+@[^\s@]+$/.test(x)) return true;
        bad(path, 'an e-mail address', x);
        return false;
      case 'status':
        if (x === 'active' || x === 'inactive' || x === 'locked') return true;
        bad(path, 'one of "active", "inactive", "locked"', x);
        return false;
      case 'method':
        if (typeof x === 'string' && /^[A-Z]+$/.test(x)) return true;
        bad(path, 'an upper-case HTTP method such as "GET"', x);
        return false;
      case 'path':
        if (typeof x === 'string' && x.startsWith('/')) return true;
        bad(path, 'a path starting with "/"', x);
        return false;
      case 'names':
        if (Array.isArray(x) && x.every((n) => typeof n === 'string' && n !== '')) return true;
        if (!Array.isArray(x)) bad(path, 'a list of names', x);
        else x.forEach((n, i) => (typeof n === 'string' && n !== '') || bad(`${path}[${i}]`, 'a non-empty string', n));
        return false;
    }
  };
  const SECTIONS = { departments: 0, permissions: 0, roles: 0, users: 0 };
  for (const k of Object.keys(value)) if (!(k in SECTIONS) && !k.startsWith('_')) problems.push(`${k}: unknown field (expected departments, permissions, roles, users)`);

  /** One section: a list of objects with these fields; returns the items that are objects, with their index. */
  const section = (key: keyof typeof SECTIONS, fields: Record<string, [Field, boolean]>) => {
    const list = value[key];
    if (list === undefined) return [];
    if (!Array.isArray(list)) {
      bad(key, 'a list', list);
      return [];
    }
    const items: { i: number; item: Record<string, unknown> }[] = [];
    list.forEach((item, i) => {
      const at = `${key}[${i}]`;
      if (!isObject(item)) return void bad(at, 'an object', item);
      for (const k of Object.keys(item)) {
        if (!(k in fields) && !k.startsWith('_')) problems.push(`${at}.${k}: unknown field (expected ${Object.keys(fields).join(', ')})`);
      }
      for (const [k, [kind, optional]] of Object.entries(fields)) check(`${at}.${k}`, item[k], kind, optional);
      items.push({ i, item });
    });
    return items;
  };
  /** Names that must be unique within a section: a map name → first index; duplicates reported. */
  const unique = (key: string, field: string, items: { i: number; item: Record<string, unknown> }[]) => {
    const seen = new Map<string, number>();
    for (const { i, item } of items) {
      const name = item[field];
      if (typeof name !== 'string' || name === '') continue;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else problems.push(`${key}[${i}].${field}: duplicate ${show(name)} (also ${key}[${first}])`);
    }
    return seen;
  };
  const refs = (path: string, names: unknown, known: Map<string, number>, what: string, section: string) => {
    if (!Array.isArray(names)) return;
    names.forEach((n, j) => {
      if (typeof n === 'string' && n !== '' && !known.has(n)) problems.push(`${path}[${j}]: unknown ${what} ${show(n)} (not in ${section})`);
    });
  };

  const departments = section('departments', { name: ['name', false], description: ['string', true] });
  const permissions = section('permissions', {
    name: ['name', false],
    category: ['string', true],
    description: ['string', true],
    method: ['method', true],
    path: ['path', true],
  });
  const roles = section('roles', { name: ['name', false], description: ['string', true], builtin: ['boolean', true], permissions: ['names', false] });
  const users = section('users', {
    username: ['name', false],
    email: ['email', false],
    password: ['name', false],
    isSuperuser: ['boolean', true],
    status: ['status', true],
    alias: ['string', true],
    phone: ['string', true],
    realName: ['string', true],
    position: ['string', true],
    roles: ['names', true],
    department: ['string', true],
  });
  if (Array.isArray(value.users) && value.users.length === 0) {
    problems.push('users: expected at least one user (a store without users counts as empty and is seeded again)');
  } else if (value.users === undefined) {
    problems.push('users: required, expected a list of at least one user');
  }
  const deptNames = unique('departments', 'name', departments);
  const permNames = unique('permissions', 'name', permissions);
  const roleNames = unique('roles', 'name', roles);
  unique('users', 'username', users);
  unique('users', 'email', users);
  for (const { i, item } of roles) refs(`roles[${i}].permissions`, item.permissions, permNames, 'permission', 'permissions');
  for (const { i, item } of users) {
    refs(`users[${i}].roles`, item.roles, roleNames, 'role', 'roles');
    const d = item.department;
    if (typeof d === 'string' && !deptNames.has(d)) problems.push(`users[${i}].department: unknown department ${show(d)} (not in departments)`);
  }
  if (problems.length > 0) return { ok: false, problems };
  // Valid: null optional fields read as absent.
  const clean = <T>(items: { item: Record<string, unknown> }[]) =>
    items.map(({ item }) => Object.fromEntries(Object.entries(item).filter(([k, x]) => x !== null && !k.startsWith('_')))) as T[];
  return {
    ok: true,
    set: {
      departments: clean(departments),
      permissions: clean(permissions),
      roles: clean(roles),
      users: clean(users),
    },
  };
}

/** A fixture set as the store loads it: passwords hashed by the core's hasher, UUIDs from its randomness. */
export async function toSeedSet(core: Core, set: FixtureSet): Promise<SeedSet> {
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
  return {
    departments: set.departments.map((d) => ({ name: d.name, description: d.description ?? null })),
    permissions: set.permissions.map((p) => ({ name: p.name, category: p.category ?? 'general', description: p.description ?? null, method: p.method ?? null, path: p.path ?? null })),
    roles: set.roles.map((r) => ({ name: r.name, description: r.description ?? null, builtin: r.builtin ?? false, permissions: r.permissions })),
    users,
  };
}

/** Loads a fixture set into an empty store in one transaction. True when this call loaded it (false: another process seeded first). */
export async function seed(store: Store, core: Core, set: FixtureSet): Promise<boolean> {
  return store.seed(await toSeedSet(core, set), core.clock.now());
}
