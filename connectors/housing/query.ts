/**
 * The housing connector reads SQL through one small function, so the same connector runs over
 * PGlite in the sandbox and a real PostgreSQL in production. Failures map to the connector's
 * vocabulary: the caller's abort is TIMEOUT; connection failures (SQLSTATE class 08, server
 * shutting down, too many connections, network errors) are UNREACHABLE; a cancelled statement is
 * TIMEOUT; any other SQL error is UPSTREAM_ERROR. Messages name the query and the SQLSTATE only,
 * never the SQL text or its parameters.
 */
import { ConnectorError } from '../sdk/index.js';

export interface HousingQueryResult {
  rows: Array<Record<string, unknown>>;
}

/** SQL with `$1..$n` parameters. The signal abandons the query. */
export type HousingQuery = (sql: string, params: readonly unknown[], signal: AbortSignal) => Promise<HousingQueryResult>;

/** Anything with `query(text, params)` resolving to `{ rows }`: a PGlite instance, a `pg` Pool or Client. */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

/**
 * Adapts a client to `HousingQuery`. An abort stops the wait; the statement itself runs on, so
 * give a real server a `statement_timeout` (and a read-only role) as well.
 */
export function queryFromClient(client: SqlClient): HousingQuery {
  return (sql, params, signal) =>
    new Promise<HousingQueryResult>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = (): void => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      client.query(sql, [...params]).then(
        (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve({ rows: result.rows as Array<Record<string, unknown>> });
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08007', '08P01']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Runs one query and returns its rows, or throws a ConnectorError naming `what` only. */
export async function runQuery(query: HousingQuery, what: string, sql: string, params: readonly unknown[], signal: AbortSignal): Promise<unknown[]> {
  if (signal.aborted) throw new ConnectorError('TIMEOUT', `housing database did not answer the ${what} query in time`);
  let result: HousingQueryResult;
  try {
    result = await query(sql, params, signal);
  } catch (error) {
    if (signal.aborted || (error as { name?: unknown } | undefined)?.name === 'AbortError') {
      throw new ConnectorError('TIMEOUT', `housing database did not answer the ${what} query in time`);
    }
    const code = codeOf(error);
    if (code === '57014') throw new ConnectorError('TIMEOUT', `housing database cancelled the ${what} query (SQLSTATE 57014)`);
    // Class 22 (data exception): the database refused a value of the query, not a failure of the system.
    if (code && /^22[0-9A-Z]{3}$/.test(code)) throw new ConnectorError('BAD_QUERY', `housing database refused a value in the ${what} query as invalid data (SQLSTATE ${code})`, { rejectedInput: true });
    if (code && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) {
      throw new ConnectorError('UNREACHABLE', `housing database is unreachable (${/^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : code})`);
    }
    throw new ConnectorError('UPSTREAM_ERROR', `housing database failed the ${what} query${code && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : ''}`);
  }
  if (!result || !Array.isArray(result.rows)) throw new ConnectorError('MALFORMED_RESPONSE', `housing database answered the ${what} query without rows`);
  return result.rows;
}
