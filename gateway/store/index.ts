import { GatewayError } from '../errors.js';
import { silentLogger } from '../log.js';
import { errorLabel } from './errors.js';
import { applyMigrations } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Driver, OpenStoreOptions, Store } from './types.js';

export type { OpenStoreOptions, Queryable, Store } from './types.js';
export { isConnectivityError } from './errors.js';

// Lower-case identifiers only: the name goes into a connection startup parameter and into DDL,
// where anything needing quotes would be a trap.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

// Serialises CREATE SCHEMA IF NOT EXISTS across processes (it is not race-free on its own).
const LOCK_CLASS_SCHEMA = 0x4d410000;

/**
 * Open the store: PostgreSQL when `databaseUrl` is given, otherwise PGlite (in `dataDir`, or in
 * memory). Creates `schema` if asked and applies pending migrations before returning.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `Store schema "${schema}" is not valid: use lower-case letters, digits and underscores, starting with a letter or underscore (at most 63).`,
    );
  }

  const driver: Driver =
    options.databaseUrl !== undefined && options.databaseUrl !== ''
      ? openPostgres({ databaseUrl: options.databaseUrl, logger, ...(schema === undefined ? {} : { schema }) })
      : await openPglite(
          options.dataDir === undefined
            ? // In memory and in the default schema: start from a migrated image (applyMigrations below then finds nothing to do).
              { migrated: schema === undefined }
            : { dataDir: options.dataDir, command: options.command ?? 'mash-gateway', logger },
        );

  try {
    if (schema !== undefined) await ensureSchema(driver, schema);
    await applyMigrations(driver, logger);
  } catch (error) {
    await driver.store.close().catch(() => undefined);
    throw error;
  }
  logger.debug({ kind: driver.store.kind }, 'store opened');
  return driver.store;
}

async function ensureSchema(driver: Driver, schema: string): Promise<void> {
  try {
    await driver.scriptTransaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS_SCHEMA}, hashtext($1))`, [schema]);
      await tx.runScript(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      // PGlite is one session: set the path once. (PostgreSQL connections get it at startup.)
      if (driver.store.kind === 'pglite') await tx.runScript(`SET search_path TO ${schema}`);
    });
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(
      'STORE_UNAVAILABLE',
      `Store schema "${schema}" could not be created (${errorLabel(error)}); check the database role may create schemas.`,
      { cause: error },
    );
  }
}
