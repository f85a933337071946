// The one store conformance suite, in the manner of better-auth's shared adapter suite: `storeSuite(name, makeStore)`
// registers the same tests for every adapter of the Store port (src/store/store.ts). `makeStore` gives a fresh,
// empty, migrated store and its cleanup; each test gets its own, with a small fixture made through the port.
import { describe } from 'vitest';
import { apiKeysSuite } from './api-keys.ts';
import { authSuite } from './auth.ts';
import { directorySuite } from './directory.ts';
import { feedSuite } from './feed.ts';
import { useStore, type MakeStore } from './harness.ts';
import { processesSuite } from './processes.ts';
import { recordsSuite } from './records.ts';
import { sessionsSuite } from './sessions.ts';
import { usersSuite } from './users.ts';

export type { MadeStore, MakeStore } from './harness.ts';

export function storeSuite(name: string, makeStore: MakeStore): void {
  describe(`${name} store`, () => {
    const h = useStore(makeStore);
    usersSuite(h);
    authSuite(h);
    sessionsSuite(h);
    directorySuite(h);
    apiKeysSuite(h);
    recordsSuite(h);
    feedSuite(h);
    processesSuite(h);
  });
}
