import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPoliceConnector, POLICE_SYSTEMS } from '../../../connectors/police/index.js';
import { ConnectorError, PERSON_FIELDS, RECORD_FIELDS, type CallContext, type Connector, type PersonQuery } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startPoliceServer, type PoliceServer } from '../../../sandbox/police/index.js';
import { searchPasses } from '../../../gateway/identity/search-passes.js';

const ID = POLICE_SYSTEMS.policePersonId;
const PNC = POLICE_SYSTEMS.pncId;
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.police;
const { child, parent, partner, sibling } = county.featured;
const nominalOf = (personId: string): string => view.policePersonIdByPersonId.get(personId)!;

let server: PoliceServer;
let connector: Connector;

const ctx = (signal: AbortSignal = AbortSignal.timeout(10_000)): CallContext => ({ signal, requestId: 'test-request' });

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = await startPoliceServer({ county });
  connector = createPoliceConnector({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({});
  server.clearRequests();
});

describe('police connector manifest', () => {
  it('declares agency police over the POLE REST API with the police person id and PNC id systems', () => {
    expect(connector.manifest).toMatchObject({ agency: 'police', protocol: 'pole-rest-json', identifierSystems: [ID, PNC] });
    expect(connector.manifest.contact.name).toBeTruthy();
  });

  it('declares the three police categories at their policy tiers, with no narrative in police.flags', () => {
    const tiers = Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]));
    expect(tiers).toEqual({ 'police.identity': 'T0', 'police.flags': 'T1', 'police.detail': 'T3' });
    for (const category of connector.manifest.categories) {
      const vocabulary: readonly string[] = category.id === 'police.identity' ? PERSON_FIELDS : RECORD_FIELDS;
      expect(category.fields.every((f) => vocabulary.includes(f))).toBe(true);
    }
    const flags = connector.manifest.categories.find((c) => c.id === 'police.flags')!;
    expect(flags.fields).not.toContain('narrative');
  });
});

describe('police connector person search', () => {
  it('finds the featured child by name and date of birth, with addresses, the MASH desk to contact and provenance', async () => {
    const people = await connector.searchPersons({ family: child.family, given: child.given.join(' '), birthDate: child.birthDate }, ctx());
    expect(people.map((p) => p.personId)).toEqual([nominalOf(child.id)]);
    const [person] = people;
    expect(person).toMatchObject({
      agency: 'police',
      identifiers: [{ system: ID, value: nominalOf(child.id) }],
      names: [{ use: 'usual', family: child.family, given: child.given }],
      birthDate: child.birthDate,
      birthDateAccuracy: 'AAA',
      gender: '2',
      contact: { phone: view.mashDesk.phone },
      provenance: { system: server.baseUrl, recordId: `persons/${nominalOf(child.id)}` },
    });
    const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
    expect(person!.addresses[0]).toMatchObject({ line1: home.line1, postalCode: home.postcode, uprn: home.uprn });
    expect(person!.addresses).toHaveLength(2);
  });

  it('finds a person by police person id, and by PNC id', async () => {
    const byId = await connector.searchPersons({ identifiers: [{ system: ID, value: nominalOf(child.id) }] }, ctx());
    expect(byId.map((p) => p.personId)).toEqual([nominalOf(child.id)]);
    const pncId = view.persons.find((p) => p.id === nominalOf(partner.id))!.pncId!;
    const byPnc = await connector.searchPersons({ identifiers: [{ system: PNC, value: pncId }] }, ctx());
    expect(byPnc.map((p) => p.personId)).toEqual([nominalOf(partner.id)]);
    expect(byPnc[0]!.identifiers).toContainEqual({ system: PNC, value: pncId });
  });

  it('finds a person whose date of birth police recorded with day and month swapped, by the true date', async () => {
    const swappedRecord = generateCounty({ seed: 3, households: 2000 });
    const nominal = swappedRecord.views.police.persons.find((p) => {
      const truth = swappedRecord.personsById.get(p.personId)!;
      return p.birthDate !== truth.birthDate && p.names.some((n) => n.type === 'primary' && n.surname === truth.family && n.forenames[0] === truth.given[0]);
    })!;
    expect(nominal).toBeDefined();
    const other = await startPoliceServer({ county: swappedRecord });
    try {
      const truth = swappedRecord.personsById.get(nominal.personId)!;
      const found = await createPoliceConnector({ baseUrl: other.baseUrl }).searchPersons({ family: truth.family, given: truth.given[0], birthDate: truth.birthDate }, ctx());
      expect(found.map((p) => p.personId)).toContain(nominal.id);
      expect(found.find((p) => p.personId === nominal.id)!.birthDate).toBe(nominal.birthDate);
    } finally {
      await other.close();
    }
  });

  it('finds a person by an alias, and returns every recorded name', async () => {
    const withAlias = view.persons.find((p) => p.names.some((n) => n.type === 'alias'))!;
    const alias = withAlias.names.find((n) => n.type === 'alias')!;
    const [found] = await connector.searchPersons({ family: alias.surname, given: alias.forenames[0], birthDate: withAlias.birthDate }, ctx());
    expect(found!.personId).toBe(withAlias.id);
    expect(found!.names).toHaveLength(withAlias.names.length);
    expect(found!.names).toContainEqual({ use: 'anonymous', family: alias.surname, given: alias.forenames });
  });

  it('returns no one for a person police have never met', async () => {
    const stranger = county.persons.find((p) => !view.policePersonIdByPersonId.has(p.id))!;
    expect(await connector.searchPersons({ family: stranger.family, given: stranger.given[0], birthDate: stranger.birthDate }, ctx())).toEqual([]);
    expect(await connector.searchPersons({ identifiers: [{ system: ID, value: 'NOM9999999' }] }, ctx())).toEqual([]);
  });

  it('falls back to demographics when the police id finds no one', async () => {
    const people = await connector.searchPersons(
      { identifiers: [{ system: ID, value: 'NOM9999999' }], family: child.family, given: child.given[0], birthDate: child.birthDate },
      ctx(),
    );
    expect(people.map((p) => p.personId)).toEqual([nominalOf(child.id)]);
  });

  it('refuses a search matching more persons than allowed as BAD_QUERY', async () => {
    const narrow = createPoliceConnector({ baseUrl: server.baseUrl, maxPersonMatches: 1 });
    const two = { identifiers: [child, partner].map((p) => ({ system: ID, value: nominalOf(p.id) })) };
    expect(await connector.searchPersons(two, ctx())).toHaveLength(2);
    expect((await failure(narrow.searchPersons(two, ctx()))).kind).toBe('BAD_QUERY');
  });

  it.each([
    ['an empty query', {}],
    ['a family name alone', { family: 'Smith' }],
    ['only an identifier of another system', { identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }] }],
    ['a malformed PNC id', { identifiers: [{ system: PNC, value: 'not-a-pnc' }] }],
    ['a badly formed birth date', { family: 'Smith', birthDate: '31/12/2010' }],
  ])('refuses %s as BAD_QUERY without calling the API', async (_label, query) => {
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('BAD_QUERY');
    expect(server.requests()).toHaveLength(0);
  });

  it('sends names and dates of birth in a POSTed body, never in the URL', async () => {
    await connector.searchPersons({ family: child.family, given: child.given[0], birthDate: child.birthDate }, ctx());
    const [request] = server.requests();
    expect(request).toMatchObject({ method: 'POST', path: '/api/v1/persons/search' });
    expect(request!.body).toMatchObject({ surname: child.family, dateOfBirth: expect.arrayContaining([child.birthDate]) });
  });
});

describe('police connector record fetch', () => {
  const household = [child, parent, partner, sibling].map((p) => nominalOf(p.id));

  it('fetches records for a household with one request per resource', async () => {
    const records = await connector.fetchRecords(household, ctx());
    expect([...records.keys()].sort()).toEqual([...household].sort());
    const byResource = new Map<string, number>();
    for (const r of server.requests()) byResource.set(r.resource ?? '', (byResource.get(r.resource ?? '') ?? 0) + 1);
    expect(Object.fromEntries(byResource)).toEqual({ events: 1, 'warning-markers': 1, intelligence: 1 });
    expect(server.requests().find((r) => r.resource === 'events')!.body).toMatchObject({ personIds: household });
  });

  it('shows the featured child present at domestic abuse call-outs at home, and her missing episode, in police.flags', async () => {
    const id = nominalOf(child.id);
    const records = (await connector.fetchRecords([id], ctx())).get(id)!;
    const flags = records.filter((r) => r.category === 'police.flags');
    const incidents = flags.filter((r) => r.fields.type === 'domestic-abuse-incident');
    expect(incidents).toHaveLength(3);
    expect(incidents.every((r) => r.kind === 'event' && r.fields.title === 'Domestic abuse incident (child present)')).toBe(true);
    const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
    expect(incidents.filter((r) => r.fields.location?.startsWith(home.line1) && r.fields.location.endsWith(home.postcode))).toHaveLength(2);
    expect(incidents.map((r) => r.fields.outcome)).toContainEqual(expect.stringMatching(/^DASH risk: high; .*MARAC/));
    expect(flags.map((r) => r.fields.type)).toContain('missing-episode');
    expect(flags.every((r) => r.fields.narrative === undefined)).toBe(true);
  });

  it('keeps narratives in police.detail, one per occurrence, apart from the fixed fields', async () => {
    const id = nominalOf(child.id);
    const records = (await connector.fetchRecords([id], ctx())).get(id)!;
    const detail = records.filter((r) => r.category === 'police.detail');
    expect(detail).toHaveLength(4);
    expect(detail.every((r) => r.tier === 'T3' && r.fields.narrative && r.provenance.recordId.endsWith('#narrative'))).toBe(true);
    expect(detail.find((r) => r.fields.type === 'domestic-abuse-incident' && r.fields.narrative?.includes('999'))).toBeDefined();
  });

  it('gives the partner his warning markers and protective order in police.flags and arrests and intelligence in police.detail', async () => {
    const id = nominalOf(partner.id);
    const records = (await connector.fetchRecords([id], ctx())).get(id)!;
    const typesIn = (category: string) => records.filter((r) => r.category === category).map((r) => r.fields.type);
    expect(typesIn('police.flags')).toEqual(expect.arrayContaining(['warning-marker', 'protective-order', 'domestic-abuse-incident']));
    expect(typesIn('police.detail')).toEqual(expect.arrayContaining(['arrest', 'intelligence-report']));
    const marker = records.find((r) => r.fields.type === 'warning-marker' && r.fields.title?.includes('(DAP)'))!;
    expect(marker).toMatchObject({ kind: 'state', fields: { status: 'active', contactPhone: view.mashDesk.phone } });
    const order = records.find((r) => r.fields.type === 'protective-order')!;
    expect(order.fields.title).toMatch(/\(subject of the order\)$/);
    const incident = records.find((r) => r.fields.type === 'domestic-abuse-incident')!;
    expect(incident.fields.title).toBe('Domestic abuse incident (suspect; children present)');
  });

  it('puts every record in a declared category at its tier, with provenance and someone to contact', async () => {
    const records = [...(await connector.fetchRecords(household, ctx())).values()].flat();
    expect(records.length).toBeGreaterThan(15);
    const tiers = Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]));
    for (const record of records) {
      expect(record.agency).toBe('police');
      expect(record.tier).toBe(tiers[record.category]);
      expect(household).toContain(record.personId);
      expect(record.provenance.system).toBe(server.baseUrl);
      expect(record.provenance.recordId).toMatch(/^(events|warning-markers|intelligence)\/[A-Z0-9-]+(#narrative)?$/);
      expect(Number.isNaN(Date.parse(record.provenance.asOf))).toBe(false);
      expect(Object.keys(record.fields).every((f) => (RECORD_FIELDS as readonly string[]).includes(f))).toBe(true);
      expect(record.fields.contactName).toBeTruthy();
      expect(record.fields.contactPhone).toMatch(/^01632 960\d{3}$/);
    }
  });

  it('fetches every record of a large batch, following pages', async () => {
    const paged = createPoliceConnector({ baseUrl: server.baseUrl, pageSize: 5 });
    const ids = view.persons.map((p) => p.id);
    const records = await paged.fetchRecords(ids, ctx());
    const all = [...records.values()].flat();
    expect(all.filter((r) => r.provenance.recordId.startsWith('warning-markers/'))).toHaveLength(view.markers.length);
    expect(all.filter((r) => r.provenance.recordId.startsWith('intelligence/'))).toHaveLength(view.intelligence.length);
    const flagged = new Set(all.filter((r) => r.provenance.recordId.startsWith('events/') && !r.provenance.recordId.endsWith('#narrative')).map((r) => r.provenance.recordId));
    expect(flagged.size).toBe(view.events.length);
    expect(server.requests().filter((r) => r.resource === 'events').length).toBe(Math.ceil(view.events.length / 5));
  });

  it('is deterministic for a seed', async () => {
    const again = await startPoliceServer({ county: generateCounty({ seed: 1, households: 200 }) });
    try {
      const a = await createPoliceConnector({ baseUrl: server.baseUrl, system: 'police' }).fetchRecords(household, ctx());
      const b = await createPoliceConnector({ baseUrl: again.baseUrl, system: 'police' }).fetchRecords(household, ctx());
      expect([...b]).toEqual([...a]);
    } finally {
      await again.close();
    }
  });

  it('returns an empty list for a person without records and makes no request for no persons', async () => {
    expect((await connector.fetchRecords([], ctx())).size).toBe(0);
    expect(server.requests()).toHaveLength(0);
    expect((await connector.fetchRecords(['NOM9999999'], ctx())).get('NOM9999999')).toEqual([]);
  });

  it('refuses person ids that are not police ids', async () => {
    expect((await failure(connector.fetchRecords(['../persons?x'], ctx()))).kind).toBe('BAD_QUERY');
  });
});

describe('police connector failures', () => {
  const query = { family: child.family, given: child.given[0]!, birthDate: child.birthDate };
  const ids = [nominalOf(child.id), nominalOf(partner.id)];

  it('reports HTTP 500 as UPSTREAM_ERROR', async () => {
    server.setFaults({ errorRate: 1 });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('UPSTREAM_ERROR');
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('UPSTREAM_ERROR');
  });

  it('reports invalid JSON as MALFORMED_RESPONSE', async () => {
    server.setFaults({ malformed: true });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('reports JSON of the wrong shape as MALFORMED_RESPONSE', async () => {
    server.setFaults({ malformed: 'wrong-shape' });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('reports a hanging API as TIMEOUT when the signal fires', async () => {
    server.setFaults({ hang: true });
    expect((await failure(connector.searchPersons(query, ctx(AbortSignal.timeout(200))))).kind).toBe('TIMEOUT');
    expect((await failure(connector.fetchRecords(ids, ctx(AbortSignal.timeout(200))))).kind).toBe('TIMEOUT');
  });

  it('still answers a slow API within the deadline', async () => {
    server.setFaults({ latencyMs: 100 });
    const records = await connector.fetchRecords(ids, ctx());
    expect(records.get(nominalOf(child.id))!.length).toBeGreaterThan(0);
  });

  it('reports a closed server as UNREACHABLE, and its health as down', async () => {
    const gone = await startPoliceServer({ county });
    const unreachable = createPoliceConnector({ baseUrl: gone.baseUrl });
    await gone.close();
    expect((await failure(unreachable.searchPersons(query, ctx()))).kind).toBe('UNREACHABLE');
    expect((await failure(unreachable.fetchRecords(ids, ctx()))).kind).toBe('UNREACHABLE');
    expect(await unreachable.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
  });

  it('keeps personal data out of error messages', async () => {
    server.setFaults({ errorRate: 1 });
    const errors = [
      await failure(connector.searchPersons(query, ctx())),
      await failure(connector.searchPersons({ identifiers: [{ system: ID, value: ids[0]! }] }, ctx())),
      await failure(connector.fetchRecords(ids, ctx())),
    ];
    for (const error of errors) {
      for (const secret of [child.family, child.given[0]!, child.birthDate, ...ids, server.baseUrl]) expect(error.message).not.toContain(secret);
    }
  });

  it('reports health from the status endpoint', async () => {
    expect(await connector.health!(ctx())).toEqual({ ok: true });
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createPoliceConnector({ baseUrl: 'ftp://police.example' })).toThrow(TypeError);
    expect(() => createPoliceConnector({ baseUrl: 'not a url' })).toThrow(TypeError);
  });
});


describe('police person search with several queries in one request (searchPersonsAny)', () => {
  const ids = (persons: readonly { personId: string }[]) => persons.map((p) => p.personId).sort();

  it("sends a researcher's search passes as one POSTed search with alternatives, answering what the single searches answer", async () => {
    const queries = searchPasses({ family: child.family, given: child.given[0]!, birthDate: child.birthDate });
    expect(queries.length).toBeGreaterThan(2);
    const singles = new Set<string>();
    for (const q of queries) for (const p of await connector.searchPersons(q, ctx()).catch(() => [])) singles.add(p.personId);
    server.clearRequests();
    const found = await connector.searchPersonsAny!(queries, ctx());
    expect(server.requests()).toHaveLength(1);
    expect(server.requests()[0]).toMatchObject({ method: 'POST', resource: 'persons', body: { anyOf: expect.any(Array) } });
    expect(ids(found)).toEqual([...singles].sort());
    expect(found.map((p) => p.personId)).toContain(nominalOf(child.id));
  });

  it('leaves out a query that matches too many (as the single search refuses it) and keeps the others', async () => {
    const narrow = { family: child.family, given: child.given[0]!, birthDate: child.birthDate };
    const few = createPoliceConnector({ baseUrl: server.baseUrl, maxPersonMatches: 1 });
    // A query the single search refuses as matching too many.
    const candidates: PersonQuery[] = [
      { given: child.given[0]!.slice(0, 1), birthDate: child.birthDate.slice(0, 4) },
      ...[...'abcdefghijklmnopqrstuvwxyz'].flatMap((f) => [...'abcdefghijklmnopqrstuvwxyz'].map((g) => ({ family: f, given: g }))),
    ];
    let broad: PersonQuery | undefined;
    for (const q of candidates) {
      const refused = await few.searchPersons(q, ctx()).then(() => false, (error: unknown) => error instanceof ConnectorError && error.kind === 'BAD_QUERY');
      if (refused) {
        broad = q;
        break;
      }
    }
    expect(broad).toBeDefined();
    expect(ids(await few.searchPersonsAny!([broad!, narrow], ctx()))).toEqual(ids(await few.searchPersons(narrow, ctx())));
  });

  it('answers BAD_QUERY when no query can be searched', async () => {
    await expect(connector.searchPersonsAny!([{}, { family: 'Knight' }], ctx())).rejects.toMatchObject({ kind: 'BAD_QUERY' });
    expect(server.requests()).toHaveLength(0);
  });
});

describe('the police API answers several person searches in one request (anyOf)', () => {
  const post = async (body: unknown) => {
    const response = await fetch(`${server.baseUrl}/persons/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { data?: Array<{ id: string }>; alternatives?: Array<{ total: number; personIds: string[] }> } };
  };

  it('answers each alternative as on its own: its total and person ids, each person once in data', async () => {
    const a = { surname: child.family, forename: child.given[0]!, dateOfBirth: child.birthDate };
    const b = { surname: parent.family, forename: parent.given[0]!, dateOfBirth: parent.birthDate };
    const one = async (criteria: object) => (await post({ ...criteria, limit: 50 })).body.data!.map((p) => p.id);
    const { status, body } = await post({ anyOf: [a, b, a], limit: 50 });
    expect(status).toBe(200);
    expect(body.alternatives!.map((x) => x.personIds)).toEqual([await one(a), await one(b), await one(a)]);
    expect(body.alternatives![0]!.total).toBe((await one(a)).length);
    const inData = body.data!.map((p) => p.id);
    expect(new Set(inData).size).toBe(inData.length);
    expect([...inData].sort()).toEqual([...new Set([...(await one(a)), ...(await one(b))])].sort());
  });

  it('refuses the request when an alternative is refused, an unknown field, or too many alternatives', async () => {
    expect((await post({ anyOf: [{ surname: child.family, forename: 'A' }, { surname: 'Knight' }] })).status).toBe(400);
    expect((await post({ anyOf: [{ surname: child.family, forename: 'A', offset: 3 }] })).status).toBe(400);
    expect((await post({ anyOf: Array.from({ length: 21 }, () => ({ ids: ['NOM0000001'] })) })).status).toBe(400);
    expect((await post({ anyOf: [] })).status).toBe(400);
  });
});
