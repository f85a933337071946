import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The examples import the package's test helper by its published name; here that is the sources (the packed
  // package's own export is checked in test/e2e/package.test.ts).
  resolve: { alias: [{ find: /^dialectgate\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
