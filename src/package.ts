// The package's own files (package.json, fixtures/), found from the sources (src/) and from the compiled dist/src/
// alike: the first folder above this module that holds dialectgate's package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'dialectgate') return dir;
      } catch {
        // not ours: keep looking
      }
    }
  }
  throw new Error(`dialectgate: package.json not found above ${fileURLToPath(import.meta.url)}`);
}

/** The package's root folder (the repository, or node_modules/dialectgate when installed). */
export const packageRoot = findRoot();

/** The package's fixture sets (`<root>/fixtures/<name>.json`; `dev` is the development set). */
export const packageFixturesDir = join(packageRoot, 'fixtures');

let version: string | undefined;
/** The version in package.json. */
export function packageVersion(): string {
  return (version ??= (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version);
}
