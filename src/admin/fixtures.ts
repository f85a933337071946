// Fixture sets for a reset: a name (`<data-dir>/fixtures/<name>.json`, then the package's), the configured
// `--fixtures` (a name or a file), or an object in the format of fixtures/dev.json. Checked before anything changes;
// the passwords hashed once per distinct set (a reset of the same set costs no argon2).
import type { Core } from '../core/index.ts';
import { checkFixtures, FIXTURE_NAME, FixtureError, FixtureNotFoundError, readFixtures, resolveFixtures, toSeedSet, type FixtureSet } from '../db/seed.ts';
import type { SeedSet } from '../store/store.ts';
import { AdminError } from './http.ts';

export interface ResolvedFixtures {
  /** What the answer calls it: the name, the configured file, or null for an object. */
  label: string | null;
  set: FixtureSet;
}

/** `spec`: a name from a request (no paths), or an object; `configured`: the gateway's --fixtures, used when absent. */
export function resolveRequestFixtures(spec: unknown, configured: string, dataDir: string): ResolvedFixtures {
  if (spec === undefined) return fromSpec(configured, dataDir);
  if (typeof spec === 'string') {
    if (!FIXTURE_NAME.test(spec)) throw new AdminError(400, 'invalid_request', 'fixtures must be a fixture set name (letters, digits, _ and -) or an object like fixtures/dev.json');
    return fromSpec(spec, dataDir);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new AdminError(400, 'invalid_request', 'fixtures must be a fixture set name or an object like fixtures/dev.json');
  }
  const checked = checkFixtures(spec);
  if (!checked.ok) throw new AdminError(400, 'invalid_fixture', `the fixture set does not hold: ${checked.problems.join('; ')}`);
  return { label: null, set: checked.set };
}

function fromSpec(spec: string, dataDir: string): ResolvedFixtures {
  try {
    return { label: spec, set: readFixtures(resolveFixtures(spec, dataDir)) };
  } catch (e) {
    if (e instanceof FixtureNotFoundError) throw new AdminError(404, 'not_found', e.message);
    if (e instanceof FixtureError) throw new AdminError(400, 'invalid_fixture', `${spec}: ${e.problems.join('; ')}`);
    throw e;
  }
}

/** Hashes a set's passwords with the core's hasher (UUIDs from its randomness), remembering the last few sets. */
export type SeedPreparer = (set: FixtureSet) => Promise<SeedSet>;

export function createSeedPreparer(core: Core): SeedPreparer {
  const prepared = new Map<string, Promise<SeedSet>>();
  return (set: FixtureSet): Promise<SeedSet> => {
    const key = JSON.stringify(set);
    let p = prepared.get(key);
    if (!p) {
      p = toSeedSet(core, set);
      p.catch(() => prepared.delete(key));
      if (prepared.size >= 8) prepared.delete(prepared.keys().next().value!);
      prepared.set(key, p);
    }
    return p;
  };
}

