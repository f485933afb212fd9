import { describe, expect, it } from 'vitest';
import { dayFromIso, generateCounty, type County } from '../../sandbox/county/index.js';
import { ANNEX_A, buildSocialCareView } from '../../sandbox/social-care/index.js';

const small = generateCounty({ seed: 1, households: 200 });
const medium = generateCounty({ seed: 3, households: 2000 });

function signature(county: County): string {
  const view = county.views.socialCare;
  return JSON.stringify({
    persons: view.persons.map((p) => [p.id, p.personId, p.forename, p.surname, p.birthDate, p.nhsNumber ?? null]),
    contacts: view.contacts.map((c) => [c.id, c.personId, c.date, c.source]),
    plans: view.cpPlans.map((c) => [c.id, c.personId, c.start, c.end ?? null]),
    sealed: [view.adoptions.map((a) => a.personId), view.genderHistory.map((g) => g.personId)],
  });
}

const truthOf = (county: County, socialCarePersonId: string) => county.personsById.get(county.truth.socialCare.get(socialCarePersonId)!)!;

describe('the social care view', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(signature(generateCounty({ seed: 1, households: 200 }))).toBe(signature(small));
    expect(signature(generateCounty({ seed: 2, households: 200 }))).not.toBe(signature(small));
  });

  it('keeps ground truth apart: every person maps back to a true person under the service\'s own id', () => {
    const { socialCare } = small.views;
    expect(small.truth.socialCare.size).toBe(socialCare.persons.length);
    for (const p of socialCare.persons) {
      expect(small.truth.socialCare.get(p.id)).toBe(p.personId);
      expect(p.id).toMatch(/^\d{7}$/);
    }
  });

  it('holds a child protection plan for exactly the children the truth has on a plan, with the same dates and category', () => {
    for (const county of [small, medium]) {
      const { socialCare } = county.views;
      const truthPlans = county.persons.filter((p) => p.childProtection?.plan === 'CPP');
      expect(socialCare.cpPlans).toHaveLength(truthPlans.length);
      for (const person of truthPlans) {
        const id = socialCare.socialCarePersonIdByPersonId.get(person.id)!;
        const [plan] = socialCare.cpPlans.filter((c) => c.personId === id);
        const cp = person.childProtection!;
        expect(plan).toMatchObject({ start: cp.start, initialCategory: ANNEX_A.category[cp.category], latestCategory: ANNEX_A.category[cp.category] });
        expect(plan!.end).toBe(cp.end);
        // Reached through a section 47 enquiry whose conference made the plan.
        expect(socialCare.section47s.some((s) => s.personId === id && s.icpcDate === cp.start && s.icpcPlan === true)).toBe(true);
        expect(socialCare.referrals.some((r) => r.personId === id && r.date < cp.start)).toBe(true);
      }
    }
  });

  it('holds a looked-after episode for exactly the children the truth has looked after', () => {
    const { socialCare } = medium.views;
    const truthLac = medium.persons.filter((p) => p.childProtection?.plan === 'LAC');
    expect(socialCare.lookedAfter).toHaveLength(truthLac.length);
    for (const person of truthLac) {
      const episode = socialCare.lookedAfter.find((l) => l.personId === socialCare.socialCarePersonIdByPersonId.get(person.id))!;
      expect(episode.start).toBe(person.childProtection!.start);
      expect(episode.ceased).toBe(person.childProtection!.end);
    }
  });

  it('receives every police notification about a child as a contact from the police a day or two later', () => {
    const { police, socialCare } = medium.views;
    let checked = 0;
    for (const event of police.events) {
      if (event.type !== 'domestic-abuse-incident' && event.type !== 'missing-person') continue;
      const day = dayFromIso(event.occurredAt);
      if (day + 2 >= dayFromIso(medium.asOf)) continue;
      for (const inv of event.involvements) {
        if (!['child-present', 'child-in-household', 'missing-person'].includes(inv.role)) continue;
        const scId = socialCare.socialCarePersonIdByPersonId.get(police.truth.get(inv.policePersonId)!);
        expect(scId).toBeDefined();
        const contacts = socialCare.contacts.filter((c) => c.personId === scId && c.source === 'q) 6: Police');
        expect(contacts.some((c) => dayFromIso(c.date) - day >= 1 && dayFromIso(c.date) - day <= 2)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('raises contact rates where the household has risk factors', () => {
    const rate = (withFactor: boolean): number => {
      const children = medium.persons.filter((p) => {
        const f = medium.householdsById.get(p.householdId)!.factors;
        return p.role === 'child' && (f.domesticAbuse || f.neglect || f.parentalMentalHealth || f.parentalSubstanceMisuse) === withFactor;
      });
      return children.filter((c) => medium.views.socialCare.socialCarePersonIdByPersonId.has(c.id)).length / children.length;
    };
    expect(rate(true)).toBeGreaterThan(rate(false) * 2);
  });

  it('holds parents and carers of the children it knows as related adults', () => {
    const { socialCare } = small.views;
    const children = socialCare.persons.filter((p) => p.personType === 'child');
    for (const child of children) {
      const household = small.householdsById.get(truthOf(small, child.id).householdId)!;
      for (const memberId of household.memberIds) {
        if (small.personsById.get(memberId)!.role === 'adult') expect(socialCare.socialCarePersonIdByPersonId.has(memberId)).toBe(true);
      }
    }
  });

  it('uses Annex A code values', () => {
    const { socialCare } = medium.views;
    expect(socialCare.contacts.every((c) => /^[a-z]\) \d{1,2}[A-F]?: /.test(c.source))).toBe(true);
    expect(socialCare.childrenInNeed.every((c) => /^N\d - /.test(c.primaryNeed) && /^[a-e]\) /.test(c.caseStatus))).toBe(true);
    expect(socialCare.cpPlans.every((c) => /^[a-e]\) /.test(c.latestCategory))).toBe(true);
  });

  it('records NHS numbers often, and less often for adults, at the default rates', () => {
    const { socialCare } = medium.views;
    const share = (type: 'child' | 'adult'): number => {
      const persons = socialCare.persons.filter((p) => p.personType === type);
      return persons.filter((p) => p.nhsNumber !== undefined).length / persons.length;
    };
    expect(share('child')).toBeGreaterThan(0.8);
    expect(share('adult')).toBeLessThan(0.7);
    expect(socialCare.persons.filter((p) => p.nhsNumber).every((p) => p.nhsNumber === truthOf(medium, p.id).nhsNumber)).toBe(true);
  });

  it('follows the configured noise rates', () => {
    const clean = buildSocialCareView(medium, { typo: 0, nickname: 0, dayMonthSwap: 0, missingNhsNumber: 0, adultMissingNhsNumber: 0, staleAddress: 0 }, medium.views.police);
    for (const p of clean.persons) {
      const truth = medium.personsById.get(p.personId)!;
      expect([p.forename, p.surname, p.birthDate, p.nhsNumber, p.knownAs]).toEqual([truth.given[0], truth.family, truth.birthDate, truth.nhsNumber, undefined]);
    }
  });

  it('holds sealed adoption and gender-history records only for people it holds for other reasons, never the featured household', () => {
    for (const county of [small, medium]) {
      const { socialCare } = county.views;
      expect(socialCare.adoptions.length).toBeGreaterThan(0);
      expect(socialCare.genderHistory.length).toBeGreaterThan(0);
      const featured = new Set(county.householdsById.get(county.featured.householdId)!.memberIds);
      for (const sealed of [...socialCare.adoptions, ...socialCare.genderHistory]) {
        expect(featured.has(socialCare.truth.get(sealed.personId)!)).toBe(false);
        const open = [...socialCare.contacts, ...socialCare.referrals].some((r) => r.personId === sealed.personId);
        const adult = socialCare.persons.find((p) => p.id === sealed.personId)!.personType === 'adult';
        expect(open || adult).toBe(true);
      }
    }
    expect(medium.views.socialCare.genderHistory.length).toBeLessThan(medium.views.socialCare.persons.length / 50);
  });

  it('gives every list row an allocated team and worker with a phone', () => {
    const { socialCare } = small.views;
    const workers = new Map(socialCare.workers.map((w) => [w.id, w]));
    for (const row of [...socialCare.referrals, ...socialCare.assessments, ...socialCare.childrenInNeed, ...socialCare.cpPlans]) {
      expect(workers.get(row.workerId)?.phone).toMatch(/^01632 960\d{3}$/);
      expect(socialCare.teams.some((t) => t.id === row.teamId)).toBe(true);
    }
  });
});

describe('the featured household in the social care view', () => {
  const { child, sibling, parent } = small.featured;
  const view = small.views.socialCare;
  const idOf = (personId: string) => view.socialCarePersonIdByPersonId.get(personId)!;

  it('holds the featured child exactly, on her child protection plan with an allocated worker', () => {
    const person = view.persons.find((p) => p.personId === child.id)!;
    expect([person.forename, person.surname, person.birthDate, person.nhsNumber]).toEqual([child.given[0], child.family, child.birthDate, child.nhsNumber]);
    const plans = view.cpPlans.filter((c) => c.personId === person.id);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ start: child.childProtection!.start, latestCategory: 'a) Neglect' });
    expect(plans[0]!.end).toBeUndefined();
    const open = view.childrenInNeed.find((c) => c.personId === person.id && c.closure === undefined)!;
    expect(open.caseStatus).toBe('b) Child Protection plan');
    expect(view.workers.find((w) => w.id === open.workerId)!.name).toBeTruthy();
  });

  it('has a contact from the police after each call-out the child was at', () => {
    const policeDays = small.views.police.events
      .filter((e) => e.involvements.some((i) => small.views.police.truth.get(i.policePersonId) === child.id))
      .map((e) => e.occurredAt.slice(0, 10));
    const contacts = view.contacts.filter((c) => c.personId === idOf(child.id) && c.source === 'q) 6: Police').map((c) => c.date);
    expect(contacts).toHaveLength(policeDays.length);
  });

  it('puts the baby on the same plan and holds the mother as a related adult', () => {
    expect(view.cpPlans.filter((c) => c.personId === idOf(sibling.id))).toHaveLength(1);
    expect(view.persons.find((p) => p.personId === parent.id)?.personType).toBe('adult');
  });
});
