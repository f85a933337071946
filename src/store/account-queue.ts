/**
 * Runs work for one account after every earlier piece for the same account has finished (fulfilled or not): in-process
 * serialization of login attempts, shared by both adapters (SQLite relies on it alone; PostgreSQL uses it so a burst
 * on one account holds one pooled connection, the row lock doing the rest across processes).
 */
export function createAccountQueue() {
  const queues = new Map<number, Promise<unknown>>();
  return function serialized<T>(userId: number, fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(userId) ?? Promise.resolve();
    const current = previous.then(fn, fn);
    const tail = current.catch(() => undefined);
    queues.set(userId, tail);
    void tail.then(() => {
      if (queues.get(userId) === tail) queues.delete(userId);
    });
    return current;
  };
}
