// The store conformance suite against the PostgreSQL adapter, when DIALECTGATE_TEST_DATABASE_URL names a server
// (e.g. postgres://postgres@127.0.0.1:5432/test). Each test gets a fresh schema, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { storeSuite } from './suite/index.ts';

type Adapter = typeof import('../../src/store/postgres/index.ts');

const url = process.env.DIALECTGATE_TEST_DATABASE_URL;
// Imported only when wanted, so a missing adapter or driver skips the suite instead of breaking the run.
const loaded = url ? await loadAdapter() : undefined;

if (!url) {
  console.log('PostgreSQL store suites skipped: DIALECTGATE_TEST_DATABASE_URL is not set');
  describe.skip('postgres store', () => it('needs DIALECTGATE_TEST_DATABASE_URL', () => {}));
} else if (loaded instanceof Error) {
  console.log(`PostgreSQL store suites skipped: the adapter src/store/postgres/index.ts could not be loaded (${loaded.message})`);
  describe.skip('postgres store', () => it('needs src/store/postgres/index.ts', () => {}));
} else if (loaded) {
  const { adapter, pg } = loaded;
  storeSuite('postgres', async () => {
    const schema = `dg_test_${randomBytes(6).toString('hex')}`;
    const dropSchema = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    };
    let store: Awaited<ReturnType<Adapter['openPostgresStore']>>;
    try {
      store = await adapter.openPostgresStore({ url, schema });
    } catch (e) {
      await dropSchema().catch(() => undefined);
      throw e;
    }
    return {
      store,
      twin: () => adapter.openPostgresStore({ url, schema }),
      async cleanup() {
        await store.close();
        await dropSchema();
      },
    };
  });
}

async function loadAdapter(): Promise<{ adapter: Adapter; pg: typeof import('pg').default } | Error> {
  try {
    const [adapter, pg] = await Promise.all([import('../../src/store/postgres/index.ts'), import('pg')]);
    return { adapter, pg: pg.default };
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
