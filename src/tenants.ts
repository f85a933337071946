// Tenants (control-plane.md §4): `X-Dialectgate-Tenant: [A-Za-z0-9_-]{1,64}` on any port selects an isolated realm,
// made on first use from the base fixtures; absent or `default` is the normal store. This is the outermost layer of
// each dialect port's listener (tenant → journal → faults → serve): a request without the header costs one lookup.
import type { DialectName } from './config.ts';
import { problem } from './admin/http.ts';
import { headerOf } from './http/headers.ts';
import type { Fetch } from './http/listener.ts';
import type { Realm } from './realm.ts';

export const TENANT_HEADER = 'x-dialectgate-tenant';
export const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Tenants beyond the default one. */
export const TENANT_LIMIT = 100;

/** A tenant header the gateway cannot serve: the admin plane's JSON error, on every port. */
export class TenantError extends Error {
  constructor(
    readonly status: 400 | 503,
    readonly code: 'invalid_tenant' | 'limit_reached',
    message: string,
  ) {
    super(message);
  }
  response = () => problem(this.status, this.code, this.message);
}

export interface Tenants {
  readonly default: Realm;
  /** The realm a header value names (undefined or `default`: the default one), made on first use. TenantError. */
  get(id: string | undefined): Realm | Promise<Realm>;
  /** Every realm, the default first, then by creation. */
  list(): Realm[];
  /** Closes a tenant's realm and discards its store; false when there is none. The default cannot be deleted. */
  delete(id: string): Promise<boolean>;
  /** The dialect port's fetch: picks the realm, then serves from it. */
  fetchFor(dialect: DialectName): Fetch;
  close(): Promise<void>;
}

export function createTenants(defaultRealm: Realm, open: (id: string) => Promise<Realm>): Tenants {
  const realms = new Map<string, Realm>();
  const opening = new Map<string, Promise<Realm>>();
  let closed = false;

  function get(id: string | undefined): Realm | Promise<Realm> {
    if (id === undefined || id === 'default') return defaultRealm;
    const found = realms.get(id);
    if (found) return found;
    if (!TENANT_ID.test(id)) throw new TenantError(400, 'invalid_tenant', 'X-Dialectgate-Tenant must be 1 to 64 of A-Z, a-z, 0-9, _ and -');
    const pending = opening.get(id);
    if (pending) return pending;
    if (closed) throw new TenantError(503, 'limit_reached', 'the gateway is closing');
    if (realms.size + opening.size >= TENANT_LIMIT) {
      throw new TenantError(503, 'limit_reached', `at most ${TENANT_LIMIT} tenants besides default; delete one first (DELETE /__admin/tenants/{id})`);
    }
    // One opening per id, however many requests ask for it at once.
    const p = open(id).then(
      (realm) => {
        opening.delete(id);
        realms.set(id, realm);
        return realm;
      },
      (e) => {
        opening.delete(id);
        throw e;
      },
    );
    opening.set(id, p);
    return p;
  }

  return {
    default: defaultRealm,
    get,
    list: () => [defaultRealm, ...realms.values()],
    async delete(id) {
      const realm = realms.get(id) ?? (await opening.get(id)?.catch(() => undefined));
      if (!realm) return false;
      realms.delete(id);
      await realm.close();
      return true;
    },
    fetchFor(dialect) {
      const serveDefault = defaultRealm.fetch[dialect]!;
      return (request, env, ctx) => {
        const id = headerOf(request, env, TENANT_HEADER);
        if (id === undefined || id === 'default') {
          defaultRealm.lastUsedAt = Date.now();
          return serveDefault(request, env, ctx);
        }
        let realm: Realm | Promise<Realm>;
        try {
          realm = get(id);
        } catch (e) {
          if (e instanceof TenantError) return e.response();
          throw e;
        }
        const serve = (r: Realm) => {
          r.lastUsedAt = Date.now();
          return r.fetch[dialect]!(request, env, ctx);
        };
        return realm instanceof Promise ? realm.then(serve, (e) => (e instanceof TenantError ? e.response() : Promise.reject(e))) : serve(realm);
      };
    },
    async close() {
      closed = true;
      await Promise.allSettled(opening.values());
      await Promise.all([...realms.values()].map((r) => r.close()));
      realms.clear();
    },
  };
}
