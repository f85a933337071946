// `dialectgate/testing` (control-plane.md §5): a gateway on free loopback ports for a test suite, and the typed
// client of its admin plane. Framework-free: vitest, jest and `node --test` alike.
export { startGateway, type GatewayUrls, type StartGatewayOptions, type TestGateway } from './gateway.ts';
export { createAdminClient, TENANT_HEADER, type AdminClient, type AdminClientOptions, type UserRef } from './admin-client.ts';
export { AdminError, AdminUnreachableError } from './errors.ts';
export type { ClockOption } from './clock-option.ts';
export type { TenantHandle } from './tenant.ts';
export type * from './types.ts';
