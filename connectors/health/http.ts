/**
 * A minimal FHIR R4 search client over fetch, with the connector's failure vocabulary:
 * aborted -> TIMEOUT, connection failure -> UNREACHABLE, HTTP 5xx (and other unexpected
 * statuses) -> UPSTREAM_ERROR, a refused search (400/422) -> BAD_QUERY, unparseable or
 * wrongly shaped bodies -> MALFORMED_RESPONSE. Error messages name the resource type and the
 * status only: never a URL (search URLs carry NHS numbers and names) or a body.
 */
import { ConnectorError } from '../sdk/index.js';
import type { z } from 'zod';
import { BatchResponseSchema, BundleSchema, RESOURCE_SCHEMAS, type ResourceOf, type SearchableType } from './schema.js';

/** Beyond this URL length a search is POSTed to `[type]/_search` as a form (FHIR R4 3.1.1.3). */
const MAX_GET_URL = 4000;
/** Guard against a server whose next links never end. */
const MAX_PAGES = 500;

export interface SearchOptions {
  signal: AbortSignal;
  /** Correlation id for the agency's logs (no personal data). */
  requestId: string;
}

export interface SearchPage<T> {
  resources: T[];
  total?: number;
}

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

export class FhirClient {
  private readonly origin: string;

  constructor(
    readonly baseUrl: string,
    readonly pageSize: number,
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  private async request(
    what: string,
    url: string,
    opts: SearchOptions,
    init?: { method: 'POST'; body: string; contentType?: string },
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: init?.method ?? 'GET',
        signal: opts.signal,
        headers: {
          accept: 'application/fhir+json',
          'x-request-id': opts.requestId,
          ...(init ? { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' } : {}),
        },
        ...(init ? { body: init.body } : {}),
      });
    } catch (error) {
      if (opts.signal.aborted) {
        throw new ConnectorError('TIMEOUT', `health FHIR endpoint did not answer the ${what} in time`);
      }
      const code = networkCode(error);
      throw new ConnectorError('UNREACHABLE', `health FHIR endpoint is unreachable (${code ?? 'network error'})`);
    }

    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 400 || response.status === 422) {
        throw new ConnectorError('BAD_QUERY', `health FHIR endpoint refused the ${what} (HTTP ${response.status})`);
      }
      throw new ConnectorError('UPSTREAM_ERROR', `health FHIR endpoint failed the ${what} (HTTP ${response.status})`);
    }
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/fhir+json' && contentType !== 'application/json') {
      await response.body?.cancel().catch(() => undefined);
      throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint answered the ${what} with a non-JSON content type`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      if (opts.signal.aborted) throw new ConnectorError('TIMEOUT', `health FHIR endpoint did not finish the ${what} in time`);
      throw new ConnectorError('UNREACHABLE', `health FHIR endpoint dropped the connection during the ${what}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint answered the ${what} with invalid JSON`);
    }
  }

  /** GET a single resource (e.g. `metadata`) and validate it. */
  async read<S extends z.ZodType>(path: string, schema: S, opts: SearchOptions): Promise<z.infer<S>> {
    const body = await this.request(path, `${this.baseUrl}/${path}`, opts);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint answered ${path} with the wrong shape`);
    return parsed.data;
  }

  /**
   * Runs one search and follows its `next` links. `maxResults` stops early (the caller decides
   * what too many means); otherwise every page is fetched.
   */
  async search<T extends SearchableType>(
    type: T,
    params: ReadonlyArray<readonly [string, string]>,
    opts: SearchOptions,
    maxResults = Infinity,
  ): Promise<SearchPage<ResourceOf<T>>> {
    const what = `${type} search`;
    const query = new URLSearchParams([...params, ['_count', String(this.pageSize)]] as Array<[string, string]>).toString();
    const getUrl = `${this.baseUrl}/${type}?${query}`;
    const body =
      getUrl.length <= MAX_GET_URL
        ? await this.request(what, getUrl, opts)
        : await this.request(what, `${this.baseUrl}/${type}/_search`, opts, { method: 'POST', body: query });
    return this.pages(type, body, opts, maxResults);
  }

  /**
   * Several searches in one request: a FHIR batch Bundle POSTed to the base (R4 http.html#transaction),
   * each entry a GET search answered with its own status. Per search, its results (following
   * any next links as `search` does), or 'refused' where the server refused that entry (4xx).
   * A failed entry (5xx) or a batch-response of the wrong shape fails the whole request.
   */
  async batchSearch<T extends SearchableType>(
    type: T,
    searches: ReadonlyArray<ReadonlyArray<readonly [string, string]>>,
    opts: SearchOptions,
    maxResults = Infinity,
  ): Promise<Array<SearchPage<ResourceOf<T>> | 'refused'>> {
    const what = `${type} batch search`;
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: searches.map((params) => ({
        request: { method: 'GET', url: `${type}?${new URLSearchParams([...params, ['_count', String(this.pageSize)]] as Array<[string, string]>).toString()}` },
      })),
    };
    const body = await this.request(what, this.baseUrl, opts, { method: 'POST', body: JSON.stringify(bundle), contentType: 'application/fhir+json' });
    const answer = BatchResponseSchema.safeParse(body);
    if (!answer.success || (answer.data.entry ?? []).length !== searches.length) {
      throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint answered the ${what} with the wrong shape`);
    }
    return Promise.all(
      (answer.data.entry ?? []).map(async (entry) => {
        const status = Number(/^\s*(\d{3})/.exec(entry.response.status)?.[1]);
        if (status >= 400 && status < 500) return 'refused' as const;
        if (!(status >= 200 && status < 300)) throw new ConnectorError('UPSTREAM_ERROR', `health FHIR endpoint failed an entry of the ${what} (${Number.isFinite(status) ? `HTTP ${status}` : 'no status'})`);
        return this.pages(type, entry.resource, opts, maxResults);
      }),
    );
  }

  /** A searchset's resources of `type`, following its next links until `maxResults`. */
  private async pages<T extends SearchableType>(type: T, first: unknown, opts: SearchOptions, maxResults: number): Promise<SearchPage<ResourceOf<T>>> {
    const what = `${type} search`;
    let body = first;
    const schema = RESOURCE_SCHEMAS[type];
    const resources: Array<ResourceOf<T>> = [];
    let total: number | undefined;
    for (let page = 0; ; page++) {
      const bundle = BundleSchema.safeParse(body);
      if (!bundle.success) throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint answered the ${what} with the wrong shape`);
      if (page === 0) total = bundle.data.total;
      for (const entry of bundle.data.entry ?? []) {
        // Searchsets may carry OperationOutcome (mode "outcome") or included resources: skip them.
        if (entry.resource.resourceType !== type) continue;
        const resource = schema.safeParse(entry.resource);
        if (!resource.success) {
          throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint answered the ${what} with a ${type} of the wrong shape`);
        }
        resources.push(resource.data as ResourceOf<T>);
      }
      const next = bundle.data.link?.find((l) => l.relation === 'next')?.url;
      if (!next || resources.length >= maxResults) break;
      if (page + 1 >= MAX_PAGES) throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint paged the ${what} without end`);
      let nextUrl: URL;
      try {
        nextUrl = new URL(next, this.baseUrl);
      } catch {
        throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint gave the ${what} an invalid next link`);
      }
      // Follow paging only within the endpoint we were configured with.
      if (nextUrl.origin !== this.origin) {
        throw new ConnectorError('MALFORMED_RESPONSE', `health FHIR endpoint gave the ${what} a next link to another host`);
      }
      body = await this.request(what, nextUrl.toString(), opts);
    }
    return { resources, ...(total !== undefined ? { total } : {}) };
  }
}
