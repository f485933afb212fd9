import type { TypedDocumentString } from './gql/graphql';

/**
 * The console's only way to the gateway: POST /graphql on the same origin, with the signed-in
 * user's token (kept in memory, never in storage). Every failure becomes an ApiError carrying the
 * gateway's stable code and the request id, so an error page can quote it.
 */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly requestId: string | undefined,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  /** The data, or an ApiError for the first error the gateway reported. */
  request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult>;
  /** For a screen that can show what was answered alongside field errors (e.g. one agency refused). */
  requestPartial<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<{ data: TResult | null; errors: ApiError[] }>;
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

/** A request id the console makes, so an error can be quoted even when no answer came back. */
const newRequestId = () => `console-${crypto.randomUUID()}`;

export function createApiClient(token: () => string | undefined, onUnauthenticated: () => void): ApiClient {
  async function send(document: { toString(): string }, variables: unknown): Promise<{ data: unknown; errors: ApiError[] }> {
    const requestId = newRequestId();
    let response: Response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(token() ? { authorization: `Bearer ${token()}` } : {}) },
        body: JSON.stringify({ query: document.toString(), variables }),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError('The gateway could not be reached. Check your connection and try again.', 'NETWORK_ERROR', requestId);
    }
    const answeredId = response.headers.get('x-request-id') ?? requestId;
    let body: { data?: unknown; errors?: GraphqlError[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new ApiError(`The gateway answered ${response.status} without a readable body.`, 'INTERNAL_ERROR', answeredId);
    }
    const errors = (body.errors ?? []).map((error) => {
      const { code = 'INTERNAL_ERROR', ...details } = error.extensions ?? {};
      return new ApiError(error.message, String(code), answeredId, details);
    });
    if (errors.some((error) => error.code === 'UNAUTHENTICATED')) onUnauthenticated();
    if (body.data == null && errors.length === 0) throw new ApiError(`The gateway answered ${response.status} with no data.`, 'INTERNAL_ERROR', answeredId);
      return { data: body.data ?? null, errors };
  }
  return {
    async request(document, variables) {
      const { data, errors } = await send(document, variables);
      if (errors[0] !== undefined) throw errors[0];
      return data as never;
    },
    async requestPartial(document, variables) {
      const { data, errors } = await send(document, variables);
      return { data: data as never, errors };
    },
  };
}
