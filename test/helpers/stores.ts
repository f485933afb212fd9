import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../gateway/store/index.js';

export interface StoreKind {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty store (PostgreSQL: its own schema in the shared `test` database). */
  open(): Promise<Store>;
}

/** The PostgreSQL used by tests, when DATABASE_URL is set. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url === undefined || url === '' ? undefined : url;
}

export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Open a PostgreSQL store in `schema` (created if missing). Closing it drops the schema unless
 * `keepSchema` (for a second "process" sharing the schema of the first).
 */
export async function openPostgresTestStore(schema = uniqueSchema(), options: { keepSchema?: boolean } = {}): Promise<Store> {
  const databaseUrl = testDatabaseUrl();
  if (databaseUrl === undefined) throw new Error('DATABASE_URL is not set');
  const store = await openStore({ databaseUrl, schema });
  if (options.keepSchema === true) return store;
  return {
    kind: store.kind,
    query: (sql, params) => store.query(sql, params),
    transaction: (fn) => store.transaction(fn),
    async close() {
      await store.close();
      await dropSchema(databaseUrl, schema);
    },
  };
}

/** The stores every store-backed test runs against: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function storeKinds(): StoreKind[] {
  const kinds: StoreKind[] = [{ name: 'pglite', open: () => openStore() }];
  if (testDatabaseUrl() !== undefined) kinds.push({ name: 'postgres', open: () => openPostgresTestStore() });
  return kinds;
}
