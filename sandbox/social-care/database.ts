/**
 * The county's children's social care case management database: PGlite in memory, loaded with
 * the social care view, reached through one small query function (what a connector is given; a
 * real deployment passes `pg`'s `pool.query` instead). Faults can be switched on at runtime to
 * test the connector's failure handling; errors look like the ones `pg` raises (a SQLSTATE `code`),
 * so the connector's mapping is tested against the real thing's vocabulary.
 */
import type { PGlite } from '@electric-sql/pglite';
import { imageKey, pgliteFromImage, StatementHash } from '../../gateway/store/pglite-image.js';
import type { County } from '../county/index.js';
import { hashKey, Rng } from '../county/prng.js';
import { loadSocialCareDatabase } from './schema.js';

export interface SocialCareFaults {
  /** Delay before every query. */
  latencyMs?: number;
  /** Share of queries (0..1) failing with SQLSTATE XX000 (internal error). */
  errorRate?: number;
  /** Accept queries and never answer (until the caller's signal aborts). */
  hang?: boolean;
  /**
   * Answer with rows the connector cannot read: `true` or 'wrong-shape' for wrongly typed rows,
   * 'schema-drift' for SQLSTATE 42703 (a column the connector reads has gone).
   */
  malformed?: boolean | 'wrong-shape' | 'schema-drift';
  /** Refuse connections (ECONNREFUSED), as a database that is down does. */
  unreachable?: boolean;
}

export interface SocialCareQueryOptions {
  /** Aborts a waiting query (latency or hang faults); the database itself runs to completion. */
  signal?: AbortSignal;
}

export interface SocialCareSqlResult {
  rows: Record<string, unknown>[];
}

/** The query function a social care connector is given. */
export type SocialCareQuery = (sql: string, params?: readonly unknown[], options?: SocialCareQueryOptions) => Promise<SocialCareSqlResult>;

export interface SocialCareRecordedQuery {
  sql: string;
  params: readonly unknown[];
  /** The first table the query reads (`FROM x`), for tests counting queries per table. */
  table?: string;
}

export interface SocialCareDatabaseOptions {
  county: County;
  faults?: SocialCareFaults;
}

export interface SocialCareDatabase {
  query: SocialCareQuery;
  /** The PGlite instance itself, for inspection in tests and the demo. */
  db: PGlite;
  /** Replaces the current faults (pass `{}` to clear them). */
  setFaults(faults: SocialCareFaults): void;
  /** Queries received since start (or the last `clearQueries`), for tests. */
  queries(): readonly SocialCareRecordedQuery[];
  clearQueries(): void;
  close(): Promise<void>;
}

/** An error shaped like `pg`'s DatabaseError / a Node system error. */
export class SocialCareDatabaseError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'SocialCareDatabaseError';
  }
}

function validateFaults(faults: SocialCareFaults): SocialCareFaults {
  if (faults.latencyMs !== undefined && !(Number.isFinite(faults.latencyMs) && faults.latencyMs >= 0)) {
    throw new RangeError('faults.latencyMs must be a non-negative number');
  }
  if (faults.errorRate !== undefined && !(faults.errorRate >= 0 && faults.errorRate <= 1)) {
    throw new RangeError('faults.errorRate must be between 0 and 1');
  }
  return { ...faults };
}

function abortError(): Error {
  const error = new Error('The query was aborted');
  error.name = 'AbortError';
  return error;
}

/** Waits `ms` (forever when undefined), rejecting if the signal aborts or the database closes. */
function wait(ms: number | undefined, signal: AbortSignal | undefined, closing: Set<() => void>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const finish = (error?: Error): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      closing.delete(onClose);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => finish(abortError());
    const onClose = (): void => finish(new SocialCareDatabaseError('terminating connection due to administrator command', '57P01'));
    const timer = ms === undefined ? undefined : setTimeout(() => finish(), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    closing.add(onClose);
  });
}

export async function startSocialCareDatabase(options: SocialCareDatabaseOptions): Promise<SocialCareDatabase> {
  const { county } = options;
  // Loaded once per county and kept as an image: the key hashes every statement the loader sends.
  const statements = new StatementHash();
  await loadSocialCareDatabase(statements.run, county.views.socialCare);
  const db = await pgliteFromImage(imageKey('social-care', statements.digest()), async (fresh) => {
    await loadSocialCareDatabase((sql, params) => (params ? fresh.query(sql, params) : fresh.exec(sql)), county.views.socialCare);
  });
  let faults = validateFaults(options.faults ?? {});
  const faultRng = new Rng(hashKey(county.seed, 'social-care-faults'));
  const waiting = new Set<() => void>();
  let recorded: SocialCareRecordedQuery[] = [];
  let closed = false;

  const query: SocialCareQuery = async (sql, params = [], queryOptions = {}) => {
    const table = /\bfrom\s+([a-z_][a-z0-9_]*)/i.exec(sql)?.[1]?.toLowerCase();
    recorded.push({ sql, params: [...params], ...(table ? { table } : {}) });
    const current = faults;
    if (closed || current.unreachable) throw new SocialCareDatabaseError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    if (current.hang) await wait(undefined, queryOptions.signal, waiting);
    if (current.latencyMs) await wait(current.latencyMs, queryOptions.signal, waiting);
    if (current.errorRate && faultRng.float() < current.errorRate) throw new SocialCareDatabaseError('internal error (injected fault)', 'XX000');
    if (current.malformed === 'schema-drift') throw new SocialCareDatabaseError('column does not exist (injected fault)', '42703');
    if (current.malformed) return { rows: [{ person_id: 42, date_of_birth: 'yesterday', surname: null, unexpected: true }] };
    const result = await db.query<Record<string, unknown>>(sql, [...params]);
    return { rows: result.rows };
  };

  return {
    query,
    db,
    setFaults(next: SocialCareFaults): void {
      faults = validateFaults(next);
    },
    queries: () => [...recorded],
    clearQueries(): void {
      recorded = [];
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const release of [...waiting]) release();
      await db.close();
    },
  };
}
