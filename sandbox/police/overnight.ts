/**
 * A few overnight domestic-abuse incidents for the demo (`npm start`): recorded at runtime in
 * the police simulator, relative to a given `now`, at households of the county with school-age
 * children, so the daily meeting list and Operation Encompass have something from last night.
 * The households are picked deterministically from the county's seed.
 */
import type { County } from '../county/index.js';
import { ageOn, dayFromIso } from '../county/dates.js';
import type { Household, Person } from '../county/model.js';
import { Rng } from '../county/prng.js';
import type { IncidentSpec, RecordedIncident } from './store.js';

const HOUR = 3_600_000;

/** The night before `now`: from 18:00 to 06:00 (UTC), the one that ended at the latest 06:00 at or before `now`. */
export function nightBefore(now: Date): { start: Date; end: Date } {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 6));
  if (end.getTime() > now.getTime()) end.setTime(end.getTime() - 24 * HOUR);
  return { start: new Date(end.getTime() - 12 * HOUR), end };
}

interface Plan {
  household: Household;
  risk: IncidentSpec['riskLevel'];
  childrenPresent: boolean;
  /** Hours after 18:00. */
  at: number;
}

/**
 * Specs of 3 incidents in the night before `now`: one high risk with the children present, one
 * at a household with a pre-school child as well as a school-age one, one with the children
 * asleep (in the household, not present). Fewer when the county has fewer such households.
 */
export function overnightIncidentSpecs(county: County, now: Date): IncidentSpec[] {
  const day = dayFromIso(now.toISOString());
  const members = (h: Household): Person[] => h.memberIds.map((id) => county.personsById.get(id)).filter((p): p is Person => p !== undefined);
  const childrenOf = (h: Household): Person[] => members(h).filter((p) => p.role === 'child' && dayFromIso(p.birthDate) < day && ageOn(dayFromIso(p.birthDate), day) < 18);
  const schoolAge = (p: Person): boolean => p.schoolId !== undefined && ageOn(dayFromIso(p.birthDate), day) >= 4 && ageOn(dayFromIso(p.birthDate), day) <= 16;
  const candidates = county.households.filter(
    (h) => h.id !== county.featured.householdId && members(h).some((p) => p.role === 'adult') && childrenOf(h).some(schoolAge),
  );
  const rng = Rng.derive(county.seed, 'police-overnight');
  const take = (list: Household[]): Household | undefined => {
    if (list.length === 0) return undefined;
    const chosen = rng.pick(list);
    candidates.splice(candidates.indexOf(chosen), 1);
    return chosen;
  };
  const plans: Plan[] = [];
  const withPreSchool = take(candidates.filter((h) => childrenOf(h).some((c) => ageOn(dayFromIso(c.birthDate), day) < 4)));
  const high = take(candidates);
  if (high) plans.push({ household: high, risk: 'high', childrenPresent: true, at: 2.75 });
  if (withPreSchool) plans.push({ household: withPreSchool, risk: 'medium', childrenPresent: true, at: 5.25 });
  const asleep = take(candidates);
  if (asleep) plans.push({ household: asleep, risk: 'standard', childrenPresent: false, at: 8.5 });

  const { start } = nightBefore(now);
  return plans.map((plan) => {
    const adults = members(plan.household).filter((p) => p.role === 'adult');
    const victim = adults.find((p) => p.sex === 'female') ?? (adults[0] as Person);
    const partner = adults.find((p) => p !== victim && p.sex !== victim.sex) ?? adults.find((p) => p !== victim);
    const children = childrenOf(plan.household);
    const occurred = new Date(start.getTime() + plan.at * HOUR);
    const address = county.addressesById.get(plan.household.addressId)!;
    const nominal = (p: Person, role: IncidentSpec['persons'][number]['role']): IncidentSpec['persons'][number] => {
      const known = county.views.police.policePersonIdByPersonId.get(p.id);
      return known
        ? { role, personId: known }
        : { role, newPerson: { forenames: [...p.given], surname: p.family, dateOfBirth: p.birthDate, sex: p.sex === 'female' ? 'F' : 'M', truePersonId: p.id } };
    };
    const persons: IncidentSpec['persons'][number][] = [nominal(victim, 'victim')];
    if (partner) persons.push(nominal(partner, 'suspect'));
    else {
      // An ex-partner living elsewhere, whom the force has not met before.
      const family = children[0]?.family ?? victim.family;
      const born = Number(victim.birthDate.slice(0, 4)) - 2;
      persons.push({ role: 'suspect', newPerson: { forenames: [rng.pick(['Lee', 'Craig', 'Jason', 'Darren', 'Wayne'])], surname: family, dateOfBirth: `${born}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`, sex: 'M' } });
    }
    for (const child of children) persons.push(nominal(child, plan.childrenPresent ? 'child-present' : 'child-in-household'));
    return {
      occurredAt: occurred.toISOString(),
      recordedAt: new Date(occurred.getTime() + (45 + rng.int(0, 45)) * 60_000).toISOString(),
      riskLevel: plan.risk,
      childrenPresent: plan.childrenPresent,
      location: { uprn: address.uprn, line1: address.line1, ...(address.line2 ? { line2: address.line2 } : {}), city: address.city, postcode: address.postcode },
      persons,
    };
  });
}

/** Records the overnight incidents in a police simulator (its `recordIncident`). */
export function recordOvernightIncidents(county: County, now: Date, record: (spec: IncidentSpec) => RecordedIncident): RecordedIncident[] {
  return overnightIncidentSpecs(county, now).map((spec) => record(spec));
}
