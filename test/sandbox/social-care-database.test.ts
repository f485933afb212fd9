import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCounty } from '../../sandbox/county/index.js';
import { SOCIAL_CARE_TABLES, startSocialCareDatabase, type SocialCareDatabase } from '../../sandbox/social-care/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.socialCare;
const childId = view.socialCarePersonIdByPersonId.get(county.featured.child.id)!;

let database: SocialCareDatabase;

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; name?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; name?: string };
  }
  throw new Error('expected the query to fail');
}

beforeAll(async () => {
  database = await startSocialCareDatabase({ county });
});
afterAll(async () => {
  await database.close();
});
beforeEach(() => {
  database.setFaults({});
  database.clearQueries();
});

describe('social care database', () => {
  it('loads every Annex A list, the person tables and the sealed tables from the view', async () => {
    const counts: Record<string, number> = {};
    for (const table of SOCIAL_CARE_TABLES) {
      const { rows } = await database.query(`SELECT count(*)::int AS n FROM ${table}`);
      counts[table] = rows[0]!.n as number;
    }
    expect(counts).toMatchObject({
      person: view.persons.length,
      contact: view.contacts.length,
      referral: view.referrals.length,
      assessment: view.assessments.length,
      section47: view.section47s.length,
      child_in_need: view.childrenInNeed.length,
      cp_plan: view.cpPlans.length,
      looked_after: view.lookedAfter.length,
      adoption: view.adoptions.length,
      gender_history: view.genderHistory.length,
    });
    expect(counts.person_address).toBe(view.persons.reduce((n, p) => n + p.addresses.length, 0));
  });

  it('answers parameterised SQL, with Annex A values in the list columns', async () => {
    const { rows } = await database.query(
      "SELECT to_char(plan_start_date, 'YYYY-MM-DD') AS start, latest_category_of_abuse FROM cp_plan WHERE person_id = ANY($1::text[])",
      [[childId]],
    );
    expect(rows).toEqual([{ start: county.featured.child.childProtection!.start, latest_category_of_abuse: 'a) Neglect' }]);
  });

  it('records each query with the table it reads, for tests', async () => {
    await database.query('SELECT person_id FROM contact WHERE person_id = $1', [childId]);
    expect(database.queries()).toEqual([{ sql: 'SELECT person_id FROM contact WHERE person_id = $1', params: [childId], table: 'contact' }]);
  });
});

describe('social care database faults', () => {
  it('fails queries with SQLSTATE XX000 at an error rate of 1', async () => {
    database.setFaults({ errorRate: 1 });
    expect((await rejection(database.query('SELECT 1'))).code).toBe('XX000');
  });

  it('refuses connections when unreachable', async () => {
    database.setFaults({ unreachable: true });
    expect((await rejection(database.query('SELECT 1'))).code).toBe('ECONNREFUSED');
  });

  it('answers rows of the wrong shape, or a missing column, when malformed', async () => {
    database.setFaults({ malformed: 'wrong-shape' });
    const { rows } = await database.query('SELECT person_id FROM person LIMIT 1');
    expect(rows[0]!.person_id).toBe(42);
    database.setFaults({ malformed: 'schema-drift' });
    expect((await rejection(database.query('SELECT person_id FROM person LIMIT 1'))).code).toBe('42703');
  });

  it('hangs until the caller aborts', async () => {
    database.setFaults({ hang: true });
    expect((await rejection(database.query('SELECT 1', [], { signal: AbortSignal.timeout(100) }))).name).toBe('AbortError');
  });

  it('answers after the configured latency', async () => {
    database.setFaults({ latencyMs: 30 });
    expect((await database.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('refuses invalid fault settings', () => {
    expect(() => database.setFaults({ errorRate: -0.1 })).toThrow(RangeError);
  });

  it('closes promptly with a query hanging, which then fails as a lost connection', async () => {
    const other = await startSocialCareDatabase({ county: generateCounty({ seed: 1, households: 5 }), faults: { hang: true } });
    const pending = rejection(other.query('SELECT 1'));
    await other.close();
    expect((await pending).code).toBe('57P01');
    expect((await rejection(other.query('SELECT 1'))).code).toBe('ECONNREFUSED');
  });
});
