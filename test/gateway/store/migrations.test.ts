import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../gateway/store/index.js';
import { dropSchema, openPostgresTestStore, storeKinds, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';

const migrationsDir = new URL('../../../gateway/store/migrations/', import.meta.url);

async function migrationNames(): Promise<string[]> {
  return (await readdir(migrationsDir))
    .filter((f) => /^\d{3}_.*\.sql$/.test(f))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

async function appliedMigrations(store: Store): Promise<string[]> {
  const { rows } = await store.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  return rows.map((r) => r.name);
}

describe.each(storeKinds())('migrations on $name', (kind) => {
  it('are applied in filename order when the store opens, each recorded once', async () => {
    const store = await kind.open();
    try {
      const names = await migrationNames();
      expect(names).toContain('001_audit');
      expect(await appliedMigrations(store)).toEqual(names);
      const { rows } = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event`);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await store.close();
    }
  });
});

describe('migrations on a PGlite data directory', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('are not applied again when the same directory is reopened, and the data survives', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mash-store-'));
    const first = await openStore({ dataDir: dir });
    const before = await first.query<{ name: string; applied_at: Date }>('SELECT name, applied_at FROM schema_migrations ORDER BY name');
    await first.query('CREATE TABLE marker (note text)');
    await first.query(`INSERT INTO marker VALUES ('still here')`);
    await first.close();

    const second = await openStore({ dataDir: dir });
    try {
      expect((await second.query('SELECT name, applied_at FROM schema_migrations ORDER BY name')).rows).toEqual(before.rows);
      expect((await second.query('SELECT note FROM marker')).rows).toEqual([{ note: 'still here' }]);
    } finally {
      await second.close();
    }
  });
});

describe.skipIf(testDatabaseUrl() === undefined)('migrations on a shared PostgreSQL schema', () => {
  it('are applied once when the schema is reopened', async () => {
    const schema = uniqueSchema('mig');
    try {
      const first = await openPostgresTestStore(schema, { keepSchema: true });
      const before = (await first.query('SELECT name, applied_at FROM schema_migrations ORDER BY name')).rows;
      await first.close();
      const second = await openPostgresTestStore(schema, { keepSchema: true });
      expect((await second.query('SELECT name, applied_at FROM schema_migrations ORDER BY name')).rows).toEqual(before);
      await second.close();
    } finally {
      await dropSchema(testDatabaseUrl()!, schema);
    }
  });

  it('are applied exactly once when several gateway processes open the same schema at once', async () => {
    const schema = uniqueSchema('mig');
    try {
      const stores = await Promise.all(
        Array.from({ length: 5 }, () => openPostgresTestStore(schema, { keepSchema: true })),
      );
      expect(await appliedMigrations(stores[0]!)).toEqual(await migrationNames());
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await dropSchema(testDatabaseUrl()!, schema);
    }
  });

  it('keeps each schema separate: tables live in the schema given, not in public', async () => {
    const store = await openPostgresTestStore();
    try {
      const { rows } = await store.query<{ schema: string }>(
        `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'audit_event' AND table_schema = current_schema()`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.schema).toMatch(/^t_/);
    } finally {
      await store.close();
    }
  });
});
