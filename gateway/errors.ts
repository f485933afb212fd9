/**
 * The one error family of the gateway. Every refusal or failure that reaches a caller is a
 * GatewayError with a stable `code` (GraphQL `extensions.code`, CLI exit code, HTTP status);
 * the message says what was wrong and what to do, and never carries a stack trace, SQL or
 * personal data.
 */
export const ERROR_CODES = {
  BAD_INPUT: { http: 400, exit: 2 },
  /** Production mode: __schema/__type are refused; the contract is the published SDL. */
  INTROSPECTION_DISABLED: { http: 400, exit: 2 },
  /** The query's shape is over a limit (aliases, depth, directives, tokens): limits.query. */
  QUERY_LIMIT: { http: 400, exit: 2 },
  /** The request would cost more than limits.cost.max (agency fan-out, list sizes, audit scans). */
  COST_LIMIT: { http: 400, exit: 2 },
  /** Too many requests from one actor or address; retry after extensions.retryAfter seconds. */
  RATE_LIMITED: { http: 429, exit: 10 },
  /**
   * The gateway itself is saturated: a new request was shed before it started, or a running one's
   * agency calls ran out of time on the gateway's own busy event loop. Retry after extensions.retryAfter seconds.
   */
  OVERLOADED: { http: 503, exit: 10 },
  UNAUTHENTICATED: { http: 401, exit: 3 },
  FORBIDDEN: { http: 403, exit: 4 },
  FORBIDDEN_NO_ENQUIRY: { http: 403, exit: 4 },
  FORBIDDEN_NOT_MEMBER: { http: 403, exit: 4 },
  FORBIDDEN_ENQUIRY_CLOSED: { http: 403, exit: 4 },
  FORBIDDEN_SUBJECT_NOT_LINKED: { http: 403, exit: 4 },
  FORBIDDEN_NOT_SHOWN: { http: 403, exit: 4 },
  FORBIDDEN_NO_SCHOOL: { http: 403, exit: 4 },
  FORBIDDEN_NOT_ON_ROLL: { http: 403, exit: 4 },
  NOT_FOUND: { http: 404, exit: 5 },
  /** No registered issuer has ever authenticated the actor named (issuer, subject). */
  UNKNOWN_ACTOR: { http: 404, exit: 5 },
  CONFLICT: { http: 409, exit: 6 },
  /** An enquiry closes only on a MASH decision a manager has signed off (recordDecision, signOffDecision). */
  DECISION_REQUIRED: { http: 409, exit: 6 },
  AUDIT_UNAVAILABLE: { http: 503, exit: 7 },
  STORE_UNAVAILABLE: { http: 503, exit: 7 },
  STORE_LOCKED: { http: 503, exit: 7 },
  AGENCY_UNAVAILABLE: { http: 503, exit: 8 },
  CONFIG_INVALID: { http: 500, exit: 9 },
  INTERNAL_ERROR: { http: 500, exit: 1 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

export const badInput = (message: string, details?: Record<string, unknown>): GatewayError =>
  new GatewayError('BAD_INPUT', message, details === undefined ? undefined : { details });
