// The hot path's one idiom: a core read is synchronous on a cache hit (a value, or a thrown CoreError) and a promise
// on a miss. `settle` continues either way without making a hit asynchronous.
export type Awaitable<T> = T | Promise<T>;

export function settle<T, R>(read: () => Awaitable<T>, ok: (value: T) => Awaitable<R>, failed: (e: unknown) => Awaitable<R>): Awaitable<R> {
  let value: Awaitable<T>;
  try {
    value = read();
  } catch (e) {
    return failed(e);
  }
  return value instanceof Promise ? value.then(ok, failed) : ok(value);
}

/** `value` then `fn` (not named `then`: a module exporting `then` is a thenable), synchronously when `value` is not a promise. */
export const andThen = <T, R>(value: Awaitable<T>, fn: (v: T) => Awaitable<R>): Awaitable<R> => (value instanceof Promise ? value.then(fn) : fn(value));

/** A `failed` for `settle` that passes the error on (to the pipeline, which answers core errors from its tables). */
export const rethrow = (e: unknown): never => {
  throw e;
};
