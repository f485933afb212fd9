import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCounty } from '../../sandbox/county/index.js';
import { startPoliceServer, type PoliceIncidentSpec, type PoliceServer } from '../../sandbox/police/index.js';
import { nightBefore, overnightIncidentSpecs, recordOvernightIncidents } from '../../sandbox/police/overnight.js';

const county = generateCounty({ seed: 5, households: 60 });
const view = county.views.police;
const { child, parent: mother } = county.featured;
const childId = view.policePersonIdByPersonId.get(child.id)!;
const motherId = view.policePersonIdByPersonId.get(mother.id)!;
const home = county.addressesById.get(county.householdsById.get(county.featured.householdId)!.addressId)!;

type Json = any;
let server: PoliceServer;

async function post(path: string, body: unknown, init: { query?: string; method?: string } = {}): Promise<{ status: number; type: string | null; body: Json }> {
  const response = await fetch(`${server.baseUrl}${path}${init.query ?? ''}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    ...(init.method === 'GET' ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

const changes = (body: Record<string, unknown>) => post('/events/changes', body);

/** Reads the whole feed after `after`, page by page, answering every page. */
async function readAll(first: Record<string, unknown>, limit: number): Promise<{ pages: Json[]; ids: string[]; next: string }> {
  const pages: Json[] = [];
  let body: Record<string, unknown> = { ...first, limit };
  for (let i = 0; i < 1000; i++) {
    const { status, body: page } = await changes(body);
    expect(status).toBe(200);
    pages.push(page);
    if (!page.page.more) break;
    body = { ...(first.types ? { types: first.types } : {}), after: page.page.next, limit };
  }
  return { pages, ids: pages.flatMap((p) => p.data.map((e: Json) => e.id)), next: pages[pages.length - 1].page.next };
}

const spec = (overrides: Partial<PoliceIncidentSpec> = {}): PoliceIncidentSpec => ({
  occurredAt: '2030-01-10T22:15:00Z',
  recordedAt: '2030-01-10T23:30:00Z',
  riskLevel: 'medium',
  childrenPresent: true,
  location: { uprn: home.uprn, line1: home.line1, postcode: home.postcode },
  persons: [
    { role: 'victim', personId: motherId },
    { role: 'suspect', newPerson: { forenames: ['Testy'], surname: 'Newcomer', dateOfBirth: '1988-04-02', sex: 'M', address: { line1: '1 Elsewhere Row', postcode: 'MB9 9ZZ', city: 'Marlbridge' } } },
    { role: 'child-present', personId: childId },
  ],
  ...overrides,
});

beforeAll(async () => {
  server = await startPoliceServer({ county, defaultPageSize: 25 });
});
afterAll(async () => {
  await server.close();
});

describe('police change feed: POST /events/changes', () => {
  it('answers every event oldest change first, persons and locations side-loaded, with a token and more', async () => {
    const { status, body } = await changes({ limit: 5 });
    expect(status).toBe(200);
    expect(body.data).toHaveLength(5);
    expect(body.page).toEqual({ next: expect.stringMatching(/^\d+$/), more: true });
    const times = body.data.map((e: Json) => Date.parse(e.lastUpdated));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const personIds = new Set(body.included.persons.map((p: Json) => p.id));
    for (const e of body.data) for (const p of e.persons) expect(personIds.has(p.personId)).toBe(true);
    const locationIds = new Set(body.included.locations.map((l: Json) => l.id));
    for (const e of body.data) expect(locationIds.has(e.locationId)).toBe(true);
    for (const p of body.included.persons) for (const a of p.addresses) expect(locationIds.has(a.locationId)).toBe(true);
  });

  it('pages through the whole feed once each, the same as one big page, in order of last change then id', async () => {
    const small = await readAll({}, 7);
    const big = await readAll({}, 1000);
    expect(big.pages).toHaveLength(1);
    expect(small.ids).toEqual(big.ids);
    expect(new Set(big.ids).size).toBe(big.ids.length);
    const expected = [...view.events].sort((a, b) => Date.parse(a.lastUpdated) - Date.parse(b.lastUpdated) || (a.id < b.id ? -1 : 1)).map((e) => e.id);
    expect(big.ids).toEqual(expected);
    expect(small.next).toBe(big.next);
    expect(big.next).toBe(String(view.events.length));
    // Resuming from a page's token gives only what came after it.
    const third = small.pages[2];
    const resumed = await readAll({ after: small.pages[1].page.next }, 7);
    expect(resumed.ids).toEqual(small.ids.slice(14));
    expect(resumed.pages[0].data[0].id).toBe(third.data[0].id);
  });

  it('filters by type, and the token then moves past the changes of other types', async () => {
    const all = await readAll({}, 1000);
    const da = await readAll({ types: ['domestic-abuse-incident'] }, 1000);
    expect(da.ids.length).toBeGreaterThan(0);
    expect(da.ids).toEqual(all.pages[0].data.filter((e: Json) => e.type === 'domestic-abuse-incident').map((e: Json) => e.id));
    expect(da.next).toBe(all.next);
    const empty = await changes({ types: ['domestic-abuse-incident'], after: da.next });
    expect(empty.body).toMatchObject({ data: [], page: { next: da.next, more: false } });
  });

  it('starts from a time: events whose last change is at or after since', async () => {
    const sorted = [...view.events].sort((a, b) => Date.parse(a.lastUpdated) - Date.parse(b.lastUpdated));
    const pivot = sorted[Math.floor(sorted.length / 2)]!.lastUpdated;
    const { ids } = await readAll({ since: pivot }, 1000);
    expect(ids).toEqual(sorted.filter((e) => Date.parse(e.lastUpdated) >= Date.parse(pivot)).map((e) => e.id).sort((a, b) => ids.indexOf(a) - ids.indexOf(b)));
    expect(ids.length).toBe(sorted.filter((e) => Date.parse(e.lastUpdated) >= Date.parse(pivot)).length);
    const future = await changes({ since: '2999-01-01T00:00:00Z' });
    expect(future.body).toMatchObject({ data: [], page: { more: false } });
    expect(future.body.page.next).toMatch(/^\d+$/);
  });

  it('refuses a token ahead of the newest change, a malformed token or time, and unknown fields, as problem documents', async () => {
    const all = await readAll({}, 1000);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ after: String(Number(all.next) + 1) }, /ahead of the newest change/],
      [{ after: 'abc' }, /not a change token/],
      [{ after: '-1' }, /not a change token/],
      [{ after: '007' }, /not a change token/],
      [{ since: '2026-01-01' }, /date-time with a zone/],
      [{ since: 'yesterday' }, /date-time with a zone/],
      [{ since: '2026-01-01T00:00:00Z', after: '1' }, /not both/],
      [{ cursor: '1' }, /Unknown field 'cursor'/],
      [{ types: ['burglary'] }, /Unknown event type/],
      [{ limit: 0 }, /limit/],
    ];
    for (const [body, detail] of cases) {
      const answer = await changes(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(answer.body.detail).toMatch(detail);
    }
    expect((await post('/events/changes', {}, { query: '?after=1' })).status).toBe(400);
    expect((await post('/events/changes', {}, { method: 'GET' })).status).toBe(404); // POST only, as every search
  });
});

describe('recordIncident and updateIncident', () => {
  it('records an incident with the next token, visible in the feed, person and event searches and reads', async () => {
    const before = await readAll({}, 1000);
    const recorded = server.recordIncident(spec());
    expect(recorded.id).toBe('MH-20300110-0001');
    // The next number, and at least the time it was recorded in seconds (tokens of an earlier run stay behind).
    expect(recorded.token).toBe(String(Date.parse('2030-01-10T23:30:00Z') / 1000));
    expect(Number(recorded.token)).toBeGreaterThan(Number(before.next));
    const [, suspect] = recorded.persons;
    expect(suspect!.personId).toMatch(/^NOM\d{7}$/);
    expect(view.persons.some((p) => p.id === suspect!.personId)).toBe(false); // the county's view is untouched

    const feed = await changes({ after: before.next });
    expect(feed.body.data.map((e: Json) => e.id)).toEqual([recorded.id]);
    expect(feed.body.page).toEqual({ next: recorded.token, more: false });
    const event = feed.body.data[0];
    expect(event).toMatchObject({
      type: 'domestic-abuse-incident',
      occurredAt: '2030-01-10T22:15:00Z',
      lastUpdated: '2030-01-10T23:30:00Z',
      riskLevel: 'medium',
      childPresent: true,
      status: 'open',
      persons: [
        { personId: motherId, role: 'victim' },
        { personId: suspect!.personId, role: 'suspect' },
        { personId: childId, role: 'child-present' },
      ],
    });
    expect(event.officerInCase).toMatchObject({ name: expect.any(String), collarNumber: expect.any(String) });
    const location = feed.body.included.locations.find((l: Json) => l.id === event.locationId);
    expect(location).toMatchObject({ uprn: home.uprn, postcode: home.postcode });
    const newcomer = feed.body.included.persons.find((p: Json) => p.id === suspect!.personId);
    expect(newcomer).toMatchObject({ names: [{ forenames: ['Testy'], surname: 'Newcomer' }], dateOfBirth: '1988-04-02', sex: 'M' });
    expect(feed.body.included.locations.find((l: Json) => l.id === newcomer.addresses[0].locationId)).toMatchObject({ line1: '1 Elsewhere Row' });

    const byName = await post('/persons/search', { surname: 'Newcomer', dateOfBirth: '1988-04-02' });
    expect(byName.body.data.map((p: Json) => p.id)).toEqual([suspect!.personId]);
    const events = await post('/events/search', { personIds: [suspect!.personId, childId] });
    expect(events.body.data.map((e: Json) => e.id)).toContain(recorded.id);
    expect(events.body.data[events.body.data.length - 1].id).toBe(recorded.id);
    const atHome = await post('/persons/search', { uprn: home.uprn });
    expect(atHome.body.data.map((p: Json) => p.id)).toEqual(expect.arrayContaining([motherId, childId]));
    expect(atHome.body.data.map((p: Json) => p.id)).not.toContain(suspect!.personId);

    // A second one the same day gets the next occurrence number.
    const second = server.recordIncident(spec({ occurredAt: '2030-01-10T23:00:00Z', recordedAt: '2030-01-11T00:10:00Z', persons: [{ role: 'victim', personId: motherId }] }));
    expect(second.id).toBe('MH-20300110-0002');
    expect(second.token).toBe(String(Date.parse('2030-01-11T00:10:00Z') / 1000));
  });

  it('an update moves the incident to the end of the feed, once, with the change', async () => {
    const recorded = server.recordIncident(spec({ occurredAt: '2030-02-01T21:00:00Z', recordedAt: '2030-02-01T22:00:00Z', persons: [{ role: 'victim', personId: motherId }, { role: 'child-in-household', personId: childId }], childrenPresent: false }));
    const other = server.recordIncident(spec({ occurredAt: '2030-02-01T23:00:00Z', recordedAt: '2030-02-01T23:30:00Z', persons: [{ role: 'victim', personId: motherId }] }));
    const updated = server.updateIncident(recorded.id, { riskLevel: 'high', updatedAt: '2030-02-02T09:00:00Z' });
    expect(Number(updated.token)).toBe(Date.parse('2030-02-02T09:00:00Z') / 1000);
    // A change stamped earlier than the last still gets the next number.
    const early = server.updateIncident(other.id, { outcome: 'DASH completed; words of advice', updatedAt: '2020-01-01T00:00:00Z' });
    expect(Number(early.token)).toBe(Number(updated.token) + 1);
    server.updateIncident(recorded.id, { riskLevel: 'high', updatedAt: '2030-02-02T09:00:00Z' });
    const feed = await changes({ after: String(Number(recorded.token) - 1) });
    expect(feed.body.data.map((e: Json) => e.id)).toEqual([other.id, recorded.id]);
    expect(feed.body.data[1]).toMatchObject({ riskLevel: 'high', lastUpdated: '2030-02-02T09:00:00Z' });
    expect(Number(feed.body.page.next)).toBe(Number(early.token) + 1);
    // From the old token the incident is read once, as changed.
    const all = await readAll({}, 1000);
    expect(all.ids.filter((id) => id === recorded.id)).toHaveLength(1);
    expect(() => server.updateIncident('MH-20990101-0001', { riskLevel: 'high' })).toThrow(/No event/);
  });

  it('a token from an earlier run of the simulator does not cover a later run’s new incidents', async () => {
    const earlier = await startPoliceServer({ county });
    const later = await startPoliceServer({ county });
    try {
      const base = { riskLevel: 'standard' as const, childrenPresent: false, location: spec().location, persons: [{ role: 'victim' as const, personId: motherId }] };
      const monday = earlier.recordIncident({ ...base, occurredAt: '2030-05-05T21:00:00Z', recordedAt: '2030-05-05T22:00:00Z' });
      // The next run: same view, a new night's incident (the earlier one is not there).
      const tuesday = later.recordIncident({ ...base, occurredAt: '2030-05-06T21:00:00Z', recordedAt: '2030-05-06T22:00:00Z' });
      const response = await fetch(`${later.baseUrl}/events/changes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ after: monday.token }) });
      const body = (await response.json()) as Json;
      expect(body.data.map((e: Json) => e.id)).toEqual([tuesday.id]);
    } finally {
      await Promise.all([earlier.close(), later.close()]);
    }
  });

  it('refuses an unusable incident: an unknown person, a time without a zone, a person twice', () => {
    expect(() => server.recordIncident(spec({ persons: [{ role: 'victim', personId: 'NOM9999999' }] }))).toThrow(/No person/);
    expect(() => server.recordIncident(spec({ occurredAt: '2030-01-10 22:15' }))).toThrow(/date-time/);
    expect(() => server.recordIncident(spec({ persons: [{ role: 'victim', personId: motherId }, { role: 'child-present', personId: motherId }] }))).toThrow(/twice/);
    expect(() => server.recordIncident(spec({ persons: [{ role: 'bystander' as never, personId: motherId }] }))).toThrow(/role/);
  });
});

describe('overnight incidents for the demo', () => {
  const now = new Date('2026-12-02T07:30:00Z');

  it('plans 2-3 incidents in the night before, at households with school-age children, one high risk, one with a pre-school child, deterministically', () => {
    const specs = overnightIncidentSpecs(county, now);
    expect(overnightIncidentSpecs(county, now)).toEqual(specs);
    expect(specs.length).toBeGreaterThanOrEqual(2);
    const { start, end } = nightBefore(now);
    expect(start.toISOString()).toBe('2026-12-01T18:00:00.000Z');
    expect(end.toISOString()).toBe('2026-12-02T06:00:00.000Z');
    for (const s of specs) {
      expect(Date.parse(s.occurredAt)).toBeGreaterThanOrEqual(start.getTime());
      expect(Date.parse(s.occurredAt)).toBeLessThan(end.getTime());
      expect(s.persons.some((p) => p.role === 'victim')).toBe(true);
      expect(s.persons.some((p) => p.role === 'child-present' || p.role === 'child-in-household')).toBe(true);
    }
    expect(specs.some((s) => s.riskLevel === 'high')).toBe(true);
    const day = Date.parse('2026-12-02');
    const ages = (s: PoliceIncidentSpec): number[] =>
      s.persons
        .filter((p) => p.role.startsWith('child'))
        .map((p) => ('personId' in p ? view.persons.find((n) => n.id === p.personId)!.birthDate : p.newPerson.dateOfBirth))
        .map((dob) => (day - Date.parse(dob)) / (365.25 * 86_400_000));
    expect(specs.some((s) => ages(s).some((a) => a < 4) && ages(s).some((a) => a >= 4 && a < 17))).toBe(true);
  });

  it('are recorded in the police simulator (as startSandbox does) and the feed from the evening before gives them', async () => {
    const recorded = recordOvernightIncidents(county, now, (s) => server.recordIncident(s));
    expect(recorded.length).toBeGreaterThanOrEqual(2);
    const { body } = await changes({ types: ['domestic-abuse-incident'], since: '2026-12-01T18:00:00Z' });
    const overnight = body.data.filter((e: Json) => recorded.some((r) => r.id === e.id));
    expect(overnight.map((e: Json) => e.id)).toEqual(recorded.map((r) => r.id));
    for (const e of overnight) {
      expect(e.occurredAt >= '2026-12-01T18:00' && e.occurredAt < '2026-12-02T06:00').toBe(true);
      expect(e.persons.some((p: Json) => p.role === 'child-present' || p.role === 'child-in-household')).toBe(true);
    }
  });
});
