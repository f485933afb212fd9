import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEducationConnector, type EducationConnector } from '../../../connectors/education/index.js';
import { ConnectorError, HOUSEHOLD_RELATIONSHIPS, type CallContext, type HouseholdCapability } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { ctfFileName, renderCtf, startEducationSystem, upnCheckLetter, type EducationPupil, type EducationSystem } from '../../../sandbox/education/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.education;
const { child, parent, partner } = county.featured;
const pupilOf = (personId: string): EducationPupil => view.pupils.find((p) => p.personId === personId)!;
const featured = pupilOf(child.id);
const pupilsByUpn = new Map(view.pupils.map((p) => [p.upn, p]));

/** The true person behind a returned id: a pupil by UPN, a contact by the pupil and order it names. */
function truthOf(personId: string): string | undefined {
  const m = /^(.+)\/contact\/(\d+)$/.exec(personId);
  if (!m) return view.truth.get(personId);
  return pupilsByUpn.get(m[1]!)?.contacts.find((c) => c.order === Number(m[2]))?.personId;
}

/** Two pupils of one household (siblings on roll). */
const siblings = (() => {
  for (const household of county.households) {
    const pupils = view.pupils.filter((p) => household.memberIds.includes(p.personId));
    if (pupils.length >= 2 && pupils[0]!.address.uprn === pupils[1]!.address.uprn) return [pupils[0]!, pupils[1]!] as const;
  }
  throw new Error('the county has no two pupils in one household');
})();

function newUpn(serial: number): string {
  const body = `98020013${String(800 + serial).padStart(3, '0')}`.padEnd(12, '0').slice(0, 12);
  return `${upnCheckLetter(body)}${body}`;
}

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

let system: EducationSystem;
let connector: EducationConnector & HouseholdCapability;
let reads = 0;

beforeAll(async () => {
  system = await startEducationSystem({ county });
  const files = system.files;
  const c = createEducationConnector({
    directory: { location: files.location, list: (signal) => files.list(signal), read: (name, signal) => (reads++, files.read(name, signal)) },
    maxAddressMatches: 12,
  });
  if (!c.householdOf || !c.personsAtAddress || !c.fetchPersons) throw new Error('the education connector must declare the household capability');
  connector = c as EducationConnector & HouseholdCapability;
});
afterAll(async () => {
  await system.close();
});
beforeEach(() => {
  system.setFaults({});
});

describe('education household capability', () => {
  it("lists the featured child's CTF contacts as related persons, with the DfE relationship code and an id fetchPersons understands", async () => {
    const members = (await connector.householdOf([featured.upn], ctx())).get(featured.upn)!;
    expect(members.map((m) => [m.person.personId, m.basis, m.relationship, m.agencyRelationship])).toEqual([
      [`${featured.upn}/contact/1`, 'related-person', 'parent', 'PAM'],
      [`${featured.upn}/contact/2`, 'related-person', 'unknown', 'OTH'],
    ]);
    expect(members.map((m) => truthOf(m.person.personId))).toEqual([parent.id, partner.id]);
    const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
    expect(members[0]!.provenance).toMatchObject({ recordId: `${school.laEstab}/${featured.upn}/contact/1` });
    expect(members[0]!.person).toMatchObject({ agency: 'education', identifiers: [], names: [{ family: parent.family, given: [parent.given[0]] }], gender: '2' });
    expect(members[0]!.person.addresses).toEqual([expect.objectContaining({ uprn: featured.address.uprn })]);
    // Contacts have no records, and reading none costs nothing.
    expect((await connector.fetchRecords([members[0]!.person.personId], ctx())).get(members[0]!.person.personId)).toEqual([]);
    // A contact's household: the pupils they are a contact of, and who else is at the address.
    const ofMother = (await connector.householdOf([members[0]!.person.personId], ctx())).get(members[0]!.person.personId)!;
    expect(ofMother.find((m) => m.person.personId === featured.upn)).toMatchObject({ basis: 'related-person', relationship: 'child', agencyRelationship: 'PAM' });
    expect(ofMother.find((m) => m.person.personId === `${featured.upn}/contact/2`)).toMatchObject({ basis: 'same-address', relationship: 'household-member' });
  });

  it('finds every household adult the school holds as a contact and every sibling on roll, and nobody from another household (county truth, every pupil)', async () => {
    const upns = view.pupils.map((p) => p.upn);
    const result = await connector.householdOf(upns, ctx());
    let checked = 0;
    for (const pupil of view.pupils) {
      const person = county.personsById.get(pupil.personId)!;
      const household = county.householdsById.get(person.householdId)!;
      const expected = household.memberIds
        .filter((id) => id !== person.id)
        .filter((id) => county.personsById.get(id)!.role === 'adult' || view.upnByPersonId.has(id))
        .sort();
      const members = result.get(pupil.upn)!;
      const got = members.map((m) => truthOf(m.person.personId)!).sort();
      expect(got, `household of ${pupil.upn}`).toEqual(expected);
      for (const m of members) expect(HOUSEHOLD_RELATIONSHIPS).toContain(m.relationship);
      for (const m of members.filter((x) => view.truth.has(x.person.personId))) expect(m.relationship).toBe('sibling');
      checked += expected.length;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('knows siblings by their shared parent contact even when one school holds an old address', async () => {
    const [first, second] = siblings;
    const elsewhere = county.addresses.find((a) => a.uprn !== first.address.uprn)!;
    const school = view.schools.find((s) => s.schoolId === second.schoolId)!;
    const name = ctfFileName(school, 97);
    await system.dropFile(name, renderCtf(view, school, [{ ...second, address: elsewhere }], { dateTime: '2025-09-30T18:00:00', qualifier: 'partial' }));
    try {
      const members = (await connector.householdOf([first.upn], ctx())).get(first.upn)!;
      const sibling = members.find((m) => m.person.personId === second.upn)!;
      expect(sibling).toMatchObject({ basis: 'related-person', relationship: 'sibling', agencyRelationship: expect.stringMatching(/^Shares contact (PAM|PAF)$/) });
      expect(sibling.person.addresses.map((a) => a.uprn)).toContain(elsewhere.uprn);
      // The same mother, listed for both, is one contact.
      const mothers = members.filter((m) => m.agencyRelationship === 'PAM');
      expect(mothers.length).toBe(1);
    } finally {
      await system.removeFile(name);
    }
  });

  it('adds pupils and contacts at the same address by UPRN or normalised address; leaves out professional contacts; keeps unknown codes as unknown', async () => {
    const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
    const base = { ...featured, middleNames: [], birthDate: '2013-05-06', history: [{ schoolId: featured.schoolId, entryDate: '2025-09-22' }], attendance: [], exclusions: [] };
    delete (base as Partial<EducationPupil>).sen;
    const lodger: EducationPupil = { ...base, upn: newUpn(1), personId: 'x1', surname: 'Lodge', forename: 'Ada', contacts: [] };
    const noUprn: EducationPupil = {
      ...base,
      upn: newUpn(2),
      personId: 'x2',
      surname: 'Vale',
      forename: 'Bo',
      address: { ...featured.address, uprn: '', line1: `${featured.address.line1.toUpperCase()},` },
      contacts: [
        { order: 1, title: 'Ms', surname: 'Vale', forename: 'Cara', gender: 'F', relationship: 'PAM', responsibility: true, addressAsPupil: true, phone: '01632 960999', personId: 'x3' },
        { order: 2, title: 'Mr', surname: 'Worker', forename: 'Sam', gender: 'M', relationship: 'SWR' as 'OTH', responsibility: false, addressAsPupil: true, phone: '01632 960998', personId: 'x4' },
        { order: 3, title: 'Mr', surname: 'Vale', forename: 'Dan', gender: 'M', relationship: 'ZZZ' as 'OTH', responsibility: false, addressAsPupil: true, phone: '01632 960997', personId: 'x5' },
      ],
    };
    const name = ctfFileName(school, 98);
    await system.dropFile(name, renderCtf(view, school, [lodger, noUprn], { dateTime: '2025-09-30T18:00:00', qualifier: 'partial' }));
    try {
      const members = (await connector.householdOf([featured.upn], ctx())).get(featured.upn)!;
      const sameAddress = members.filter((m) => m.basis === 'same-address');
      expect(sameAddress.map((m) => [m.person.personId, m.relationship]).sort()).toEqual(
        [
          [lodger.upn, 'sibling'],
          [noUprn.upn, 'sibling'],
          [`${noUprn.upn}/contact/1`, 'household-member'],
          [`${noUprn.upn}/contact/3`, 'household-member'],
        ].sort(),
      );
      for (const m of sameAddress) expect(m.address).toBeDefined();
      expect(members.map((m) => m.person.personId)).not.toContain(`${noUprn.upn}/contact/2`);
      const valeHousehold = (await connector.householdOf([noUprn.upn], ctx())).get(noUprn.upn)!;
      expect(valeHousehold.find((m) => m.person.personId === `${noUprn.upn}/contact/3`)).toMatchObject({ basis: 'related-person', relationship: 'unknown', agencyRelationship: 'ZZZ' });
      expect(valeHousehold.map((m) => m.person.personId)).not.toContain(`${noUprn.upn}/contact/2`);
      expect((await connector.fetchPersons([`${noUprn.upn}/contact/2`], ctx())).size).toBe(0);

      const byUprn = (await connector.personsAtAddress({ uprn: featured.address.uprn }, ctx())).map((p) => p.personId);
      expect(byUprn).toEqual(expect.arrayContaining([featured.upn, lodger.upn, `${featured.upn}/contact/1`]));
      // Asked by UPRN alone, a record without one cannot be compared.
      expect(byUprn).not.toContain(noUprn.upn);
      const byLine = (await connector.personsAtAddress({ line1: featured.address.line1.toLowerCase(), postalCode: featured.address.postcode.replace(' ', '') }, ctx())).map((p) => p.personId);
      expect(byLine).toEqual(expect.arrayContaining([featured.upn, noUprn.upn, `${noUprn.upn}/contact/1`]));
    } finally {
      await system.removeFile(name);
    }
  });

  it('leaves out a contact it cannot read and keeps the pupil, reporting the position only', async () => {
    const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
    const pupil: EducationPupil = {
      ...featured,
      upn: newUpn(3),
      personId: 'x6',
      surname: 'Broken',
      contacts: [{ ...featured.contacts[0]!, surname: '' }, featured.contacts[1]!],
    };
    const name = ctfFileName(school, 99);
    await system.dropFile(name, renderCtf(view, school, [pupil], { dateTime: '2025-09-30T18:00:00', qualifier: 'partial' }));
    try {
      const members = (await connector.householdOf([pupil.upn], ctx())).get(pupil.upn)!;
      expect(members.filter((m) => m.basis === 'related-person').map((m) => m.agencyRelationship)).toEqual(['OTH']);
      const problem = connector.problems().find((p) => p.file === name)!;
      expect(problem.reason).toMatch(/^pupil 1: contact 1: Surname is empty/);
      expect(problem.reason).not.toContain(featured.contacts[0]!.forename);
    } finally {
      await system.removeFile(name);
    }
  });

  it('answers from the index it already holds: no file is read again for household calls', async () => {
    await connector.householdOf([featured.upn], ctx());
    reads = 0;
    await connector.householdOf(view.pupils.map((p) => p.upn), ctx());
    await connector.fetchPersons([featured.upn, `${featured.upn}/contact/1`], ctx());
    await connector.personsAtAddress({ uprn: featured.address.uprn }, ctx());
    expect(reads).toBe(0);
  });

  it('fetches pupils and contacts by id; unknown and malformed ids are absent', async () => {
    const ids = [featured.upn, `${featured.upn}/contact/1`, `${featured.upn}/contact/9`, newUpn(50), 'A000000000000', '../../etc/passwd', `${featured.upn}/contact/1' OR '1'='1`, featured.upn];
    const found = await connector.fetchPersons(ids, ctx());
    expect([...found.keys()].sort()).toEqual([featured.upn, `${featured.upn}/contact/1`].sort());
    expect(found.get(featured.upn)).toMatchObject({ personId: featured.upn, birthDate: featured.birthDate });
  });

  it('refuses an empty or malformed address query as rejected input, and a too broad one', async () => {
    for (const q of [{}, { uprn: '' }, { line1: 'Flat 1' }, { postalCode: 'MH1 1AA' }, { line1: '...', postalCode: 'MH1 1AA' }, { uprn: 'abc' }, { line1: 'x'.repeat(201), postalCode: 'MH1 1AA' }]) {
      const error = await failure(connector.personsAtAddress(q, ctx()));
      expect(error.kind, JSON.stringify(q)).toBe('BAD_QUERY');
      expect(error.rejectedInput).toBe(true);
    }
    const narrow = createEducationConnector({ directory: system.files, maxAddressMatches: 1 });
    const error = await failure(narrow.personsAtAddress!({ uprn: featured.address.uprn }, ctx()));
    expect(error).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: false });
  });

  it('treats markup- and SQL-shaped input as data', async () => {
    const hostile = ['<Contact><Surname>x</Surname></Contact>', "'; DROP TABLE pupils; --", '%', '*', `${featured.upn}/contact/../1`];
    for (const value of hostile) {
      try {
        expect(await connector.personsAtAddress({ line1: value, postalCode: value }, ctx())).toEqual([]);
      } catch (error) {
        expect(error).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
      }
    }
    expect([...(await connector.householdOf(hostile, ctx())).values()].flat()).toEqual([]);
    expect((await connector.fetchPersons(hostile, ctx())).size).toBe(0);
  });

  it('times out an aborted call', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await failure(connector.householdOf([featured.upn], ctx(controller.signal)))).kind).toBe('TIMEOUT');
    expect((await failure(connector.fetchPersons([featured.upn], ctx(controller.signal)))).kind).toBe('TIMEOUT');
    expect((await failure(connector.personsAtAddress({ uprn: featured.address.uprn }, ctx(controller.signal)))).kind).toBe('TIMEOUT');
  });
});

describe('education household index', () => {
  it('does not merge two contacts of the same name with no phone or address to tell them apart', async () => {
    const { buildHouseholdIndex, householdOf } = await import('../../../connectors/education/household.js');
    const person = (upn: string) => ({ agency: 'education', personId: upn, identifiers: [], names: [], addresses: [], provenance: { system: 's', recordId: upn, asOf: '2025-09-30T00:00:00Z' } });
    const contact = { order: 1, surname: 'Smith', forename: 'Sam', middleNames: [], relationship: 'PAF', addressAsPupil: false, phones: [] };
    const a = newUpn(60);
    const b = newUpn(61);
    const index = buildHouseholdIndex(
      [
        { upn: a, person: person(a), contacts: [contact], recordId: `x/${a}`, asOf: '2025-09-30T00:00:00Z' },
        { upn: b, person: person(b), contacts: [contact], recordId: `x/${b}`, asOf: '2025-09-30T00:00:00Z' },
      ],
      's',
    );
    expect([...index.contacts.keys()].sort()).toEqual([`${a}/contact/1`, `${b}/contact/1`].sort());
    const lookup = (id: string) => (id === a || id === b ? person(id) : index.contacts.get(id)?.person);
    expect(householdOf(index, a, lookup).map((m) => m.person.personId)).toEqual([`${a}/contact/1`]);
    // With the same phone they are one contact, and the pupils siblings.
    const phoned = { ...contact, phones: ['01632 960123'] };
    const joined = buildHouseholdIndex(
      [
        { upn: a, person: person(a), contacts: [phoned], recordId: `x/${a}`, asOf: '2025-09-30T00:00:00Z' },
        { upn: b, person: person(b), contacts: [phoned], recordId: `x/${b}`, asOf: '2025-09-30T00:00:00Z' },
      ],
      's',
    );
    const lookupJoined = (id: string) => (id === a || id === b ? person(id) : joined.contacts.get(id)?.person);
    expect(householdOf(joined, b, lookupJoined).map((m) => [m.person.personId, m.relationship])).toEqual([
      [`${[a, b].sort()[0]}/contact/1`, 'parent'],
      [a, 'sibling'],
    ]);
  });
});
