import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Random } from './core/ports.ts';

const KEY_BYTES = 32; // 256-bit HS256 keys (RFC 8725 §3.5)

/**
 * One signing key per dialect, generated on first start into `<dataDir>/secrets.json` (mode 0600)
 * and kept across restarts, so issued tokens survive them. `DIALECTGATE_SECRET_<DIALECT>` (base64url,
 * ≥ 32 bytes) overrides a key.
 */
export function loadSecrets(dataDir: string, names: readonly string[], random: Random, env: NodeJS.ProcessEnv): Record<string, Uint8Array> {
  const file = join(dataDir, 'secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const name of names) {
    if (!stored[name]) {
      stored[name] = random.bytes(KEY_BYTES).toString('base64url');
      changed = true;
    }
  }
  if (changed) writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return Object.fromEntries(
    names.map((name) => {
      const override = env[`DIALECTGATE_SECRET_${name.toUpperCase()}`];
      const key = Buffer.from(override ?? stored[name]!, 'base64url');
      if (key.length < KEY_BYTES) throw new Error(`the ${name} signing key must be at least ${KEY_BYTES} bytes (base64url)`);
      return [name, new Uint8Array(key)];
    }),
  );
}
