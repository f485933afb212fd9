/**
 * The county health system's FHIR R4 endpoint, on node:http. JSON only
 * (`application/fhir+json`). Supports:
 *   GET  /fhir/metadata                         CapabilityStatement
 *   GET  /fhir/Patient/{id}                     read (also RelatedPerson/{id})
 *   GET  /fhir/{type}?params                    search (Bundle searchset, paged by _count/_offset)
 *   POST /fhir/{type}/_search                   search with a form-encoded body (long id lists)
 *   POST /fhir                                  a batch Bundle of GET searches and reads, answered
 *                                               as a batch-response (each entry its own status)
 *   GET  /fhir?_getpages={token}&_offset=..     further pages of a POSTed search
 * Unknown resource types and parameters are refused with 400 and an OperationOutcome (strict
 * handling), so a connector's mistake shows up in tests rather than as silently wrong results.
 *
 * Faults can be switched on at runtime to test the connector's failure handling.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { County } from '../county/index.js';
import { hashKey, Rng } from '../county/prng.js';
import type { FhirResource } from './fhir.js';
import { HealthStore, RESOURCE_TYPES, SEARCH_PARAMS, STRING_PARAMS, SearchError, type ResourceType } from './store.js';

export interface Faults {
  /** Delay before every answer. */
  latencyMs?: number;
  /** Share of requests (0..1) answered with 500 and an OperationOutcome. */
  errorRate?: number;
  /** Accept requests and never answer. */
  hang?: boolean;
  /** Answer 200 with a broken body: `true` or 'invalid-json' for unparseable JSON, 'wrong-shape' for a Bundle of the wrong shape. */
  malformed?: boolean | 'invalid-json' | 'wrong-shape';
}

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/fhir/Encounter` or `/fhir/Encounter/_search`. */
  path: string;
  /** The resource type addressed, when there is one. */
  resourceType?: string;
  /** Query and form parameters in order. */
  params: Array<[string, string]>;
  /** For a batch Bundle POSTed to the base: each entry's request, in order. */
  entries?: RecordedRequest[];
}

export interface HealthServerOptions {
  county: County;
  host?: string;
  port?: number;
  faults?: Faults;
  /** Page size when the client gives no `_count`. Default 50. */
  defaultPageSize?: number;
}

export interface HealthServer {
  /** Base URL of the FHIR endpoint, ending in `/fhir`. */
  baseUrl: string;
  close(): Promise<void>;
  /** Replaces the current faults (pass `{}` to clear them). */
  setFaults(faults: Faults): void;
  /** Requests received since start (or the last `clearRequests`), for tests. */
  requests(): readonly RecordedRequest[];
  clearRequests(): void;
}

const MAX_PAGE_SIZE = 1000;
const MAX_BODY_BYTES = 1_000_000;
/** Entries one batch Bundle may carry. */
const MAX_BATCH_ENTRIES = 100;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
/** Long searches are paged through a stored query rather than a very long next URL. */
const MAX_NEXT_URL_QUERY = 2000;
const STORED_SEARCHES = 200;

function validateFaults(faults: Faults): Faults {
  if (faults.latencyMs !== undefined && !(Number.isFinite(faults.latencyMs) && faults.latencyMs >= 0)) {
    throw new RangeError('faults.latencyMs must be a non-negative number');
  }
  if (faults.errorRate !== undefined && !(faults.errorRate >= 0 && faults.errorRate <= 1)) {
    throw new RangeError('faults.errorRate must be between 0 and 1');
  }
  return { ...faults };
}

function operationOutcome(code: string, diagnostics: string, severity: 'error' | 'fatal' = 'error'): FhirResource {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { county, host = '127.0.0.1', port = 0, defaultPageSize = 50 } = options;
  const store = new HealthStore(county);
  let faults = validateFaults(options.faults ?? {});
  const faultRng = new Rng(hashKey(county.seed, 'health-faults'));
  const sockets = new Set<Socket>();
  const pendingDelays = new Set<() => void>();
  const storedSearches = new Map<string, { type: ResourceType; params: Array<[string, string]> }>();
  let recorded: RecordedRequest[] = [];
  let closing = false;
  let baseUrl = '';

  const send = (res: ServerResponse, status: number, body: FhirResource | string): void => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': FHIR_JSON, 'cache-control': 'no-store' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const delay = (ms: number, res: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        pendingDelays.delete(done);
        res.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pendingDelays.add(done);
      res.once('close', done);
    });

  const readForm = async (req: IncomingMessage): Promise<Array<[string, string]>> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new SearchError('POST _search needs an application/x-www-form-urlencoded body');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new SearchError('Search body is too large');
      chunks.push(chunk as Buffer);
    }
    return [...new URLSearchParams(Buffer.concat(chunks).toString('utf8'))];
  };

  const readBundle = async (req: IncomingMessage): Promise<unknown> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/fhir+json' && type !== 'application/json') throw new SearchError('POST to the base needs a Bundle as application/fhir+json');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new SearchError('Bundle is too large');
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      throw new SearchError('The body is not JSON');
    }
  };

  /** The entries of a batch Bundle (FHIR R4 http.html#transaction): GET requests relative to the base. */
  const batchEntries = (bundle: unknown): RecordedRequest[] => {
    const b = bundle as { resourceType?: unknown; type?: unknown; entry?: unknown } | null;
    if (b === null || typeof b !== 'object' || b.resourceType !== 'Bundle') throw new SearchError('POST to the base needs a Bundle');
    if (b.type !== 'batch') throw new SearchError(`Bundle type '${String(b.type)}' is not supported: only batch`, 'not-supported');
    const entries = b.entry ?? [];
    if (!Array.isArray(entries) || entries.length > MAX_BATCH_ENTRIES) throw new SearchError(`A batch carries a list of at most ${MAX_BATCH_ENTRIES} entries`);
    return entries.map((entry: unknown) => {
      const request = (entry as { request?: { method?: unknown; url?: unknown } } | null)?.request;
      const method = typeof request?.method === 'string' ? request.method : '';
      const url = typeof request?.url === 'string' ? request.url : '';
      const parsed = new URL(url.replace(/^\/+/, ''), 'http://sandbox.invalid/fhir/');
      const path = parsed.pathname.replace(/\/+$/, '');
      const segments = path.split('/').filter(Boolean);
      return { method, path, params: [...parsed.searchParams], ...(segments[1] ? { resourceType: segments[1] } : {}) };
    });
  };

  /** One batch entry's answer: the entry of a batch-response, with its own status (an entry's failure is its own). */
  const batchAnswer = (entry: RecordedRequest): { response: { status: string; outcome?: FhirResource }; resource?: FhirResource } => {
    try {
      if (entry.method !== 'GET') throw new SearchError(`${entry.method || 'A missing method'} is not supported in a batch here: GET only`, 'not-supported');
      const segments = entry.path.split('/').filter(Boolean);
      const type = segments[1];
      if (segments[0] !== 'fhir' || type === undefined || type === 'metadata') throw new SearchError('A batch entry names a resource type (e.g. Patient?family=...)');
      if (!(RESOURCE_TYPES as readonly string[]).includes(type)) throw new SearchError(`Resource type '${type}' is not supported by this server`, 'not-supported');
      if (segments.length === 3) return { response: { status: '200 OK' }, resource: store.read(type, decodeURIComponent(segments[2] as string)) };
      if (segments.length > 3) throw new SearchError(`No operation at ${entry.path}`, 'not-supported');
      const { offset, count, rest } = paging(entry.params);
      const self = `${baseUrl}/${type}?${new URLSearchParams(entry.params).toString()}`;
      return { response: { status: '200 OK' }, resource: searchBundle(type as ResourceType, rest, offset, count, self) };
    } catch (error) {
      const known = error instanceof SearchError;
      const status = !known ? '500 Internal Server Error' : error.code === 'not-found' ? '404 Not Found' : '400 Bad Request';
      return { response: { status, outcome: operationOutcome(known ? error.code : 'exception', known ? error.message : 'Internal server error') } };
    }
  };

  const capabilityStatement = (): FhirResource => ({
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: county.asOf,
    publisher: `${county.name} health economy (synthetic sandbox)`,
    kind: 'instance',
    software: { name: 'mash-gateway sandbox health FHIR server', version: '0.1.0' },
    implementation: { description: `${county.name} county health record (synthetic)`, url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        resource: RESOURCE_TYPES.map((type) => ({
          type,
          interaction: [...(type === 'Patient' || type === 'RelatedPerson' ? [{ code: 'read' }] : []), { code: 'search-type' }],
          searchParam: SEARCH_PARAMS[type].map((name) => ({
            name,
            type: name === 'birthdate' ? 'date' : ['subject', 'patient', 'actor'].includes(name) ? 'reference' : STRING_PARAMS.includes(name) ? 'string' : 'token',
            ...(name === 'address-uprn' ? { documentation: 'UPRN of any address (UK Core AddressKey extension), exact' } : {}),
          })),
        })),
      },
    ],
  });

  const searchBundle = (
    type: ResourceType,
    params: Array<[string, string]>,
    offset: number,
    count: number,
    selfUrl: string,
  ): FhirResource => {
    const result = store.search(type, params, offset, count);
    const link: Array<{ relation: string; url: string }> = [{ relation: 'self', url: selfUrl }];
    const nextOffset = offset + count;
    if (count > 0 && nextOffset < result.total) {
      const query = new URLSearchParams(params);
      query.set('_count', String(count));
      query.set('_offset', String(nextOffset));
      let next = `${baseUrl}/${type}?${query.toString()}`;
      if (next.length > MAX_NEXT_URL_QUERY) {
        const token = randomUUID();
        storedSearches.set(token, { type, params });
        if (storedSearches.size > STORED_SEARCHES) storedSearches.delete(storedSearches.keys().next().value as string);
        next = `${baseUrl}?_getpages=${token}&_count=${count}&_offset=${nextOffset}`;
      }
      link.push({ relation: 'next', url: next });
    }
    return {
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: new Date().toISOString() },
      type: 'searchset',
      total: result.total,
      link,
      entry: result.resources.map((resource) => ({
        fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}`,
        resource,
        search: { mode: 'match' },
      })),
    };
  };

  /** Splits paging parameters off the search parameters and validates them. */
  const paging = (params: Array<[string, string]>): { offset: number; count: number; rest: Array<[string, string]> } => {
    let offset = 0;
    let count = defaultPageSize;
    const rest: Array<[string, string]> = [];
    for (const [name, value] of params) {
      if (name === '_count') {
        if (!/^\d+$/.test(value)) throw new SearchError('_count must be a non-negative integer');
        count = Math.min(Number(value), MAX_PAGE_SIZE);
      } else if (name === '_offset') {
        if (!/^\d+$/.test(value)) throw new SearchError('_offset must be a non-negative integer');
        offset = Number(value);
      } else if (name === '_format') {
        if (!['json', 'application/json', 'application/fhir+json'].includes(value)) throw new SearchError('Only JSON is supported');
      } else {
        rest.push([name, value]);
      }
    }
    return { offset, count, rest };
  };

  const malformedBody = (mode: Faults['malformed']): string =>
    mode === 'wrong-shape'
      ? JSON.stringify({
          resourceType: 'Bundle',
          type: 'searchset',
          total: 'many',
          entry: [{ resource: { resourceType: 'Patient', id: 42, name: 'not a list', birthDate: 20100101 } }],
        })
      : '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Pat';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname.replace(/\/+$/, '');
    const segments = path.split('/').filter(Boolean);
    const record: RecordedRequest = { method: req.method ?? 'GET', path, params: [...url.searchParams] };
    const typeSegment = segments[1];
    if (typeSegment && typeSegment !== 'metadata') record.resourceType = typeSegment;

    try {
      if (req.method === 'POST' && segments[2] === '_search') record.params.push(...(await readForm(req)));
      if (req.method === 'POST' && segments[0] === 'fhir' && segments.length === 1) record.entries = batchEntries(await readBundle(req));
    } catch (error) {
      recorded.push(record);
      send(res, 400, operationOutcome('invalid', error instanceof SearchError ? error.message : 'Bad request body'));
      return;
    }
    recorded.push(record);

    const current = faults;
    if (current.hang) return; // never answered; close() destroys the socket
    if (current.latencyMs) await delay(current.latencyMs, res);
    if (closing || res.destroyed) return;
    if (current.errorRate && faultRng.float() < current.errorRate) {
      send(res, 500, operationOutcome('exception', 'Internal server error (injected fault)', 'fatal'));
      return;
    }
    if (current.malformed) {
      send(res, 200, malformedBody(current.malformed));
      return;
    }

    try {
      if (segments[0] !== 'fhir') throw new SearchError(`No FHIR endpoint at ${path || '/'}; the base is /fhir`, 'not-found');
      if (record.entries !== undefined) {
        send(res, 200, {
          resourceType: 'Bundle',
          id: randomUUID(),
          meta: { lastUpdated: new Date().toISOString() },
          type: 'batch-response',
          entry: record.entries.map(batchAnswer),
        });
        return;
      }
      if (req.method !== 'GET' && !(req.method === 'POST' && segments[2] === '_search')) {
        send(res, 405, operationOutcome('not-supported', `${req.method ?? ''} is not supported here`));
        return;
      }
      if (segments.length === 1) {
        const token = url.searchParams.get('_getpages');
        const stored = token ? storedSearches.get(token) : undefined;
        if (!stored) throw new SearchError(token ? 'The stored search has expired; search again' : 'Name a resource type', token ? 'not-found' : 'invalid');
        const { offset, count } = paging(record.params.filter(([n]) => n !== '_getpages'));
        send(res, 200, searchBundle(stored.type, stored.params, offset, count, `${baseUrl}?${url.searchParams.toString()}`));
        return;
      }
      if (segments[1] === 'metadata' && segments.length === 2) {
        send(res, 200, capabilityStatement());
        return;
      }
      const type = segments[1] as string;
      if (!(RESOURCE_TYPES as readonly string[]).includes(type)) {
        throw new SearchError(`Resource type '${type}' is not supported by this server`, 'not-supported');
      }
      if (segments.length === 3 && segments[2] !== '_search') {
        send(res, 200, store.read(type, decodeURIComponent(segments[2] as string)));
        return;
      }
      if (segments.length > 3) throw new SearchError(`No operation at ${path}`, 'not-supported');
      const { offset, count, rest } = paging(record.params);
      const self = `${baseUrl}/${type}?${new URLSearchParams(record.params).toString()}`;
      send(res, 200, searchBundle(type as ResourceType, rest, offset, count, self.length > MAX_NEXT_URL_QUERY ? `${baseUrl}/${type}/_search` : self));
    } catch (error) {
      if (error instanceof SearchError) {
        send(res, error.code === 'not-found' ? 404 : 400, operationOutcome(error.code, error.message));
      } else {
        send(res, 500, operationOutcome('exception', 'Internal server error'));
      }
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${hostForUrl}:${address.port}/fhir`;

  return {
    baseUrl,
    setFaults(next: Faults): void {
      faults = validateFaults(next);
    },
    requests: () => [...recorded],
    clearRequests(): void {
      recorded = [];
    },
    close(): Promise<void> {
      if (closing) return Promise.resolve();
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging and delayed requests must not hold the server open.
        for (const release of [...pendingDelays]) release();
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
