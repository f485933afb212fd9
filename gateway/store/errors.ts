import { GatewayError, isGatewayError } from '../errors.js';

/**
 * Which driver errors mean "the database cannot be reached" (as opposed to a bad statement or a
 * constraint violation, which callers may want to handle themselves). Connectivity failures become
 * GatewayError('STORE_UNAVAILABLE') with the original kept as `cause`; the message names only an
 * error code, never SQL, host credentials or row values.
 */

// Node socket errors seen when PostgreSQL is down, unreachable or drops the connection.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

// SQLSTATEs (PostgreSQL Appendix A) that mean the server will not serve us at the moment.
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown (includes pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name: the database in DATABASE_URL does not exist
]);

// node-postgres reports some connection failures by message only.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|is not queryable|PGlite is closed/i;

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.length > 0 && code.length <= 32) return code;
  }
  return undefined;
}

export function isConnectivityError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  return error instanceof Error && UNAVAILABLE_MESSAGES.test(error.message);
}

/** A short, data-free label for logs: a SQLSTATE, a socket code, a GatewayError code or a class name. */
export function errorLabel(error: unknown): string {
  if (isGatewayError(error)) return error.code;
  return codeOf(error) ?? (error instanceof Error ? error.name : typeof error);
}

export function storeUnavailable(error: unknown, kind: 'postgres' | 'pglite'): GatewayError {
  const label = errorLabel(error);
  const what = kind === 'postgres' ? 'The PostgreSQL database' : 'The embedded database';
  const advice =
    kind === 'postgres'
      ? 'Check DATABASE_URL and that PostgreSQL is running and accepting connections, then try again.'
      : 'Check the data directory is readable and writable, then restart the gateway.';
  return new GatewayError('STORE_UNAVAILABLE', `${what} could not be reached (${label}). ${advice}`, {
    cause: error,
  });
}

export function storeClosed(kind: 'postgres' | 'pglite'): GatewayError {
  return new GatewayError(
    'STORE_UNAVAILABLE',
    `The ${kind === 'postgres' ? 'PostgreSQL' : 'embedded'} store has been closed; no further queries can run on it.`,
  );
}

/** Rethrow connectivity failures as STORE_UNAVAILABLE; leave everything else (and GatewayErrors) as is. */
export function toStoreError(error: unknown, kind: 'postgres' | 'pglite'): unknown {
  if (isGatewayError(error)) return error;
  return isConnectivityError(error) ? storeUnavailable(error, kind) : error;
}
