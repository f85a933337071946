// A tenant as a test sees it: the gateway's URLs, and a header, an admin client and a fetch that all name it.
import { createAdminClient, TENANT_HEADER, type AdminClient } from './admin-client.ts';

export interface TenantHandle<U> {
  id: string;
  /** The gateway's URLs (a tenant is chosen by header, not by port). */
  urls: U;
  /** `{'x-dialectgate-tenant': id}`, to spread into your own requests' headers. */
  headers: { [TENANT_HEADER]: string };
  /** The admin client scoped to the tenant. */
  admin: AdminClient;
  /** Global fetch with the tenant header added (it replaces one the request already has). */
  fetch: typeof fetch;
}

export function tenantFetch(id: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
    headers.set(TENANT_HEADER, id);
    return fetch(input, { ...init, headers });
  };
}

export function tenantHandle<U>(id: string, urls: U, adminUrl: string, token: string | undefined, wrap: (c: AdminClient) => AdminClient): TenantHandle<U> {
  return {
    id,
    urls,
    headers: { [TENANT_HEADER]: id },
    admin: wrap(createAdminClient(adminUrl, { tenant: id, ...(token !== undefined && { token }) })),
    fetch: tenantFetch(id),
  };
}
