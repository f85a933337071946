// The one registry of in-process state that a reset or restore of the store must clear (control plane, spec §4):
// the read cache, the API-key usage queue, the dialects' JWT memos and rate-limit windows, the clock's token drifts.
// It is also the gate that makes a reset atomic for this process: in-flight dialect requests finish, new ones wait.

export interface StatePart {
  /** A name a reset's `keep` may give to leave this part as it is (`journal`, `faults`, `clock`). */
  keepAs?: string;
  /** Before the store is replaced, with no dialect request in flight: let pending writes finish (or drop them). */
  settle?(): Promise<void>;
  /** After the store is replaced: forget everything. */
  clear(): void;
}

export function createLifecycle() {
  const parts = new Map<symbol, { name: string; part: StatePart }>();
  let inFlight = 0;
  let closed: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let drained: (() => void) | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const leave = () => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };

  /** Runs one request; synchronous (no promise added) when the gate is open and `fn` answers synchronously. */
  function admit<T>(fn: () => T | Promise<T>): T | Promise<T> {
    if (closed) return closed.then(() => admit(fn));
    inFlight++;
    let out: T | Promise<T>;
    try {
      out = fn();
    } catch (e) {
      leave();
      throw e;
    }
    if (out instanceof Promise) return out.finally(leave);
    leave();
    return out;
  }

  return {
    /** Registers a part (by name, for messages); returns the unregister function. */
    register(name: string, part: StatePart | (() => void), keepAs?: string): () => void {
      const key = Symbol(name);
      parts.set(key, { name, part: typeof part === 'function' ? { clear: part, ...(keepAs !== undefined && { keepAs }) } : part });
      return () => void parts.delete(key);
    },

    /** The names registered, in order (tests, messages). */
    names: () => [...parts.values()].map((p) => p.name),

    admit,

    /** Requests currently admitted. */
    inFlight: () => inFlight,

    /**
     * One at a time: closes the gate, waits for the admitted requests to finish, settles every part, runs
     * `replace` (the store's reset or restore), clears every part, opens the gate. A throw from `replace` still
     * clears and reopens.
     */
    exclusive<T>(replace: () => Promise<T>, keep: ReadonlySet<string> = new Set()): Promise<T> {
      const run = async (): Promise<T> => {
        closed = new Promise<void>((r) => (open = r));
        try {
          if (inFlight > 0) await new Promise<void>((r) => (drained = r));
          drained = undefined;
          for (const { part } of parts.values()) await part.settle?.();
          try {
            return await replace();
          } finally {
            for (const { part } of parts.values()) if (part.keepAs === undefined || !keep.has(part.keepAs)) part.clear();
          }
        } finally {
          const release = open!;
          closed = undefined;
          open = undefined;
          release();
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
export type Lifecycle = ReturnType<typeof createLifecycle>;
