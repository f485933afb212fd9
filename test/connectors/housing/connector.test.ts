import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHousingConnector, queryFromClient, type HousingQuery } from '../../../connectors/housing/index.js';
import { ConnectorError, PERSON_FIELDS, RECORD_FIELDS, type CallContext, type Connector } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { loadHousingView, startHousingSystem, type HousingSystem } from '../../../sandbox/housing/index.js';

const REF = 'https://mash-gateway.example/Id/housing-person';
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.housing;
const { child, parent, partner, sibling } = county.featured;
const refOf = (personId: string): string => view.personRefsByPersonId.get(personId)![0]!;
const childRef = refOf(child.id);
const RECORD_TABLES = 6;

let system: HousingSystem;
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
  system = await startHousingSystem({ county });
  connector = createHousingConnector({ query: system.query, system: 'https://housing.sandbox.example/sql' });
});
afterAll(async () => {
  await system.close();
});
beforeEach(() => {
  system.setFaults({});
  system.clearQueries();
});

describe('housing connector manifest', () => {
  it('declares agency housing over SQL with the housing person reference system', () => {
    expect(connector.manifest).toMatchObject({ agency: 'housing', protocol: 'sql', identifierSystems: [REF] });
  });

  it('declares housing.identity at T0 and housing.record at T2 with canonical fields', () => {
    expect(Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]))).toEqual({ 'housing.identity': 'T0', 'housing.record': 'T2' });
    for (const category of connector.manifest.categories) {
      const vocabulary: readonly string[] = category.id === 'housing.identity' ? PERSON_FIELDS : RECORD_FIELDS;
      expect(category.fields.every((f) => vocabulary.includes(f))).toBe(true);
    }
  });
});

describe('housing connector person search', () => {
  it('finds the featured child by name and birth date, with her tenancy address and the home the family lost', async () => {
    const people = await connector.searchPersons({ family: child.family, given: child.given[0]!, birthDate: child.birthDate }, ctx());
    expect(people.map((p) => p.personId)).toEqual([childRef]);
    const household = county.householdsById.get(child.householdId)!;
    const tenancy = view.tenancies.find((t) => t.tenancyRef === childRef.split('/')[0])!;
    expect(people[0]).toMatchObject({
      agency: 'housing',
      identifiers: [{ system: REF, value: childRef }],
      names: [{ use: 'official', family: child.family, given: child.given }],
      birthDate: child.birthDate,
      gender: '2',
      contact: { name: tenancy.officer.name, phone: tenancy.officer.phone },
      provenance: { system: 'https://housing.sandbox.example/sql', recordId: `household_members/${childRef}` },
    });
    expect(people[0]!.addresses).toEqual([
      expect.objectContaining({ uprn: county.addressesById.get(household.addressId)!.uprn, from: household.movedIn }),
      expect.objectContaining({ uprn: county.addressesById.get(household.previousAddressId!)!.uprn, to: household.movedIn }),
    ]);
  });

  it('finds a person by housing person reference, and by full name and postcode', async () => {
    const byRef = await connector.searchPersons({ identifiers: [{ system: REF, value: refOf(parent.id) }] }, ctx());
    expect(byRef.map((p) => p.personId)).toEqual([refOf(parent.id)]);
    const postcode = county.addressesById.get(county.householdsById.get(parent.householdId)!.addressId)!.postcode;
    const byPostcode = await connector.searchPersons({ family: parent.family.toLowerCase(), given: parent.given[0]!.slice(0, 3), postalCode: postcode.toLowerCase() }, ctx());
    expect(byPostcode.map((p) => p.personId)).toContain(refOf(parent.id));
  });

  it('treats LIKE wildcards in a name as plain characters', async () => {
    expect(await connector.searchPersons({ family: '%', given: '_' }, ctx())).toEqual([]);
  });

  it('returns no one for an unknown reference or a name nobody has', async () => {
    expect(await connector.searchPersons({ identifiers: [{ system: REF, value: 'T999999/1' }] }, ctx())).toEqual([]);
    expect(await connector.searchPersons({ family: 'Zzyzx', given: 'Quinella' }, ctx())).toEqual([]);
  });

  it.each([
    ['an empty query', {}],
    ['a family name alone', { family: 'Smith' }],
    ['a malformed reference', { identifiers: [{ system: REF, value: "T1'; DROP TABLE tenancies; --" }] }],
    ['a badly formed birth date', { family: 'Smith', birthDate: '31/12/2010' }],
  ])('refuses %s as BAD_QUERY without querying the database', async (_label, query) => {
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('BAD_QUERY');
    expect(system.queries()).toHaveLength(0);
  });

  it('refuses a search matching too many people as BAD_QUERY', async () => {
    const narrow = createHousingConnector({ query: system.query, maxPersonMatches: 2 });
    const initials = new Map<string, number>();
    for (const m of view.members) initials.set(`${m.familyName[0]}|${m.givenNames[0]![0]}`, (initials.get(`${m.familyName[0]}|${m.givenNames[0]![0]}`) ?? 0) + 1);
    const [family, given] = [...initials.entries()].find(([, n]) => n > 2)![0].split('|') as [string, string];
    expect((await failure(narrow.searchPersons({ family, given }, ctx()))).kind).toBe('BAD_QUERY');
  });
});

describe('housing connector record fetch', () => {
  it('gives the featured child her tenancy and what is of note: homelessness, temporary accommodation, arrears with a notice, an ASB case', async () => {
    const records = (await connector.fetchRecords([childRef], ctx())).get(childRef)!;
    const types = records.map((r) => r.fields.type).sort();
    expect(types).toEqual(['asb-case', 'homelessness-application', 'notice-seeking-possession', 'rent-arrears', 'temporary-accommodation', 'tenancy']);
    const tenancy = records.find((r) => r.fields.type === 'tenancy')!;
    expect(tenancy).toMatchObject({ kind: 'involvement', tier: 'T2', fields: { title: 'Introductory tenancy', status: 'active', contactRole: 'Housing Officer' } });
    expect(tenancy.fields.narrative).toMatch(/member 3 \(child of the lead tenant\)/);
    expect(records.find((r) => r.fields.type === 'rent-arrears')).toMatchObject({ kind: 'state', tier: 'T2', fields: { outcome: 'Notice of seeking possession served' } });
    expect(records.find((r) => r.fields.type === 'asb-case')).toMatchObject({ kind: 'involvement', tier: 'T2', fields: { status: 'open' } });
    expect(records.find((r) => r.fields.type === 'notice-seeking-possession')?.kind).toBe('event');
    for (const record of records) {
      expect(record).toMatchObject({ agency: 'housing', category: 'housing.record', personId: childRef });
      expect(record.provenance.system).toBe('https://housing.sandbox.example/sql');
      expect(record.provenance.recordId).toMatch(/^(tenancies|homelessness_cases|temporary_accommodation|asb_cases|rent_accounts|possession_actions)\/[A-Z0-9]+$/);
      expect(Number.isNaN(Date.parse(record.provenance.asOf))).toBe(false);
      expect(record.fields.contactName).toBeTruthy();
      expect(record.fields.contactPhone).toMatch(/^01632 960\d{3}$/);
      expect(Object.keys(record.fields).every((f) => (RECORD_FIELDS as readonly string[]).includes(f))).toBe(true);
    }
  });

  it('gives every member of a household its household records', async () => {
    const ids = [child, parent, partner, sibling].map((p) => refOf(p.id));
    const records = await connector.fetchRecords(ids, ctx());
    const tenancyIds = ids.map((id) => records.get(id)!.find((r) => r.fields.type === 'tenancy')!.provenance.recordId);
    expect(new Set(tenancyIds).size).toBe(1);
  });

  it('fetches a batch of any size with one query per table', async () => {
    const ids = view.members.map((m) => m.personRef);
    const records = await connector.fetchRecords(ids, ctx());
    expect(system.queries()).toHaveLength(RECORD_TABLES);
    expect(system.queries().every((q) => q.params.length === 1 && (q.params[0] as string[]).length === ids.length)).toBe(true);
    const all = [...records.values()].flat();
    const perHousehold = (ref: string): number => view.members.filter((m) => m.householdRef === ref).length;
    expect(all.filter((r) => r.fields.type === 'tenancy')).toHaveLength(view.tenancies.reduce((n, t) => n + perHousehold(t.tenancyRef), 0));
    expect(all.filter((r) => r.fields.type === 'homelessness-application')).toHaveLength(view.homelessnessCases.reduce((n, c) => n + perHousehold(c.householdRef), 0));
    expect(all.filter((r) => r.fields.type === 'rent-arrears')).toHaveLength(view.rentAccounts.reduce((n, a) => n + perHousehold(a.tenancyRef), 0));
    const asb = view.asbCases.reduce((n, a) => n + (a.personRef ? 1 : perHousehold(a.householdRef)), 0);
    expect(all.filter((r) => r.fields.type === 'asb-case')).toHaveLength(asb);
  });

  it('returns an empty list for a person without records and queries nothing for no persons', async () => {
    expect((await connector.fetchRecords([], ctx())).size).toBe(0);
    expect(system.queries()).toHaveLength(0);
    expect((await connector.fetchRecords(['T999999/1'], ctx())).get('T999999/1')).toEqual([]);
  });

  it('never discloses where a refuge is', async () => {
    const db = new PGlite();
    try {
      await loadHousingView(db, view);
      const caseRef = view.homelessnessCases.find((c) => c.householdRef === childRef.split('/')[0])!.caseRef;
      await db.query(
        `INSERT INTO temporary_accommodation (placement_ref, household_ref, case_ref, ta_type, ta_type_label, provider, out_of_area, start_date, end_date, updated_at)
         VALUES ('TA99999', $1, $2, 'refuge', 'Women''s refuge', 'Marlshire Women''s Aid', true, '2024-10-01', '2024-11-01', '2024-11-02T10:00:00Z')`,
        [childRef.split('/')[0], caseRef],
      );
      const local = createHousingConnector({ query: queryFromClient(db) });
      const record = (await local.fetchRecords([childRef], ctx())).get(childRef)!.find((r) => r.provenance.recordId === 'temporary_accommodation/TA99999')!;
      expect(record).toMatchObject({ tier: 'T2', fields: { title: 'Temporary accommodation: refuge', status: 'ended' } });
      expect(record.fields.location).toBeUndefined();
      expect(record.fields.narrative).toBe("Women's refuge; outside the county");
    } finally {
      await db.close();
    }
  });

  it('answers no records for ids that are not housing person references, without querying', async () => {
    expect((await connector.fetchRecords(["x' OR 1=1 --"], ctx())).get("x' OR 1=1 --")).toEqual([]);
    expect(system.queries()).toHaveLength(0);
  });

  it('reads the same through queryFromClient straight over PGlite, and the same for the same seed', async () => {
    const twin = await startHousingSystem({ county: generateCounty({ seed: 1, households: 200 }) });
    try {
      const direct = createHousingConnector({ query: queryFromClient(twin.db), system: 'https://housing.sandbox.example/sql' });
      const ids = view.members.map((m) => m.personRef);
      expect(await direct.fetchRecords(ids, ctx())).toEqual(await connector.fetchRecords(ids, ctx()));
    } finally {
      await twin.close();
    }
  });
});

describe('housing connector failures', () => {
  const query = { family: child.family, given: child.given[0]!, birthDate: child.birthDate };

  it('reports SQL errors as UPSTREAM_ERROR', async () => {
    system.setFaults({ errorRate: 1 });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('UPSTREAM_ERROR');
    expect((await failure(connector.fetchRecords([childRef], ctx()))).kind).toBe('UPSTREAM_ERROR');
  });

  it('reports a hanging database as TIMEOUT when the signal fires', async () => {
    system.setFaults({ hang: true });
    expect((await failure(connector.searchPersons(query, ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
    expect((await failure(connector.fetchRecords([childRef], ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
  });

  it('reports a slow database as TIMEOUT when the signal fires first', async () => {
    system.setFaults({ latencyMs: 60_000 });
    expect((await failure(connector.fetchRecords([childRef], ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
  });

  it('answers through latency that fits in the time allowed', async () => {
    system.setFaults({ latencyMs: 20 });
    expect((await connector.fetchRecords([childRef], ctx())).get(childRef)!.length).toBeGreaterThan(0);
  });

  it('reports a lost connection as UNREACHABLE', async () => {
    system.setFaults({ unreachable: true });
    expect((await failure(connector.fetchRecords([childRef], ctx()))).kind).toBe('UNREACHABLE');
    expect(await connector.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
  });

  it('reports rows of the wrong shape as MALFORMED_RESPONSE', async () => {
    system.setFaults({ malformed: true });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    expect((await failure(connector.fetchRecords([childRef], ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('reports a closed database as UNREACHABLE', async () => {
    const gone = await startHousingSystem({ county });
    const closed = createHousingConnector({ query: gone.query });
    await gone.close();
    expect((await failure(closed.fetchRecords([childRef], ctx()))).kind).toBe('UNREACHABLE');
  });

  it('maps a query function that throws network errors to UNREACHABLE and cancellations to TIMEOUT', async () => {
    const refused: HousingQuery = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect((await failure(createHousingConnector({ query: refused }).fetchRecords([childRef], ctx()))).kind).toBe('UNREACHABLE');
    const cancelled: HousingQuery = () => Promise.reject(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }));
    expect((await failure(createHousingConnector({ query: cancelled }).fetchRecords([childRef], ctx()))).kind).toBe('TIMEOUT');
  });

  it('keeps personal data and SQL out of error messages', async () => {
    const leaky: HousingQuery = (sql, params) => Promise.reject(Object.assign(new Error(`syntax error near ${sql} with ${JSON.stringify(params)}`), { code: '42601' }));
    const errors = [
      await failure(createHousingConnector({ query: leaky }).searchPersons(query, ctx())),
      await failure(createHousingConnector({ query: leaky }).fetchRecords([childRef], ctx())),
    ];
    for (const error of errors) {
      expect(error.kind).toBe('UPSTREAM_ERROR');
      expect(error.message).toMatch(/SQLSTATE 42601/);
      for (const secret of [child.family.toLowerCase(), child.family, child.birthDate, childRef, 'SELECT', 'household_members']) expect(error.message).not.toContain(secret);
    }
  });

  it('reports health from the database', async () => {
    expect(await connector.health!(ctx())).toEqual({ ok: true });
  });
});
