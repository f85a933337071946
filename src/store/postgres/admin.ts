// The control plane's part of the PostgreSQL adapter (StoreAdmin in ../store.ts): reset by truncate-and-seed in one
// transaction; snapshots as a copy of every table's rows (json_agg, read in one repeatable-read view) and of the id
// sequences; restore by truncate, json_populate_recordset in foreign-key order and setval, in one transaction.
// Secrets and the change-feed version row are never part of it.
import { asc, eq, sql } from 'drizzle-orm';
import { InvalidSnapshotError, type StoreAdmin } from '../store.ts';
import { snapshot as readOnly, type Conn, type Ctx } from './conn.ts';
import { outbox, sessions } from './schema.ts';
import { loadSet } from './seed.ts';

const FORMAT = 'dialectgate/postgres-snapshot/1';
const KEPT = ['__drizzle_migrations', 'store_secrets', 'store_version'];
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Snapshot {
  format: typeof FORMAT;
  migrations: string[];
  /** Table name → its rows as json_agg wrote them, in the order to insert them back. */
  tables: [string, unknown[]][];
  /** Sequence name → [last_value, is_called]. */
  sequences: [string, string, boolean][];
}

export function createPostgresAdmin({ db, write }: Ctx, schema: string): StoreAdmin {
  const q = (name: string) => `${quote(schema)}.${quote(name)}`;

  /** The store's tables, parents before children (foreign keys). */
  async function tables(c: Conn): Promise<string[]> {
    const names = (await c.execute<{ name: string }>(sql`select tablename as name from pg_tables where schemaname = ${schema} order by tablename`)).rows
      .map((r) => r.name)
      .filter((n) => !KEPT.includes(n));
    const edges = (
      await c.execute<{ child: string; parent: string }>(sql`
        select cl.relname as child, pl.relname as parent
        from pg_constraint k
        join pg_class cl on cl.oid = k.conrelid
        join pg_namespace n on n.oid = cl.relnamespace
        join pg_class pl on pl.oid = k.confrelid
        where k.contype = 'f' and n.nspname = ${schema}`)
    ).rows;
    const ordered: string[] = [];
    const visit = (t: string, path: Set<string>) => {
      if (ordered.includes(t) || path.has(t)) return;
      path.add(t);
      for (const e of edges) if (e.child === t && e.parent !== t) visit(e.parent, path);
      path.delete(t);
      if (names.includes(t)) ordered.push(t);
    };
    for (const t of names) visit(t, new Set());
    return ordered;
  }

  const sequencesOf = async (c: Conn) =>
    (await c.execute<{ name: string }>(sql`select sequencename as name from pg_sequences where schemaname = ${schema} order by sequencename`)).rows.map((r) => r.name);

  const migrationsOf = async (c: Conn) =>
    (await c.execute<{ hash: string }>(sql.raw(`select hash from ${q('__drizzle_migrations')} order by created_at, hash`))).rows.map((r) => r.hash);

  const truncate = async (c: Conn, names: string[]) => {
    if (names.length) await c.execute(sql.raw(`truncate ${names.map(q).join(', ')} restart identity cascade`));
  };

  return {
    async reset(set, now) {
      await write(async (tx, tags) => {
        await truncate(tx, await tables(tx));
        await loadSet(tx, set, now);
        tags.add('all');
      });
    },

    async snapshot() {
      const snap = await readOnly(db, async (tx): Promise<Snapshot> => {
        const out: Snapshot = { format: FORMAT, migrations: await migrationsOf(tx), tables: [], sequences: [] };
        for (const t of await tables(tx)) {
          const rows = (await tx.execute<{ rows: string }>(sql.raw(`select coalesce(json_agg(t), '[]'::json)::text as rows from ${q(t)} t`))).rows[0]!.rows;
          out.tables.push([t, JSON.parse(rows) as unknown[]]);
        }
        for (const s of await sequencesOf(tx)) {
          const r = (await tx.execute<{ last_value: string; is_called: boolean }>(sql.raw(`select last_value::text as last_value, is_called from ${q(s)}`))).rows[0]!;
          out.sequences.push([s, r.last_value, r.is_called]);
        }
        return out;
      });
      return Buffer.from(JSON.stringify(snap));
    },

    async restore(bytes) {
      let snap: Snapshot;
      try {
        snap = JSON.parse(Buffer.from(bytes).toString('utf8')) as Snapshot;
      } catch {
        throw new InvalidSnapshotError('not a PostgreSQL store snapshot');
      }
      if (snap?.format !== FORMAT || !Array.isArray(snap.tables) || !Array.isArray(snap.sequences) || !Array.isArray(snap.migrations)) {
        throw new InvalidSnapshotError('not a PostgreSQL store snapshot');
      }
      await write(async (tx, tags) => {
        const names = await tables(tx);
        const same =
          JSON.stringify(await migrationsOf(tx)) === JSON.stringify(snap.migrations) &&
          JSON.stringify([...names].sort()) === JSON.stringify(snap.tables.map(([t]) => t).sort()) &&
          JSON.stringify((await sequencesOf(tx)).sort()) === JSON.stringify(snap.sequences.map(([s]) => s).sort());
        if (!same) throw new InvalidSnapshotError('not a snapshot of this store schema (other tables or migrations)');
        await truncate(tx, names);
        const rows = new Map(snap.tables);
        for (const t of names) {
          const list = rows.get(t)!;
          if (list.length) await tx.execute(sql`insert into ${sql.raw(q(t))} select * from json_populate_recordset(null::${sql.raw(q(t))}, ${JSON.stringify(list)}::json)`);
        }
        for (const [s, last, called] of snap.sequences) await tx.execute(sql`select setval(${q(s)}::regclass, ${last}::bigint, ${called})`);
        tags.add('all');
      });
    },

    async clearOutbox() {
      await write(async (tx) => void (await tx.delete(outbox)));
    },

    sessionsOf: (userId) => db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt), asc(sessions.id)),
  };
}
