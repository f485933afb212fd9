import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson, createAuditLog, GENESIS_HASH, hashEvent, verifyChain } from '../../../gateway/audit/index.js';
import { buildEvent } from '../../../gateway/audit/log.js';
import { silentLogger } from '../../../gateway/log.js';
import { openStore, type Store } from '../../../gateway/store/index.js';
import { applyMigrations } from '../../../gateway/store/migrate.js';
import { openPglite } from '../../../gateway/store/pglite.js';
import { openPostgres } from '../../../gateway/store/postgres.js';
import type { Driver } from '../../../gateway/store/types.js';
import { accessEventInput } from '../audit/fixtures.js';
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

/** A bare driver (no migrations applied yet) for each store kind, and how to dispose of it. */
function bareDrivers(): { name: string; open(): Promise<{ driver: Driver; dispose(): Promise<void> }> }[] {
  const kinds = [
    {
      name: 'pglite',
      async open() {
        const driver = await openPglite({});
        return { driver, dispose: () => driver.store.close() };
      },
    },
  ];
  const databaseUrl = testDatabaseUrl();
  if (databaseUrl !== undefined) {
    kinds.push({
      name: 'postgres',
      async open() {
        const schema = uniqueSchema('mig006');
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.end();
        const driver = openPostgres({ databaseUrl, schema, logger: silentLogger });
        return {
          driver,
          async dispose() {
            await driver.store.close();
            await dropSchema(databaseUrl, schema);
          },
        };
      },
    });
  }
  return kinds;
}

describe.each(bareDrivers())('migration 006 on a $name audit log that already has events', (kind) => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('applies over them: they still verify, the hash rule still holds, and new events chain on', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mash-mig-'));
    for (const file of (await readdir(migrationsDir)).filter((f) => /^00[0-5]_.*\.sql$/.test(f))) {
      await copyFile(new URL(file, migrationsDir), join(dir, file));
    }
    const { driver, dispose } = await kind.open();
    try {
      expect(await applyMigrations(driver, silentLogger, pathToFileURL(`${dir}/`))).not.toContain('006_audit_append');
      // Three events written as the appender wrote them before 006: one plain INSERT each.
      let prevHash = GENESIS_HASH;
      for (let seq = 1; seq <= 3; seq += 1) {
        const event = buildEvent(accessEventInput({ requestId: `old-${seq}` }), new Date('2024-05-01T09:30:00Z'));
        const hash = hashEvent(prevHash, event);
        await driver.store.query(
          `INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)`,
          [
            ...[seq, event.id, event.at, event.requestId, event.operation, event.outcome, event.actor?.id, event.enquiry?.id],
            ...[prevHash, hash, canonicalJson(event)],
          ],
        );
        prevHash = hash;
      }

      expect(await applyMigrations(driver, silentLogger)).toContain('006_audit_append');
      await expect(
        driver.store.query(
          `INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, prev_hash, hash, body)
           VALUES (99, gen_random_uuid(), now(), 'r', 'o', 'success', $1, $1, '{}')`,
          ['F'.repeat(64)],
        ),
      ).rejects.toMatchObject({ code: '23514' });

      const log = createAuditLog(driver.store);
      const next = await log.append(accessEventInput({ requestId: 'new' }));
      await log.close();
      expect(next.seq).toBe(4);
      expect(await verifyChain(driver.store)).toMatchObject({ ok: true, count: 4, headHash: next.hash });
    } finally {
      await dispose();
    }
  });
});
