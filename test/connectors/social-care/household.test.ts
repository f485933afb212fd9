import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError, HOUSEHOLD_RELATIONSHIPS, type CallContext, type Connector, type HouseholdCapability } from '../../../connectors/sdk/index.js';
import { createSocialCareConnector, type SqlQuery } from '../../../connectors/social-care/index.js';
import { familyRelationship } from '../../../connectors/social-care/codes.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { loadSocialCareDatabase, startSocialCareDatabase } from '../../../sandbox/social-care/index.js';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';

const SYSTEM = 'https://social-care.sandbox.example/sql';
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.socialCare;
const { child, parent, partner, sibling } = county.featured;
const idOf = (personId: string): string => view.socialCarePersonIdByPersonId.get(personId)!;
const childId = idOf(child.id);
const home = view.persons.find((p) => p.id === childId)!.addresses.find((a) => a.end === undefined)!;

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
  open(): Promise<{ query: SqlQuery; run(sql: string, params?: unknown[]): Promise<unknown>; queries(): string[]; reset(): void; close(): Promise<void> }>;
}

/** PGlite always (the sandbox); PostgreSQL too when DATABASE_URL is set, through `pg`. */
const backends: Backend[] = [
  {
    name: 'PGlite',
    async open() {
      const db = await startSocialCareDatabase({ county });
      return {
        query: (sql, params, options) => db.query(sql, params, options),
        run: (sql, params) => db.db.query(sql, params),
        queries: () => db.queries().map((q) => q.sql),
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
      const schema = uniqueSchema('schh');
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}`, max: 4 });
      await loadSocialCareDatabase((sql, params) => pool.query(sql, params), view);
      const seen: string[] = [];
      return {
        query: async (sql, params) => {
          seen.push(sql);
          return pool.query(sql, params);
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

describe('social care relationship terms', () => {
  it('maps the recorded terms to the SDK vocabulary, whatever their case, and leaves out any that would reveal an adoption', () => {
    expect(familyRelationship('Mother')).toBe('parent');
    expect(familyRelationship('step-FATHER')).toBe('step-parent');
    expect(familyRelationship("Mother's partner")).toBe('partner-of-parent');
    expect(familyRelationship('Half-brother')).toBe('sibling');
    expect(familyRelationship('Kinship carer')).toBe('carer');
    expect(familyRelationship('Grandmother')).toBe('other-relative');
    expect(familyRelationship('Neighbour')).toBe('unknown');
    for (const sealed of ['Adoptive mother', 'adoptive father', 'Adopted son', 'Adoptive parent (placement)']) expect(familyRelationship(sealed)).toBeUndefined();
    // Every term the sandbox records maps to something other than unknown.
    for (const term of new Set(view.relationships.map((r) => r.relationship))) expect(familyRelationship(term), term).not.toBe('unknown');
  });
});

describe.each(backends)('social care household capability on $name', (backend) => {
  let db: Awaited<ReturnType<Backend['open']>>;
  let connector: Connector & HouseholdCapability;

  beforeAll(async () => {
    db = await backend.open();
    const c = createSocialCareConnector({ query: db.query, system: SYSTEM, maxAddressMatches: 10 });
    if (!c.householdOf || !c.personsAtAddress || !c.fetchPersons) throw new Error('the social care connector must declare the household capability');
    connector = c as Connector & HouseholdCapability;
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => db.reset());

  it("lists the featured child's family as the case system records it", async () => {
    const members = (await connector.householdOf([childId], ctx())).get(childId)!;
    const byId = new Map(members.map((m) => [m.person.personId, m]));
    expect([...byId.keys()].sort()).toEqual([idOf(parent.id), idOf(partner.id), idOf(sibling.id)].sort());
    expect(byId.get(idOf(parent.id))).toMatchObject({ basis: 'related-person', relationship: 'parent', agencyRelationship: 'Mother' });
    expect(['step-parent', 'partner-of-parent']).toContain(byId.get(idOf(partner.id))!.relationship);
    expect(byId.get(idOf(sibling.id))).toMatchObject({ relationship: 'sibling' });
    for (const m of members) {
      expect(m.provenance.system).toBe(SYSTEM);
      expect(m.provenance.recordId).toMatch(/^person_relationship\/R\d+$/);
      expect(m.person).toMatchObject({ agency: 'social-care', provenance: { recordId: `person/${m.person.personId}` } });
    }
    // The other way round: the child is the mother's child.
    const mothers = (await connector.householdOf([idOf(parent.id)], ctx())).get(idOf(parent.id))!;
    expect(mothers.find((m) => m.person.personId === childId)).toMatchObject({ relationship: 'child', agencyRelationship: child.sex === 'female' ? 'Daughter' : 'Son' });
  });

  it('finds every household member social care holds, and nobody from another household (county truth, every person held)', async () => {
    const ids = view.persons.map((p) => p.id);
    const result = await connector.householdOf(ids, ctx());
    let pairs = 0;
    for (const p of view.persons) {
      const person = county.personsById.get(p.personId)!;
      const household = county.householdsById.get(person.householdId)!;
      const expected = household.memberIds.filter((id) => id !== person.id && view.socialCarePersonIdByPersonId.has(id)).map(idOf).sort();
      const got = (result.get(p.id) ?? []).map((m) => m.person.personId);
      expect([...got].sort(), `household of ${p.id}`).toEqual(expected);
      for (const m of result.get(p.id) ?? []) {
        expect(HOUSEHOLD_RELATIONSHIPS).toContain(m.relationship);
        expect(household.memberIds).toContain(view.truth.get(m.person.personId));
      }
      pairs += expected.length;
    }
    expect(pairs).toBeGreaterThan(100);
    // One relationship query, one address query, then the members' identities: not one per person.
    expect(db.queries().length).toBeLessThanOrEqual(5);
  });

  it('leaves out ended relationships and relationship terms that would reveal an adoption', async () => {
    await db.run(`UPDATE person_relationship SET end_date = current_date - 1 WHERE person_id = $1 AND related_person_id = $2`, [childId, idOf(sibling.id)]);
    await db.run(
      `INSERT INTO person_relationship (relationship_id, person_id, related_person_id, relationship, last_updated) VALUES
       ('RX1', $1, $2, 'Adoptive mother', now()), ('RX2', $1, $3, 'Neighbour', now())`,
      [childId, idOf(parent.id), view.persons.find((p) => !county.householdsById.get(child.householdId)!.memberIds.includes(p.personId))!.id],
    );
    try {
      const members = (await connector.householdOf([childId], ctx())).get(childId)!;
      // No longer a related person; still recorded at the same address, so listed for that.
      expect(members.filter((m) => m.person.personId === idOf(sibling.id)).map((m) => m.basis)).toEqual(['same-address']);
      expect(members.map((m) => m.agencyRelationship)).not.toContain('Adoptive mother');
      expect(members.filter((m) => m.person.personId === idOf(parent.id)).map((m) => m.agencyRelationship)).toEqual(['Mother']);
      // A term the vocabulary does not know is returned as unknown, with the system's own word.
      expect(members.find((m) => m.agencyRelationship === 'Neighbour')).toMatchObject({ basis: 'related-person', relationship: 'unknown' });
    } finally {
      await db.run(`DELETE FROM person_relationship WHERE relationship_id IN ('RX1', 'RX2')`);
      await db.run(`UPDATE person_relationship SET end_date = NULL WHERE person_id = $1 AND related_person_id = $2`, [childId, idOf(sibling.id)]);
    }
  });

  it('adds persons recorded at the same current address: by UPRN, else by normalised first line and postcode; an ended address does not count', async () => {
    await db.run(
      `INSERT INTO person (person_id, forename, surname, date_of_birth, gender, person_type, last_updated) VALUES
       ('9000001', 'Test', 'Lodger', '1990-01-01', 'M', 'adult', now()),
       ('9000002', 'Test', 'Visitor', '1991-01-01', 'F', 'adult', now()),
       ('9000003', 'Test', 'Former', '1992-01-01', 'F', 'adult', now())`,
    );
    await db.run(
      `INSERT INTO person_address (person_id, address_line1, town, postcode, uprn, start_date, end_date) VALUES
       ('9000001', $1, $3, $4, $5, current_date - 10, NULL),
       ('9000002', $2, $3, lower(replace($4, ' ', '')), NULL, current_date - 10, NULL),
       ('9000003', $1, $3, $4, $5, current_date - 400, current_date - 100)`,
      [home.line1, ` ${home.line1.toUpperCase()}.`, home.town, home.postcode, home.uprn],
    );
    try {
      const members = (await connector.householdOf([childId], ctx())).get(childId)!;
      const sameAddress = members.filter((m) => m.basis === 'same-address');
      expect(sameAddress.map((m) => m.person.personId).sort()).toEqual(['9000001', '9000002']);
      for (const m of sameAddress) {
        expect(m).toMatchObject({ relationship: 'household-member', provenance: { recordId: `person/${m.person.personId}` } });
        expect(m.address?.line1).toBeDefined();
      }
      // Family members at the address are listed once, as related persons.
      expect(new Set(members.map((m) => m.person.personId)).size).toBe(members.length);
      const atHome = (await connector.personsAtAddress({ uprn: home.uprn }, ctx())).map((p) => p.personId);
      expect(atHome).toEqual(expect.arrayContaining([childId, '9000001']));
      expect(atHome).not.toContain('9000003');
      const byLine = (await connector.personsAtAddress({ line1: home.line1.toLowerCase(), postalCode: home.postcode }, ctx())).map((p) => p.personId);
      expect(byLine).toEqual(expect.arrayContaining([childId, '9000001', '9000002']));
    } finally {
      await db.run(`DELETE FROM person_address WHERE person_id IN ('9000001', '9000002', '9000003')`);
      await db.run(`DELETE FROM person WHERE person_id IN ('9000001', '9000002', '9000003')`);
    }
  });

  it('places a person at the home they left when the record was never updated (a stale address), as the agency records it', async () => {
    // Social care kept only the previous address for some persons of households that moved: the
    // record says they live there, so an address search there finds them, though the truth
    // household lives elsewhere. The gateway compares agencies; the connector reports its own data.
    const stale = view.persons.find((p) => {
      const household = county.householdsById.get(county.personsById.get(p.personId)!.householdId)!;
      const previous = household.previousAddressId ? county.addressesById.get(household.previousAddressId) : undefined;
      return p.addresses.length === 1 && previous !== undefined && p.addresses[0]!.uprn === previous.uprn;
    });
    expect(stale, 'the sandbox county has a social care record left at the old address').toBeDefined();
    if (!stale) return;
    const found = await connector.personsAtAddress({ uprn: stale.addresses[0]!.uprn }, ctx());
    expect(found.map((p) => p.personId)).toContain(stale.id);
  });

  it('refuses an empty or malformed address query as rejected input, and a too broad one', async () => {
    for (const q of [{}, { uprn: ' ' }, { line1: 'Flat 1' }, { postalCode: 'MH1 1AA' }, { line1: '--', postalCode: 'MH1 1AA' }, { uprn: "1' OR '1'='1" }, { postalCode: 'x'.repeat(201), uprn: '1' }]) {
      const error = await failure(connector.personsAtAddress(q, ctx()));
      expect(error.kind, JSON.stringify(q)).toBe('BAD_QUERY');
      expect(error.rejectedInput).toBe(true);
    }
    const narrow = createSocialCareConnector({ query: db.query, system: SYSTEM, maxAddressMatches: 1 });
    const error = await failure(narrow.personsAtAddress!({ uprn: home.uprn }, ctx()));
    expect(error.kind).toBe('BAD_QUERY');
    expect(error.rejectedInput).toBe(false);
  });

  it('fetches persons in one batch; unknown and malformed ids are absent', async () => {
    const found = await connector.fetchPersons([childId, idOf(parent.id), '9999999', "1' OR '1'='1", '', childId], ctx());
    expect([...found.keys()].sort()).toEqual([childId, idOf(parent.id)].sort());
    expect(found.get(childId)).toMatchObject({ personId: childId, addresses: expect.arrayContaining([expect.objectContaining({ uprn: home.uprn })]) });
    expect(db.queries().filter((sql) => sql.includes('FROM person p WHERE p.person_id = ANY')).length).toBe(1);
    db.reset();
    expect((await connector.fetchPersons(['', '../x'], ctx())).size).toBe(0);
    expect(db.queries()).toEqual([]);
  });

  it('treats SQL-shaped input as data', async () => {
    const hostile = ["'; DROP TABLE person_relationship; --", "x' OR '1'='1", '%', '\\', "1000001' OR 'a'='a"];
    for (const value of hostile) {
      try {
        expect(await connector.personsAtAddress({ line1: value, postalCode: value }, ctx())).toEqual([]);
      } catch (error) {
        expect(error).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
      }
    }
    expect([...(await connector.householdOf(hostile, ctx())).values()].flat()).toEqual([]);
    expect((await connector.fetchPersons(hostile, ctx())).size).toBe(0);
    expect((await connector.householdOf([childId], ctx())).get(childId)!.length).toBe(3);
  });

  it('times out an aborted call', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await failure(connector.householdOf([childId], ctx(controller.signal)))).kind).toBe('TIMEOUT');
    expect((await failure(connector.fetchPersons([childId], ctx(controller.signal)))).kind).toBe('TIMEOUT');
    expect((await failure(connector.personsAtAddress({ uprn: home.uprn }, ctx(controller.signal)))).kind).toBe('TIMEOUT');
  });
});
