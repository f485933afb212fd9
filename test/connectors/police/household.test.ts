import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPoliceConnector } from '../../../connectors/police/index.js';
import { ConnectorError, HOUSEHOLD_RELATIONSHIPS, type CallContext, type Connector, type HouseholdCapability, type HouseholdMember } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startPoliceServer, type PoliceServer } from '../../../sandbox/police/index.js';

// A larger county than the connector tests: police hold only the people they have met.
const county = generateCounty({ seed: 3, households: 600 });
const view = county.views.police;
const { child, parent, partner, sibling } = county.featured;
const nominalOf = (personId: string): string => view.policePersonIdByPersonId.get(personId)!;

let server: PoliceServer;
let connector: Connector & HouseholdCapability;

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
  server = await startPoliceServer({ county, defaultPageSize: 7 });
  // Small pages, so every search is followed across pages.
  connector = createPoliceConnector({ baseUrl: server.baseUrl, pageSize: 5 }) as Connector & HouseholdCapability;
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({});
  server.clearRequests();
});

const membersOf = async (id: string): Promise<HouseholdMember[]> => (await connector.householdOf([id], ctx())).get(id) ?? [];

describe('police household: person links and same address', () => {
  it('finds the featured child’s mother, her partner and the baby from person links, with the link type and its record', async () => {
    const members = await membersOf(nominalOf(child.id));
    const related = new Map(members.filter((m) => m.basis === 'related-person').map((m) => [m.person.personId, m]));
    expect(related.get(nominalOf(parent.id))).toMatchObject({ relationship: 'parent', agencyRelationship: 'child-of', provenance: { recordId: expect.stringMatching(/^person-links\/LNK\d{7}$/) } });
    expect(related.get(nominalOf(partner.id))).toMatchObject({ relationship: 'household-member', agencyRelationship: 'lives-with' });
    expect(related.get(nominalOf(sibling.id))).toMatchObject({ relationship: 'sibling', agencyRelationship: 'sibling-of' });
    expect(related.get(nominalOf(parent.id))!.person).toMatchObject({ agency: 'police', personId: nominalOf(parent.id), provenance: { recordId: `persons/${nominalOf(parent.id)}` } });
    expect(members.every((m) => m.person.personId !== nominalOf(child.id))).toBe(true);
    const link = view.links.find((l) => l.policePersonId === nominalOf(child.id) && l.linkedPolicePersonId === nominalOf(parent.id))!;
    expect(link.eventId).toMatch(/^MH-/);
  });

  it('lists the persons police record at the same current home, carrying the address', async () => {
    const members = await membersOf(nominalOf(parent.id));
    const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
    const same = members.filter((m) => m.basis === 'same-address');
    expect(same.length).toBeGreaterThan(0);
    for (const m of same) {
      expect(m.address).toMatchObject({ uprn: home.uprn, postalCode: home.postcode });
      expect(county.personsById.get(view.truth.get(m.person.personId)!)!.householdId).toBe(child.householdId);
    }
    expect(same.find((m) => m.person.personId === nominalOf(partner.id))).toMatchObject({ relationship: 'partner', agencyRelationship: 'partner-of' });
  });

  it('recall: every true household member police hold is returned, for every person police hold', async () => {
    const ids = view.persons.map((p) => p.id);
    const result = await connector.householdOf(ids, ctx());
    let expected = 0;
    const missing: string[] = [];
    let fromLinks = 0;
    for (const nominal of view.persons) {
      const person = county.personsById.get(nominal.personId)!;
      const members = result.get(nominal.id) ?? [];
      const returned = new Set(members.map((m) => view.truth.get(m.person.personId)));
      for (const other of county.householdsById.get(person.householdId)!.memberIds) {
        if (other === person.id || !view.policePersonIdByPersonId.has(other)) continue;
        expected++;
        if (!returned.has(other)) missing.push(`${nominal.id}->${nominalOf(other)}`);
      }
      for (const m of members) {
        expect(HOUSEHOLD_RELATIONSHIPS).toContain(m.relationship);
        if (m.basis === 'related-person') {
          fromLinks++;
          // A link is always within the true household.
          expect(county.personsById.get(view.truth.get(m.person.personId)!)!.householdId).toBe(person.householdId);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(expected).toBeGreaterThan(50);
    expect(fromLinks).toBeGreaterThan(0);
  });

  it('pages the links and persons searches and sends no personal data in URLs', async () => {
    const ids = view.persons.slice(0, 30).map((p) => p.id);
    await connector.householdOf(ids, ctx());
    const requests = server.requests();
    expect(requests.filter((r) => r.resource === 'person-links').length).toBeGreaterThan(1);
    expect(requests.every((r) => r.method === 'POST' && /\/search$/.test(r.path))).toBe(true);
    const links = requests.filter((r) => r.resource === 'person-links').map((r) => r.body as { offset: number });
    expect(links.map((b) => b.offset)).toEqual(links.map((_, i) => i * 5));
  });

  it('answers an unknown or malformed id with no household and no person, not an error', async () => {
    const result = await connector.householdOf(['NOM9999999', 'not a police id!'], ctx());
    expect([...result.values()].flat()).toEqual([]);
    expect((await connector.fetchPersons(['NOM9999999', '../x'], ctx())).size).toBe(0);
  });
});

describe('police personsAtAddress and fetchPersons', () => {
  const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;

  it('finds who police record living at an address by UPRN, and by first line and postcode written differently', async () => {
    const byUprn = (await connector.personsAtAddress({ uprn: home.uprn }, ctx())).map((p) => p.personId).sort();
    expect(byUprn).toContain(nominalOf(child.id));
    const byLine = (await connector.personsAtAddress({ line1: home.line1.toUpperCase(), postalCode: home.postcode.replace(/\s+/g, '').toLowerCase() }, ctx())).map((p) => p.personId).sort();
    expect(byLine).toEqual(byUprn);
    const bodies = server.requests().map((r) => r.body);
    expect(bodies).toContainEqual(expect.objectContaining({ uprn: home.uprn }));
  });

  it('refuses an empty, partial or malformed address query as rejected input, before asking the API', async () => {
    for (const query of [{}, { uprn: ' ' }, { line1: '4 Mill Lane' }, { postalCode: 'MB1 2AB' }, { uprn: '12-34' }, { line1: 'x'.repeat(101), postalCode: 'MB1 2AB' }]) {
      expect(await failure(connector.personsAtAddress(query, ctx()))).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
    }
    expect(server.requests()).toEqual([]);
  });

  it('fetches many persons in one paged search, only those asked', async () => {
    const ids = view.persons.slice(0, 12).map((p) => p.id);
    const persons = await connector.fetchPersons([...ids, 'NOM9999999'], ctx());
    expect([...persons.keys()].sort()).toEqual([...ids].sort());
    expect(server.requests().every((r) => r.resource === 'persons')).toBe(true);
  });
});

describe('police household at a crowded address', () => {
  it('refuses a maxAddressMatches that is not a whole number from 1', () => {
    for (const bad of [0, -1, 2.5]) expect(() => createPoliceConnector({ baseUrl: server.baseUrl, maxAddressMatches: bad })).toThrow(/maxAddressMatches/);
  });

  it('gives no same-address members where more live than maxAddressMatches (not a household), keeping person links; refuses that address search', async () => {
    const crowded = createPoliceConnector({ baseUrl: server.baseUrl, maxAddressMatches: 1 }) as Connector & HouseholdCapability;
    const id = nominalOf(child.id);
    const members = (await crowded.householdOf([id], ctx())).get(id)!;
    expect(members.filter((m) => m.basis === 'same-address')).toEqual([]);
    expect(members.filter((m) => m.basis === 'related-person').length).toBeGreaterThan(0);
    expect(await failure(crowded.personsAtAddress({ uprn: home().uprn }, ctx()))).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: false });
  });
});

describe('police household errors', () => {
  it('maps a 500, a malformed answer and an aborted call to ConnectorError kinds', async () => {
    const id = nominalOf(child.id);
    server.setFaults({ errorRate: 1 });
    expect((await failure(connector.householdOf([id], ctx()))).kind).toBe('UPSTREAM_ERROR');
    server.setFaults({ malformed: 'wrong-shape' });
    expect((await failure(connector.personsAtAddress({ uprn: home().uprn }, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    server.setFaults({ malformed: 'invalid-json' });
    expect((await failure(connector.fetchPersons([id], ctx()))).kind).toBe('MALFORMED_RESPONSE');
    server.setFaults({});
    expect((await failure(connector.householdOf([id], ctx(AbortSignal.abort())))).kind).toBe('TIMEOUT');
  });
});

function home() {
  return county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
}
