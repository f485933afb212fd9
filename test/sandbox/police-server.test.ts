import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCounty } from '../../sandbox/county/index.js';
import { startPoliceServer, type PoliceServer } from '../../sandbox/police/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.police;
const { child, partner } = county.featured;
const childId = view.policePersonIdByPersonId.get(child.id)!;
const partnerId = view.policePersonIdByPersonId.get(partner.id)!;

let server: PoliceServer;

type Json = any;

async function get(path: string): Promise<{ status: number; type: string | null; body: Json }> {
  const response = await fetch(`${server.baseUrl}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

async function post(path: string, body: unknown): Promise<{ status: number; type: string | null; body: Json }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text
  }
  return { status: response.status, type: response.headers.get('content-type'), body: parsed };
}

beforeAll(async () => {
  server = await startPoliceServer({ county });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({});
  server.clearRequests();
});

describe('police records API', () => {
  it('listens on loopback with a base URL ending in /api/v1 and reports its status', async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    const { status, type, body } = await get('/status');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    expect(body).toMatchObject({ status: 'ok', asOf: county.asOf });
  });

  it('reads a person with their locations side-loaded, and answers 404 as a problem document for an unknown one', async () => {
    const { body } = await get(`/persons/${childId}`);
    expect(body.data).toMatchObject({
      id: childId,
      names: [{ type: 'primary', forenames: child.given, surname: child.family }],
      dateOfBirth: child.birthDate,
      sex: 'F',
      contact: { phone: view.mashDesk.phone },
    });
    const locationIds = body.data.addresses.map((a: Json) => a.locationId);
    expect(body.included.locations.map((l: Json) => l.id)).toEqual(locationIds);
    expect(body.included.locations[0].uprn).toMatch(/^\d{12}$/);
    const missing = await get('/persons/NOM9999999');
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('finds persons by name and date of birth, matching case, apostrophes and prefixes loosely', async () => {
    const { body } = await post('/persons/search', { surname: child.family.toUpperCase(), forename: child.given[0]!.slice(0, 3).toLowerCase(), dateOfBirth: child.birthDate });
    expect(body.data.map((p: Json) => p.id)).toContain(childId);
    const wrongDate = await post('/persons/search', { surname: child.family, forename: child.given[0], dateOfBirth: '1901-01-01' });
    expect(wrongDate.body.page.total).toBe(0);
  });

  it('matches any of several dates of birth (both readings of a day/month swap)', async () => {
    const { body } = await post('/persons/search', { surname: child.family, dateOfBirth: ['1901-01-01', child.birthDate] });
    expect(body.data.map((p: Json) => p.id)).toContain(childId);
  });

  it('finds a person by an alias as well as by the primary name', async () => {
    const withAlias = view.persons.find((p) => p.names.some((n) => n.type === 'alias'))!;
    const alias = withAlias.names.find((n) => n.type === 'alias')!;
    const { body } = await post('/persons/search', { surname: alias.surname, forename: alias.forenames[0], dateOfBirth: withAlias.birthDate });
    expect(body.data.map((p: Json) => p.id)).toContain(withAlias.id);
  });

  it('finds persons by police id and by PNC id', async () => {
    const partnerPnc = view.persons.find((p) => p.id === partnerId)!.pncId!;
    const { body } = await post('/persons/search', { ids: [childId, 'NOM9999999'], pncIds: [partnerPnc] });
    expect(body.data.map((p: Json) => p.id).sort()).toEqual([childId, partnerId].sort());
  });

  it('returns every event involving a batch of persons once, with their locations side-loaded', async () => {
    const { body } = await post('/events/search', { personIds: [childId, partnerId] });
    const expected = view.events.filter((e) => e.involvements.some((i) => i.policePersonId === childId || i.policePersonId === partnerId));
    expect(body.page.total).toBe(expected.length);
    expect(body.data.map((e: Json) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    const da = body.data.find((e: Json) => e.type === 'domestic-abuse-incident');
    expect(da).toMatchObject({ childPresent: true, officerInCase: { phone: expect.stringMatching(/^01632 960\d{3}$/) } });
    expect(da.narrative).toBeTruthy();
    const included = new Set(body.included.locations.map((l: Json) => l.id));
    expect(body.data.every((e: Json) => included.has(e.locationId))).toBe(true);
  });

  it('filters events by type', async () => {
    const { body } = await post('/events/search', { personIds: [childId], types: ['missing-person'] });
    expect(body.data.map((e: Json) => e.type)).toEqual(['missing-person']);
  });

  it('returns warning markers and intelligence for a batch of persons', async () => {
    const markers = await post('/warning-markers/search', { personIds: [childId, partnerId] });
    expect(markers.body.data.map((m: Json) => m.code).sort()).toEqual(['DAP', 'WE']);
    expect(markers.body.data[0]).toMatchObject({ personId: partnerId, status: 'active', contact: { phone: view.mashDesk.phone } });
    const intelligence = await post('/intelligence/search', { personIds: [partnerId] });
    expect(intelligence.body.data[0]).toMatchObject({ personId: partnerId, grading: { handling: expect.stringMatching(/^[PC]$/) } });
  });

  it('pages with offset and limit, giving nextOffset until the results run out', async () => {
    const all = await post('/events/search', { personIds: [childId] });
    const first = await post('/events/search', { personIds: [childId], limit: 2 });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.page).toMatchObject({ offset: 0, limit: 2, total: all.body.page.total, nextOffset: 2 });
    const rest = await post('/events/search', { personIds: [childId], offset: 2, limit: 100 });
    expect([...first.body.data, ...rest.body.data].map((e: Json) => e.id)).toEqual(all.body.data.map((e: Json) => e.id));
    expect(rest.body.page.nextOffset).toBeUndefined();
  });

  it.each([
    ['an unbounded person search', '/persons/search', { surname: 'Smith' }],
    ['ids mixed with demographics', '/persons/search', { ids: [childId], surname: 'Smith' }],
    ['an unknown field', '/persons/search', { surname: 'Smith', forename: 'A', shoeSize: 9 }],
    ['a badly formed date of birth', '/persons/search', { surname: 'Smith', dateOfBirth: '31/12/2010' }],
    ['an event search without persons', '/events/search', {}],
    ['an unknown event type', '/events/search', { personIds: [childId], types: ['parking-ticket'] }],
    ['a negative offset', '/warning-markers/search', { personIds: [childId], offset: -1 }],
    ['a person-links search without persons', '/person-links/search', {}],
    ['an unknown link type', '/person-links/search', { personIds: [childId], types: ['cousin-of'] }],
    ['an unknown person-links field', '/person-links/search', { personIds: [childId], depth: 2 }],
    ['an address search mixed with a name', '/persons/search', { uprn: '100000000001', surname: 'Smith' }],
    ['an address search mixed with ids', '/persons/search', { line1: '1 High Street', postcode: 'MB1 1AA', ids: [childId] }],
    ['a first line without a postcode', '/persons/search', { line1: '1 High Street' }],
    ['a UPRN that is not a UPRN', '/persons/search', { uprn: '1000-0000' }],
  ])('refuses %s with 400 and a problem document', async (_label, path, body) => {
    const { status, type, body: problem } = await post(path, body);
    expect(status).toBe(400);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(problem.detail).toBeTruthy();
  });

  it('refuses query strings, so no personal data travels in URLs', async () => {
    expect((await get(`/persons/${childId}?surname=${child.family}`)).status).toBe(400);
  });

  it('records each request with its body, for tests', async () => {
    await post('/events/search', { personIds: [childId] });
    expect(server.requests()).toEqual([{ method: 'POST', path: '/api/v1/events/search', resource: 'events', body: { personIds: [childId] } }]);
  });
});

describe('police records API: person links and address search', () => {
  const parentId = view.policePersonIdByPersonId.get(county.featured.parent.id)!;
  const siblingId = view.policePersonIdByPersonId.get(county.featured.sibling.id)!;
  const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;

  it('serves the links from a person’s side, each with its type and the occurrence it came from', async () => {
    const { status, body } = await post('/person-links/search', { personIds: [childId] });
    expect(status).toBe(200);
    const byLinked = new Map(body.data.map((l: Json) => [l.linkedPersonId, l]));
    expect(byLinked.get(parentId)).toMatchObject({ personId: childId, type: 'child-of', eventId: expect.stringMatching(/^MH-/), recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(byLinked.get(partnerId)).toMatchObject({ type: 'lives-with' });
    expect(byLinked.get(siblingId)).toMatchObject({ type: 'sibling-of' });
    const reverse = await post('/person-links/search', { personIds: [parentId], types: ['parent-of'] });
    expect(reverse.body.data.map((l: Json) => l.linkedPersonId)).toEqual(expect.arrayContaining([childId, siblingId]));
    expect(reverse.body.data.every((l: Json) => l.type === 'parent-of')).toBe(true);
  });

  it('pages links with offset and limit', async () => {
    const ids = view.persons.map((p) => p.id);
    const all = await post('/person-links/search', { personIds: ids, limit: 1000 });
    expect(all.body.page.total).toBe(view.links.length);
    const seen: string[] = [];
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: Json = await post('/person-links/search', { personIds: ids, offset, limit: 9 });
      expect(page.body.data.length).toBeLessThanOrEqual(9);
      seen.push(...page.body.data.map((l: Json) => l.id));
      offset = page.body.page.nextOffset;
    }
    expect(seen).toEqual(all.body.data.map((l: Json) => l.id));
  });

  it('derives links from the truth: within one household, both directions, parents and children even when never met together', () => {
    const byPair = new Map(view.links.map((l) => [`${l.policePersonId}|${l.linkedPolicePersonId}`, l]));
    for (const link of view.links) {
      const a = county.personsById.get(view.truth.get(link.policePersonId)!)!;
      const b = county.personsById.get(view.truth.get(link.linkedPolicePersonId)!)!;
      expect(a.householdId).toBe(b.householdId);
      expect(byPair.has(`${link.linkedPolicePersonId}|${link.policePersonId}`)).toBe(true);
      if (link.type === 'parent-of') expect(a.childIds).toContain(b.id);
      if (link.type === 'child-of') expect(a.parentIds).toContain(b.id);
      if (link.eventId) expect(view.events.find((e) => e.id === link.eventId)!.involvements.map((i) => i.policePersonId)).toEqual(expect.arrayContaining([link.policePersonId, link.linkedPolicePersonId]));
    }
    for (const nominal of view.persons) {
      for (const childPersonId of county.personsById.get(nominal.personId)!.childIds) {
        const childNominal = view.policePersonIdByPersonId.get(childPersonId);
        if (childNominal) expect(byPair.get(`${nominal.id}|${childNominal}`)?.type).toBe('parent-of');
      }
    }
  });

  it('finds who police record living at an address, by UPRN or by first line and postcode, current homes only', async () => {
    const byUprn = await post('/persons/search', { uprn: home.uprn });
    expect(byUprn.status).toBe(200);
    const ids = byUprn.body.data.map((p: Json) => p.id);
    expect(ids).toContain(childId);
    const byLine = await post('/persons/search', { line1: home.line1.toLowerCase().replace(/ /g, '  '), postcode: home.postcode.replace(' ', '') });
    expect(byLine.body.data.map((p: Json) => p.id)).toEqual(ids);
    for (const p of byUprn.body.data) {
      const location = byUprn.body.included.locations.find((l: Json) => l.uprn === home.uprn);
      expect(p.addresses.some((a: Json) => a.locationId === location.id && a.type === 'home' && a.to === undefined)).toBe(true);
    }
    const paged = await post('/persons/search', { uprn: home.uprn, limit: 1 });
    expect(paged.body.page).toMatchObject({ total: ids.length, limit: 1 });
  });
});

describe('police records API faults', () => {
  it('answers 500 with a problem document at an error rate of 1', async () => {
    server.setFaults({ errorRate: 1 });
    const { status, type } = await post('/events/search', { personIds: [childId] });
    expect(status).toBe(500);
    expect(type).toMatch(/^application\/problem\+json/);
  });

  it('answers invalid JSON, or JSON of the wrong shape, when malformed', async () => {
    server.setFaults({ malformed: true });
    const broken = await post('/events/search', { personIds: [childId] });
    expect(broken.status).toBe(200);
    expect(typeof broken.body).toBe('string');
    server.setFaults({ malformed: 'wrong-shape' });
    const wrong = await post('/events/search', { personIds: [childId] });
    expect(wrong.body.page.total).toBe('many');
  });

  it('never answers when hanging, and the client gives up on its own signal', async () => {
    server.setFaults({ hang: true });
    const request = fetch(`${server.baseUrl}/status`, { signal: AbortSignal.timeout(200) });
    await expect(request).rejects.toThrow();
  });

  it('answers after the configured latency', async () => {
    server.setFaults({ latencyMs: 50 });
    expect((await get('/status')).status).toBe(200);
  });

  it('refuses invalid fault settings', () => {
    expect(() => server.setFaults({ errorRate: 2 })).toThrow(RangeError);
    expect(() => server.setFaults({ latencyMs: -1 })).toThrow(RangeError);
  });

  it('closes promptly with a request hanging', async () => {
    const other = await startPoliceServer({ county, faults: { hang: true } });
    const pending = fetch(`${other.baseUrl}/status`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
