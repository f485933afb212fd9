import { describe, expect, it } from 'vitest';
import {
  ageOn,
  dayFromIso,
  generateCounty,
  isValidNhsNumber,
  nhsCheckDigit,
  type County,
} from '../../sandbox/county/index.js';

/** From /work/shared/formats/identifiers/test-vectors.csv (each row names its public source). */
const NHS_VECTORS: ReadonlyArray<[string, boolean]> = [
  ['9000000009', true], // NHS Digital PDS sandbox patient
  ['9912003888', true], // UK Core Richard Smith example
  ['9434765919', true], // Wikipedia worked example
  ['9876544321', false], // fails Modulus 11
  ['9990000018', true], // 999 test range
  ['9990000026', true],
];

const small = generateCounty({ seed: 1, households: 200 });

function signature(county: County): string {
  return JSON.stringify({
    persons: county.persons.map((p) => [p.id, p.given, p.family, p.birthDate, p.nhsNumber, p.householdId, p.parentIds]),
    addresses: county.addresses.map((a) => [a.uprn, a.line1, a.postcode]),
    patients: county.views.health.patients.map((p) => [p.id, p.nhsNumber ?? null, p.addresses.map((a) => a.address.uprn)]),
    encounters: county.views.health.encounters.length,
  });
}

describe('NHS number check digit', () => {
  it.each(NHS_VECTORS)('judges %s valid=%s as the published test vectors do', (value, valid) => {
    expect(isValidNhsNumber(value)).toBe(valid);
  });

  it('maps 11 to a check digit of 0 and has none when 11 minus the remainder is 10', () => {
    expect(nhsCheckDigit('000000001')).toBe(9); // 1x2 = 2; 11 - 2 = 9
    expect(nhsCheckDigit('000000000')).toBe(0); // 11 - 0 = 11 -> 0
    expect(nhsCheckDigit('000000006')).toBeUndefined(); // 6x2 = 12; 12 mod 11 = 1; 11 - 1 = 10
  });
});

describe('generateCounty', () => {
  it('is deterministic for a seed', () => {
    expect(signature(generateCounty({ seed: 1, households: 200 }))).toBe(signature(small));
  });

  it('differs across seeds', () => {
    const other = generateCounty({ seed: 2, households: 200 });
    expect(signature(other)).not.toBe(signature(small));
    expect(other.featured.child.nhsNumber).not.toBe(small.featured.child.nhsNumber);
  });

  it('gives every person a valid, unique NHS number in the 999 test range', () => {
    const numbers = small.persons.map((p) => p.nhsNumber);
    expect(numbers.every(isValidNhsNumber)).toBe(true);
    expect(numbers.every((n) => n.startsWith('999'))).toBe(true);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('builds households of one or two adults and up to four children aged 0-18', () => {
    const asOf = dayFromIso(small.asOf);
    for (const household of small.households) {
      const members = household.memberIds.map((id) => small.personsById.get(id)!);
      const adults = members.filter((m) => m.role === 'adult');
      const children = members.filter((m) => m.role === 'child');
      expect(adults.length).toBeGreaterThanOrEqual(1);
      expect(adults.length).toBeLessThanOrEqual(2);
      expect(children.length).toBeLessThanOrEqual(4);
      for (const child of children) {
        const age = ageOn(dayFromIso(child.birthDate), asOf);
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThanOrEqual(18);
        expect(child.parentIds.length).toBeGreaterThanOrEqual(1);
        for (const parentId of child.parentIds) expect(small.personsById.get(parentId)?.childIds).toContain(child.id);
      }
      for (const adult of adults) expect(ageOn(dayFromIso(adult.birthDate), asOf)).toBeGreaterThanOrEqual(18);
    }
    expect(small.households.some((h) => h.memberIds.length >= 4)).toBe(true);
  });

  it('gives addresses a 12-digit UPRN and a UK-format postcode, and some households a previous address', () => {
    const uprns = small.addresses.map((a) => a.uprn);
    expect(uprns.every((u) => /^\d{12}$/.test(u))).toBe(true);
    expect(new Set(uprns).size).toBe(uprns.length);
    expect(small.addresses.every((a) => /^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$/.test(a.postcode))).toBe(true);
    const moved = small.households.filter((h) => h.previousAddressId !== undefined);
    expect(moved.length).toBeGreaterThan(10);
    expect(moved.every((h) => h.previousAddressId !== h.addressId)).toBe(true);
  });

  it('uses names with hyphens, apostrophes and Mc/Mac forms', () => {
    const families = new Set(generateCounty({ seed: 3, households: 3000 }).persons.map((p) => p.family));
    expect([...families].some((f) => f.includes('-'))).toBe(true);
    expect([...families].some((f) => f.startsWith("O'"))).toBe(true);
    expect([...families].some((f) => /^Ma?c[A-Z]/.test(f))).toBe(true);
  });

  it('registers everyone with a GP practice and school-age children with a school', () => {
    expect(small.persons.every((p) => small.gpPracticesById.has(p.gpPracticeId))).toBe(true);
    const asOf = dayFromIso(small.asOf);
    const primaryAge = small.persons.filter((p) => p.role === 'child' && ageOn(dayFromIso(p.birthDate), asOf) === 7);
    expect(primaryAge.length).toBeGreaterThan(0);
    expect(primaryAge.every((p) => small.schoolsById.get(p.schoolId ?? '')?.phase === 'primary')).toBe(true);
  });

  it('keeps ground truth apart: every health patient maps back to its true person', () => {
    const { truth, views } = small;
    expect(truth.health.size).toBe(small.persons.length);
    for (const patient of views.health.patients) {
      expect(truth.health.get(patient.id)).toBe(patient.personId);
      expect(small.personsById.has(patient.personId)).toBe(true);
    }
    // Agency ids are the agency's own, not the true ids.
    expect(views.health.patients.some((p) => small.personsById.has(p.id))).toBe(false);
  });

  it('generates 100,000 persons', () => {
    const county = generateCounty({ seed: 11, households: 35_000 });
    expect(county.persons.length).toBeGreaterThanOrEqual(100_000);
    expect(county.views.health.patients.length).toBe(county.persons.length);
  });
});

describe('the health view', () => {
  it('leaves some NHS numbers out and some addresses stale at the default rates', () => {
    const county = generateCounty({ seed: 5, households: 2000 });
    const patients = county.views.health.patients;
    const missing = patients.filter((p) => p.nhsNumber === undefined).length / patients.length;
    expect(missing).toBeGreaterThan(0.02);
    expect(missing).toBeLessThan(0.07);
    const stale = patients.filter((p) => {
      const household = county.householdsById.get(county.personsById.get(p.personId)!.householdId)!;
      return household.previousAddressId !== undefined && p.addresses[0]?.address.id === household.previousAddressId;
    });
    expect(stale.length).toBeGreaterThan(0);
  });

  it('follows the configured noise rates', () => {
    const clean = generateCounty({ seed: 5, households: 300, health: { missingNhsNumber: 0, staleAddress: 0 } });
    expect(clean.views.health.patients.every((p) => p.nhsNumber !== undefined)).toBe(true);
    const noisy = generateCounty({ seed: 5, households: 300, health: { missingNhsNumber: 1 } });
    const featuredIds = new Set(noisy.householdsById.get(noisy.featured.householdId)!.memberIds);
    const withNumber = noisy.views.health.patients.filter((p) => p.nhsNumber !== undefined);
    // Only the featured household is exempt from noise.
    expect(withNumber.every((p) => featuredIds.has(p.personId))).toBe(true);
  });

  it('produces events at believable rates: A&E for many children, CP-IS flags for a few', () => {
    const county = generateCounty({ seed: 9, households: 3000 });
    const view = county.views.health;
    const children = county.persons.filter((p) => p.role === 'child').length;
    const childPatients = new Set(
      view.patients.filter((p) => county.personsById.get(p.personId)!.role === 'child').map((p) => p.id),
    );
    const childAe = view.encounters.filter((e) => e.service !== 'sexual-health' && childPatients.has(e.patientId)).length;
    // Roughly 0.2-0.5 attendances per child per year over three years.
    expect(childAe / children / 3).toBeGreaterThan(0.15);
    expect(childAe / children / 3).toBeLessThan(0.6);
    expect(view.flags.length / children).toBeLessThan(0.05);
    expect(view.flags.length).toBeGreaterThan(0);
    const under5 = view.episodes.filter((e) => e.service === 'health-visiting' && e.status === 'active').length;
    expect(under5).toBeGreaterThan(0);
  });
});

describe('health view dates', () => {
  it('never records anything after the as-of date, nor updates a record before it happened', () => {
    for (const seed of [3, 4]) {
      const county = generateCounty({ seed, households: 3000 });
      const view = county.views.health;
      const endOfAsOf = `${county.asOf}T23:59:59+00:00`;
      for (const e of view.encounters) {
        expect(e.start <= endOfAsOf && e.lastUpdated >= e.end).toBe(true);
      }
      for (const a of view.missedAppointments) {
        expect(a.start.slice(0, 10) < county.asOf && a.lastUpdated >= a.end).toBe(true);
      }
      for (const e of view.episodes) {
        expect(e.start <= county.asOf && (e.end === undefined || e.end <= county.asOf)).toBe(true);
        expect(e.lastUpdated.slice(0, 10) >= (e.end ?? e.start)).toBe(true);
      }
      for (const p of view.patients) {
        expect(p.registeredSince >= p.birthDate && p.registeredSince <= county.asOf).toBe(true);
      }
    }
  });
});

describe('the featured household', () => {
  it('is stable for a seed whatever the county size', () => {
    const a = generateCounty({ seed: 4, households: 50 }).featured;
    const b = generateCounty({ seed: 4, households: 5000 }).featured;
    expect([b.child.given, b.child.family, b.child.birthDate, b.child.nhsNumber]).toEqual([
      a.child.given,
      a.child.family,
      a.child.birthDate,
      a.child.nhsNumber,
    ]);
    expect(b.parent.nhsNumber).toBe(a.parent.nhsNumber);
  });

  it('has a child with a parent in the same household', () => {
    const { child, parent, sibling, householdId } = small.featured;
    expect(child.role).toBe('child');
    expect(child.parentIds).toContain(parent.id);
    expect(sibling.parentIds).toContain(parent.id);
    expect(small.householdsById.get(householdId)?.memberIds).toEqual(expect.arrayContaining([child.id, parent.id]));
    expect(child.childProtection?.plan).toBe('CPP');
  });

  it('gives the child health records of every kind, with NHS number and current address', () => {
    const view = small.views.health;
    const patientId = view.patientIdByPersonId.get(small.featured.child.id)!;
    const patient = view.patients.find((p) => p.id === patientId)!;
    expect(patient.nhsNumber).toBe(small.featured.child.nhsNumber);
    const household = small.householdsById.get(small.featured.householdId)!;
    expect(patient.addresses[0]?.address.id).toBe(household.addressId);
    const encounterServices = new Set(view.encounters.filter((e) => e.patientId === patientId).map((e) => e.service));
    expect(encounterServices).toEqual(new Set(['emergency-department', 'urgent-treatment-centre', 'sexual-health']));
    const episodes = new Set(view.episodes.filter((e) => e.patientId === patientId).map((e) => e.service));
    expect(episodes).toEqual(new Set(['school-nursing', 'camhs']));
    expect(view.flags.filter((f) => f.patientId === patientId)).toHaveLength(1);
    expect(view.missedAppointments.filter((a) => a.patientId === patientId).length).toBeGreaterThanOrEqual(2);
  });
});
