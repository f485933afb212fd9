import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPoliceConnector } from '../../../connectors/police/index.js';
import { ConnectorError, INCIDENT_ROLES, type CallContext, type IncidentCapability, type SourceIncident } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startPoliceServer, type PoliceServer } from '../../../sandbox/police/index.js';

const county = generateCounty({ seed: 5, households: 60 });
const view = county.views.police;
const { child, parent } = county.featured;
const childId = view.policePersonIdByPersonId.get(child.id)!;
const parentId = view.policePersonIdByPersonId.get(parent.id)!;
const home = county.addressesById.get(county.householdsById.get(county.featured.householdId)!.addressId)!;
const daEvents = [...view.events]
  .filter((e) => e.type === 'domestic-abuse-incident')
  .sort((a, b) => Date.parse(a.lastUpdated) - Date.parse(b.lastUpdated) || (a.id < b.id ? -1 : 1));

let server: PoliceServer;
let feed: IncidentCapability;

const ctx = (signal: AbortSignal = AbortSignal.timeout(10_000)): CallContext => ({ signal, requestId: 'test-request' });
const EPOCH = { since: '2000-01-01T00:00:00Z' };

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected the call to fail');
}

/** Every incident from a position, page by page. */
async function readAll(position: { since: string } | { cursor: string }, limit: number): Promise<{ incidents: SourceIncident[]; cursor: string; pages: number }> {
  const incidents: SourceIncident[] = [];
  let pos = position;
  for (let pages = 1; pages < 500; pages++) {
    const page = await feed.incidentsSince(pos, ['domestic-abuse'], limit, ctx());
    incidents.push(...page.incidents);
    pos = { cursor: page.cursor };
    if (!page.hasMore) return { incidents, cursor: page.cursor, pages };
  }
  throw new Error('the feed never ended');
}

beforeAll(async () => {
  server = await startPoliceServer({ county });
  feed = createPoliceConnector({ baseUrl: server.baseUrl }) as unknown as IncidentCapability;
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({});
  server.clearRequests();
});

describe('police incidentsSince over the change feed', () => {
  it('reads every domestic-abuse incident once, in the force’s change order, page by page and in one page alike', async () => {
    const paged = await readAll(EPOCH, 4);
    const whole = await readAll(EPOCH, 1000);
    expect(paged.pages).toBeGreaterThan(1);
    expect(whole.pages).toBe(1);
    expect(paged.incidents.map((i) => i.incidentId)).toEqual(daEvents.map((e) => e.id));
    expect(whole.incidents.map((i) => i.incidentId)).toEqual(daEvents.map((e) => e.id));
    expect(paged.cursor).toBe(whole.cursor);
    expect(paged.cursor).toMatch(/^v1:\d+$/);
    // Only domestic-abuse incidents were asked for: POSTed bodies, the type filter, the token.
    const bodies = server.requests().map((r) => r.body as Record<string, unknown>);
    expect(server.requests().every((r) => r.path.endsWith('/events/changes') && r.method === 'POST')).toBe(true);
    expect(bodies[0]).toEqual({ types: ['domestic-abuse-incident'], since: EPOCH.since, limit: 4 });
    expect(bodies[1]).toMatchObject({ types: ['domestic-abuse-incident'], after: expect.stringMatching(/^\d+$/), limit: 4 });
  });

  it('maps an incident: kind, time, DASH risk, location with UPRN and description, the attending officer, each person once with a role', async () => {
    const { incidents } = await readAll(EPOCH, 1000);
    const featured = incidents.filter((i) => i.persons.some((p) => p.person.personId === childId));
    expect(featured.length).toBeGreaterThan(0);
    for (const incident of incidents) {
      const source = daEvents.find((e) => e.id === incident.incidentId)!;
      expect(incident).toMatchObject({ agency: 'police', kind: 'domestic-abuse', occurredAt: source.occurredAt, childrenPresent: source.childPresent === true });
      expect(['standard', 'medium', 'high']).toContain(incident.riskLevel);
      expect(incident.provenance).toEqual({ system: server.baseUrl, recordId: `events/${source.id}`, asOf: source.lastUpdated });
      expect(incident.officer).toEqual({
        name: source.officer.name,
        organisation: source.officer.unit,
        phone: source.officer.phone,
        email: source.officer.email,
        role: `Attending officer (${source.officer.rank} ${source.officer.collarNumber})`,
      });
      const ids = incident.persons.map((p) => p.person.personId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual([...new Set(source.involvements.map((i) => i.policePersonId))].sort());
      for (const p of incident.persons) {
        expect(INCIDENT_ROLES).toContain(p.role);
        expect(p.person).toMatchObject({ agency: 'police', identifiers: expect.arrayContaining([{ system: expect.any(String), value: p.person.personId }]) });
      }
    }
    const last = featured[featured.length - 1]!;
    expect(last.location).toMatchObject({ uprn: expect.stringMatching(/^\d+$/), postalCode: expect.any(String), line1: expect.any(String), description: expect.stringContaining(last.location.line1!) });
  });

  it('resumes from a cursor with only what came after; an empty page keeps a usable cursor', async () => {
    const first = await feed.incidentsSince(EPOCH, ['domestic-abuse'], 3, ctx());
    expect(first.hasMore).toBe(true);
    const rest = await readAll({ cursor: first.cursor }, 1000);
    expect(rest.incidents.map((i) => i.incidentId)).toEqual(daEvents.slice(3).map((e) => e.id));
    const empty = await feed.incidentsSince({ cursor: rest.cursor }, ['domestic-abuse'], 10, ctx());
    expect(empty).toEqual({ incidents: [], cursor: rest.cursor, hasMore: false });
    const future = await feed.incidentsSince({ since: '2999-01-01T00:00:00Z' }, ['domestic-abuse'], 10, ctx());
    expect(future.incidents).toEqual([]);
    expect(future.cursor).toMatch(/^v1:\d+$/);

    // A new incident (a suspect the force has not met) and then a re-graded one come after the cursor.
    const recorded = server.recordIncident({
      occurredAt: '2030-03-01T22:10:00Z',
      recordedAt: '2030-03-01T23:00:00Z',
      riskLevel: 'medium',
      childrenPresent: true,
      location: { uprn: home.uprn, line1: home.line1, postcode: home.postcode },
      persons: [
        { role: 'victim', personId: parentId },
        { role: 'suspect', newPerson: { forenames: ['Lee'], surname: 'Newfeed', dateOfBirth: '1985-05-05', sex: 'M' } },
        { role: 'child-present', personId: childId },
      ],
    });
    const next = await feed.incidentsSince({ cursor: empty.cursor }, ['domestic-abuse'], 10, ctx());
    expect(next.incidents.map((i) => i.incidentId)).toEqual([recorded.id]);
    const incident = next.incidents[0]!;
    expect(incident).toMatchObject({ riskLevel: 'medium', childrenPresent: true, location: { uprn: home.uprn } });
    expect(incident.persons.map((p) => [p.person.personId, p.role])).toEqual([
      [parentId, 'victim'],
      [recorded.persons[1]!.personId, 'suspect'],
      [childId, 'child-present'],
    ]);
    expect(incident.persons[1]!.person).toMatchObject({ names: [{ family: 'Newfeed', given: ['Lee'] }], birthDate: '1985-05-05', gender: '1' });
    server.updateIncident(recorded.id, { riskLevel: 'high', updatedAt: '2030-03-02T08:00:00Z' });
    const regraded = await feed.incidentsSince({ cursor: next.cursor }, ['domestic-abuse'], 10, ctx());
    expect(regraded.incidents.map((i) => [i.incidentId, i.riskLevel, i.provenance.asOf])).toEqual([[recorded.id, 'high', '2030-03-02T08:00:00Z']]);
  });

  it('refuses a cursor it did not give, and a token the force refuses, as BAD_QUERY; a bad since or kind too', async () => {
    for (const cursor of ['', 'garbage', '17', 'v2:17', 'v1:', 'v1:-1', 'v1:007', 'v1:1e3']) {
      expect((await failure(feed.incidentsSince({ cursor }, ['domestic-abuse'], 10, ctx()))).kind, cursor).toBe('BAD_QUERY');
    }
    expect(server.requests()).toHaveLength(0);
    const ahead = await failure(feed.incidentsSince({ cursor: 'v1:999999999999999' }, ['domestic-abuse'], 10, ctx()));
    expect(ahead.kind).toBe('BAD_QUERY');
    expect((await failure(feed.incidentsSince({ since: '2026-01-01' }, ['domestic-abuse'], 10, ctx()))).kind).toBe('BAD_QUERY');
    expect((await failure(feed.incidentsSince(EPOCH, ['burglary' as never], 10, ctx()))).kind).toBe('BAD_QUERY');
    expect((await failure(feed.incidentsSince(EPOCH, [], 10, ctx()))).kind).toBe('BAD_QUERY');
    expect((await failure(feed.incidentsSince(EPOCH, ['domestic-abuse'], 0, ctx()))).kind).toBe('BAD_QUERY');
  });

  it('reports a 500 as UPSTREAM_ERROR, a broken or wrong-shaped answer as MALFORMED_RESPONSE, a hang as TIMEOUT', async () => {
    server.setFaults({ errorRate: 1 });
    expect((await failure(feed.incidentsSince(EPOCH, ['domestic-abuse'], 10, ctx()))).kind).toBe('UPSTREAM_ERROR');
    server.setFaults({ malformed: 'invalid-json' });
    expect((await failure(feed.incidentsSince(EPOCH, ['domestic-abuse'], 10, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    server.setFaults({ malformed: 'wrong-shape' });
    expect((await failure(feed.incidentsSince(EPOCH, ['domestic-abuse'], 10, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    server.setFaults({ hang: true });
    expect((await failure(feed.incidentsSince(EPOCH, ['domestic-abuse'], 10, ctx(AbortSignal.timeout(200))))).kind).toBe('TIMEOUT');
    expect((await failure(feed.incidentsSince(EPOCH, ['domestic-abuse'], 10, ctx(AbortSignal.abort())))).kind).toBe('TIMEOUT');
  });
});

describe('police incidentsSince against a force answering badly', () => {
  let answer: unknown;
  let fake: Server;
  let bad: IncidentCapability;
  const event = (over: Record<string, unknown> = {}) => ({
    id: 'MH-20300101-0001',
    type: 'domestic-abuse-incident',
    occurredAt: '2030-01-01T22:00:00Z',
    locationId: 'LOC0000001',
    status: 'open',
    riskLevel: 'high',
    childPresent: true,
    persons: [{ personId: 'NOM0000001', role: 'victim' }],
    lastUpdated: '2030-01-01T23:00:00Z',
    ...over,
  });
  const person = { id: 'NOM0000001', names: [{ type: 'primary', forenames: ['A'], surname: 'B' }], dateOfBirth: '1990-01-01', sex: 'F', addresses: [] };
  const envelope = (data: unknown[], persons: unknown[] = [person], next = '5', more = false) => ({ data, included: { persons, locations: [{ id: 'LOC0000001', kind: 'dwelling', city: 'X' }] }, page: { next, more } });

  beforeAll(async () => {
    fake = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    bad = createPoliceConnector({ baseUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/api/v1` }) as unknown as IncidentCapability;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  it('accepts a well-formed answer (the fake itself is sound)', async () => {
    answer = envelope([event()]);
    const page = await bad.incidentsSince({ cursor: 'v1:3' }, ['domestic-abuse'], 10, ctx());
    expect(page).toMatchObject({ cursor: 'v1:5', hasMore: false, incidents: [{ incidentId: 'MH-20300101-0001', riskLevel: 'high', persons: [{ role: 'victim' }] }] });
  });

  it.each([
    ['a person the incident involves is not side-loaded', () => envelope([event()], [])],
    ['an event twice in one page', () => envelope([event(), event()])],
    ['an incident time without a zone', () => envelope([event({ occurredAt: '2030-01-01T22:00' })])],
    ['a token that is not digits', () => envelope([event()], [person], 'abc')],
    ['a token before the one asked from', () => envelope([event()], [person], '2')],
    ['more to come with a token that does not move on', () => envelope([event()], [person], '3', true)],
    ['an event of the wrong shape', () => envelope([event({ persons: 'everyone' })])],
    ['no page', () => ({ data: [] })],
  ])('reports %s as MALFORMED_RESPONSE', async (_what, make) => {
    answer = make();
    expect((await failure(bad.incidentsSince({ cursor: 'v1:3' }, ['domestic-abuse'], 10, ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('skips other event types a force sends despite the filter, and maps unknown roles to other', async () => {
    answer = envelope([event({ type: 'arrest', id: 'MH-20300101-0002' }), event({ persons: [{ personId: 'NOM0000001', role: 'neighbour' }] })]);
    const page = await bad.incidentsSince({ cursor: 'v1:3' }, ['domestic-abuse'], 10, ctx());
    expect(page.incidents.map((i) => [i.incidentId, i.persons[0]!.role])).toEqual([['MH-20300101-0001', 'other']]);
  });
});
