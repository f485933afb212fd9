import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import { errorLabel } from './errors.js';
import type { Driver } from './types.js';

/** `NNN_name.sql`, applied in filename order. */
const MIGRATION_FILE = /^\d{3}_[a-z0-9_]+\.sql$/;

/**
 * Advisory lock keys (two int4 form): a constant naming the purpose, and the current schema, so
 * gateways sharing one schema serialise while tests in other schemas of the same database do not.
 */
export const LOCK_CLASS_MIGRATIONS = 0x4d410001;
export const SCHEMA_LOCK_KEY = `hashtext(coalesce(current_schema(), ''))`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => MIGRATION_FILE.test(file)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(new URL(file, dir), 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Apply every migration not yet recorded in `schema_migrations`, all in one transaction under an
 * advisory lock, so several gateway processes starting at once apply each migration exactly once
 * (the ones that wait find them recorded when they get the lock). Returns the names applied now.
 */
export async function applyMigrations(driver: Driver, logger: Logger, dir?: URL): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  let current = '(setup)';
  try {
    return await driver.scriptTransaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS_MIGRATIONS}, ${SCHEMA_LOCK_KEY})`);
      await tx.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await tx.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
      const applied = new Map(rows.map((row) => [row.name, row.checksum]));
      const appliedNow: string[] = [];
      for (const migration of migrations) {
        const recorded = applied.get(migration.name);
        if (recorded !== undefined) {
          if (recorded !== migration.checksum) {
            // Editing an applied migration changes nothing in existing databases: add a new one instead.
            logger.warn({ migration: migration.name }, 'applied migration file has changed since it was applied');
          }
          continue;
        }
        current = migration.name;
        await tx.runScript(migration.sql);
        await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
          migration.name,
          migration.checksum,
        ]);
        appliedNow.push(migration.name);
      }
      const known = new Set(migrations.map((m) => m.name));
      const unknown = [...applied.keys()].filter((name) => !known.has(name));
      if (unknown.length > 0) {
        logger.warn({ migrations: unknown }, 'the database has migrations this gateway does not know; is it older?');
      }
      if (appliedNow.length > 0) logger.info({ migrations: appliedNow }, 'store migrations applied');
      return appliedNow;
    });
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(
      'STORE_UNAVAILABLE',
      `Store migration ${current} could not be applied (${errorLabel(error)}); nothing was changed and the store was not opened.`,
      { cause: error },
    );
  }
}
