import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { storeClosed, storeUnavailable, toStoreError } from './errors.js';
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

/** The files of a newly created, empty in-memory cluster, made once per process (see freshInMemory). */
let emptyCluster: Promise<Blob> | undefined;

/**
 * A new in-memory database. Creating one runs initdb (about 2 s); loading the files of one
 * created earlier takes about a quarter of that, so the first in-memory database of a process is
 * created and its files kept, and every one after it starts from a copy. Each copy is its own
 * database: nothing written to one is seen by another.
 */
async function freshInMemory(): Promise<PGlite> {
  emptyCluster ??= (async () => {
    const first = await PGlite.create();
    try {
      return await first.dumpDataDir('none');
    } finally {
      await first.close();
    }
  })();
  try {
    return await PGlite.create({ loadDataDir: await emptyCluster });
  } catch (error) {
    emptyCluster = undefined;
    throw error;
  }
}

export async function openPglite(options: { dataDir?: string; command?: string; logger?: Logger }): Promise<Driver> {
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
    db = options.dataDir === undefined ? await freshInMemory() : await PGlite.create(options.dataDir);
  } catch (error) {
    await lock?.release();
    if (error instanceof GatewayError && error.code === 'STORE_LOCKED') throw error;
    // A data directory that cannot be opened (EACCES, a corrupt cluster, a WebAssembly abort) is an
    // availability problem of the store, whatever the underlying error looks like.
    throw storeUnavailable(error, 'pglite');
  }

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
