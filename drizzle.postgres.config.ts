import { defineConfig } from 'drizzle-kit';

// The PostgreSQL adapter's migrations (`npx drizzle-kit generate --config drizzle.postgres.config.ts`).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './src/store/postgres/migrations',
});
