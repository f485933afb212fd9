import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousingConnector, HOUSING_SYSTEMS } from '../../connectors/housing/index.js';
import { createSocialCareConnector } from '../../connectors/social-care/index.js';
import { isQueryRefusal, type CallContext, type Connector, type PersonQuery } from '../../connectors/sdk/index.js';
import { searchPasses } from '../../gateway/identity/search-passes.js';
import { generateCounty } from '../../sandbox/county/index.js';
import { startHousingSystem, type HousingSystem } from '../../sandbox/housing/index.js';
import { startSocialCareDatabase } from '../../sandbox/social-care/index.js';

/**
 * The SQL agencies answer several person searches with one statement (OR'd predicates), equal
 * to the union of the single searches, however each query fares on its own.
 */
const county = generateCounty({ seed: 1, households: 200 });
const { child, parent } = county.featured;
const ctx = (): CallContext => ({ signal: AbortSignal.timeout(20_000), requestId: 'test-request' });

/** Either agency's query function: SQL text first, its values separately. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Query = (sql: string, params: any, options: any) => Promise<any>;

/** The statements a connector sends, recorded. */
function recording(query: Query): { query: Query; statements: Array<{ sql: string; params: readonly unknown[] }> } {
  const statements: Array<{ sql: string; params: readonly unknown[] }> = [];
  return {
    statements,
    query: (sql, params, options) => {
      statements.push({ sql, params: params as readonly unknown[] });
      return query(sql, params, options);
    },
  };
}

async function union(connector: Connector, queries: readonly PersonQuery[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const q of queries) {
    try {
      for (const p of await connector.searchPersons(q, ctx())) ids.add(p.personId);
    } catch (error) {
      if (!isQueryRefusal(error)) throw error;
    }
  }
  return [...ids].sort();
}

let housing: HousingSystem;
let socialCare: Awaited<ReturnType<typeof startSocialCareDatabase>>;
beforeAll(async () => {
  [housing, socialCare] = await Promise.all([startHousingSystem({ county }), startSocialCareDatabase({ county })]);
});
afterAll(async () => {
  await Promise.all([housing?.close(), socialCare?.close()]);
});

const agencies = [
  { agency: 'housing', make: (maxPersonMatches?: number) => (q: Query) => createHousingConnector({ query: q, ...(maxPersonMatches ? { maxPersonMatches } : {}) }), query: () => housing.query as Query },
  { agency: 'social care', make: (maxPersonMatches?: number) => (q: Query) => createSocialCareConnector({ query: q, ...(maxPersonMatches ? { maxPersonMatches } : {}) }), query: () => socialCare.query as Query },
];

describe.each(agencies)('$agency: several person searches in one SQL statement', ({ make, query }) => {
  it("answers a researcher's search passes with one search statement, equal to the single searches' union", async () => {
    for (const member of [child, parent]) {
      const queries = searchPasses({ family: member.family, given: member.given[0]!, birthDate: member.birthDate });
      const { query: q, statements } = recording(query());
      const connector = make()(q);
      const found = await connector.searchPersonsAny!(queries, ctx());
      expect(statements.filter((s) => s.sql.includes('AS matched'))).toHaveLength(1);
      expect(found.map((p) => p.personId).sort()).toEqual(await union(make()(query()), queries));
      expect(found.length).toBeGreaterThan(0);
      expect(new Set(found.map((p) => p.personId)).size).toBe(found.length);
    }
  });

  it('leaves out a query that matches too many, keeps the others, and never reads a cut-short answer as whole', async () => {
    const narrow = { family: child.family, given: child.given[0]!, birthDate: child.birthDate };
    const broad: PersonQuery[] = [{ family: 'a', given: 'a' }, { family: 'b', given: 'j' }, { given: 'a', birthDate: child.birthDate.slice(0, 4) }];
    const few = make(2)(query());
    const queries = [...broad, narrow, { family: parent.family, given: parent.given[0]!, birthDate: parent.birthDate }];
    expect((await few.searchPersonsAny!(queries, ctx())).map((p) => p.personId).sort()).toEqual(await union(few, queries));
  });

  it('treats SQL-shaped and wildcard input as data, and a date that names no day as no one', async () => {
    const connector = make()(query());
    const queries: PersonQuery[] = [
      { family: "x') OR true --", given: '%', birthDate: '2010' },
      { family: '_', given: '_', birthDate: '2010-02-30' },
      { family: child.family, given: child.given[0]!, birthDate: child.birthDate },
    ];
    expect((await connector.searchPersonsAny!(queries, ctx())).map((p) => p.personId).sort()).toEqual(await union(connector, queries));
    await expect(connector.searchPersonsAny!([{}, { family: 'Knight' }], ctx())).rejects.toMatchObject({ kind: 'BAD_QUERY' });
  });

  it('values travel as parameters, never in the SQL text', async () => {
    const { query: q, statements } = recording(query());
    await make()(q).searchPersonsAny!([{ family: 'Zzyzxq', given: 'Qwerty', birthDate: '2011-03-04' }, { family: 'Qwerty', given: 'Zzyzxq' }], ctx());
    const search = statements.find((s) => s.sql.includes('AS matched'))!;
    expect(search.sql).not.toMatch(/zzyzxq|qwerty|2011-03/i);
    expect(JSON.stringify(search.params)).toMatch(/zzyzxq/i);
  });
});

describe('housing: a reference first, then demographics, per query', () => {
  it('answers by reference where the reference is known, and by demographics where it is not', async () => {
    const view = county.views.housing;
    const ref = view.personRefsByPersonId.get(child.id)![0]!;
    const connector = createHousingConnector({ query: housing.query });
    const queries: PersonQuery[] = [
      { identifiers: [{ system: HOUSING_SYSTEMS.housingPerson, value: ref }], family: parent.family, given: parent.given[0]!, birthDate: parent.birthDate },
      { identifiers: [{ system: HOUSING_SYSTEMS.housingPerson, value: 'T999999/1' }], family: parent.family, given: parent.given[0]!, birthDate: parent.birthDate },
    ];
    expect((await connector.searchPersonsAny!(queries, ctx())).map((p) => p.personId).sort()).toEqual(await union(connector, queries));
  });
});
