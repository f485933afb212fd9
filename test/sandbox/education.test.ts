import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageOn, dayFromIso, generateCounty, type County } from '../../sandbox/county/index.js';
import { renderEducationExport, startEducationSystem, upnCheckLetter, type EducationSystem } from '../../sandbox/education/index.js';

/** From /work/shared/formats/identifiers/test-vectors.csv (each row names its public source). */
const UPN_VECTORS: ReadonlyArray<[string, string]> = [
  ['B801200005001', 'B'], // python-stdnum gb/upn doctest
  ['A801200005001', 'B'], // same digits, wrong check letter
  ['A123456789123', 'P'], // liia-tools CIN sample with a wrong check letter
];

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.education;
const asOf = dayFromIso(county.asOf);

let bigCounty: County | undefined;
/** A larger county for rates, generated once. */
const big = (): County => (bigCounty ??= generateCounty({ seed: 5, households: 4000 }));

const absenceRate = (p: { possible: number; authorised: number; unauthorised: number }): number => (p.authorised + p.unauthorised) / p.possible;

describe('UPN check letter', () => {
  it.each(UPN_VECTORS)('computes the check letter of %s as %s, as the published vectors do', (upn, letter) => {
    expect(upnCheckLetter(upn.slice(1))).toBe(letter);
  });
});

describe('education view of the county', () => {
  it('holds a pupil for every child on a school roll, and for no one else', () => {
    const onRoll = county.persons.filter((p) => p.schoolId !== undefined);
    expect(view.pupils.map((p) => p.personId).sort()).toEqual(onRoll.map((p) => p.id).sort());
    for (const pupil of view.pupils) {
      expect(county.personsById.get(pupil.personId)?.schoolId).toBe(pupil.schoolId);
      expect(view.truth.get(pupil.upn)).toBe(pupil.personId);
    }
  });

  it('gives every pupil a unique UPN with a valid check letter, the LA code and the allocating school', () => {
    const upns = view.pupils.map((p) => p.upn);
    expect(new Set(upns).size).toBe(upns.length);
    const estabs = new Set(view.schools.map((s) => s.estab));
    for (const upn of upns) {
      expect(upn).toMatch(/^[A-HJ-NP-RT-Z]\d{12}$/);
      expect(upnCheckLetter(upn.slice(1))).toBe(upn[0]);
      expect(upn.slice(1, 4)).toBe(view.lea);
      expect(estabs.has(upn.slice(4, 8))).toBe(true);
    }
  });

  it('keeps a school history that ends at the current school, in date order', () => {
    for (const pupil of view.pupils) {
      const last = pupil.history[pupil.history.length - 1]!;
      expect(last.schoolId).toBe(pupil.schoolId);
      expect(last.leavingDate).toBeUndefined();
      for (let i = 1; i < pupil.history.length; i++) {
        expect(pupil.history[i]!.entryDate >= pupil.history[i - 1]!.leavingDate!).toBe(true);
      }
      expect(dayFromIso(last.entryDate)).toBeLessThan(asOf);
    }
  });

  it('moves pupils to a school in the new town only when the household moved across towns', () => {
    const changed = view.pupils.filter((p) => p.history.some((s) => s.leavingReason === 'Moved out of the area'));
    for (const pupil of changed) {
      const household = county.householdsById.get(county.personsById.get(pupil.personId)!.householdId)!;
      expect(household.previousAddressId).toBeDefined();
      expect(county.addressesById.get(household.previousAddressId!)!.city).not.toBe(county.addressesById.get(household.addressId)!.city);
    }
  });

  it('records children missing education only between leaving one school and joining the next after a move', () => {
    for (const entry of view.register.filter((r) => r.register === 'CME')) {
      const pupil = view.pupils.find((p) => p.upn === entry.upn)!;
      const left = pupil.history.find((s) => s.leavingDate !== undefined && s.leavingReason === 'Moved out of the area')!;
      expect(left).toBeDefined();
      expect(entry.start > left.leavingDate!).toBe(true);
      expect(entry.end).toBe(pupil.history[pupil.history.length - 1]!.entryDate);
    }
  });

  it('puts elective home education between two spells at the same school', () => {
    for (const entry of view.register.filter((r) => r.register === 'EHE')) {
      const pupil = view.pupils.find((p) => p.upn === entry.upn)!;
      const index = pupil.history.findIndex((s) => s.leavingReason === 'Elective home education');
      expect(index).toBeGreaterThanOrEqual(0);
      expect(pupil.history[index + 1]!.schoolId).toBe(pupil.history[index]!.schoolId);
      expect(pupil.history[index + 1]!.entryDate).toBe(entry.end);
    }
  });

  it('raises absence, suspensions and SEN where the household has known risk factors (a larger county)', () => {
    const pupils = big().views.education.pupils;
    const risk = (personId: string): boolean => {
      const f = big().householdsById.get(big().personsById.get(personId)!.householdId)!.factors;
      return f.neglect || f.domesticAbuse || f.parentalMentalHealth || f.parentalSubstanceMisuse;
    };
    const share = (list: typeof pupils, test: (p: (typeof pupils)[number]) => boolean): number => list.filter(test).length / list.length;
    const withYear = pupils.filter((p) => p.attendance.length > 0);
    const persistent = (p: (typeof pupils)[number]): boolean => absenceRate(p.attendance[0]!) >= 0.1;
    const atRisk = withYear.filter((p) => risk(p.personId));
    const others = withYear.filter((p) => !risk(p.personId));
    expect(share(atRisk, persistent)).toBeGreaterThan(share(others, persistent));
    // England 2023/24: about one pupil in five persistently absent.
    expect(share(withYear, persistent)).toBeGreaterThan(0.12);
    expect(share(withYear, persistent)).toBeLessThan(0.32);
    expect(share(atRisk, (p) => p.exclusions.length > 0)).toBeGreaterThan(share(others, (p) => p.exclusions.length > 0));
    const sen = share(pupils, (p) => p.sen !== undefined);
    expect(sen).toBeGreaterThan(0.12);
    expect(sen).toBeLessThan(0.26);
  });

  it('records the names schools use beside the legal ones, and stale addresses only after a move', () => {
    const large = big();
    const pupils = large.views.education.pupils;
    expect(pupils.some((p) => p.preferredForename !== undefined)).toBe(true);
    const stepSurnames = pupils.filter((p) => p.preferredSurname !== undefined);
    expect(stepSurnames.length).toBeGreaterThan(0);
    for (const p of stepSurnames) expect(p.preferredSurname).not.toBe(large.personsById.get(p.personId)!.family);
    for (const pupil of pupils) {
      const household = large.householdsById.get(large.personsById.get(pupil.personId)!.householdId)!;
      if (pupil.address.id !== household.addressId) expect(pupil.address.id).toBe(household.previousAddressId);
    }
    expect(pupils.some((p) => large.householdsById.get(large.personsById.get(p.personId)!.householdId)!.addressId !== p.address.id)).toBe(true);
  });

  it('gives the featured child a secondary school enrolment, persistent absence, SEN support and a suspension, unnoised', () => {
    const child = county.featured.child;
    const pupil = view.pupils.find((p) => p.personId === child.id)!;
    expect(pupil).toMatchObject({ surname: child.family, forename: child.given[0], birthDate: child.birthDate, schoolId: child.schoolId, ncYear: 10 });
    expect(pupil.preferredForename).toBeUndefined();
    expect(county.schoolsById.get(pupil.schoolId)!.phase).toBe('secondary');
    expect(absenceRate(pupil.attendance[0]!)).toBeGreaterThan(0.1);
    expect(absenceRate(pupil.termAttendance!)).toBeGreaterThan(0.1);
    expect(pupil.sen).toMatchObject({ provision: 'K', needs: ['SEMH'] });
    expect(pupil.exclusions).toHaveLength(1);
    expect(ageOn(dayFromIso(child.birthDate), asOf)).toBe(14);
    // Her baby half-sibling is not of school age.
    expect(view.upnByPersonId.has(county.featured.sibling.id)).toBe(false);
  });

  it('is deterministic for a seed, down to the bytes of every file', () => {
    const again = generateCounty({ seed: 1, households: 200 });
    const a = renderEducationExport(view);
    const b = renderEducationExport(again.views.education);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, content] of a) expect(b.get(name)).toBe(content);
    const other = renderEducationExport(generateCounty({ seed: 2, households: 200 }).views.education);
    expect([...other.values()].join('')).not.toBe([...a.values()].join(''));
  });

  it('keeps the featured child the same whatever the county size', () => {
    const bigger = generateCounty({ seed: 1, households: 600 });
    const a = view.pupils.find((p) => p.personId === county.featured.child.id)!;
    const b = bigger.views.education.pupils.find((p) => p.personId === bigger.featured.child.id)!;
    expect({ ...b, upn: undefined }).toEqual({ ...a, upn: undefined });
  });
});

describe('education data hub directory', () => {
  let system: EducationSystem;
  const signal = (): AbortSignal => AbortSignal.timeout(5000);

  beforeAll(async () => {
    system = await startEducationSystem({ county });
  });
  afterAll(async () => {
    await system.close();
  });

  it('writes one CTF and one attendance extract per school, the LA registers and the schools directory', async () => {
    const names = (await readdir(system.dir)).sort();
    expect(names).toEqual([...system.exported].sort());
    for (const school of view.schools) {
      expect(names).toContain(`${school.laEstab}_CTF_${view.lea}LLLL_001.XML`);
      expect(names).toContain(`${school.laEstab}_attendance_20250930.csv`);
    }
    expect(names.filter((n) => n.endsWith('.XML'))).toHaveLength(view.schools.length);
    expect(names).toContain('980_la-registers_20250930.csv');
    expect(names).toContain('980_establishments_20250930.csv');
    const child = view.pupils.find((p) => p.personId === county.featured.child.id)!;
    const school = view.schools.find((s) => s.schoolId === child.schoolId)!;
    const ctf = await readFile(`${system.dir}/${school.laEstab}_CTF_980LLLL_001.XML`, 'utf8');
    expect(ctf).toContain(`<UPN>${child.upn}</UPN>`);
    expect(ctf).toContain('<DocumentName>Common Transfer File</DocumentName>');
  });

  it('lists and reads the directory through the fault-free view', async () => {
    const entries = await system.files.list(signal());
    expect(entries.map((e) => e.name).sort()).toEqual([...system.exported].sort());
    expect(await system.files.read(system.exported[0]!, signal())).toContain(',');
  });

  it('drops a broken newer CTF for the malformed-file fault and removes it when cleared', async () => {
    system.setFaults({ malformedFile: 'truncated' });
    const name = system.malformedFileName()!;
    expect(name).toMatch(/_CTF_980LLLL_002\.XML$/);
    const text = await readFile(`${system.dir}/${name}`, 'utf8');
    expect(text).not.toContain('</CTfile>');
    system.setFaults({});
    expect(system.malformedFileName()).toBeUndefined();
    expect(await readdir(system.dir)).not.toContain(name);
  });

  it('fails listings with EACCES when unreadable and waits out a hang until the caller gives up', async () => {
    system.setFaults({ unreadable: true });
    await expect(system.files.list(signal())).rejects.toMatchObject({ code: 'EACCES' });
    system.setFaults({ hang: true });
    await expect(system.files.read(system.exported[0]!, AbortSignal.timeout(50))).rejects.toThrow();
    system.setFaults({});
    await expect(system.files.list(signal())).resolves.toHaveLength(system.exported.length);
  });

  it('refuses file names with a path', async () => {
    await expect(system.dropFile('../escape.XML', '<x/>')).rejects.toThrow(RangeError);
  });
});
