import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHousingConnector, queryFromClient, type HousingQuery } from '../../../connectors/housing/index.js';
import { ConnectorError, HOUSEHOLD_RELATIONSHIPS, type CallContext, type Connector, type HouseholdCapability } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { loadHousingView, startHousingSystem } from '../../../sandbox/housing/index.js';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';

const SYSTEM = 'https://housing.sandbox.example/sql';
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.housing;
const { child, parent, partner, sibling } = county.featured;
const refOf = (personId: string): string => view.personRefsByPersonId.get(personId)![0]!;
const childRef = refOf(child.id);
const featuredTenancy = view.tenancies.find((t) => t.tenancyRef === childRef.split('/')[0])!;
const featuredAddress = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;

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
  open(): Promise<{ query: HousingQuery; run(sql: string, params?: unknown[]): Promise<unknown>; queries(): string[]; reset(): void; close(): Promise<void> }>;
}

/** PGlite always (the sandbox); PostgreSQL too when DATABASE_URL is set, through `pg`. */
const backends: Backend[] = [
  {
    name: 'PGlite',
    async open() {
      const system = await startHousingSystem({ county });
      return {
        query: system.query,
        run: (sql, params) => system.db.query(sql, params),
        queries: () => system.queries().map((q) => q.sql),
        reset: () => system.clearQueries(),
        close: () => system.close(),
      };
    },
  },
];
const databaseUrl = testDatabaseUrl();
if (databaseUrl !== undefined) {
  backends.push({
    name: 'PostgreSQL',
    async open() {
      const schema = uniqueSchema('housing');
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}`, max: 4 });
      await loadHousingView({ exec: (sql) => pool.query(sql), query: (sql, params) => pool.query(sql, params) }, view);
      const inner = queryFromClient(pool);
      const seen: string[] = [];
      return {
        query: (sql, params, signal) => {
          seen.push(sql);
          return inner(sql, params, signal);
        },
        run: (sql, params) => pool.query(sql, params),
        queries: () => [...seen],
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

describe.each(backends)('housing household capability on $name', (backend) => {
  let db: Awaited<ReturnType<Backend['open']>>;
  let connector: Connector & HouseholdCapability;

  beforeAll(async () => {
    db = await backend.open();
    const c = createHousingConnector({ query: db.query, system: SYSTEM, maxAddressMatches: 10 });
    if (!c.householdOf || !c.personsAtAddress || !c.fetchPersons) throw new Error('the housing connector must declare the household capability');
    connector = c as Connector & HouseholdCapability;
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.reset());

  it("lists the featured child's tenancy members as related persons in housing's own terms", async () => {
    const result = await connector.householdOf([childRef], ctx());
    const members = result.get(childRef)!;
    expect(members.map((m) => [m.person.personId, m.basis, m.relationship, m.agencyRelationship])).toEqual([
      [refOf(parent.id), 'related-person', 'tenancy-member', 'Lead tenant'],
      [refOf(partner.id), 'related-person', 'tenancy-member', 'Joint tenant'],
      [refOf(sibling.id), 'related-person', 'tenancy-member', 'Household member'],
    ]);
    for (const m of members) {
      expect(m.provenance).toMatchObject({ system: SYSTEM, recordId: `tenancies/${featuredTenancy.tenancyRef}` });
      expect(Date.parse(m.provenance.asOf)).not.toBeNaN();
      // The member's identity as housing holds it, with the tenancy address.
      expect(m.person).toMatchObject({ agency: 'housing', provenance: { recordId: `household_members/${m.person.personId}` } });
      expect(m.person.addresses).toContainEqual(expect.objectContaining({ uprn: featuredAddress.uprn }));
    }
    expect(members.map((m) => view.truth.get(m.person.personId)).sort()).toEqual([parent.id, partner.id, sibling.id].sort());
  });

  it('finds every household member housing holds, and nobody from another household (county truth, every household housing knows)', async () => {
    const refs = view.members.map((m) => m.personRef);
    const result = await connector.householdOf(refs, ctx());
    let checked = 0;
    for (const ref of refs) {
      const person = county.personsById.get(view.truth.get(ref)!)!;
      const household = county.householdsById.get(person.householdId)!;
      const expected = household.memberIds
        .filter((id) => id !== person.id)
        .flatMap((id) => view.personRefsByPersonId.get(id) ?? [])
        .sort();
      const got = (result.get(ref) ?? []).map((m) => m.person.personId).sort();
      expect(got, `household of ${ref}`).toEqual(expected);
      for (const m of result.get(ref) ?? []) {
        expect(HOUSEHOLD_RELATIONSHIPS).toContain(m.relationship);
        expect(household.memberIds).toContain(view.truth.get(m.person.personId));
      }
      checked += 1;
    }
    expect(checked).toBeGreaterThan(100);
    // The whole batch is one query per step, however many persons are asked about.
    expect(db.queries().length).toBeLessThanOrEqual(5);
  });

  it('calls the members of a household known only through a homelessness application household members', async () => {
    const caseMember = view.members.find((m) => m.householdRef.startsWith('HL') && view.members.some((o) => o.householdRef === m.householdRef && o !== m))!;
    expect(caseMember).toBeDefined();
    const members = (await connector.householdOf([caseMember.personRef], ctx())).get(caseMember.personRef)!;
    expect(members.length).toBeGreaterThan(0);
    for (const m of members) {
      expect(m).toMatchObject({ basis: 'related-person', relationship: 'household-member', provenance: { recordId: `homelessness_cases/${caseMember.householdRef}` } });
      expect(['Main applicant', 'Household member']).toContain(m.agencyRelationship);
    }
  });

  it('leaves out members who have left the tenancy, and answers nothing for a person who has left', async () => {
    const siblingRef = refOf(sibling.id);
    await db.run(`UPDATE household_members SET left_on = current_date - 30 WHERE person_ref = $1`, [siblingRef]);
    try {
      const result = await connector.householdOf([childRef, siblingRef], ctx());
      expect(result.get(childRef)!.map((m) => m.person.personId)).not.toContain(siblingRef);
      expect(result.get(childRef)!.length).toBe(2);
      expect(result.get(siblingRef) ?? []).toEqual([]);
      expect((await connector.personsAtAddress({ uprn: featuredAddress.uprn }, ctx())).map((p) => p.personId)).not.toContain(siblingRef);
    } finally {
      await db.run(`UPDATE household_members SET left_on = NULL WHERE person_ref = $1`, [siblingRef]);
    }
  });

  it('adds persons of another household record at the same current address: by UPRN, else by normalised first line and postcode', async () => {
    // A relative threatened with homelessness, recorded under their own application at the featured home.
    const insertCase = async (caseRef: string, uprn: string | null, line1: string): Promise<void> => {
      await db.run(
        `INSERT INTO homelessness_cases (case_ref, household_ref, approach_date, uprn, address_line1, town, postcode, reason_code, reason, status, updated_at)
         VALUES ($1, $1, current_date - 3, $2, $3, $4, $5, 'family-friends', 'Family or friends no longer willing or able to accommodate', 'open', now())`,
        [caseRef, uprn, line1, featuredAddress.city, featuredAddress.postcode.toLowerCase().replace(' ', '')],
      );
      await db.run(
        `INSERT INTO household_members (person_ref, household_ref, member_no, relationship, member_role, given_names, family_name, birth_date, sex, joined, updated_at)
         VALUES ($1 || '/1', $1, 1, 'L', 'Main applicant', 'Test', 'Lodger', '1990-01-01', 'M', current_date - 3, now())`,
        [caseRef],
      );
    };
    await insertCase('HL900001', featuredAddress.uprn, featuredAddress.line1);
    await insertCase('HL900002', null, `  ${featuredAddress.line1.toUpperCase()}, `);
    await insertCase('HL900003', '999999999999', featuredAddress.line1); // same words, another UPRN: another flat
    try {
      const members = (await connector.householdOf([childRef], ctx())).get(childRef)!;
      const sameAddress = members.filter((m) => m.basis === 'same-address');
      expect(sameAddress.map((m) => m.person.personId).sort()).toEqual(['HL900001/1', 'HL900002/1']);
      for (const m of sameAddress) {
        expect(m.relationship).toBe('household-member');
        expect(m.address).toMatchObject({ postalCode: expect.any(String) });
        expect(m.provenance.recordId).toBe(`homelessness_cases/${m.person.personId.split('/')[0]}`);
      }
      expect(sameAddress.find((m) => m.person.personId === 'HL900001/1')!.address!.uprn).toBe(featuredAddress.uprn);
      // Tenancy members stay related persons, listed once.
      expect(members.filter((m) => m.basis === 'related-person').length).toBe(3);
      expect(new Set(members.map((m) => m.person.personId)).size).toBe(members.length);

      // Asked by UPRN, the other flat's record is not there; asked by words alone, nothing tells them apart.
      const byUprn = (await connector.personsAtAddress({ uprn: featuredAddress.uprn, line1: featuredAddress.line1, postalCode: featuredAddress.postcode }, ctx())).map((p) => p.personId);
      expect(byUprn).toEqual(expect.arrayContaining(['HL900001/1', 'HL900002/1']));
      expect(byUprn).not.toContain('HL900003/1');
      const byLine = await connector.personsAtAddress({ line1: featuredAddress.line1.toLowerCase(), postalCode: featuredAddress.postcode }, ctx());
      expect(byLine.map((p) => p.personId)).toEqual(expect.arrayContaining(['HL900001/1', 'HL900002/1', 'HL900003/1']));
    } finally {
      await db.run(`DELETE FROM household_members WHERE household_ref IN ('HL900001', 'HL900002', 'HL900003')`);
      await db.run(`DELETE FROM homelessness_cases WHERE case_ref IN ('HL900001', 'HL900002', 'HL900003')`);
    }
  });

  it('finds the persons at an address by UPRN, or by first line and postcode however written', async () => {
    const expected = view.members.filter((m) => m.householdRef === featuredTenancy.tenancyRef).map((m) => m.personRef).sort();
    const byUprn = await connector.personsAtAddress({ uprn: featuredAddress.uprn }, ctx());
    expect(byUprn.map((p) => p.personId).sort()).toEqual(expected);
    const byLine = await connector.personsAtAddress({ line1: ` ${featuredAddress.line1.toUpperCase()} `, postalCode: featuredAddress.postcode.replace(' ', '').toLowerCase() }, ctx());
    expect(byLine.map((p) => p.personId).sort()).toEqual(expected);
    expect(await connector.personsAtAddress({ uprn: '100000000000' }, ctx())).toEqual([]);
  });

  it('does not place anyone at the home a household lost (a closed application with no recorded new home)', async () => {
    const lost = view.homelessnessCases.find((c) => c.status === 'closed' && !c.movedOnAddress && c.householdRef.startsWith('HL'));
    expect(lost, 'the sandbox county has a household that left into an unrecorded home').toBeDefined();
    if (!lost) return;
    const atLost = await connector.personsAtAddress({ uprn: lost.address.uprn }, ctx());
    expect(atLost.map((p) => p.personId).filter((id) => id.startsWith(`${lost.householdRef}/`))).toEqual([]);
    // Once the council records the new home, the household is placed there instead.
    await db.run(
      `UPDATE homelessness_cases SET moved_on_uprn = '999000000001', moved_on_address_line1 = '9 Test Row', moved_on_town = 'Marlbridge', moved_on_postcode = 'MH1 9ZZ' WHERE case_ref = $1`,
      [lost.caseRef],
    );
    try {
      const members = view.members.filter((m) => m.householdRef === lost.householdRef).map((m) => m.personRef).sort();
      expect((await connector.personsAtAddress({ uprn: '999000000001' }, ctx())).map((p) => p.personId).sort()).toEqual(members);
      expect((await connector.personsAtAddress({ line1: '9 test row', postalCode: 'mh19zz' }, ctx())).map((p) => p.personId).sort()).toEqual(members);
    } finally {
      await db.run(`UPDATE homelessness_cases SET moved_on_uprn = NULL, moved_on_address_line1 = NULL, moved_on_town = NULL, moved_on_postcode = NULL WHERE case_ref = $1`, [lost.caseRef]);
    }
  });

  it('refuses an empty or malformed address query as rejected input, and a too broad one', async () => {
    for (const q of [{}, { uprn: '  ' }, { line1: 'Flat 1' }, { postalCode: 'MH1 1AA' }, { line1: ' , ', postalCode: 'MH1 1AA' }, { uprn: "1' OR '1'='1" }, { uprn: '1234567890123' }, { line1: 'x'.repeat(201), postalCode: 'MH1 1AA' }]) {
      const error = await failure(connector.personsAtAddress(q, ctx()));
      expect(error.kind, JSON.stringify(q)).toBe('BAD_QUERY');
      expect(error.rejectedInput).toBe(true);
    }
    const narrow = createHousingConnector({ query: db.query, system: SYSTEM, maxAddressMatches: 2 });
    const error = await failure(narrow.personsAtAddress!({ uprn: featuredAddress.uprn }, ctx()));
    expect(error.kind).toBe('BAD_QUERY');
    expect(error.rejectedInput).toBe(false);
  });

  it('fetches persons in one batch; unknown and malformed ids are absent', async () => {
    const refs = [childRef, refOf(parent.id), 'T999999/9', 'HL000000/1', "T1/1' OR '1'='1", 'not a ref', childRef];
    const found = await connector.fetchPersons(refs, ctx());
    expect([...found.keys()].sort()).toEqual([childRef, refOf(parent.id)].sort());
    expect(found.get(childRef)).toMatchObject({ personId: childRef, names: [{ family: child.family }], birthDate: child.birthDate });
    expect(db.queries().filter((sql) => sql.includes('FROM household_members m\nWHERE m.person_ref = ANY')).length).toBe(1);
    db.reset();
    expect((await connector.fetchPersons(['nobody', ''], ctx())).size).toBe(0);
    expect(db.queries()).toEqual([]);
  });

  it('treats SQL-shaped input as data', async () => {
    const hostile = ["'; DROP TABLE tenancies; --", "x' OR '1'='1", '%', '_', '\\', 'T000006/1; DELETE FROM household_members'];
    for (const value of hostile) {
      // Either nobody there, or refused as input when nothing of it is left to compare.
      try {
        expect(await connector.personsAtAddress({ line1: value, postalCode: value }, ctx())).toEqual([]);
      } catch (error) {
        expect(error).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
      }
    }
    const result = await connector.householdOf(hostile, ctx());
    expect([...result.values()].flat()).toEqual([]);
    expect((await connector.fetchPersons(hostile, ctx())).size).toBe(0);
    // Still all there.
    expect((await connector.personsAtAddress({ uprn: featuredAddress.uprn }, ctx())).length).toBe(4);
    expect((await connector.householdOf([childRef], ctx())).get(childRef)!.length).toBe(3);
  });

  it('times out an aborted call', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await failure(connector.householdOf([childRef], ctx(controller.signal)))).kind).toBe('TIMEOUT');
    expect((await failure(connector.fetchPersons([childRef], ctx(controller.signal)))).kind).toBe('TIMEOUT');
  });
});
