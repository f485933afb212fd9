import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHealthConnector } from '../../../connectors/health/index.js';
import { ConnectorError, HOUSEHOLD_RELATIONSHIPS, type CallContext, type Connector, type HouseholdCapability, type HouseholdMember } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startHealthServer, type HealthServer } from '../../../sandbox/health/index.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.health;
const { child, parent, sibling, partner } = county.featured;
const patientIdOf = (personId: string): string => view.patientIdByPersonId.get(personId)!;
const relatedTruth = new Map(view.relatedPersons.map((r) => [`RelatedPerson/${r.id}`, r.personId]));
/** The true person behind a member: a Patient (view truth) or a RelatedPerson. */
const truthOf = (personId: string): string | undefined => view.truth.get(personId) ?? relatedTruth.get(personId);

let server: HealthServer;
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
  server = await startHealthServer({ county });
  connector = createHealthConnector({ baseUrl: server.baseUrl }) as Connector & HouseholdCapability;
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({});
  server.clearRequests();
});

const membersOf = async (patientId: string): Promise<HouseholdMember[]> => (await connector.householdOf([patientId], ctx())).get(patientId) ?? [];

describe('health household: related persons and same address', () => {
  it('declares the capability', () => {
    expect(typeof connector.householdOf).toBe('function');
    expect(typeof connector.personsAtAddress).toBe('function');
    expect(typeof connector.fetchPersons).toBe('function');
  });

  it('finds the featured child’s mother, step-parent and half-sibling as related persons resolved to their Patients, with the RoleCode', async () => {
    const members = await membersOf(patientIdOf(child.id));
    const related = members.filter((m) => m.basis === 'related-person');
    const byPatient = new Map(related.map((m) => [m.person.personId, m]));
    expect(byPatient.get(patientIdOf(parent.id))).toMatchObject({ relationship: 'parent', agencyRelationship: 'MTH', provenance: { recordId: expect.stringMatching(/^RelatedPerson\//) } });
    expect(byPatient.get(patientIdOf(partner.id))).toMatchObject({ relationship: 'step-parent', agencyRelationship: partner.sex === 'male' ? 'STPFTH' : 'STPMTH' });
    expect(byPatient.get(patientIdOf(sibling.id))).toMatchObject({ relationship: 'sibling', agencyRelationship: 'HSIB' });
    // The resolved member is the Patient as person search gives it (NHS number, record id).
    expect(byPatient.get(patientIdOf(parent.id))!.person).toMatchObject({ agency: 'health', identifiers: [{ system: NHS, value: parent.nhsNumber }], provenance: { recordId: `Patient/${patientIdOf(parent.id)}` } });
    expect(members.every((m) => m.person.personId !== patientIdOf(child.id))).toBe(true);
  });

  it('lists the patients at the same current address, carrying the address, with the relationship where a RelatedPerson says it', async () => {
    const members = await membersOf(patientIdOf(child.id));
    const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
    const same = members.filter((m) => m.basis === 'same-address');
    expect(same.map((m) => m.person.personId).sort()).toEqual([parent, partner, sibling].map((p) => patientIdOf(p.id)).sort());
    for (const m of same) expect(m.address).toMatchObject({ uprn: home.uprn, line1: home.line1, postalCode: home.postcode });
    expect(same.find((m) => m.person.personId === patientIdOf(parent.id))).toMatchObject({ relationship: 'parent', agencyRelationship: 'MTH' });
  });

  it('answers one household lookup for many patients in a bounded number of FHIR searches', async () => {
    const ids = view.patients.slice(0, 40).map((p) => p.id);
    const result = await connector.householdOf(ids, ctx());
    expect([...result.keys()].sort()).toEqual([...ids].sort());
    const searches = server.requests().map((r) => `${r.resourceType}?${r.params.filter(([n]) => n !== '_count' && n !== '_offset').map(([n]) => n).join('&')}`);
    // RelatedPerson by patient, Patients by NHS number, the asked Patients, Patients by UPRN (every sandbox address has one), each maybe paged.
    expect(new Set(searches)).toEqual(new Set(['RelatedPerson?patient', 'Patient?identifier', 'Patient?_id', 'Patient?address-uprn']));
    expect(server.requests().length).toBeLessThan(20);
  });

  it('recall: every true household member health holds is returned, for every patient of 60 households', async () => {
    const households = county.households.filter((h) => h.memberIds.length >= 2).slice(0, 60);
    const patientIds = households.flatMap((h) => h.memberIds.map(patientIdOf)).filter(Boolean);
    const result = await connector.householdOf(patientIds, ctx());
    let expected = 0;
    let found = 0;
    const missing: string[] = [];
    let resolved = 0;
    let nameOnly = 0;
    for (const h of households) {
      for (const personId of h.memberIds) {
        const members = result.get(patientIdOf(personId)) ?? [];
        const truths = new Set(members.map((m) => truthOf(m.person.personId)));
        for (const other of h.memberIds) {
          if (other === personId || !view.patientIdByPersonId.has(other)) continue;
          expected++;
          if (truths.has(other)) found++;
          else missing.push(`${personId}->${other}`);
        }
        for (const m of members) {
          expect(HOUSEHOLD_RELATIONSHIPS).toContain(m.relationship);
          if (m.basis === 'related-person') {
            if (m.person.personId.startsWith('RelatedPerson/')) nameOnly++;
            else resolved++;
          }
          // Every member really is of the same household (no neighbours by mistake).
          expect(county.personsById.get(truthOf(m.person.personId)!)?.householdId, `${personId} member ${m.person.personId}`).toBe(h.id);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(found).toBe(expected);
    expect(expected).toBeGreaterThan(150);
    // Some RelatedPersons were recorded by name only (the view's relatedNameOnly share).
    expect(nameOnly).toBeGreaterThan(0);
    expect(resolved).toBeGreaterThan(nameOnly);
  });

  it('gives a RelatedPerson recorded by name only as its own SourcePerson (RelatedPerson/{id}), fetchable by that id, with no records', async () => {
    const rp = view.relatedPersons.find((r) => r.nhsNumber === undefined)!;
    const members = await membersOf(rp.patientId);
    const member = members.find((m) => m.person.personId === `RelatedPerson/${rp.id}`)!;
    expect(member).toMatchObject({ basis: 'related-person', person: { agency: 'health', identifiers: [], names: [{ family: rp.family, given: rp.given }], birthDate: rp.birthDate, provenance: { recordId: `RelatedPerson/${rp.id}` } } });
    expect(member.person.addresses[0]).toMatchObject({ uprn: rp.address.uprn, postalCode: rp.address.postcode });
    const fetched = await connector.fetchPersons([`RelatedPerson/${rp.id}`, rp.patientId], ctx());
    expect(fetched.get(`RelatedPerson/${rp.id}`)).toEqual(member.person);
    expect(fetched.get(rp.patientId)?.personId).toBe(rp.patientId);
    const records = await connector.fetchRecords([`RelatedPerson/${rp.id}`, rp.patientId], ctx());
    expect(records.get(`RelatedPerson/${rp.id}`)).toEqual([]);
  });

  it('answers an unknown or malformed id with no household and no person, not an error', async () => {
    const result = await connector.householdOf(['no-such-patient', 'not a fhir id!', 'RelatedPerson/nobody'], ctx());
    expect([...result.values()].flat()).toEqual([]);
    const persons = await connector.fetchPersons(['no-such-patient', 'RelatedPerson/nobody', 'x/y'], ctx());
    expect(persons.size).toBe(0);
  });
});

describe('health personsAtAddress and fetchPersons', () => {
  const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
  const featuredPatients = [child, parent, partner, sibling].map((p) => patientIdOf(p.id)).sort();

  it('finds the residents of an address by UPRN, and by first line and postcode written differently', async () => {
    const byUprn = await connector.personsAtAddress({ uprn: home.uprn }, ctx());
    expect(byUprn.map((p) => p.personId).sort()).toEqual(featuredPatients);
    const byLine = await connector.personsAtAddress({ line1: `  ${home.line1.toUpperCase()}, `, postalCode: home.postcode.replace(/\s+/g, '').toLowerCase() }, ctx());
    expect(byLine.map((p) => p.personId).sort()).toEqual(featuredPatients);
    const request = server.requests().at(-1)!;
    expect(request.params.map(([n]) => n)).toEqual(expect.arrayContaining(['address-postalcode', 'address']));
  });

  it('does not list someone whose address there has ended (moved away)', async () => {
    const mover = view.patients.find((p) => p.addresses.some((a) => a.use === 'old' && a.to))!;
    const old = mover.addresses.find((a) => a.use === 'old')!.address;
    const found = await connector.personsAtAddress({ uprn: old.uprn }, ctx());
    expect(found.map((p) => p.personId)).not.toContain(mover.id);
  });

  it('refuses an empty, partial or malformed address query as rejected input, before asking the server', async () => {
    for (const query of [{}, { uprn: '   ' }, { line1: '4 Mill Lane' }, { postalCode: 'MB1 2AB' }, { uprn: 'UPRN-12' }, { line1: 'x'.repeat(201), postalCode: 'MB1 2AB' }]) {
      const error = await failure(connector.personsAtAddress(query, ctx()));
      expect(error).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
    }
    expect(server.requests()).toEqual([]);
  });

  it('fetches many persons in one Patient search, only those asked', async () => {
    const ids = view.patients.slice(0, 30).map((p) => p.id);
    const persons = await connector.fetchPersons([...ids, 'no-such-patient'], ctx());
    expect([...persons.keys()].sort()).toEqual([...ids].sort());
    expect(server.requests().filter((r) => r.resourceType === 'Patient')).toHaveLength(1);
  });
});

describe('health household at a crowded address', () => {
  it('refuses a maxAddressMatches that is not a whole number from 1', () => {
    for (const bad of [0, -1, 2.5]) expect(() => createHealthConnector({ baseUrl: server.baseUrl, maxAddressMatches: bad })).toThrow(/maxAddressMatches/);
  });

  it('gives no same-address members where more live than maxAddressMatches (not a household), keeping related persons; refuses that address search', async () => {
    const crowded = createHealthConnector({ baseUrl: server.baseUrl, maxAddressMatches: 2 }) as Connector & HouseholdCapability;
    const id = patientIdOf(child.id);
    const members = (await crowded.householdOf([id], ctx())).get(id)!;
    expect(members.filter((m) => m.basis === 'same-address')).toEqual([]);
    expect(members.filter((m) => m.basis === 'related-person')).toHaveLength(3);
    const home = county.addressesById.get(county.householdsById.get(child.householdId)!.addressId)!;
    expect(await failure(crowded.personsAtAddress({ uprn: home.uprn }, ctx()))).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: false });
  });
});

describe('health household errors', () => {
  it('maps a 500, a malformed answer and an aborted call to ConnectorError kinds', async () => {
    const id = patientIdOf(child.id);
    server.setFaults({ errorRate: 1 });
    expect((await failure(connector.householdOf([id], ctx()))).kind).toBe('UPSTREAM_ERROR');
    server.setFaults({ malformed: 'wrong-shape' });
    expect((await failure(connector.personsAtAddress({ uprn: '100000000001' }, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    server.setFaults({});
    expect((await failure(connector.fetchPersons([id], ctx(AbortSignal.abort())))).kind).toBe('TIMEOUT');
    expect((await failure(connector.householdOf(['not a fhir id!'], ctx(AbortSignal.abort())))).kind).toBe('TIMEOUT');
  });

  it('refuses a RelatedPerson of the wrong shape as MALFORMED_RESPONSE', async () => {
    const id = patientIdOf(child.id);
    const original = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      if (url.includes('/RelatedPerson')) {
        return new Response(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'RelatedPerson', id: 'x', patient: 'Patient/1' } }] }), { headers: { 'content-type': 'application/fhir+json' } });
      }
      return original(input, init);
    }) as typeof fetch;
    try {
      expect((await failure(connector.householdOf([id], ctx()))).kind).toBe('MALFORMED_RESPONSE');
    } finally {
      globalThis.fetch = original;
    }
  });
});
