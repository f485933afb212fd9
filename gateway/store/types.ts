import type { Logger } from '../log.js';

/** Something SQL can be sent to: the store itself, or a transaction handed to a callback. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * The gateway's one store: PostgreSQL (`pg` Pool) in production, PGlite embedded by default.
 * Both return int8 as a JS number (a bigint beyond 2^53), timestamptz as Date and jsonb parsed.
 */
export interface Store extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Run `fn` in one transaction: committed when it resolves, rolled back when it throws. Use only
   * `tx` inside `fn`: calling the store itself there waits for the transaction (PGlite) and so
   * never returns.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://… selects PostgreSQL; otherwise PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; in-memory when absent. */
  dataDir?: string;
  /** Schema to create if missing and to use as search_path (lower-case identifier). */
  schema?: string;
  logger?: Logger;
  /**
   * What opens a PGlite data directory ("gateway", "audit export"): named in its lock's owner file,
   * so a second process is told who holds the store (see data-dir-lock.ts). Default "mash-gateway".
   */
  command?: string;
}

/** A transaction that can also run multi-statement SQL scripts (migrations). Internal. */
export interface ScriptQueryable extends Queryable {
  runScript(sql: string): Promise<void>;
}

/** What each driver gives openStore. Internal. */
export interface Driver {
  store: Store;
  scriptTransaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T>;
}
