import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { GatewayError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { storeClosed, storeUnavailable, toStoreError } from './errors.js';
import { applyMigrations, loadMigrations, MIGRATIONS_DIR, type Migration } from './migrate.js';
import { createPglite, imageKey, pgliteFromImage } from './pglite-image.js';
import type { Driver, Queryable, ScriptQueryable, Store } from './types.js';

/**
 * PGlite is one single-user backend. Its top-level `query`/`exec` and `transaction` share one mutex
 * (`_runExclusiveTransaction`), so a query issued while a transaction is open waits for it to end
 * rather than running inside it; the store tests pin that behaviour down.
 */
/**
 * `mkdir -p` one level at a time: Node's own recursive mkdir never returns for some paths (under
 * /proc, for one), and a gateway that hangs at start is worse than one that says why it stopped.
 */
function makeDirectories(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(resolve(path));
    if (code !== 'ENOENT' || parent === resolve(path)) throw error;
    makeDirectories(parent);
    mkdirSync(path);
  }
}

/**
 * A new in-memory database: with the gateway's migrations applied when `migrated`, otherwise
 * empty. Either is loaded from an image (pglite-image.ts) rather than made by initdb and the
 * migrations each time; the migrated image's key hashes every migration file, so adding or
 * editing one makes a new image. Each database is its own: nothing written to one is seen by another.
 */
async function freshInMemory(migrated: boolean): Promise<PGlite> {
  if (!migrated) return pgliteFromImage(imageKey('empty'), async () => undefined);
  return pgliteFromImage(migratedImageKey(await loadMigrations(MIGRATIONS_DIR)), async (db) => {
    await applyMigrations(driverFor(db, undefined), silentLogger, MIGRATIONS_DIR);
  });
}

/** The key of the migrated store's image: every migration's name and checksum, and how they are applied. */
export function migratedImageKey(migrations: readonly Migration[]): string {
  // applyMigrations' own text too: it creates the schema_migrations table the image holds.
  return imageKey('gateway-store', applyMigrations.toString(), ...migrations.map((migration) => `${migration.name} ${migration.checksum}`));
}

/**
 * `migrated` (in memory only): start from a database with the gateway's migrations already applied
 * (openStore applies any still pending as usual). Without it an in-memory database is empty.
 */
export async function openPglite(options: { dataDir?: string; command?: string; logger?: Logger; migrated?: boolean }): Promise<Driver> {
  let db: PGlite;
  let lock: DataDirLock | undefined;
  try {
    // A first run creates the data directory (PGlite expects its parent to exist).
    if (options.dataDir !== undefined) {
      makeDirectories(options.dataDir);
      // One process at a time (PGlite is single-process): a second is refused with STORE_LOCKED.
      lock = await lockDataDir(options.dataDir, {
        command: options.command ?? 'mash-gateway',
        onCompromised: () => options.logger?.error({ code: 'STORE_LOCK_COMPROMISED' }, 'the embedded store lock could not be kept; another process may open the data directory'),
      });
    }
    db = options.dataDir === undefined ? await freshInMemory(options.migrated === true) : await createPglite({ dataDir: options.dataDir });
  } catch (error) {
    await lock?.release();
    if (error instanceof GatewayError && error.code === 'STORE_LOCKED') throw error;
    // A data directory that cannot be opened (EACCES, a corrupt cluster, a WebAssembly abort) is an
    // availability problem of the store, whatever the underlying error looks like.
    throw storeUnavailable(error, 'pglite');
  }
  return driverFor(db, lock);
}

function driverFor(db: PGlite, lock: DataDirLock | undefined): Driver {
  let closed = false;

  async function withTransaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    if (closed) throw storeClosed('pglite');
    try {
      return await db.transaction(async (tx) =>
        fn({
          async query<R>(sql: string, params?: unknown[]) {
            const result = await tx.query<R>(sql, params);
            return { rows: result.rows };
          },
          async runScript(sql: string) {
            await tx.exec(sql);
          },
        }),
      );
    } catch (error) {
      throw closed ? storeClosed('pglite') : toStoreError(error, 'pglite');
    }
  }

  const store: Store = {
    kind: 'pglite',
    async query<R>(sql: string, params?: unknown[]) {
      if (closed) throw storeClosed('pglite');
      try {
        const result = await db.query<R>(sql, params);
        return { rows: result.rows };
      } catch (error) {
        throw closed ? storeClosed('pglite') : toStoreError(error, 'pglite');
      }
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return withTransaction(fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  };

  return { store, scriptTransaction: withTransaction };
}
