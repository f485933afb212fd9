/**
 * A small client for the police records API over fetch, with the connector's failure vocabulary:
 * aborted -> TIMEOUT, connection failure -> UNREACHABLE, HTTP 5xx (and other unexpected
 * statuses) -> UPSTREAM_ERROR, a refused request (400/422) -> BAD_QUERY, a non-JSON content
 * type, invalid JSON or a shape zod rejects -> MALFORMED_RESPONSE. Searches are POSTed as JSON,
 * so names, dates of birth and ids never travel in URLs. Error messages name the resource and
 * the status only: never a URL, a request body or a response body.
 */
import type { z } from 'zod';
import { ConnectorError } from '../sdk/index.js';
import { AnyOfEnvelopeSchema, ListEnvelopeSchema, LocationSchema, type PoliceApiLocation } from './schema.js';

/** Guard against a server whose pages never end. */
const MAX_PAGES = 500;

export interface RequestOptions {
  signal: AbortSignal;
  /** Correlation id for the force's logs (no personal data). */
  requestId: string;
}

export interface SearchResult<T> {
  items: T[];
  total: number;
  /** Side-loaded locations (`included.locations`) by id. */
  locations: Map<string, PoliceApiLocation>;
}

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

export class PoliceApiClient {
  constructor(
    readonly baseUrl: string,
    readonly pageSize: number,
  ) {}

  private async request(what: string, path: string, opts: RequestOptions, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        signal: opts.signal,
        headers: {
          accept: 'application/json',
          'x-request-id': opts.requestId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      if (opts.signal.aborted) throw new ConnectorError('TIMEOUT', `police records API did not answer the ${what} in time`);
      throw new ConnectorError('UNREACHABLE', 'police records API is unreachable');
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 400 || response.status === 422) {
        throw new ConnectorError('BAD_QUERY', `police records API refused the ${what} (HTTP ${response.status})`);
      }
      throw new ConnectorError('UPSTREAM_ERROR', `police records API failed the ${what} (HTTP ${response.status})`);
    }
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      await response.body?.cancel().catch(() => undefined);
      throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with a non-JSON content type`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      if (opts.signal.aborted) throw new ConnectorError('TIMEOUT', `police records API did not finish the ${what} in time`);
      throw new ConnectorError('UNREACHABLE', `police records API dropped the connection during the ${what}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with invalid JSON`);
    }
  }

  /** POSTs a JSON body to `path` (not a paged search, e.g. `events/changes`) and answers the parsed JSON, unvalidated. */
  async post(what: string, path: string, body: Record<string, unknown>, opts: RequestOptions): Promise<unknown> {
    return this.request(what, path, opts, body);
  }

  /** GET a document (e.g. `status`) and validate it. */
  async read<S extends z.ZodType>(path: string, schema: S, opts: RequestOptions): Promise<z.infer<S>> {
    const body = await this.request(path, path, opts);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered ${path} with the wrong shape`);
    return parsed.data;
  }

  /**
   * Several person searches in one request (`persons/search` with `anyOf`): per alternative, its
   * total and the ids of its first `limit` persons; each of those persons once.
   */
  async searchAnyOf<S extends z.ZodType>(
    criteria: readonly Record<string, unknown>[],
    itemSchema: S,
    limit: number,
    opts: RequestOptions,
  ): Promise<{ items: Map<string, z.infer<S>>; alternatives: Array<{ total: number; personIds: string[] }>; locations: Map<string, PoliceApiLocation> }> {
    const what = 'persons search';
    const body = await this.request(what, 'persons/search', opts, { anyOf: criteria, limit });
    const envelope = AnyOfEnvelopeSchema.safeParse(body);
    if (!envelope.success || envelope.data.alternatives.length !== criteria.length) {
      throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with the wrong shape`);
    }
    const items = new Map<string, z.infer<S>>();
    for (const raw of envelope.data.data) {
      const item = itemSchema.safeParse(raw);
      const id = (raw as { id?: unknown } | null)?.id;
      if (!item.success || typeof id !== 'string') throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with an item of the wrong shape`);
      items.set(id, item.data);
    }
    const locations = new Map<string, PoliceApiLocation>();
    for (const raw of envelope.data.included?.locations ?? []) {
      const location = LocationSchema.safeParse(raw);
      if (!location.success) throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with a location of the wrong shape`);
      locations.set(location.data.id, location.data);
    }
    for (const alternative of envelope.data.alternatives) {
      if (alternative.personIds.some((id) => !items.has(id))) throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} naming a person it did not include`);
    }
    return { items, alternatives: envelope.data.alternatives, locations };
  }

  /**
   * POSTs `{resource}/search` and follows the pages (`page.nextOffset`). `maxResults` stops early
   * (the caller decides what too many means); otherwise every page is fetched.
   */
  async search<S extends z.ZodType>(
    resource: string,
    criteria: Record<string, unknown>,
    itemSchema: S,
    opts: RequestOptions,
    maxResults = Infinity,
  ): Promise<SearchResult<z.infer<S>>> {
    const what = `${resource} search`;
    const items: Array<z.infer<S>> = [];
    const locations = new Map<string, PoliceApiLocation>();
    let total = 0;
    let offset = 0;
    for (let page = 0; ; page++) {
      const limit = Math.min(this.pageSize, Number.isFinite(maxResults) ? Math.max(1, maxResults - items.length) : this.pageSize);
      const body = await this.request(what, `${resource}/search`, opts, { ...criteria, offset, limit });
      const envelope = ListEnvelopeSchema.safeParse(body);
      if (!envelope.success) throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with the wrong shape`);
      if (page === 0) total = envelope.data.page.total;
      for (const raw of envelope.data.data) {
        const item = itemSchema.safeParse(raw);
        if (!item.success) throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with an item of the wrong shape`);
        items.push(item.data);
      }
      for (const raw of envelope.data.included?.locations ?? []) {
        const location = LocationSchema.safeParse(raw);
        if (!location.success) throw new ConnectorError('MALFORMED_RESPONSE', `police records API answered the ${what} with a location of the wrong shape`);
        locations.set(location.data.id, location.data);
      }
      const next = envelope.data.page.nextOffset;
      if (next === undefined || items.length >= maxResults) break;
      if (next <= offset) throw new ConnectorError('MALFORMED_RESPONSE', `police records API paged the ${what} backwards`);
      if (page + 1 >= MAX_PAGES) throw new ConnectorError('MALFORMED_RESPONSE', `police records API paged the ${what} without end`);
      offset = next;
    }
    return { items, total, locations };
  }
}
