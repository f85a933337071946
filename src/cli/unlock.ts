// npm run unlock -- [--data-dir DIR] <username>: clears an account's lockout, the permanent one at 100 failures
// included, without SQL. Safe beside a running gateway: it writes through the core, and the gateway's read
// cache sees the commit within its cross-process bound.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createCore } from '../core/index.ts';
import { openStore } from '../store/sqlite/open.ts';

const USAGE = 'Usage: npm run unlock -- [--data-dir <dir>] <username>\n\n  Clears the lockout of one account (DIALECTGATE_DATA_DIR, default ./data).';

export function unlock(argv: string[], env: NodeJS.ProcessEnv): { code: number; out: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return { code: 2, out: `${(e as Error).message}\n${USAGE}` };
  }
  if (parsed.values.help) return { code: 0, out: USAGE };
  if (parsed.positionals.length !== 1) return { code: 2, out: USAGE };
  const username = parsed.positionals[0]!;
  const file = join(resolve(parsed.values['data-dir'] ?? env.DIALECTGATE_DATA_DIR ?? './data'), 'gateway.db');
  if (!existsSync(file)) return { code: 1, out: `unlock: no store at ${file}` };
  const store = openStore(file);
  try {
    const core = createCore({ db: store.db });
    const user = core.users.byUsername(username);
    if (!user) return { code: 1, out: `unlock: no user named ${JSON.stringify(username)}` };
    const cleared = core.auth.unlock(user.id);
    return { code: 0, out: cleared ? `unlocked ${username}` : `${username} was not locked` };
  } finally {
    store.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { code, out } = unlock(process.argv.slice(2), process.env);
  (code === 0 ? console.log : console.error)(out);
  process.exit(code);
}
