/**
 * Builds the true population household by household. Each household draws from its own derived
 * random stream, so household n is the same whatever the county's size; only globally unique
 * values (NHS numbers, addresses) are allocated in order.
 */
import { ageOn, dayFromIso, isoDate } from './dates.js';
import type {
  ChildProtection,
  CpCategory,
  GpPractice,
  Household,
  HouseholdFactors,
  Person,
  PersonRole,
  School,
  Sex,
} from './model.js';
import {
  ADULT_FEMALE_GIVEN,
  ADULT_MALE_GIVEN,
  CHILD_FEMALE_GIVEN,
  CHILD_MALE_GIVEN,
  ELDER_FEMALE_GIVEN,
  ELDER_MALE_GIVEN,
  SURNAMES,
} from './names.js';
import { randomTestNhsNumber } from './nhs-number.js';
import type { Geography } from './places.js';
import { Rng } from './prng.js';

/** Adults born before 1965 get names of their generation. */
const ELDER_BORN_BEFORE = dayFromIso('1965-01-01');

export interface NewPerson {
  householdId: string;
  role: PersonRole;
  sex: Sex;
  birthDay: number;
  family: string;
  given?: string[];
}

export class PopulationBuilder {
  readonly persons: Person[] = [];
  readonly households: Household[] = [];
  readonly personsById = new Map<string, Person>();
  readonly householdsById = new Map<string, Household>();
  private readonly nhsNumbers = new Set<string>();
  private readonly practicesByTown = new Map<string, GpPractice[]>();
  private readonly schoolsByTown = new Map<string, { primary: School[]; secondary: School[] }>();

  constructor(
    readonly seed: number,
    readonly asOfDay: number,
    readonly geo: Geography,
    gpPractices: readonly GpPractice[],
    schools: readonly School[],
  ) {
    for (const p of gpPractices) {
      const list = this.practicesByTown.get(p.town) ?? [];
      list.push(p);
      this.practicesByTown.set(p.town, list);
    }
    for (const s of schools) {
      const entry = this.schoolsByTown.get(s.town) ?? { primary: [], secondary: [] };
      entry[s.phase].push(s);
      this.schoolsByTown.set(s.town, entry);
    }
  }

  givenNames(rng: Rng, sex: Sex, role: PersonRole, birthDay: number): string[] {
    const elder = role === 'adult' && birthDay < ELDER_BORN_BEFORE;
    const list =
      role === 'child'
        ? sex === 'female' ? CHILD_FEMALE_GIVEN : CHILD_MALE_GIVEN
        : elder
          ? sex === 'female' ? ELDER_FEMALE_GIVEN : ELDER_MALE_GIVEN
          : sex === 'female' ? ADULT_FEMALE_GIVEN : ADULT_MALE_GIVEN;
    const first = rng.pick(list);
    const names = [first];
    const middles = rng.weighted([38, 56, 6]);
    for (let i = 0; i < middles; i++) {
      const middle = rng.pick(list);
      if (!names.includes(middle)) names.push(middle);
    }
    return names;
  }

  surname(rng: Rng): string {
    return rng.pick(SURNAMES);
  }

  private nhsNumber(rng: Rng): string {
    for (;;) {
      const n = randomTestNhsNumber(rng);
      if (!this.nhsNumbers.has(n)) {
        this.nhsNumbers.add(n);
        return n;
      }
    }
  }

  addPerson(rng: Rng, spec: NewPerson): Person {
    const person: Person = {
      id: `p${String(this.persons.length + 1).padStart(6, '0')}`,
      householdId: spec.householdId,
      role: spec.role,
      given: spec.given ?? this.givenNames(rng, spec.sex, spec.role, spec.birthDay),
      family: spec.family,
      sex: spec.sex,
      birthDate: isoDate(spec.birthDay),
      nhsNumber: this.nhsNumber(rng),
      parentIds: [],
      childIds: [],
      gpPracticeId: '',
    };
    this.persons.push(person);
    this.personsById.set(person.id, person);
    return person;
  }

  addHousehold(household: Household): void {
    this.households.push(household);
    this.householdsById.set(household.id, household);
  }

  /** Registers everyone with one practice in their town and children with local schools. */
  placeServices(rng: Rng, members: readonly Person[], townName: string): void {
    const practices = this.practicesByTown.get(townName) ?? [...this.practicesByTown.values()][0] ?? [];
    const practice = rng.pick(practices);
    const schools = this.schoolsByTown.get(townName);
    const primary = schools && schools.primary.length > 0 ? rng.pick(schools.primary) : undefined;
    const secondary = schools && schools.secondary.length > 0 ? rng.pick(schools.secondary) : undefined;
    for (const person of members) {
      person.gpPracticeId = practice.id;
      if (person.role !== 'child') continue;
      const age = ageOn(dayFromIso(person.birthDate), this.asOfDay);
      if (age >= 4 && age <= 10 && primary) person.schoolId = primary.id;
      else if (age >= 11 && age <= 15 && secondary) person.schoolId = secondary.id;
      else if (age >= 16 && age <= 17 && secondary && rng.chance(0.7)) person.schoolId = secondary.id;
    }
  }

  linkParent(parent: Person, child: Person): void {
    parent.childIds.push(child.id);
    child.parentIds.push(parent.id);
  }

  /** A random household: 1-2 adults and 0-4 children aged 0-18, with believable surnames. */
  randomHousehold(index: number): Household {
    const rng = Rng.derive(this.seed, 'household', index);
    const id = `h${String(index + 1).padStart(6, '0')}`;
    const townIndex = this.geo.pickTown(rng);
    const address = this.geo.allocate(rng, townIndex);
    const childCount = rng.weighted([30, 28, 26, 11, 5]);
    const members: Person[] = [];
    const factors = drawFactors(rng, childCount > 0);

    if (childCount === 0) {
      const single = rng.chance(0.55);
      const firstSex: Sex = rng.chance(0.5) ? 'female' : 'male';
      const firstAgeDays = rng.int(18 * 365 + 10, 85 * 365);
      const family = this.surname(rng);
      members.push(this.addPerson(rng, { householdId: id, role: 'adult', sex: firstSex, birthDay: this.asOfDay - firstAgeDays, family }));
      if (!single) {
        const sameSex = rng.chance(0.06);
        const sex: Sex = sameSex ? firstSex : firstSex === 'female' ? 'male' : 'female';
        const ageDays = Math.max(18 * 365 + 10, firstAgeDays + rng.int(-6 * 365, 6 * 365));
        const partnerFamily = rng.chance(0.5) ? family : this.surname(rng);
        members.push(this.addPerson(rng, { householdId: id, role: 'adult', sex, birthDay: this.asOfDay - ageDays, family: partnerFamily }));
      }
    } else {
      // Children's ages in days, eldest first; twins now and then.
      const maxAge = 18 * 365 + 360;
      const eldestAge = rng.int(Math.min(maxAge, (childCount - 1) * 500), maxAge);
      const childAges: number[] = [eldestAge];
      for (let i = 1; i < childCount; i++) {
        const previous = childAges[i - 1] as number;
        const gap = rng.chance(0.02) ? 0 : rng.int(330, 2400);
        if (previous - gap < 0) break;
        childAges.push(previous - gap);
      }
      const motherAgeAtEldest = 17 * 365 + Math.floor((rng.int(0, 12 * 365) + rng.int(0, 12 * 365)) / 1.2);
      const motherBirth = this.asOfDay - eldestAge - motherAgeAtEldest;
      const singleParent = rng.chance(0.25);
      const singleFather = singleParent && rng.chance(0.1);
      const motherFamily = this.surname(rng);
      const firstParent = this.addPerson(rng, {
        householdId: id,
        role: 'adult',
        sex: singleFather ? 'male' : 'female',
        birthDay: motherBirth,
        family: motherFamily,
      });
      members.push(firstParent);
      let partner: Person | undefined;
      let partnerParentFrom = childAges.length; // index of the first child the partner is a parent of
      let partnerFamily = this.surname(rng);
      if (!singleParent) {
        const sameSex = rng.chance(0.04);
        const sex: Sex = sameSex ? 'female' : 'male';
        const birth = Math.min(motherBirth + rng.int(-8 * 365, 3 * 365), this.asOfDay - 18 * 365 - 10);
        const married = rng.chance(0.55);
        if (married && !sameSex) {
          // Marriage: she takes his name, now and then both double-barrel.
          if (rng.chance(0.05) && !/[- ]/.test(partnerFamily) && !/[- ]/.test(motherFamily)) partnerFamily = `${partnerFamily}-${motherFamily}`;
          firstParent.family = partnerFamily;
        }
        partner = this.addPerson(rng, { householdId: id, role: 'adult', sex, birthDay: birth, family: married && sameSex ? motherFamily : partnerFamily });
        members.push(partner);
        // Blended families: the partner is the parent of the younger children only, or none.
        partnerParentFrom = sameSex ? childAges.length : rng.chance(0.78) ? 0 : rng.int(1, childAges.length);
      }
      const absentFatherFamily = this.surname(rng);
      childAges.forEach((ageDays, i) => {
        const sex: Sex = rng.chance(0.51) ? 'male' : 'female';
        const partnerIsParent = partner !== undefined && i >= partnerParentFrom;
        let family: string;
        if (partnerIsParent) {
          const r = rng.float();
          family =
            r < 0.84
              ? (partner as Person).family
              : r < 0.9 && !/[- ]/.test(motherFamily) && !/[- ]/.test((partner as Person).family)
                ? `${motherFamily}-${(partner as Person).family}`
                : motherFamily;
        } else {
          family = singleFather ? firstParent.family : rng.chance(0.6) ? absentFatherFamily : motherFamily;
        }
        const child = this.addPerson(rng, { householdId: id, role: 'child', sex, birthDay: this.asOfDay - ageDays, family });
        this.linkParent(firstParent, child);
        if (partnerIsParent && partner) this.linkParent(partner, child);
        members.push(child);
      });
      this.drawChildProtection(rng, members, factors);
      for (const m of members) {
        if (m.role === 'adult' && m.sex === 'female') {
          const age = ageOn(dayFromIso(m.birthDate), this.asOfDay);
          if (age >= 17 && age <= 44 && rng.chance(0.04)) m.pregnant = true;
        }
      }
    }

    const moved = rng.chance(0.18);
    const movedInDay = moved ? this.asOfDay - rng.int(20, 1100) : this.asOfDay - rng.int(1100, 9000);
    const household: Household = {
      id,
      addressId: address.id,
      movedIn: isoDate(movedInDay),
      memberIds: members.map((m) => m.id),
      factors,
    };
    if (moved) {
      const fromTown = rng.chance(0.7) ? townIndex : this.geo.pickTown(rng);
      household.previousAddressId = this.geo.allocate(rng, fromTown).id;
    }
    this.addHousehold(household);
    this.placeServices(rng, members, this.geo.towns[townIndex]?.name ?? '');
    return household;
  }

  drawChildProtection(rng: Rng, members: readonly Person[], factors: HouseholdFactors): void {
    const p = factors.neglect
      ? 0.3
      : factors.domesticAbuse
        ? 0.1
        : factors.parentalSubstanceMisuse
          ? 0.08
          : factors.parentalMentalHealth
            ? 0.02
            : 0.0015;
    // Siblings are usually made subject to plans together.
    if (!rng.chance(p)) return;
    const category: CpCategory = factors.neglect
      ? 'neglect'
      : factors.domesticAbuse
        ? 'emotional abuse'
        : rng.pick(['physical abuse', 'emotional abuse', 'multiple', 'sexual abuse'] as const);
    const plan: ChildProtection['plan'] = rng.chance(0.2) ? 'LAC' : 'CPP';
    const startDay = this.asOfDay - rng.int(20, 700);
    const endDay = rng.chance(0.3) ? startDay + rng.int(90, 540) : undefined;
    for (const child of members) {
      if (child.role !== 'child') continue;
      const birthDay = dayFromIso(child.birthDate);
      if (ageOn(birthDay, this.asOfDay) >= 18) continue;
      const start = Math.max(startDay, birthDay + 7);
      if (start >= this.asOfDay) continue;
      child.childProtection = {
        plan,
        category,
        start: isoDate(start),
        ...(endDay !== undefined && endDay < this.asOfDay && endDay > start ? { end: isoDate(endDay) } : {}),
      };
    }
  }
}

function drawFactors(rng: Rng, hasChildren: boolean): HouseholdFactors {
  // Risk factors cluster (the "toxic trio"): one present makes the others likelier.
  const domesticAbuse = rng.chance(hasChildren ? 0.05 : 0.03);
  const boost = domesticAbuse ? 2.5 : 1;
  const parentalMentalHealth = rng.chance((hasChildren ? 0.1 : 0.08) * boost);
  const parentalSubstanceMisuse = rng.chance((hasChildren ? 0.04 : 0.03) * (parentalMentalHealth ? 2.5 : boost));
  const neglect = hasChildren && rng.chance(0.02 * (domesticAbuse || parentalSubstanceMisuse ? 4 : 1));
  return { domesticAbuse, parentalMentalHealth, parentalSubstanceMisuse, neglect };
}
