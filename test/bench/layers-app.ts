// The fastapi app on four ports of one process, each behind a different listener chain: no layers, the journal on
// (faults with no rules), the journal off, and one fault rule that does not match userinfo (journal off). One
// process and one store, so the figures differ by the layers only. Prints `layers <variant> <url>`, then `layers ready`.
import { serve } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dialects } from '../../dialects/index.ts';
import { defaultConfig } from '../../src/config.ts';
import { createCore } from '../../src/core/index.ts';
import { ControllableClock, systemRandom } from '../../src/core/ports.ts';
import { readFixtures, seed } from '../../src/db/seed.ts';
import { createFaults } from '../../src/http/faults.ts';
import { createJournal } from '../../src/http/journal.ts';
import { wrap, type Fetch } from '../../src/http/listener.ts';
import { KEEP_ALIVE_TIMEOUT_MS, MAX_REQUESTS_PER_SOCKET } from '../../src/http/serve.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

const store = openSqliteStore(':memory:');
const core = createCore({ store, clock: new ControllableClock(), random: systemRandom });
await seed(store, core, readFixtures());
const app = dialects.fastapi.createApp({ core, config: { ...defaultConfig(), rateLimits: false }, key: randomBytes(32) });

const noRules = createFaults({ random: systemRandom });
const oneRule = createFaults({ random: systemRandom });
oneRule.add({ dialect: 'fastapi', method: 'POST', path: '/api/v1/users/*', status: 503 });
const variants: Record<string, Fetch> = {
  plain: app.fetch,
  'journal on': wrap('fastapi', app.fetch, [createJournal().layer, noRules.layer]),
  'journal off': wrap('fastapi', app.fetch, [createJournal({ enabled: false }).layer, noRules.layer]),
  'one non-matching fault rule': wrap('fastapi', app.fetch, [createJournal({ enabled: false }).layer, oneRule.layer]),
};

const servers: Server[] = [];
for (const [name, fetch] of Object.entries(variants)) {
  const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET; // as serveOnPort does: the bench reconnects then
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((r) => server.once('listening', () => r()));
  servers.push(server);
  console.log(`layers ${name} http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}
console.log('layers ready');
process.once('SIGTERM', () => {
  for (const s of servers) s.close();
  process.exit(0);
});
