import { CoreError } from './errors.ts';
import type { User } from './users-view.ts';

/**
 * Who asks the core for a write. Every door passes one, so a privilege the core refuses cannot cross a
 * door that forgot to check it: `system` is the gateway itself (seeding, initialisation, operators),
 * `anonymous` a self-registration, `user` a signed-in caller, through a token or one of its API keys.
 */
export type Actor =
  | { kind: 'system' }
  | { kind: 'anonymous' }
  /** `permissions`: what the request may do when narrower than the user (an API key's rights). */
  | { kind: 'user'; user: Pick<User, 'id' | 'isSuperuser'>; viaApiKey: boolean; permissions?: ReadonlySet<string> };

export const SYSTEM: Actor = { kind: 'system' };
export const ANONYMOUS: Actor = { kind: 'anonymous' };
export const asUser = (user: Pick<User, 'id' | 'isSuperuser'>, viaApiKey = false, permissions?: ReadonlySet<string>): Actor => ({
  kind: 'user',
  user,
  viaApiKey,
  ...(permissions && { permissions }),
});

/** Superuser powers: the gateway itself, or a superuser signed in with a token (never through a key). */
export const isSuperActor = (a: Actor) => a.kind === 'system' || (a.kind === 'user' && a.user.isSuperuser && !a.viaApiKey);

/** Only a superuser may grant, revoke, reset or otherwise change a superuser. */
export function assertMayTouchSuperuser(actor: Actor, targetIsSuperuser: boolean, grants = false): void {
  if ((targetIsSuperuser || grants) && !isSuperActor(actor)) throw new CoreError('forbidden', { reason: 'superuser_only' });
}

/** A request authenticated by an API key may not set or reset a password (creating a user sets one), nor create or enable a key. */
export function assertNotApiKey(actor: Actor): void {
  if (actor.kind === 'user' && actor.viaApiKey) throw new CoreError('forbidden', { reason: 'api_key' });
}
