import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEducationConnector, isValidUpn, type EducationConnector } from '../../../connectors/education/index.js';
import type { DirectoryReader } from '../../../connectors/education/directory.js';
import { ConnectorError, PERSON_FIELDS, RECORD_FIELDS, type CallContext } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { ctfFileName, renderCtf, startEducationSystem, upnCheckLetter, type EducationPupil, type EducationSystem } from '../../../sandbox/education/index.js';

const UPN = 'https://www.gov.uk/government/publications/unique-pupil-numbers';
const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.education;
const { child, parent, sibling } = county.featured;
const pupilOf = (personId: string): EducationPupil => view.pupils.find((p) => p.personId === personId)!;
const featured = pupilOf(child.id);

let system: EducationSystem;
let connector: EducationConnector;

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

/** A UPN no county pupil has, with a valid check letter. */
function newUpn(serial: number): string {
  const body = `98020012${String(900 + serial).padStart(3, '0')}`.padEnd(12, '0').slice(0, 12);
  return `${upnCheckLetter(body)}${body}`;
}

/** A newly arrived pupil, sent by a school in another LA as a partial CTF. */
function transferCtf(upn: string, dateTime = '2025-09-30T09:00:00'): string {
  const arrival: EducationPupil = {
    ...featured,
    upn,
    personId: 'not-in-county',
    surname: 'Arrowsmith',
    forename: 'Nell',
    middleNames: [],
    birthDate: '2012-02-03',
    history: [{ schoolId: featured.schoolId, entryDate: '2025-09-22' }],
    attendance: [],
    exclusions: [],
  };
  delete arrival.sen;
  delete arrival.preferredForename;
  delete arrival.preferredSurname;
  const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
  return renderCtf(view, school, [arrival], { dateTime, qualifier: 'partial' });
}

beforeAll(async () => {
  system = await startEducationSystem({ county });
  connector = createEducationConnector({ directory: system.files });
});
afterAll(async () => {
  await system.close();
});
beforeEach(() => {
  system.setFaults({});
});

describe('education connector manifest', () => {
  it('declares agency education over CTF files with the UPN system', () => {
    expect(connector.manifest).toMatchObject({ agency: 'education', protocol: 'dfe-ctf-files', identifierSystems: [UPN] });
  });

  it('declares education.identity at T0 and education.record at T2 with canonical fields', () => {
    expect(Object.fromEntries(connector.manifest.categories.map((c) => [c.id, c.tier]))).toEqual({ 'education.identity': 'T0', 'education.record': 'T2' });
    for (const category of connector.manifest.categories) {
      const vocabulary: readonly string[] = category.id === 'education.identity' ? PERSON_FIELDS : RECORD_FIELDS;
      expect(category.fields.every((f) => vocabulary.includes(f))).toBe(true);
    }
  });
});

describe('education connector person search', () => {
  it('finds the featured child by UPN, with her school as who to contact', async () => {
    const people = await connector.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx());
    expect(people).toHaveLength(1);
    const school = view.schools.find((s) => s.schoolId === child.schoolId)!;
    const household = county.householdsById.get(child.householdId)!;
    expect(people[0]).toMatchObject({
      agency: 'education',
      personId: featured.upn,
      identifiers: [{ system: UPN, value: featured.upn }],
      names: [{ use: 'official', family: child.family, given: child.given }],
      birthDate: child.birthDate,
      birthDateAccuracy: 'AAA',
      gender: '2',
      addresses: [{ uprn: county.addressesById.get(household.addressId)!.uprn, postalCode: county.addressesById.get(household.addressId)!.postcode }],
      contact: { name: school.safeguardingLead.name, organisation: school.name, phone: school.phone },
      provenance: { system: system.files.location, recordId: `${school.laEstab}/${featured.upn}` },
    });
  });

  it('finds the featured child by name and birth date, case-insensitively', async () => {
    const people = await connector.searchPersons({ family: child.family.toUpperCase(), given: child.given[0]!.toLowerCase(), birthDate: child.birthDate }, ctx());
    expect(people.map((p) => p.personId)).toEqual([featured.upn]);
  });

  it('finds a pupil by the preferred name the school holds beside the legal one', async () => {
    const big = generateCounty({ seed: 5, households: 1500 });
    const bigSystem = await startEducationSystem({ county: big });
    try {
      const bigConnector = createEducationConnector({ directory: bigSystem.files });
      const pupil = big.views.education.pupils.find((p) => p.preferredSurname !== undefined)!;
      const people = await bigConnector.searchPersons({ family: pupil.preferredSurname!, given: pupil.forename, birthDate: pupil.birthDate }, ctx());
      expect(people.map((p) => p.personId)).toContain(pupil.upn);
      const found = people.find((p) => p.personId === pupil.upn)!;
      expect(found.names).toContainEqual({ use: 'usual', family: pupil.preferredSurname, given: [pupil.forename] });
    } finally {
      await bigSystem.close();
    }
  });

  it('returns no one for an unknown UPN or a name nobody has', async () => {
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: 'B801200005001' }] }, ctx())).toEqual([]);
    expect(await connector.searchPersons({ family: 'Zzyzx', given: 'Quinella' }, ctx())).toEqual([]);
  });

  it.each([
    ['an empty query', {}],
    ['a family name alone', { family: 'Smith' }],
    ['a UPN failing its check letter', { identifiers: [{ system: UPN, value: 'A801200005001' }] }],
    ['only an NHS number', { identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }] }],
    ['a badly formed birth date', { family: 'Smith', birthDate: '31/12/2010' }],
  ])('refuses %s as BAD_QUERY', async (_label, query) => {
    expect((await failure(connector.searchPersons(query, ctx()))).kind).toBe('BAD_QUERY');
  });

  it('refuses a search matching too many pupils as BAD_QUERY', async () => {
    const narrow = createEducationConnector({ directory: system.files, maxPersonMatches: 2 });
    const initials = new Map<string, number>();
    for (const p of view.pupils) initials.set(`${p.surname[0]}|${p.forename[0]}`, (initials.get(`${p.surname[0]}|${p.forename[0]}`) ?? 0) + 1);
    const [family, given] = [...initials.entries()].find(([, n]) => n > 2)![0].split('|') as [string, string];
    expect((await failure(narrow.searchPersons({ family, given }, ctx()))).kind).toBe('BAD_QUERY');
  });
});

describe('education connector record fetch', () => {
  it('gives the featured child her school enrolment and an attendance concern, with provenance and contact on every record', async () => {
    const records = (await connector.fetchRecords([featured.upn], ctx())).get(featured.upn)!;
    const school = view.schools.find((s) => s.schoolId === child.schoolId)!;
    const enrolment = records.find((r) => r.fields.type === 'school-enrolment' && r.fields.status === 'active')!;
    expect(enrolment).toMatchObject({ kind: 'involvement', tier: 'T2', fields: { location: school.name, narrative: 'Year 10; single registration', contactRole: 'Designated Safeguarding Lead' } });
    const absence = records.filter((r) => r.fields.type === 'persistent-absence');
    expect(absence.map((r) => r.fields.start)).toEqual(['2024-09-03', '2025-09-03']);
    expect(absence.find((r) => r.fields.status === 'active')?.fields.narrative).toMatch(/^Attendance 78\.9% in 2025\/26/);
    expect(records.find((r) => r.fields.type === 'sen-support')).toMatchObject({ kind: 'state', tier: 'T2', fields: { narrative: 'Primary need: Social, emotional and mental health' } });
    expect(records.find((r) => r.fields.type === 'suspension')).toMatchObject({ kind: 'event', tier: 'T2', fields: { narrative: 'Verbal abuse or threatening behaviour against an adult; 2 days (4 sessions)' } });
    for (const record of records) {
      expect(record).toMatchObject({ agency: 'education', category: 'education.record', personId: featured.upn });
      expect(record.tier).toBe('T2');
      expect(record.provenance.system).toBe(system.files.location);
      expect(Number.isNaN(Date.parse(record.provenance.asOf))).toBe(false);
      expect(record.fields.contactName).toBeTruthy();
      expect(Object.keys(record.fields).every((f) => (RECORD_FIELDS as readonly string[]).includes(f))).toBe(true);
    }
  });

  it('fetches many pupils in one pass, agreeing with the view', async () => {
    const upns = view.pupils.map((p) => p.upn);
    const records = await connector.fetchRecords(upns, ctx());
    expect(records.size).toBe(upns.length);
    const all = [...records.values()].flat();
    expect(all.filter((r) => r.fields.type === 'suspension' || r.fields.type === 'permanent-exclusion')).toHaveLength(view.pupils.reduce((n, p) => n + p.exclusions.length, 0));
    expect(all.filter((r) => r.fields.type === 'ehcp')).toHaveLength(view.pupils.filter((p) => p.sen?.provision === 'E').length);
    expect(all.filter((r) => r.fields.type === 'child-missing-education' || r.fields.type === 'elective-home-education')).toHaveLength(view.register.length);
    for (const pupil of view.pupils) {
      const enrolments = records.get(pupil.upn)!.filter((r) => r.fields.type === 'school-enrolment');
      expect(enrolments).toHaveLength(pupil.history.length);
    }
  });

  it('returns an empty list for a pupil without records and nothing for no pupils', async () => {
    expect((await connector.fetchRecords([], ctx())).size).toBe(0);
    const unknown = newUpn(1);
    expect((await connector.fetchRecords([unknown], ctx())).get(unknown)).toEqual([]);
    // The adults and the baby of the featured household are not pupils.
    expect(view.upnByPersonId.has(parent.id) || view.upnByPersonId.has(sibling.id)).toBe(false);
  });

  it('answers no records for ids that are not UPNs', async () => {
    const records = await connector.fetchRecords(['../../etc/passwd', featured.upn], ctx());
    expect(records.get('../../etc/passwd')).toEqual([]);
    expect(records.get(featured.upn)!.length).toBeGreaterThan(0);
  });

  it('gives the same records for the same seed', async () => {
    const twin = await startEducationSystem({ county: generateCounty({ seed: 1, households: 200 }) });
    try {
      const other = createEducationConnector({ directory: twin.files, system: 'same' });
      const mine = createEducationConnector({ directory: system.files, system: 'same' });
      const upns = view.pupils.map((p) => p.upn);
      expect(await other.fetchRecords(upns, ctx())).toEqual(await mine.fetchRecords(upns, ctx()));
    } finally {
      await twin.close();
    }
  });
});

describe('education connector and a changing directory', () => {
  const dropped: string[] = [];
  afterEach(async () => {
    for (const name of dropped.splice(0)) await system.removeFile(name);
  });

  it('finds a CTF dropped into the directory without a restart, and forgets it once removed', async () => {
    const upn = newUpn(2);
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: upn }] }, ctx())).toEqual([]);
    dropped.push('9304123_CTF_980LLLL_001.XML');
    await system.dropFile('9304123_CTF_980LLLL_001.XML', transferCtf(upn));
    const people = await connector.searchPersons({ identifiers: [{ system: UPN, value: upn }] }, ctx());
    expect(people.map((p) => p.names[0])).toEqual([{ use: 'official', family: 'Arrowsmith', given: ['Nell'] }]);
    // The partial transfer adds to the school's full export: its other pupils are still there.
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx())).toHaveLength(1);
    await system.removeFile(dropped.pop()!);
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: upn }] }, ctx())).toEqual([]);
  });

  it('picks up a changed file: a newer full export supersedes the school’s earlier one', async () => {
    const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
    const others = view.pupils.filter((p) => p.schoolId === school.schoolId && p.upn !== featured.upn);
    const name = ctfFileName(school, 2);
    dropped.push(name);
    // The newer export no longer lists the featured child (say she left the roll).
    await system.dropFile(name, renderCtf(view, school, others, { dateTime: '2025-09-30T12:00:00' }));
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx())).toEqual([]);
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: others[0]!.upn }] }, ctx())).toHaveLength(1);
    // Rewritten in place with her back on the roll.
    await writeFile(join(system.dir, name), renderCtf(view, school, [...others, featured], { dateTime: '2025-09-30T12:00:00' }), 'utf8');
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx())).toHaveLength(1);
  });

  it('ignores files still being written and files of other kinds', async () => {
    dropped.push('.9304123_CTF_980LLLL_009.XML.tmp', 'readme.txt');
    await writeFile(join(system.dir, '.9304123_CTF_980LLLL_009.XML.tmp'), '<CTfile><Hea', 'utf8');
    await writeFile(join(system.dir, 'readme.txt'), 'not a CTF', 'utf8');
    await connector.fetchRecords([featured.upn], ctx());
    expect(connector.problems()).toEqual([]);
  });
});

describe('education connector and malformed files', () => {
  it.each([
    ['truncated', 'not well-formed XML'],
    ['not-xml', 'not well-formed XML'],
    ['wrong-shape', 'CTF header: DateTime is missing'],
  ] as const)('reports a %s CTF by file name and reason, skips it and loses nothing else', async (mode, reason) => {
    const upns = view.pupils.map((p) => p.upn);
    const before = await connector.fetchRecords(upns, ctx());
    system.setFaults({ malformedFile: mode });
    const name = system.malformedFileName()!;
    const after = await connector.fetchRecords(upns, ctx());
    expect(after).toEqual(before);
    expect(await connector.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx())).toHaveLength(1);
    expect(connector.problems()).toEqual([{ file: name, reason: expect.stringContaining(reason), skipped: 'file' }]);
    const health = await connector.health!(ctx());
    expect(health.ok).toBe(true);
    expect(health.detail).toContain(name);
    system.setFaults({});
    await connector.fetchRecords([featured.upn], ctx());
    expect(connector.problems()).toEqual([]);
  });

  it('leaves out one invalid pupil and reports it by position, keeping the rest of the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mash-education-test-'));
    try {
      const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
      const pupils = view.pupils.filter((p) => p.schoolId === school.schoolId);
      const broken = { ...pupils[1]!, birthDate: 'yesterday' };
      await writeFile(join(dir, ctfFileName(school)), renderCtf(view, school, [pupils[0]!, broken, ...pupils.slice(2)], { dateTime: '2025-09-30T06:00:00' }));
      const local = createEducationConnector({ dir });
      const records = await local.fetchRecords(pupils.map((p) => p.upn), ctx());
      expect(records.get(pupils[1]!.upn)).toEqual([]);
      expect(records.get(pupils[0]!.upn)!.length).toBeGreaterThan(0);
      expect(local.problems()).toEqual([{ file: ctfFileName(school), reason: 'pupil 2: DOB is not a date', skipped: 'entry' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers MALFORMED_RESPONSE when no CTF in the directory can be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mash-education-test-'));
    try {
      await writeFile(join(dir, '9802001_CTF_980LLLL_001.XML'), '<CTfile><Header>', 'utf8');
      const local = createEducationConnector({ dir });
      expect((await failure(local.fetchRecords([featured.upn], ctx()))).kind).toBe('MALFORMED_RESPONSE');
      expect(await local.health!(ctx())).toEqual({ ok: false, detail: 'MALFORMED_RESPONSE' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps personal data out of problems, health and error messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mash-education-test-'));
    try {
      const school = view.schools.find((s) => s.schoolId === featured.schoolId)!;
      const xml = renderCtf(view, school, [featured], { dateTime: '2025-09-30T06:00:00' });
      await writeFile(join(dir, 'a.XML'), xml.slice(0, xml.indexOf(featured.surname) + 3));
      await writeFile(join(dir, 'b.XML'), xml.replace(`<DOB>${featured.birthDate}</DOB>`, `<DOB>${featured.surname}</DOB>`));
      await writeFile(join(dir, 'c.csv'), `UPN,LAEstab,SessionsPossible\n"${featured.upn},${featured.surname}`);
      const local = createEducationConnector({ dir });
      expect((await local.fetchRecords([featured.upn], ctx())).get(featured.upn)).toEqual([]);
      expect(local.problems().map((p) => p.file)).toEqual(['a.XML', 'b.XML', 'c.csv']);
      await rm(join(dir, 'b.XML'));
      const error = await failure(local.fetchRecords([featured.upn], ctx()));
      expect(error.kind).toBe('MALFORMED_RESPONSE');
      const texts = [...local.problems().map((p) => p.reason), error.message, (await local.health!(ctx())).detail ?? ''];
      for (const text of texts) {
        for (const secret of [featured.surname, featured.forename, featured.upn, featured.birthDate]) expect(text).not.toContain(secret);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('education connector indexing in the background', () => {
  /** The sandbox's directory, counting the files read. */
  function counting(): { reader: DirectoryReader; reads: string[] } {
    const reads: string[] = [];
    return {
      reads,
      reader: {
        location: system.files.location,
        list: (signal) => system.files.list(signal),
        read: (name, signal) => {
          reads.push(name);
          return system.files.read(name, signal);
        },
      },
    };
  }
  const dropped: string[] = [];
  afterEach(async () => {
    for (const name of dropped.splice(0)) await system.removeFile(name);
  });

  it('finishes its first index however short the callers\' timeouts, then answers at once', async () => {
    // Each listing and file read waits: the first index takes far longer than a caller waits.
    system.setFaults({ latencyMs: 150 });
    const background = createEducationConnector({ directory: system.files, indexInBackground: true });
    try {
      expect((await failure(background.fetchRecords([featured.upn], ctx(AbortSignal.timeout(30))))).kind).toBe('TIMEOUT');
      expect((await failure(background.fetchRecords([featured.upn], ctx(AbortSignal.timeout(30))))).kind).toBe('TIMEOUT');
      // The index was not abandoned with its callers: it completes, and then a call as impatient
      // answers from it, though every file read is still slow.
      await vi.waitFor(async () => expect((await background.fetchRecords([featured.upn], ctx(AbortSignal.timeout(30)))).get(featured.upn)!.length).toBeGreaterThan(0), { timeout: 20_000, interval: 100 });
    } finally {
      await background.close!();
    }
  });

  it('reads only new or changed files after the first index', async () => {
    const { reader, reads } = counting();
    const background = createEducationConnector({ directory: reader, indexInBackground: true, minRefreshIntervalMs: 0 });
    try {
      expect(await background.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx())).toHaveLength(1);
      const firstIndex = reads.length;
      expect(firstIndex).toBeGreaterThan(0);
      expect(new Set(reads).size).toBe(firstIndex);
      const upn = newUpn(4);
      dropped.push('9304123_CTF_980LLLL_004.XML');
      await system.dropFile('9304123_CTF_980LLLL_004.XML', transferCtf(upn));
      await vi.waitFor(async () => expect(await background.searchPersons({ identifiers: [{ system: UPN, value: upn }] }, ctx())).toHaveLength(1), { timeout: 10_000, interval: 50 });
      expect(reads.slice(firstIndex)).toEqual(['9304123_CTF_980LLLL_004.XML']);
    } finally {
      await background.close!();
    }
  });

  it('fails its calls once the directory cannot be read, instead of answering from the old index', async () => {
    const background = createEducationConnector({ directory: system.files, indexInBackground: true, minRefreshIntervalMs: 0 });
    try {
      expect((await background.fetchRecords([featured.upn], ctx())).get(featured.upn)!.length).toBeGreaterThan(0);
      system.setFaults({ unreadable: true });
      await vi.waitFor(async () => expect((await failure(background.fetchRecords([featured.upn], ctx()))).kind).toBe('UNREACHABLE'), { timeout: 10_000, interval: 50 });
      expect(await background.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
      system.setFaults({});
      await vi.waitFor(async () => expect((await background.fetchRecords([featured.upn], ctx())).get(featured.upn)!.length).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    } finally {
      await background.close!();
    }
  });
});

describe('education connector failures', () => {
  it('reports a slow directory as TIMEOUT when the signal fires', async () => {
    system.setFaults({ latencyMs: 60_000 });
    const slow = createEducationConnector({ directory: system.files });
    expect((await failure(slow.fetchRecords([featured.upn], ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
    expect((await failure(slow.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
  });

  it('reports a hanging directory as TIMEOUT, and answers again once it recovers', async () => {
    system.setFaults({ hang: true });
    const hung = createEducationConnector({ directory: system.files });
    expect((await failure(hung.fetchRecords([featured.upn], ctx(AbortSignal.timeout(100))))).kind).toBe('TIMEOUT');
    system.setFaults({});
    expect((await hung.fetchRecords([featured.upn], ctx())).get(featured.upn)!.length).toBeGreaterThan(0);
  });

  it('lets concurrent calls share one refresh without failing the patient one when an impatient one gives up', async () => {
    system.setFaults({ latencyMs: 100 });
    const shared = createEducationConnector({ directory: system.files });
    const impatient = failure(shared.fetchRecords([featured.upn], ctx(AbortSignal.timeout(20))));
    const patient = shared.fetchRecords([featured.upn], ctx());
    expect((await impatient).kind).toBe('TIMEOUT');
    expect((await patient).get(featured.upn)!.length).toBeGreaterThan(0);
  });

  it('reports an unreadable directory as UNREACHABLE', async () => {
    system.setFaults({ unreadable: true });
    expect((await failure(connector.fetchRecords([featured.upn], ctx()))).kind).toBe('UNREACHABLE');
    expect(await connector.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
  });

  it('reports a missing directory as UNREACHABLE', async () => {
    const gone = createEducationConnector({ dir: join(tmpdir(), 'mash-education-does-not-exist') });
    expect((await failure(gone.searchPersons({ identifiers: [{ system: UPN, value: featured.upn }] }, ctx()))).kind).toBe('UNREACHABLE');
  });

  it('reports health from the directory', async () => {
    expect(await connector.health!(ctx())).toEqual({ ok: true });
    expect(isValidUpn(featured.upn)).toBe(true);
  });

  it('refuses to be built without exactly one directory', () => {
    expect(() => createEducationConnector({})).toThrow(TypeError);
    expect(() => createEducationConnector({ dir: '/tmp', directory: system.files })).toThrow(TypeError);
  });
});

