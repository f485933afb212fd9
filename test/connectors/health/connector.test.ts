import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHealthConnector } from '../../../connectors/health/index.js';
import { ConnectorError, PERSON_FIELDS, RECORD_FIELDS, type CallContext, type Connector, type PersonQuery, type SourceRecord } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startHealthServer, type HealthServer } from '../../../sandbox/health/index.js';
import { searchPasses } from '../../../gateway/identity/search-passes.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.health;
const { child, parent, sibling, partner } = county.featured;
const patientIdOf = (personId: string): string => view.patientIdByPersonId.get(personId)!;

let server: HealthServer;
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
  server = await startHealthServer({ county });
  connector = createHealthConnector({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({});
  server.clearRequests();
});

describe('health connector manifest', () => {
  it('declares agency health over FHIR R4 with the NHS number system', () => {
    expect(connector.manifest).toMatchObject({ agency: 'health', protocol: 'fhir-r4', identifierSystems: [NHS] });
  });

  it('declares the four health categories at their policy tiers', () => {
    const tiers = Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]));
    expect(tiers).toEqual({
      'health.identity': 'T0',
      'health.summary': 'T1',
      'health.clinical': 'T3',
      'health.sexual-health': 'T4',
    });
    for (const category of connector.manifest.categories) {
      const vocabulary: readonly string[] = category.id === 'health.identity' ? PERSON_FIELDS : RECORD_FIELDS;
      expect(category.fields.every((f) => vocabulary.includes(f))).toBe(true);
    }
    const summary = connector.manifest.categories.find((c) => c.id === 'health.summary')!;
    expect(summary.fields).toEqual(expect.arrayContaining(['type', 'start', 'narrative', 'contactName', 'contactPhone']));
  });
});

describe('health connector person search', () => {
  it('finds the featured child by NHS number', async () => {
    const people = await connector.searchPersons({ identifiers: [{ system: NHS, value: child.nhsNumber }] }, ctx());
    expect(people).toHaveLength(1);
    const [person] = people;
    expect(person).toMatchObject({
      agency: 'health',
      personId: patientIdOf(child.id),
      identifiers: [{ system: NHS, value: child.nhsNumber }],
      birthDate: child.birthDate,
      birthDateAccuracy: 'AAA',
      gender: '2',
      names: [{ use: 'official', family: child.family, given: child.given }],
      provenance: { system: server.baseUrl, recordId: `Patient/${patientIdOf(child.id)}` },
    });
    const household = county.householdsById.get(child.householdId)!;
    const current = county.addressesById.get(household.addressId)!;
    expect(person!.addresses[0]).toMatchObject({ line1: current.line1, postalCode: current.postcode, uprn: current.uprn });
    expect(person!.addresses[1]?.uprn).toBe(county.addressesById.get(household.previousAddressId!)!.uprn);
    const practice = county.gpPracticesById.get(child.gpPracticeId)!;
    expect(person!.contact).toMatchObject({ name: practice.name, phone: practice.phone });
  });

  it('finds the featured child by family name, given name and birth date', async () => {
    const people = await connector.searchPersons(
      { family: child.family.toLowerCase(), given: child.given[0]!, birthDate: child.birthDate },
      ctx(),
    );
    expect(people.map((p) => p.personId)).toContain(patientIdOf(child.id));
  });

  it('returns no one for an unknown NHS number', async () => {
    // Valid Modulus 11, outside the sandbox's 999 range.
    expect(await connector.searchPersons({ identifiers: [{ system: NHS, value: '9434765919' }] }, ctx())).toEqual([]);
  });

  it('falls back to demographics when health holds no NHS number for the person', async () => {
    const patient = view.patients.find((p) => p.nhsNumber === undefined)!;
    const person = county.personsById.get(patient.personId)!;
    const people = await connector.searchPersons(
      { identifiers: [{ system: NHS, value: person.nhsNumber }], family: patient.family, given: patient.given[0]!, birthDate: patient.birthDate },
      ctx(),
    );
    expect(people.map((p) => p.personId)).toContain(patient.id);
    expect(people.every((p) => p.identifiers.every((i) => i.value === person.nhsNumber))).toBe(true);
  });

  it.each([
    ['an empty query', {}],
    ['a family name alone', { family: 'Smith' }],
    ['an NHS number failing Modulus 11', { identifiers: [{ system: NHS, value: '9876544321' }] }],
    ['only an identifier of another system', { identifiers: [{ system: 'urn:uk:upn', value: 'B801200005001' }] }],
    ['a badly formed birth date', { family: 'Smith', birthDate: '31/12/2010' }],
  ])('refuses %s as BAD_QUERY without calling the endpoint', async (_label, query) => {
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('BAD_QUERY');
    expect(server.requests()).toHaveLength(0);
  });
});

describe('health connector record fetch', () => {
  it('fetches records for several persons with one request per resource type', async () => {
    const ids = [child, parent, sibling, partner].map((p) => patientIdOf(p.id));
    const records = await connector.fetchRecords(ids, ctx());
    expect([...records.keys()].sort()).toEqual([...ids].sort());
    const byType = new Map<string, number>();
    for (const request of server.requests()) byType.set(request.resourceType ?? '', (byType.get(request.resourceType ?? '') ?? 0) + 1);
    expect(Object.fromEntries(byType)).toEqual({ Patient: 1, Encounter: 1, Flag: 1, EpisodeOfCare: 1, Appointment: 1 });
    const encounterSearch = server.requests().find((r) => r.resourceType === 'Encounter')!;
    expect(encounterSearch.params).toContainEqual(['subject', ids.map((id) => `Patient/${id}`).join(',')]);
  });

  it('gives the featured child something in every health category: identity by search, records in the rest', async () => {
    const childId = patientIdOf(child.id);
    const [person] = await connector.searchPersons({ identifiers: [{ system: NHS, value: child.nhsNumber }] }, ctx());
    expect(person?.personId).toBe(childId); // health.identity is the SourcePerson
    const records = (await connector.fetchRecords([childId], ctx())).get(childId)!;
    expect(new Set(records.map((r) => r.category))).toEqual(new Set(['health.summary', 'health.clinical', 'health.sexual-health']));
    const tierOf = { 'health.summary': 'T1', 'health.clinical': 'T3', 'health.sexual-health': 'T4' };
    for (const record of records) {
      expect(record.agency).toBe('health');
      expect(record.personId).toBe(childId);
      expect(record.tier).toBe(tierOf[record.category as keyof typeof tierOf]);
      expect(record.provenance.system).toBe(server.baseUrl);
      expect(record.provenance.recordId).toMatch(/^(Patient|Encounter|Flag|EpisodeOfCare|Appointment)\/[A-Za-z0-9\-.]+(#\w+)?$/);
      expect(Number.isNaN(Date.parse(record.provenance.asOf))).toBe(false);
      expect(Object.keys(record.fields).every((f) => (RECORD_FIELDS as readonly string[]).includes(f))).toBe(true);
    }
    const types = (category: string): string[] => records.filter((r) => r.category === category).map((r) => r.fields.type!);
    expect(types('health.summary')).toEqual(
      expect.arrayContaining(['gp-registration', 'ae-attendance', 'unscheduled-care-attendance', 'school-nursing', 'was-not-brought', 'cp-is-flag']),
    );
    expect(types('health.clinical')).toEqual(expect.arrayContaining(['camhs', 'was-not-brought']));
    expect(types('health.sexual-health')).toEqual(['sexual-health-attendance']);
  });

  it('maps kinds, dates and who to contact', async () => {
    const childId = patientIdOf(child.id);
    const records = (await connector.fetchRecords([childId], ctx())).get(childId)!;
    const find = (type: string): SourceRecord => records.find((r) => r.fields.type === type)!;

    const flag = find('cp-is-flag');
    expect(flag).toMatchObject({ kind: 'state', fields: { status: 'active', title: 'CP-IS: Child Protection Plan' } });
    expect(flag.provenance.recordId).toMatch(/^Flag\//);
    expect(flag.fields.contactPhone).toBe(county.localAuthority.childrensServices.phone);

    const ae = find('ae-attendance');
    expect(ae.kind).toBe('event');
    expect(ae.fields).toMatchObject({ location: 'Emergency Department, Marlbridge General Hospital' });
    expect(ae.fields.start).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(ae.fields.narrative).toBeTruthy();
    expect(ae.fields.outcome).toBeTruthy();
    expect(ae.fields.contactRole).toBe('Named Nurse for Safeguarding Children');
    expect(ae.fields.contactPhone).toMatch(/^01632 960\d{3}$/);

    const camhs = find('camhs');
    expect(camhs).toMatchObject({ kind: 'involvement', category: 'health.clinical', fields: { status: 'active', contactRole: 'CAMHS Care Coordinator' } });
    expect(camhs.fields.narrative).toMatch(/self-harm/);

    const gp = find('gp-registration');
    expect(gp.fields.service).toBe(county.gpPracticesById.get(child.gpPracticeId)!.name);
  });

  it('fetches every record of a large batch, following next links', async () => {
    const paged = createHealthConnector({ baseUrl: server.baseUrl, pageSize: 25 });
    const patients = view.patients.slice(0, 250);
    const ids = patients.map((p) => p.id);
    const records = await paged.fetchRecords(ids, ctx());
    const wanted = new Set(ids);
    const count = (records: Map<string, SourceRecord[]>, type: string): number =>
      [...records.values()].flat().filter((r) => r.provenance.recordId.startsWith(`${type}/`)).length;
    expect(count(records, 'Encounter')).toBe(view.encounters.filter((e) => wanted.has(e.patientId)).length);
    expect(count(records, 'EpisodeOfCare')).toBe(view.episodes.filter((e) => wanted.has(e.patientId)).length);
    expect(count(records, 'Appointment')).toBe(view.missedAppointments.filter((a) => wanted.has(a.patientId)).length);
    // Long subject lists go by POST _search; later pages follow the server's next links.
    const firstRequests = server.requests().filter((r) => r.path.endsWith('/_search'));
    expect(firstRequests.map((r) => r.resourceType).sort()).toEqual(['Appointment', 'Encounter', 'EpisodeOfCare', 'Flag', 'Patient']);
  });

  it('returns an empty list for a person without records and makes no request for no persons', async () => {
    expect((await connector.fetchRecords([], ctx())).size).toBe(0);
    expect(server.requests()).toHaveLength(0);
    const records = await connector.fetchRecords(['unknown-patient'], ctx());
    expect(records.get('unknown-patient')).toEqual([]);
  });

  it('refuses person ids that are not FHIR ids', async () => {
    expect((await failure(connector.fetchRecords(['../Patient?family=x'], ctx()))).kind).toBe('BAD_QUERY');
  });
});

describe('health connector failures', () => {
  const query = { identifiers: [{ system: NHS, value: child.nhsNumber }] };

  it('reports HTTP 500 as UPSTREAM_ERROR', async () => {
    server.setFaults({ errorRate: 1 });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('UPSTREAM_ERROR');
    expect((await failure(connector.fetchRecords([patientIdOf(child.id)], ctx()))).kind).toBe('UPSTREAM_ERROR');
  });

  it('reports invalid JSON as MALFORMED_RESPONSE', async () => {
    server.setFaults({ malformed: true });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('reports a wrongly shaped Bundle as MALFORMED_RESPONSE', async () => {
    server.setFaults({ malformed: 'wrong-shape' });
    expect((await failure(connector.fetchRecords([patientIdOf(child.id)], ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('reports a hanging endpoint as TIMEOUT promptly when the signal fires', async () => {
    server.setFaults({ hang: true });
    const started = Date.now();
    const error = await failure(connector.searchPersons(query, ctx(AbortSignal.timeout(200))));
    expect(error.kind).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
    const batch = await failure(connector.fetchRecords([patientIdOf(child.id)], ctx(AbortSignal.timeout(200))));
    expect(batch.kind).toBe('TIMEOUT');
  });

  it('reports a closed server as UNREACHABLE', async () => {
    const gone = await startHealthServer({ county });
    const unreachable = createHealthConnector({ baseUrl: gone.baseUrl });
    await gone.close();
    expect((await failure(unreachable.searchPersons(query, ctx()))).kind).toBe('UNREACHABLE');
    expect(await unreachable.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
  });

  it('keeps personal data out of error messages', async () => {
    server.setFaults({ errorRate: 1 });
    const demographic = { family: child.family, given: child.given[0]!, birthDate: child.birthDate };
    for (const error of [await failure(connector.searchPersons(query, ctx())), await failure(connector.searchPersons(demographic, ctx()))]) {
      for (const secret of [child.nhsNumber, child.family, child.given[0]!, child.birthDate, 'Patient/']) {
        expect(error.message).not.toContain(secret);
      }
    }
  });

  it('reports health from the CapabilityStatement', async () => {
    expect(await connector.health!(ctx())).toEqual({ ok: true });
  });
});

describe('health person search with several queries in one request (searchPersonsAny)', () => {
  const ids = (persons: readonly { personId: string }[]) => persons.map((p) => p.personId).sort();

  it("sends a researcher's search passes as one FHIR batch Bundle, answering what the single searches answer", async () => {
    const queries = searchPasses({ family: child.family, given: child.given[0]!, birthDate: child.birthDate });
    expect(queries.length).toBeGreaterThan(2);
    const singles = new Set<string>();
    for (const q of queries) for (const p of await connector.searchPersons(q, ctx()).catch(() => [])) singles.add(p.personId);
    server.clearRequests();
    const found = await connector.searchPersonsAny!(queries, ctx());
    expect(server.requests()).toHaveLength(1);
    expect(server.requests()[0]).toMatchObject({ method: 'POST', path: '/fhir' });
    expect(server.requests()[0]!.entries!.map((e) => e.resourceType)).toEqual(queries.map(() => 'Patient'));
    expect(ids(found)).toEqual([...singles].sort());
    expect(found.map((p) => p.personId)).toContain(patientIdOf(child.id));
  });

  it('leaves out a query matching too many patients and keeps the others', async () => {
    const narrow = { family: child.family, given: child.given[0]!, birthDate: child.birthDate };
    const few = createHealthConnector({ baseUrl: server.baseUrl, maxPersonMatches: 1 });
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
});

describe('the health FHIR server answers a batch Bundle (FHIR R4 batch)', () => {
  const batch = async (bundle: unknown) => {
    const response = await fetch(server.baseUrl, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
    return { status: response.status, body: (await response.json()) as { resourceType: string; type?: string; entry?: Array<{ response: { status: string }; resource?: { resourceType: string; total?: number } }> } };
  };

  it('answers a batch-response, each entry with its own status: one bad entry fails alone', async () => {
    const url = `Patient?${new URLSearchParams({ family: child.family, birthdate: `eq${child.birthDate}` }).toString()}`;
    const { status, body } = await batch({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url } },
        { request: { method: 'GET', url: 'Patient?colour=blue' } },
        { request: { method: 'GET', url: `Patient/${patientIdOf(child.id)}` } },
        { request: { method: 'DELETE', url: `Patient/${patientIdOf(child.id)}` } },
      ],
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
    expect(body.entry!.map((e) => e.response.status.slice(0, 3))).toEqual(['200', '400', '200', '400']);
    const single = await fetch(`${server.baseUrl}/${url}`).then((r) => r.json() as Promise<{ total: number }>);
    expect(body.entry![0]!.resource).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: single.total });
    expect(body.entry![2]!.resource).toMatchObject({ resourceType: 'Patient' });
  });

  it('refuses a Bundle that is not a batch, and a body that is not a Bundle', async () => {
    expect((await batch({ resourceType: 'Bundle', type: 'transaction', entry: [] })).status).toBe(400);
    expect((await batch({ resourceType: 'Patient' })).status).toBe(400);
  });
});
