import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Random } from './core/ports.ts';

const KEY_BYTES = 32; // 256-bit HS256 keys (RFC 8725 §3.5)

/** Reads a dialect's stored key, or stores `generate()` as it (once, for every process of the deployment). */
export type SecretSource = (name: string, generate: () => string) => Promise<string>;

/**
 * One signing key per dialect, generated on first start and kept, so issued tokens survive restarts.
 * `DIALECTGATE_SECRET_<DIALECT>` (base64url, ≥ 32 bytes) overrides a key.
 */
export async function loadSecrets(source: SecretSource, names: readonly string[], random: Random, env: NodeJS.ProcessEnv): Promise<Record<string, Uint8Array>> {
  const keys: Record<string, Uint8Array> = {};
  for (const name of names) {
    const override = env[`DIALECTGATE_SECRET_${name.toUpperCase()}`];
    const stored = override ?? (await source(`signing-key:${name}`, () => random.bytes(KEY_BYTES).toString('base64url')));
    const key = Buffer.from(stored, 'base64url');
    if (key.length < KEY_BYTES) throw new Error(`the ${name} signing key must be at least ${KEY_BYTES} bytes (base64url)`);
    keys[name] = new Uint8Array(key);
  }
  return keys;
}

/** SQLite deployments keep the keys in `<dataDir>/secrets.json` (mode 0600), by dialect name as before. */
export function fileSecrets(dataDir: string): SecretSource {
  const file = join(dataDir, 'secrets.json');
  return async (name, generate) => {
    const key = name.replace(/^signing-key:/, '');
    const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
    if (!stored[key]) {
      stored[key] = generate();
      writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    }
    chmodSync(file, 0o600);
    return stored[key];
  };
}
