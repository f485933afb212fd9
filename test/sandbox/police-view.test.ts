import { describe, expect, it } from 'vitest';
import { dayFromIso, generateCounty, type County } from '../../sandbox/county/index.js';
import { buildPoliceView, pncCheckLetter, type PoliceEvent } from '../../sandbox/police/index.js';

const small = generateCounty({ seed: 1, households: 200 });
const medium = generateCounty({ seed: 3, households: 2000 });

function signature(county: County): string {
  const view = county.views.police;
  return JSON.stringify({
    persons: view.persons.map((p) => [p.id, p.personId, p.names, p.birthDate, p.pncId ?? null]),
    events: view.events.map((e) => [e.id, e.type, e.occurredAt, e.involvements]),
    markers: view.markers.map((m) => [m.id, m.code, m.policePersonId]),
  });
}

const eventsOf = (county: County, personId: string): PoliceEvent[] => {
  const nominal = county.views.police.policePersonIdByPersonId.get(personId);
  return county.views.police.events.filter((e) => e.involvements.some((i) => i.policePersonId === nominal));
};

describe('the police view', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(signature(generateCounty({ seed: 1, households: 200 }))).toBe(signature(small));
    expect(signature(generateCounty({ seed: 2, households: 200 }))).not.toBe(signature(small));
  });

  it('holds only people police have met, each mapping back to a true person under the force\'s own id', () => {
    const { police } = small.views;
    expect(police.persons.length).toBeGreaterThan(0);
    expect(police.persons.length).toBeLessThan(small.persons.length / 4);
    expect(small.truth.police.size).toBe(police.persons.length);
    for (const p of police.persons) {
      expect(small.truth.police.get(p.id)).toBe(p.personId);
      expect(p.id).toMatch(/^NOM\d{7}$/);
      expect(small.personsById.has(p.id)).toBe(false);
    }
    const involved = new Set(police.events.flatMap((e) => e.involvements.map((i) => i.policePersonId)));
    expect(police.persons.every((p) => involved.has(p.id))).toBe(true);
  });

  it('gives every domestic abuse household call-outs that name its children, present or not', () => {
    const households = medium.households.filter((h) => h.factors.domesticAbuse && h.id !== medium.featured.householdId);
    expect(households.length).toBeGreaterThan(10);
    for (const household of households) {
      const adults = household.memberIds.map((id) => medium.personsById.get(id)!).filter((p) => p.role === 'adult');
      const incidents = adults.flatMap((a) => eventsOf(medium, a.id)).filter((e) => e.type === 'domestic-abuse-incident');
      expect(incidents.length).toBeGreaterThan(0);
      for (const incident of incidents) {
        const roles = incident.involvements.map((i) => i.role);
        expect(roles).toContain('victim');
        const childRoles = roles.filter((r) => r === 'child-present' || r === 'child-in-household');
        if (incident.childPresent) expect(childRoles.every((r) => r === 'child-present') && childRoles.length > 0).toBe(true);
        else expect(childRoles.every((r) => r === 'child-in-household')).toBe(true);
      }
    }
  });

  it('raises event rates where the household has risk factors', () => {
    const rate = (withFactor: boolean): number => {
      const households = medium.households.filter(
        (h) => (h.factors.domesticAbuse || h.factors.parentalSubstanceMisuse) === withFactor && h.id !== medium.featured.householdId,
      );
      const members = new Set(households.flatMap((h) => h.memberIds));
      const known = medium.views.police.persons.filter((p) => members.has(p.personId)).length;
      return known / members.size;
    };
    expect(rate(true)).toBeGreaterThan(rate(false) * 5);
  });

  it('places each call-out at the household address of the day: before a move, the old one', () => {
    const { police } = medium.views;
    const location = new Map(police.locations.map((l) => [l.id, l]));
    let checked = 0;
    for (const e of police.events.filter((x) => x.type === 'domestic-abuse-incident')) {
      const victim = police.persons.find((p) => p.id === e.involvements[0]!.policePersonId)!;
      const household = medium.householdsById.get(medium.personsById.get(victim.personId)!.householdId)!;
      const day = dayFromIso(e.occurredAt);
      const expected = household.previousAddressId && day < dayFromIso(household.movedIn) ? household.previousAddressId : household.addressId;
      expect(location.get(e.locationId)?.uprn).toBe(medium.addressesById.get(expected)!.uprn);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('records missing episodes for older children, most often for children in care or on a plan', () => {
    const missing = medium.views.police.events.filter((e) => e.type === 'missing-person');
    expect(missing.length).toBeGreaterThan(5);
    for (const e of missing) {
      const nominal = medium.views.police.persons.find((p) => p.id === e.involvements[0]!.policePersonId)!;
      const person = medium.personsById.get(nominal.personId)!;
      expect(person.role).toBe('child');
      expect(e.endedAt! > e.occurredAt).toBe(true);
    }
  });

  it('gives arrested people a PNC id with a valid check letter', () => {
    const arrested = new Set(medium.views.police.events.filter((e) => e.type === 'arrest').flatMap((e) => e.involvements.map((i) => i.policePersonId)));
    expect(arrested.size).toBeGreaterThan(10);
    for (const p of medium.views.police.persons.filter((x) => arrested.has(x.id))) {
      const m = /^(\d{2})\/(\d{7})([A-Z])$/.exec(p.pncId ?? '');
      expect(m).not.toBeNull();
      expect(pncCheckLetter(m![1]!, m![2]!)).toBe(m![3]);
    }
  });

  it('records names as given at the scene: nicknames, aliases, typos and day/month swaps at the default rates', () => {
    const { police } = medium.views;
    const differs = (pred: (p: (typeof police.persons)[number], truth: ReturnType<typeof medium.personsById.get>) => boolean): number =>
      police.persons.filter((p) => pred(p, medium.personsById.get(p.personId))).length;
    const primary = (p: (typeof police.persons)[number]) => p.names.find((n) => n.type === 'primary')!;
    expect(differs((p, t) => primary(p).forenames[0] !== t!.given[0])).toBeGreaterThan(0);
    expect(differs((p, t) => primary(p).surname !== t!.family)).toBeGreaterThan(0);
    expect(differs((p) => p.names.length > 1)).toBeGreaterThan(0);
    expect(differs((p, t) => p.birthDate !== t!.birthDate)).toBeGreaterThan(0);
  });

  it('follows the configured noise rates', () => {
    const clean = buildPoliceView(medium, { typo: 0, nickname: 0, alias: 0, dayMonthSwap: 0 });
    for (const p of clean.persons) {
      const truth = medium.personsById.get(p.personId)!;
      expect(p.names).toEqual([{ type: 'primary', forenames: truth.given, surname: truth.family }]);
      expect(p.birthDate).toBe(truth.birthDate);
    }
  });

  it('gives every event an officer to contact and every marker a unit', () => {
    for (const e of small.views.police.events) expect(e.officer.phone).toMatch(/^01632 960\d{3}$/);
    for (const m of small.views.police.markers) expect(m.unit).toBeTruthy();
  });
});

describe('the featured household in the police view', () => {
  const { child, parent, partner } = small.featured;

  it('shows the featured child present at domestic abuse call-outs at home, exactly as the truth records her', () => {
    const nominal = small.views.police.persons.find((p) => p.personId === child.id)!;
    expect(nominal.names).toEqual([{ type: 'primary', forenames: child.given, surname: child.family }]);
    expect(nominal.birthDate).toBe(child.birthDate);
    const home = small.addressesById.get(small.householdsById.get(child.householdId)!.addressId)!;
    const homeLocation = small.views.police.locations.find((l) => l.uprn === home.uprn)!;
    const incidents = eventsOf(small, child.id).filter((e) => e.type === 'domestic-abuse-incident');
    expect(incidents).toHaveLength(3);
    expect(incidents.every((e) => e.childPresent && e.involvements.some((i) => i.policePersonId === nominal.id && i.role === 'child-present'))).toBe(true);
    expect(incidents.filter((e) => e.locationId === homeLocation.id)).toHaveLength(2);
    expect(eventsOf(small, child.id).map((e) => e.type)).toContain('missing-person');
  });

  it('names the partner as suspect and the mother as victim, with markers, an arrest and a protective order', () => {
    const roleOf = (personId: string) =>
      eventsOf(small, personId)
        .filter((e) => e.type === 'domestic-abuse-incident')
        .map((e) => e.involvements.find((i) => i.policePersonId === small.views.police.policePersonIdByPersonId.get(personId))!.role);
    expect(new Set(roleOf(partner.id))).toEqual(new Set(['suspect']));
    expect(new Set(roleOf(parent.id))).toEqual(new Set(['victim']));
    const partnerId = small.views.police.policePersonIdByPersonId.get(partner.id)!;
    expect(small.views.police.markers.filter((m) => m.policePersonId === partnerId).map((m) => m.code).sort()).toEqual(['DAP', 'WE']);
    expect(eventsOf(small, partner.id).map((e) => e.type)).toEqual(expect.arrayContaining(['arrest', 'protective-order']));
    expect(small.views.police.intelligence.some((r) => r.policePersonId === partnerId)).toBe(true);
  });

  it('does not move when the county grows', () => {
    const bigger = generateCounty({ seed: 1, households: 400 });
    const ids = (c: County) => eventsOf(c, c.featured.child.id).map((e) => [e.id, e.type, e.occurredAt]);
    expect(ids(bigger)).toEqual(ids(small));
  });
});
