import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError, PERSON_FIELDS, RECORD_FIELDS, type CallContext, type Connector } from '../../../connectors/sdk/index.js';
import { createSocialCareConnector, SOCIAL_CARE_SYSTEMS, type SqlQuery } from '../../../connectors/social-care/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { loadSocialCareDatabase, startSocialCareDatabase, type SocialCareDatabase } from '../../../sandbox/social-care/index.js';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';

const NHS = SOCIAL_CARE_SYSTEMS.nhsNumber;
const SC_ID = SOCIAL_CARE_SYSTEMS.socialCarePersonId;
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.socialCare;
const { child, parent, partner, sibling } = county.featured;
const idOf = (personId: string): string => view.socialCarePersonIdByPersonId.get(personId)!;
const frontDoor = county.localAuthority.childrensServices;
const contact = { name: frontDoor.name, organisation: frontDoor.organisation, phone: frontDoor.phone };

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

interface Backend {
  name: string;
  open(): Promise<{ query: SqlQuery; count(table: string): number; reset(): void; close(): Promise<void> }>;
}

/** PGlite always (the sandbox); PostgreSQL too when DATABASE_URL is set, through `pg`. */
const backends: Backend[] = [
  {
    name: 'PGlite',
    async open() {
      const db = await startSocialCareDatabase({ county });
      return {
        query: db.query,
        count: (table) => db.queries().filter((q) => q.table === table).length,
        reset: () => db.clearQueries(),
        close: () => db.close(),
      };
    },
  },
];
const databaseUrl = testDatabaseUrl();
if (databaseUrl !== undefined) {
  backends.push({
    name: 'PostgreSQL',
    async open() {
      const schema = uniqueSchema('sc');
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}`, max: 4 });
      await loadSocialCareDatabase((sql, params) => pool.query(sql, params), view);
      const seen: string[] = [];
      return {
        query: async (sql, params) => {
          seen.push(/\bfrom\s+([a-z_][a-z0-9_]*)/i.exec(sql)?.[1] ?? '');
          return pool.query(sql, params);
        },
        count: (table) => seen.filter((t) => t === table).length,
        reset: () => {
          seen.length = 0;
        },
        async close() {
          await pool.end();
          await dropSchema(databaseUrl, schema);
        },
      };
    },
  });
}

describe.each(backends)('social care connector on $name', (backend) => {
  let db: Awaited<ReturnType<Backend['open']>>;
  let connector: Connector;

  beforeAll(async () => {
    db = await backend.open();
    connector = createSocialCareConnector({ query: db.query, system: 'https://lcs.marlshire.example', contact });
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.reset());

  it('finds the featured child by NHS number, with her allocated worker to contact', async () => {
    const people = await connector.searchPersons({ identifiers: [{ system: NHS, value: child.nhsNumber }] }, ctx());
    expect(people).toHaveLength(1);
    const [person] = people;
    expect(person).toMatchObject({
      agency: 'social-care',
      personId: idOf(child.id),
      identifiers: [
        { system: SC_ID, value: idOf(child.id) },
        { system: NHS, value: child.nhsNumber },
      ],
      names: [{ use: 'official', family: child.family, given: child.given }],
      birthDate: child.birthDate,
      gender: '2',
      provenance: { system: 'https://lcs.marlshire.example', recordId: `person/${idOf(child.id)}` },
    });
    const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
    expect(person!.addresses[0]).toMatchObject({ line1: home.line1, postalCode: home.postcode, uprn: home.uprn });
    const plan = view.cpPlans.find((c) => c.personId === idOf(child.id))!;
    const worker = view.workers.find((w) => w.id === plan.workerId)!;
    expect(person!.contact).toMatchObject({ name: worker.name, phone: worker.phone, email: worker.email });
  });

  it('finds a person by demographics, ignoring case and apostrophes, and by social care person id', async () => {
    const byName = await connector.searchPersons({ family: child.family.toUpperCase(), given: child.given[0]!.toLowerCase(), birthDate: child.birthDate }, ctx());
    expect(byName.map((p) => p.personId)).toEqual([idOf(child.id)]);
    const byId = await connector.searchPersons({ identifiers: [{ system: SC_ID, value: idOf(parent.id) }] }, ctx());
    expect(byId.map((p) => p.personId)).toEqual([idOf(parent.id)]);
    const apostrophe = view.persons.find((p) => p.surname.includes("'"));
    if (apostrophe) {
      const found = await connector.searchPersons({ family: apostrophe.surname.replace("'", ''), given: apostrophe.forename, birthDate: apostrophe.birthDate }, ctx());
      expect(found.map((p) => p.personId)).toContain(apostrophe.id);
    }
  });

  it('returns no one for a child social care has never known', async () => {
    const stranger = county.persons.find((p) => p.role === 'child' && !view.socialCarePersonIdByPersonId.has(p.id))!;
    expect(await connector.searchPersons({ identifiers: [{ system: NHS, value: stranger.nhsNumber }] }, ctx())).toEqual([]);
    expect(await connector.searchPersons({ family: stranger.family, given: stranger.given[0], birthDate: stranger.birthDate }, ctx())).toEqual([]);
  });

  it('fetches a household\'s records with one query per list', async () => {
    const ids = [child, parent, partner, sibling].map((p) => idOf(p.id));
    const records = await connector.fetchRecords(ids, ctx());
    expect([...records.keys()].sort()).toEqual([...ids].sort());
    for (const table of ['contact', 'referral', 'assessment', 'section47', 'child_in_need', 'cp_plan', 'looked_after', 'adoption', 'gender_history']) {
      expect(db.count(table)).toBe(1);
    }
  });

  it('shows the featured child on a child protection plan with an allocated worker, in social-care.status', async () => {
    const id = idOf(child.id);
    const records = (await connector.fetchRecords([id], ctx())).get(id)!;
    const plan = records.find((r) => r.fields.type === 'cp-plan')!;
    expect(plan).toMatchObject({
      kind: 'state',
      category: 'social-care.status',
      tier: 'T1',
      fields: { title: 'Child protection plan (neglect)', status: 'active', start: child.childProtection!.start, contactRole: 'Social Worker' },
    });
    expect(plan.fields.contactName).toBeTruthy();
    expect(plan.fields.contactPhone).toMatch(/^01632 960\d{3}$/);
    const types = records.map((r) => r.fields.type);
    expect(types).toEqual(expect.arrayContaining(['contact', 'referral', 'assessment', 's47-enquiry', 'child-in-need', 'cp-plan']));
    const policeContacts = records.filter((r) => r.fields.type === 'contact' && r.fields.title === 'Contact from the police');
    expect(policeContacts.length).toBeGreaterThanOrEqual(3);
    const cin = records.find((r) => r.fields.type === 'child-in-need')!;
    expect(cin).toMatchObject({ kind: 'involvement', fields: { status: 'open' } });
    expect(records.every((r) => r.category === 'social-care.status')).toBe(true);
  });

  it('puts every record in a declared category at its tier, with provenance and someone to contact', async () => {
    const ids = view.persons.map((p) => p.id);
    const records = [...(await connector.fetchRecords(ids, ctx())).values()].flat();
    const tiers = Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]));
    const declared = Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.fields as string[]]));
    expect(records.length).toBe(
      view.contacts.length + view.referrals.length + view.assessments.length + view.section47s.length + view.childrenInNeed.length + view.cpPlans.length + view.lookedAfter.length + view.adoptions.length + view.genderHistory.length,
    );
    for (const record of records) {
      expect(record.tier).toBe(tiers[record.category]);
      expect(Object.keys(record.fields).every((f) => (RECORD_FIELDS as readonly string[]).includes(f) && declared[record.category]!.includes(f))).toBe(true);
      expect(record.provenance.recordId).toMatch(/^[a-z_0-9]+\/[A-Z]{2}\d{7}$/);
      expect(record.provenance.asOf).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(record.fields.contactName).toBeTruthy();
      expect(record.fields.contactPhone).toMatch(/^01632 960\d{3}$/);
    }
  });

  it('returns sealed adoption and gender-history records at T4 only in their own categories', async () => {
    const sealedIds = [...new Set([...view.adoptions.map((a) => a.personId), ...view.genderHistory.map((g) => g.personId)])];
    const records = [...(await connector.fetchRecords(sealedIds, ctx())).values()].flat();
    const adoption = records.filter((r) => r.fields.type === 'adoption');
    const gender = records.filter((r) => r.fields.type === 'gender-history');
    expect(adoption).toHaveLength(view.adoptions.length);
    expect(gender).toHaveLength(view.genderHistory.length);
    expect(adoption.every((r) => r.category === 'social-care.adoption' && r.tier === 'T4')).toBe(true);
    expect(gender.every((r) => r.category === 'social-care.gender-history' && r.tier === 'T4')).toBe(true);
    // Nothing in the open status category mentions an adoption.
    const open = records.filter((r) => r.category === 'social-care.status');
    expect(open.some((r) => /adopt/i.test(Object.values(r.fields).join(' ')))).toBe(false);
  });

  it('returns an empty list for a person without records and makes no query for no persons', async () => {
    expect((await connector.fetchRecords([], ctx())).size).toBe(0);
    expect(db.count('contact')).toBe(0);
    expect((await connector.fetchRecords(['9999999'], ctx())).get('9999999')).toEqual([]);
  });

  it('reports health', async () => {
    expect(await connector.health!(ctx())).toEqual({ ok: true });
  });
});

describe('social care connector queries and failures (sandbox database)', () => {
  let db: SocialCareDatabase;
  let connector: Connector;
  const ids = [idOf(child.id), idOf(parent.id)];
  const query = { identifiers: [{ system: NHS, value: child.nhsNumber }] };

  beforeAll(async () => {
    db = await startSocialCareDatabase({ county });
    connector = createSocialCareConnector({ query: db.query, contact });
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => {
    db.setFaults({});
    db.clearQueries();
  });

  it('declares the four social care categories at their policy tiers', () => {
    expect(connector.manifest).toMatchObject({ agency: 'social-care', protocol: 'sql-annex-a', identifierSystems: [NHS, SC_ID], contact });
    const tiers = Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]));
    expect(tiers).toEqual({
      'social-care.identity': 'T0',
      'social-care.status': 'T1',
      'social-care.adoption': 'T4',
      'social-care.gender-history': 'T4',
    });
    for (const category of connector.manifest.categories) {
      const vocabulary: readonly string[] = category.id === 'social-care.identity' ? PERSON_FIELDS : RECORD_FIELDS;
      expect(category.fields.every((f) => vocabulary.includes(f))).toBe(true);
    }
  });

  it('passes ids and names as parameters, never in the SQL text', async () => {
    await connector.searchPersons({ family: child.family, given: child.given[0], birthDate: child.birthDate }, ctx());
    await connector.fetchRecords(ids, ctx());
    for (const q of db.queries()) {
      for (const secret of [child.family, child.birthDate, ...ids]) expect(q.sql).not.toContain(secret);
    }
  });

  it('asks for both readings of a date of birth that could have day and month swapped', async () => {
    await connector.searchPersons({ family: 'Smith', given: 'Jo', birthDate: '2012-03-07' }, ctx());
    expect(db.queries()[0]!.params).toContainEqual(['2012-03-07', '2012-07-03']);
  });

  it('drops demographic matches that carry a different NHS number', async () => {
    const people = await connector.searchPersons(
      { identifiers: [{ system: NHS, value: '9434765919' }], family: child.family, given: child.given[0], birthDate: child.birthDate },
      ctx(),
    );
    expect(people).toEqual([]);
  });

  it('refuses a search matching more persons than allowed as BAD_QUERY', async () => {
    const narrow = createSocialCareConnector({ query: db.query, maxPersonMatches: 1 });
    const two = { identifiers: [child, sibling].map((p) => ({ system: SC_ID, value: idOf(p.id) })) };
    expect(await connector.searchPersons(two, ctx())).toHaveLength(2);
    expect((await failure(narrow.searchPersons(two, ctx()))).kind).toBe('BAD_QUERY');
  });

  it.each([
    ['an empty query', {}],
    ['a family name alone', { family: 'Smith' }],
    ['an NHS number failing Modulus 11', { identifiers: [{ system: NHS, value: '9876544321' }] }],
    ['a badly formed birth date', { family: 'Smith', birthDate: '31/12/2010' }],
  ])('refuses %s as BAD_QUERY without querying', async (_label, q) => {
    expect((await failure(connector.searchPersons(q, ctx()))).kind).toBe('BAD_QUERY');
    expect(db.queries()).toHaveLength(0);
  });

  it('refuses person ids that are not social care ids', async () => {
    expect((await failure(connector.fetchRecords(["1'; DROP TABLE person; --"], ctx()))).kind).toBe('BAD_QUERY');
  });

  it('reports a database error as UPSTREAM_ERROR', async () => {
    db.setFaults({ errorRate: 1 });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('UPSTREAM_ERROR');
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('UPSTREAM_ERROR');
  });

  it('reports rows of the wrong shape, and a missing column, as MALFORMED_RESPONSE', async () => {
    db.setFaults({ malformed: 'wrong-shape' });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    db.setFaults({ malformed: 'schema-drift' });
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('reports a hanging database as TIMEOUT when the signal fires', async () => {
    db.setFaults({ hang: true });
    expect((await failure(connector.searchPersons(query, ctx(AbortSignal.timeout(200))))).kind).toBe('TIMEOUT');
    expect((await failure(connector.fetchRecords(ids, ctx(AbortSignal.timeout(200))))).kind).toBe('TIMEOUT');
  });

  it('reports TIMEOUT even when the query function ignores the signal', async () => {
    const deaf: SqlQuery = () => new Promise(() => undefined);
    const stuck = createSocialCareConnector({ query: deaf });
    expect((await failure(stuck.fetchRecords(ids, ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
    expect((await failure(stuck.searchPersons(query, ctx(AbortSignal.abort())))).kind).toBe('TIMEOUT');
  });

  it('still answers a slow database within the deadline', async () => {
    db.setFaults({ latencyMs: 50 });
    expect((await connector.fetchRecords(ids, ctx())).get(idOf(child.id))!.length).toBeGreaterThan(0);
  });

  it('reports a database that refuses connections as UNREACHABLE, and its health as down', async () => {
    db.setFaults({ unreachable: true });
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('UNREACHABLE');
    expect((await failure(connector.fetchRecords(ids, ctx()))).kind).toBe('UNREACHABLE');
    expect(await connector.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
  });

  it('maps SQLSTATEs as pg raises them: cancelled is TIMEOUT, connection lost is UNREACHABLE', async () => {
    const failing = (code: string): SqlQuery => () => Promise.reject(Object.assign(new Error(`boom SELECT ${child.family}`), { code }));
    expect((await failure(createSocialCareConnector({ query: failing('57014') }).fetchRecords(ids, ctx()))).kind).toBe('TIMEOUT');
    expect((await failure(createSocialCareConnector({ query: failing('08006') }).fetchRecords(ids, ctx()))).kind).toBe('UNREACHABLE');
    expect((await failure(createSocialCareConnector({ query: failing('42P01') }).fetchRecords(ids, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    expect((await failure(createSocialCareConnector({ query: failing('53300') }).fetchRecords(ids, ctx()))).kind).toBe('UPSTREAM_ERROR');
    const notRows: SqlQuery = () => Promise.resolve({} as { rows: unknown[] });
    expect((await failure(createSocialCareConnector({ query: notRows }).fetchRecords(ids, ctx()))).kind).toBe('MALFORMED_RESPONSE');
  });

  it('keeps personal data and SQL out of error messages', async () => {
    const leaky: SqlQuery = (sql, params) => Promise.reject(Object.assign(new Error(`${sql} ${JSON.stringify(params)}`), { code: 'XX000' }));
    const errors = [
      await failure(createSocialCareConnector({ query: leaky }).searchPersons({ family: child.family, given: child.given[0], birthDate: child.birthDate }, ctx())),
      await failure(createSocialCareConnector({ query: leaky }).searchPersons(query, ctx())),
      await failure(createSocialCareConnector({ query: leaky }).fetchRecords(ids, ctx())),
    ];
    for (const error of errors) {
      for (const secret of [child.family.toLowerCase(), child.nhsNumber, child.birthDate, ...ids, 'SELECT']) expect(error.message.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });

  it('is deterministic for a seed', async () => {
    const again = await startSocialCareDatabase({ county: generateCounty({ seed: 1, households: 200 }) });
    try {
      const a = await connector.fetchRecords(ids, ctx());
      const b = await createSocialCareConnector({ query: again.query, contact }).fetchRecords(ids, ctx());
      expect([...b]).toEqual([...a]);
    } finally {
      await again.close();
    }
  });
});

