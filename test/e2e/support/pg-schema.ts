// A fresh PostgreSQL schema per e2e run, dropped afterwards with whatever connections still use it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A lower-case schema name nobody else uses: `<prefix>_<16 hex digits>`. */
export const freshSchemaName = (prefix = 'dg_e2e') => `${prefix}_${randomBytes(8).toString('hex')}`;

/** One query on a short-lived connection. */
export async function query<R extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/**
 * Ends the gateway connections still on the schema (their application_name is `dialectgate/<schema>` or
 * `dialectgate/<schema>/listen`; a killed process's may linger), then drops it with everything in it.
 */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  await query(url, `select pg_terminate_backend(pid) from pg_stat_activity where split_part(application_name, '/', 2) = $1`, [schema]);
  await query(url, `drop schema if exists "${schema}" cascade`);
}
