// npm run unlock -- [--data-dir DIR] <username>: clears an account's lockout, the permanent one at 100 failures
// included, without SQL. Safe beside a running gateway: it writes through the core, and the gateway's read
// cache sees the commit within its cross-process bound.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createCore } from '../core/index.ts';
import type { Store } from '../store/store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';

const USAGE = 'Usage: npm run unlock -- [--data-dir <dir> | --database-url <postgres://…>] <username>\n\n  Clears the lockout of one account (DIALECTGATE_DATA_DIR, default ./data; DIALECTGATE_DATABASE_URL).';

export async function unlock(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return { code: 2, out: `${(e as Error).message}\n${USAGE}` };
  }
  if (parsed.values.help) return { code: 0, out: USAGE };
  if (parsed.positionals.length !== 1) return { code: 2, out: USAGE };
  const username = parsed.positionals[0]!;
  const url = parsed.values['database-url'] ?? env.DIALECTGATE_DATABASE_URL;
  let store: Store;
  if (url) {
    const { openPostgresStore } = await import('../store/postgres/index.ts');
    try {
      store = await openPostgresStore({ url, poolSize: 1 });
    } catch (e) {
      return { code: 1, out: `unlock: ${(e as Error).message}` };
    }
  } else {
    const file = join(resolve(parsed.values['data-dir'] ?? env.DIALECTGATE_DATA_DIR ?? './data'), 'gateway.db');
    if (!existsSync(file)) return { code: 1, out: `unlock: no store at ${file}` };
    store = openSqliteStore(file);
  }
  try {
    const core = createCore({ store });
    const user = await core.users.byUsername(username);
    if (!user) return { code: 1, out: `unlock: no user named ${JSON.stringify(username)}` };
    const cleared = await core.auth.unlock(user.id);
    return { code: 0, out: cleared ? `unlocked ${username}` : `${username} was not locked` };
  } finally {
    await store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void unlock(process.argv.slice(2), process.env).then(({ code, out }) => {
    (code === 0 ? console.log : console.error)(out);
    process.exit(code);
  });
}
