// startGateway's `clock`: where virtual time starts, applied through the admin plane once the gateway listens, and
// again after every reset or restore made through the helper's clients (a reset puts the clock back to the wall, and
// `beforeEach(() => gw.admin.reset())` would otherwise undo the option before the first test).
import type { AdminClient } from './admin-client.ts';
import type { ClockScope, Instant, Keep } from './types.ts';

export interface ClockOption {
  /** Virtual time jumps here (then runs on, unless frozen). */
  set?: Instant;
  /** `true`: stop virtual time (at `set` if given, else at start); an instant: stop it there (instead of `set`). */
  freeze?: boolean | Instant;
  /** `policy` (the default: lockouts, expiries, rate-limit windows) or `all` (token claims and dialect timestamps too). */
  scope?: ClockScope;
}

/** Checked before the gateway starts: an instant given twice is a mistake in the test, not in the gateway. */
export function checkClockOption(c: ClockOption): void {
  if (c.set !== undefined && c.freeze !== undefined && typeof c.freeze !== 'boolean') {
    throw new TypeError('startGateway: clock.set and clock.freeze both name an instant; give one (freeze: true stops it at set)');
  }
}

export async function applyClock(admin: AdminClient, c: ClockOption): Promise<void> {
  const scope = c.scope;
  if (c.freeze !== undefined && c.freeze !== false) await admin.clock.freeze({ at: c.freeze === true ? c.set : c.freeze, scope });
  else if (c.set !== undefined) await admin.clock.set({ to: c.set, scope });
  else if (scope !== undefined) await admin.clock.reset({ scope });
}

export const isClockSet = (c: ClockOption | undefined): c is ClockOption =>
  c !== undefined && (c.set !== undefined || (c.freeze !== undefined && c.freeze !== false) || c.scope !== undefined);

/** The client whose reset and restore re-apply the clock option (unless the caller keeps the clock). */
export function withClockBaseline(admin: AdminClient, c: ClockOption | undefined): AdminClient {
  if (!isClockSet(c)) return admin;
  const after = async <T>(keep: Keep[] | undefined, answer: T): Promise<T> => {
    if (!keep?.includes('clock')) await applyClock(admin, c);
    return answer;
  };
  return {
    ...admin,
    reset: async (o = {}) => after(o.keep, await admin.reset(o)),
    snapshots: { ...admin.snapshots, restore: async (id, o = {}) => after(o.keep, await admin.snapshots.restore(id, o)) },
  };
}
