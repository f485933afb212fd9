import pg from 'pg';
import type { Logger } from '../log.js';
import { errorLabel, storeClosed, toStoreError } from './errors.js';
import type { Driver, Queryable, ScriptQueryable, Store } from './types.js';

const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;

// Match PGlite, so code and tests see the same values from both stores: int8 as a number while it
// is exact, as a bigint beyond 2^53 (counts and sequence numbers never get there).
function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

// pg's own parsers, looked up by plain oid (its typings only accept the builtin enum).
const defaultParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (value: string) => unknown;

const types = {
  getTypeParser(oid: number, format: 'text' | 'binary' = 'text') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === INT8_ARRAY_OID) {
      const parseArray = defaultParser(oid, 'text');
      return (text: string) => (parseArray(text) as (string | null)[]).map((v) => (v === null ? null : parseInt8(v)));
    }
    return defaultParser(oid, format);
  },
} as pg.CustomTypesConfig;

function txQueryable(client: pg.PoolClient, isOpen: () => boolean): ScriptQueryable {
  const guard = () => {
    if (!isOpen()) throw new Error('This transaction has ended; run queries through the store instead.');
  };
  return {
    async query<R>(sql: string, params?: unknown[]) {
      guard();
      try {
        const result = await client.query(sql, params);
        return { rows: result.rows as R[] };
      } catch (error) {
        throw toStoreError(error, 'postgres');
      }
    },
    async runScript(sql: string) {
      guard();
      // Without parameters node-postgres uses the simple query protocol, which accepts several statements.
      try {
        await client.query(sql);
      } catch (error) {
        throw toStoreError(error, 'postgres');
      }
    },
  };
}

export function openPostgres(options: { databaseUrl: string; schema?: string; logger: Logger }): Driver {
  const { logger } = options;
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    // Every pooled connection starts with the schema as its search_path (startup parameter), so no
    // query can run before it is set. The name is validated as a plain identifier by openStore.
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    connectionTimeoutMillis: 10_000,
    types,
  });
  // An idle connection that fails (server restart, pg_terminate_backend) must not crash the process;
  // the pool discards it and opens a new one on the next query.
  pool.on('error', (error) => {
    logger.warn({ code: errorLabel(error) }, 'idle database connection failed; it will be replaced');
  });

  let closed = false;

  async function withTransaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    if (closed) throw storeClosed('postgres');
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toStoreError(error, 'postgres');
    }
    // A checked-out client has no pool listener; without this an 'error' event would be unhandled.
    const onClientError = (error: Error) => {
      logger.warn({ code: errorLabel(error) }, 'database connection failed during a transaction');
    };
    client.on('error', onClientError);
    let open = true;
    let discard: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(txQueryable(client, () => open));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable (or in an unknown state): do not return it to the pool.
        discard = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
      }
      throw toStoreError(error, 'postgres');
    } finally {
      open = false;
      client.off('error', onClientError);
      client.release(discard);
    }
  }

  const store: Store = {
    kind: 'postgres',
    async query<R>(sql: string, params?: unknown[]) {
      if (closed) throw storeClosed('postgres');
      try {
        const result = await pool.query(sql, params);
        return { rows: result.rows as R[] };
      } catch (error) {
        throw toStoreError(error, 'postgres');
      }
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return withTransaction(fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };

  return { store, scriptTransaction: withTransaction };
}
