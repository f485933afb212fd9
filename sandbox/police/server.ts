/**
 * The force's records API: REST/JSON in the POLE model (Person, Object, Location, Event) on
 * node:http. Searches are POSTed with a JSON body, so names, dates of birth and person ids never
 * appear in URLs (which proxies and access logs keep). Errors are RFC 9457 problem documents.
 *
 *   GET  /api/v1/status                      service status
 *   GET  /api/v1/persons/{id}                a person, with their locations
 *   GET  /api/v1/locations/{id}              a location
 *   POST /api/v1/persons/search              by ids / PNC ids, or name + date(s) of birth (+ postcode),
 *                                            or address (uprn, or line1 + postcode); or several of
 *                                            these at once as `anyOf` (each answered as on its own)
 *   POST /api/v1/person-links/search         links (parent-of, sibling-of, ...) from any of `personIds`
 *   POST /api/v1/events/search               events involving any of `personIds` (+ locations)
 *   POST /api/v1/events/changes              the change feed: events recorded or changed after a
 *                                            token (or since a time), oldest change first (+ persons)
 *   POST /api/v1/warning-markers/search      markers on any of `personIds`
 *   POST /api/v1/intelligence/search         intelligence reports on any of `personIds`
 *
 * Unknown paths, methods and body fields are refused (strict handling), so a connector's mistake
 * shows up in tests rather than as silently wrong results. Faults can be switched on at runtime.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { County } from '../county/index.js';
import { hashKey, Rng } from '../county/prng.js';
import { LINK_TYPES, PoliceApiError, PoliceStore, type IncidentChanges, type IncidentSpec, type Json, type Page, type PersonSearch, type RecordedIncident } from './store.js';
import type { PolicePerson } from '../county/views/police.js';

export interface PoliceFaults {
  /** Delay before every answer. */
  latencyMs?: number;
  /** Share of requests (0..1) answered with 500 and a problem document. */
  errorRate?: number;
  /** Accept requests and never answer. */
  hang?: boolean;
  /** Answer 200 with a broken body: `true` or 'invalid-json' for unparseable JSON, 'wrong-shape' for JSON of the wrong shape. */
  malformed?: boolean | 'invalid-json' | 'wrong-shape';
}

export interface PoliceRecordedRequest {
  method: string;
  path: string;
  /** The collection addressed: `persons`, `events`, `warning-markers`, `intelligence`, `locations`, `status`. */
  resource?: string;
  /** The parsed JSON body of a POST. */
  body?: unknown;
}

export interface PoliceServerOptions {
  county: County;
  host?: string;
  port?: number;
  faults?: PoliceFaults;
  /** Page size when the client gives no `limit`. Default 100. */
  defaultPageSize?: number;
}

export interface PoliceServer {
  /** Base URL of the API, ending in `/api/v1`. */
  baseUrl: string;
  close(): Promise<void>;
  /** Replaces the current faults (pass `{}` to clear them). */
  setFaults(faults: PoliceFaults): void;
  /** Requests received since start (or the last `clearRequests`), for tests. */
  requests(): readonly PoliceRecordedRequest[];
  clearRequests(): void;
  /**
   * Records a new domestic-abuse incident (existing nominals by id, or new ones from names, date
   * of birth, sex and address): the next occurrence id of its day and the next change token. It
   * is then in the change feed, the person and event searches and every read like any other.
   * Throws PoliceApiError for an unusable spec (an unknown person id, a bad date-time, ...).
   */
  recordIncident(spec: IncidentSpec): RecordedIncident;
  /** Changes a recorded domestic-abuse incident (e.g. a re-graded DASH risk); it moves to the end of the change feed. */
  updateIncident(id: string, changes: IncidentChanges): RecordedIncident;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const MAX_PAGE_SIZE = 1000;
/** Person searches one `anyOf` request may carry. */
const MAX_ALTERNATIVES = 20;
const MAX_IDS = 5000;
const MAX_BODY_BYTES = 1_000_000;
const API_BASE = '/api/v1';
const EVENT_TYPES = ['domestic-abuse-incident', 'missing-person', 'arrest', 'protective-order'];

function validateFaults(faults: PoliceFaults): PoliceFaults {
  if (faults.latencyMs !== undefined && !(Number.isFinite(faults.latencyMs) && faults.latencyMs >= 0)) {
    throw new RangeError('faults.latencyMs must be a non-negative number');
  }
  if (faults.errorRate !== undefined && !(faults.errorRate >= 0 && faults.errorRate <= 1)) {
    throw new RangeError('faults.errorRate must be between 0 and 1');
  }
  return { ...faults };
}

const TITLES: Readonly<Record<number, string>> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Content Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error' };

function problem(status: number, detail: string): Json {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail };
}

// ---- request body validation (by hand: the simulator must not share the connector's schemas) ----

type Body = Record<string, unknown>;

function onlyKeys(body: Body, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw new PoliceApiError(`Unknown field '${key}'`);
}

function stringList(body: Body, key: string, required = false): string[] | undefined {
  const value = body[key];
  if (value === undefined) {
    if (required) throw new PoliceApiError(`'${key}' is required`);
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 64)) {
    throw new PoliceApiError(`'${key}' must be a list of non-empty strings`);
  }
  if (value.length > MAX_IDS) throw new PoliceApiError(`'${key}' lists more than ${MAX_IDS} values`);
  return value as string[];
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 100) throw new PoliceApiError(`'${key}' must be a string`);
  return value;
}

function pageOf(body: Body, defaultLimit: number): Page {
  const offset = body.offset ?? 0;
  const limit = body.limit ?? defaultLimit;
  if (!Number.isInteger(offset) || (offset as number) < 0) throw new PoliceApiError("'offset' must be a non-negative integer");
  if (!Number.isInteger(limit) || (limit as number) < 1) throw new PoliceApiError("'limit' must be a positive integer");
  return { offset: offset as number, limit: Math.min(limit as number, MAX_PAGE_SIZE) };
}

function pageJson(page: Page, total: number): Json {
  const next = page.offset + page.limit;
  return { offset: page.offset, limit: page.limit, total, ...(next < total ? { nextOffset: next } : {}) };
}

export async function startPoliceServer(options: PoliceServerOptions): Promise<PoliceServer> {
  const { county, host = '127.0.0.1', port = 0, defaultPageSize = 100 } = options;
  const store = new PoliceStore(county);
  let faults = validateFaults(options.faults ?? {});
  const faultRng = new Rng(hashKey(county.seed, 'police-faults'));
  const sockets = new Set<Socket>();
  const pendingDelays = new Set<() => void>();
  let recorded: PoliceRecordedRequest[] = [];
  let closing = false;

  const send = (res: ServerResponse, status: number, body: Json | string, type = status >= 400 ? PROBLEM_TYPE : JSON_TYPE): void => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
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

  const readJson = async (req: IncomingMessage): Promise<Body> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new PoliceApiError('POST bodies must be application/json');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new PoliceApiError('Request body is too large');
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new PoliceApiError('Request body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PoliceApiError('Request body must be a JSON object');
    return body as Body;
  };

  const malformedBody = (mode: PoliceFaults['malformed']): string =>
    mode === 'wrong-shape'
      ? JSON.stringify({ data: [{ id: 42, names: 'not a list', dateOfBirth: 20100101, persons: {} }], page: { total: 'many' } })
      : '{"data":[{"id":"NOM0000001","names":[{"type":"prim';

  /** The criteria of one person search (the body of a search, or one of its `anyOf`). */
  const personSearchOf = (body: Body): PersonSearch => {
    const dob = body.dateOfBirth;
    const dates = typeof dob === 'string' ? [dob] : stringList(body, 'dateOfBirth');
    const ids = stringList(body, 'ids');
    const pncIds = stringList(body, 'pncIds');
    const surname = optionalString(body, 'surname');
    const forename = optionalString(body, 'forename');
    const postcode = optionalString(body, 'postcode');
    const uprn = optionalString(body, 'uprn');
    const line1 = optionalString(body, 'line1');
    return {
      ...(ids ? { ids } : {}),
      ...(pncIds ? { pncIds } : {}),
      ...(surname !== undefined ? { surname } : {}),
      ...(forename !== undefined ? { forename } : {}),
      ...(dates ? { dateOfBirth: dates } : {}),
      ...(postcode !== undefined ? { postcode } : {}),
      ...(uprn !== undefined ? { uprn } : {}),
      ...(line1 !== undefined ? { line1 } : {}),
    };
  };

  /**
   * Several person searches in one request: `{ anyOf: [criteria, ...], limit }`. Each
   * alternative is searched as on its own (the same criteria, refused the same way) and answered
   * with its total and the ids of its first `limit` persons (`alternatives`, in order); `data`
   * holds each of those persons once. Not paged: `limit` bounds every alternative.
   */
  const searchAnyOf = (body: Body): Json => {
    onlyKeys(body, ['anyOf', 'limit']);
    const anyOf = body.anyOf;
    if (!Array.isArray(anyOf) || anyOf.length === 0 || anyOf.length > MAX_ALTERNATIVES) {
      throw new PoliceApiError(`'anyOf' must be a list of 1 to ${MAX_ALTERNATIVES} person searches`);
    }
    const page: Page = { ...pageOf({ limit: body.limit }, defaultPageSize), offset: 0 };
    const persons = new Map<string, PolicePerson>();
    const alternatives = anyOf.map((criteria: unknown, i: number) => {
      if (criteria === null || typeof criteria !== 'object' || Array.isArray(criteria)) throw new PoliceApiError(`'anyOf[${i}]' must be an object`);
      onlyKeys(criteria as Body, ['ids', 'pncIds', 'surname', 'forename', 'dateOfBirth', 'postcode', 'uprn', 'line1']);
      const result = store.searchPersons(personSearchOf(criteria as Body), page);
      for (const p of result.items) persons.set(p.id, p);
      return { total: result.total, personIds: result.items.map((p) => p.id) };
    });
    const found = [...persons.values()];
    return {
      data: found.map((p) => store.personJson(p)),
      included: { locations: store.includedLocations(found.flatMap((p) => p.addresses.map((a) => a.locationId))) },
      page: pageJson({ offset: 0, limit: found.length || 1 }, found.length),
      alternatives,
    };
  };

  const search = (resource: string, body: Body): Json => {
    switch (resource) {
      case 'persons': {
        if (body.anyOf !== undefined) return searchAnyOf(body);
        onlyKeys(body, ['ids', 'pncIds', 'surname', 'forename', 'dateOfBirth', 'postcode', 'uprn', 'line1', 'offset', 'limit']);
        const result = store.searchPersons(personSearchOf(body), pageOf(body, defaultPageSize));
        return {
          data: result.items.map((p) => store.personJson(p)),
          included: { locations: store.includedLocations(result.items.flatMap((p) => p.addresses.map((a) => a.locationId))) },
          page: pageJson(pageOf(body, defaultPageSize), result.total),
        };
      }
      case 'events': {
        onlyKeys(body, ['personIds', 'types', 'offset', 'limit']);
        const personIds = stringList(body, 'personIds', true) as string[];
        const types = stringList(body, 'types');
        for (const t of types ?? []) if (!EVENT_TYPES.includes(t)) throw new PoliceApiError(`Unknown event type '${t}'`);
        const page = pageOf(body, defaultPageSize);
        const result = store.eventsFor(personIds, types, page);
        return {
          data: result.items.map((e) => store.eventJson(e)),
          included: { locations: store.includedLocations(result.items.map((e) => e.locationId)) },
          page: pageJson(page, result.total),
        };
      }
      case 'person-links': {
        onlyKeys(body, ['personIds', 'types', 'offset', 'limit']);
        const personIds = stringList(body, 'personIds', true) as string[];
        const types = stringList(body, 'types');
        for (const t of types ?? []) if (!(LINK_TYPES as readonly string[]).includes(t)) throw new PoliceApiError(`Unknown link type '${t}'`);
        const page = pageOf(body, defaultPageSize);
        const result = store.linksFor(personIds, types, page);
        return { data: result.items.map((l) => store.linkJson(l)), page: pageJson(page, result.total) };
      }
      case 'warning-markers':
      case 'intelligence': {
        onlyKeys(body, ['personIds', 'offset', 'limit']);
        const personIds = stringList(body, 'personIds', true) as string[];
        const page = pageOf(body, defaultPageSize);
        if (resource === 'warning-markers') {
          const result = store.markersFor(personIds, page);
          return { data: result.items.map((m) => store.markerJson(m)), page: pageJson(page, result.total) };
        }
        const result = store.intelligenceFor(personIds, page);
        return { data: result.items.map((r) => store.intelligenceJson(r)), page: pageJson(page, result.total) };
      }
      default:
        throw new PoliceApiError(`No search for '${resource}'`, 404);
    }
  };

  const changes = (body: Body): Json => {
    onlyKeys(body, ['types', 'since', 'after', 'limit']);
    const types = stringList(body, 'types');
    for (const t of types ?? []) if (!EVENT_TYPES.includes(t)) throw new PoliceApiError(`Unknown event type '${t}'`);
    const since = optionalString(body, 'since');
    const after = optionalString(body, 'after');
    const { limit } = pageOf({ limit: body.limit }, defaultPageSize);
    const page = store.changesSince({ ...(types ? { types } : {}), ...(since !== undefined ? { since } : {}), ...(after !== undefined ? { after } : {}), limit });
    const persons = store.personsOf(page.items);
    return {
      data: page.items.map((e) => store.eventJson(e)),
      included: {
        persons: persons.map((p) => store.personJson(p)),
        locations: store.includedLocations([...page.items.map((e) => e.locationId), ...persons.flatMap((p) => p.addresses.map((a) => a.locationId))]),
      },
      page: { next: page.next, more: page.more },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname.replace(/\/+$/, '');
    const rest = path.startsWith(API_BASE) ? path.slice(API_BASE.length).split('/').filter(Boolean) : undefined;
    const record: PoliceRecordedRequest = { method: req.method ?? 'GET', path };
    if (rest?.[0]) record.resource = rest[0];

    let body: Body | undefined;
    try {
      if (req.method === 'POST') body = await readJson(req);
    } catch (error) {
      recorded.push(record);
      send(res, 400, problem(400, error instanceof PoliceApiError ? error.message : 'Bad request body'));
      return;
    }
    if (body !== undefined) record.body = body;
    recorded.push(record);

    const current = faults;
    if (current.hang) return; // never answered; close() destroys the socket
    if (current.latencyMs) await delay(current.latencyMs, res);
    if (closing || res.destroyed) return;
    if (current.errorRate && faultRng.float() < current.errorRate) {
      send(res, 500, problem(500, 'Internal server error (injected fault)'));
      return;
    }
    if (current.malformed) {
      send(res, 200, malformedBody(current.malformed), JSON_TYPE);
      return;
    }

    try {
      if (!rest || rest.length === 0) throw new PoliceApiError(`No API at ${path || '/'}; the base is ${API_BASE}`, 404);
      if ([...url.searchParams.keys()].length > 0) throw new PoliceApiError('Query parameters are not accepted: POST searches with a JSON body');
      const [resource, second, third] = rest;
      if (req.method === 'POST' && second === 'search' && third === undefined) {
        send(res, 200, search(resource as string, body as Body));
        return;
      }
      if (req.method === 'POST' && resource === 'events' && second === 'changes' && third === undefined) {
        send(res, 200, changes(body as Body));
        return;
      }
      if (req.method !== 'GET') {
        send(res, 405, problem(405, `${req.method ?? ''} is not supported here`));
        return;
      }
      if (resource === 'status' && second === undefined) {
        send(res, 200, { status: 'ok', system: `${store.view.forceName} records API (synthetic sandbox)`, version: '1.0.0', asOf: county.asOf });
        return;
      }
      if (resource === 'persons' && second !== undefined && third === undefined) {
        const person = store.person(decodeURIComponent(second));
        send(res, 200, { data: store.personJson(person), included: { locations: store.includedLocations(person.addresses.map((a) => a.locationId)) } });
        return;
      }
      if (resource === 'locations' && second !== undefined && third === undefined) {
        send(res, 200, { data: store.locationJson(store.location(decodeURIComponent(second))) });
        return;
      }
      throw new PoliceApiError(`No resource at ${path}`, 404);
    } catch (error) {
      if (error instanceof PoliceApiError) send(res, error.status, problem(error.status, error.message));
      else send(res, 500, problem(500, 'Internal server error'));
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
  const baseUrl = `http://${hostForUrl}:${address.port}${API_BASE}`;

  return {
    baseUrl,
    setFaults(next: PoliceFaults): void {
      faults = validateFaults(next);
    },
    requests: () => [...recorded],
    clearRequests(): void {
      recorded = [];
    },
    recordIncident: (spec) => store.recordIncident(spec),
    updateIncident: (id, changes) => store.updateIncident(id, changes),
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
