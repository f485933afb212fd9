/**
 * Children's social care's view of the county: what the local authority's case management system
 * holds, as plain rows shaped like the Ofsted Annex A lists (sandbox/social-care loads them into
 * SQL tables). Children are known through contacts, referrals, assessments, section 47 enquiries,
 * child in need episodes, child protection plans and looked-after episodes; household adults are
 * held as related persons. Values use the Annex A code lists (`q) 6: Police`, `a) Neglect`,
 * `C2: FCO`, ...).
 *
 * Agreement with the truth and with the other agencies:
 * - every child protection plan and looked-after episode is the truth's `person.childProtection`
 *   (same start, end and category), reached through a contact, referral, assessment and (for plans)
 *   a section 47 enquiry and initial conference;
 * - every police notification about a child (a domestic abuse call-out or missing episode in the
 *   police view) arrives as a contact from the police a day or two later;
 * - other contacts come at believable rates, raised by household.factors.
 * Sealed items exist so the policy has something to deny: adoption records (Annex A List 10) for
 * some young looked-after children, and a handful of protected gender-history records.
 */
import { ageOn, dayFromIso, isoDate, isoDateTime } from '../dates.js';
import type { CountyCore, CpCategory, Household, Person, PlaceAddress, ServiceContact } from '../model.js';
import { ADULT_FEMALE_GIVEN, ADULT_MALE_GIVEN, SURNAMES } from '../names.js';
import { nickname, swapDayMonth, typo } from '../noise.js';
import { dramaPhone } from '../places.js';
import { Rng } from '../prng.js';
import type { PoliceView } from './police.js';

export interface SocialCareViewOptions {
  /** Probability a recorded name (given or family) carries a one-character typo. */
  typo: number;
  /** Probability a child has a recorded "known as" name (a nickname). */
  nickname: number;
  /** Probability the date of birth has day and month swapped. */
  dayMonthSwap: number;
  /** Probability a child's record has no NHS number. */
  missingNhsNumber: number;
  /** Probability an adult's (related person's) record has no NHS number. */
  adultMissingNhsNumber: number;
  /** Probability, for a household that moved, that the record still has the old address. */
  staleAddress: number;
  /** Years of contacts and referrals to generate. */
  lookbackYears: number;
}

/** Social care defaults: careful records, NHS number often present for children, less for adults. */
export const DEFAULT_SOCIAL_CARE_VIEW_OPTIONS: SocialCareViewOptions = {
  typo: 0.02,
  nickname: 0.06,
  dayMonthSwap: 0.01,
  missingNhsNumber: 0.12,
  adultMissingNhsNumber: 0.45,
  staleAddress: 0.2,
  lookbackYears: 4,
};

export interface SocialCareTeam {
  id: string;
  name: string;
  phone: string;
  email: string;
}

export interface SocialCareWorker {
  id: string;
  name: string;
  role: string;
  teamId: string;
  phone: string;
  email: string;
}

export interface SocialCareAddress {
  line1: string;
  line2?: string;
  town: string;
  postcode: string;
  uprn: string;
  start?: string;
  end?: string;
}

export interface SocialCarePerson {
  /** The case management system's person id (numeric, as Mosaic and LCS use). */
  id: string;
  personId: string;
  nhsNumber?: string;
  forename: string;
  middleNames?: string;
  surname: string;
  knownAs?: string;
  birthDate: string;
  gender: 'M' | 'F';
  personType: 'child' | 'adult';
  addresses: SocialCareAddress[];
  lastUpdated: string;
}

interface Allocation {
  teamId: string;
  workerId: string;
}

/** Annex A List 1. */
export interface SocialCareContact {
  id: string;
  personId: string;
  date: string;
  source: string;
  lastUpdated: string;
}

/**
 * A family relationship as the case management system records it (the person's "relationships"
 * tab): `relatedPersonId` is `relationship` of `personId` ("Mother" = the related person is the
 * person's mother). Recorded in both directions, between persons the system holds.
 */
export interface SocialCareRelationship {
  id: string;
  personId: string;
  relatedPersonId: string;
  relationship: string;
  start?: string;
  end?: string;
  lastUpdated: string;
}

/** Annex A List 3. */
export interface SocialCareReferral extends Allocation {
  id: string;
  personId: string;
  date: string;
  source: string;
  nfa: boolean;
  lastUpdated: string;
}

/** Annex A List 4. */
export interface SocialCareAssessment extends Allocation {
  id: string;
  personId: string;
  referralId: string;
  start: string;
  authorised?: string;
  childSeen: boolean;
  requiresSupport?: boolean;
  lastUpdated: string;
}

/** Annex A List 5. */
export interface SocialCareSection47 extends Allocation {
  id: string;
  personId: string;
  strategyDiscussion: string;
  icpcUnnecessary?: boolean;
  icpcDate?: string;
  icpcPlan?: boolean;
  lastUpdated: string;
}

/** Annex A List 6. */
export interface SocialCareChildInNeed extends Allocation {
  id: string;
  personId: string;
  start: string;
  primaryNeed: string;
  lastSeen?: string;
  closure?: string;
  closureReason?: string;
  caseStatus: string;
  lastUpdated: string;
}

/** Annex A List 7. */
export interface SocialCareCpPlan extends Allocation {
  id: string;
  personId: string;
  start: string;
  initialCategory: string;
  latestCategory: string;
  lastVisit?: string;
  seenAlone?: boolean;
  latestReview?: string;
  end?: string;
  emergencyProtection: boolean;
  previousPlans: number;
  lastUpdated: string;
}

/** Annex A List 8. */
export interface SocialCareLookedAfter extends Allocation {
  id: string;
  personId: string;
  start: string;
  categoryOfNeed: string;
  legalStatus: string;
  legalStatusStart: string;
  latestReview?: string;
  lastVisit?: string;
  permanencePlan?: string;
  placementsLast12Months: number;
  ceased?: string;
  reasonCeased?: string;
  placementStart: string;
  placementType: string;
  placementProvider: string;
  placementPostcode: string;
  placementLocation: string;
  missingLast12Months: number;
  lastUpdated: string;
}

/** Annex A List 10 (sealed: Adoption Agencies Regulations 2005 regs 41-42). */
export interface SocialCareAdoption {
  id: string;
  personId: string;
  enteredCare: string;
  decision: string;
  placementOrder?: string;
  matched?: string;
  placed?: string;
  adoptionOrder?: string;
  lastUpdated: string;
}

/** Protected gender history (sealed: Gender Recognition Act 2004 s22). */
export interface SocialCareGenderHistory {
  id: string;
  personId: string;
  recorded: string;
  note: string;
  lastUpdated: string;
}

export interface SocialCareView {
  options: SocialCareViewOptions;
  localAuthority: string;
  /** The front door (MASH / duty): who to contact when no worker is allocated. */
  frontDoor: ServiceContact;
  informationGovernance: ServiceContact;
  teams: readonly SocialCareTeam[];
  workers: readonly SocialCareWorker[];
  persons: readonly SocialCarePerson[];
  contacts: readonly SocialCareContact[];
  referrals: readonly SocialCareReferral[];
  assessments: readonly SocialCareAssessment[];
  section47s: readonly SocialCareSection47[];
  childrenInNeed: readonly SocialCareChildInNeed[];
  cpPlans: readonly SocialCareCpPlan[];
  lookedAfter: readonly SocialCareLookedAfter[];
  adoptions: readonly SocialCareAdoption[];
  genderHistory: readonly SocialCareGenderHistory[];
  /** Family and household composition between the persons held, from the county truth. */
  relationships: readonly SocialCareRelationship[];
  /** True person id -> social care person id. */
  socialCarePersonIdByPersonId: ReadonlyMap<string, string>;
  /** Social care person id -> true person id (ground truth). */
  truth: ReadonlyMap<string, string>;
}

/** Annex A code values used by the view (data-map.yml). */
export const ANNEX_A = {
  source: {
    family: 'a) 1A: Individual',
    acquaintance: 'b) 1B: Individual',
    self: 'c) 1C: Individual',
    school: 'e) 2A: Schools',
    gp: 'g) 3A: Health services',
    healthVisitor: 'h) 3B: Health services',
    schoolNurse: 'i) 3C: Health services',
    emergencyDepartment: 'k) 3E: Health services',
    housing: 'm) 4: Housing',
    laServices: 'n) 5A: LA services',
    police: 'q) 6: Police',
    other: 's) 8: Other',
    anonymous: 't) 9: Anonymous',
  },
  category: {
    neglect: 'a) Neglect',
    'physical abuse': 'b) Physical abuse',
    'sexual abuse': 'c) Sexual abuse',
    'emotional abuse': 'd) Emotional abuse',
    multiple: 'e) Multiple/not recommended',
  } satisfies Record<CpCategory, string>,
  caseStatus: {
    lookedAfter: 'a) Looked after child',
    cpPlan: 'b) Child Protection plan',
    cinPlan: 'c) Child in need plan',
    openAssessment: 'd) Open assessment',
    closed: 'e) Closed episode',
  },
  need: {
    abuse: 'N1 - Abuse or neglect',
    disability: "N2 - Child's disability",
    parentalIllness: 'N3 - Parental disability or illness',
    acuteStress: 'N4 - Family in acute stress',
    dysfunction: 'N5 - Family dysfunction',
    behaviour: 'N6 - Socially unacceptable behaviour',
  },
  closure: {
    ceased: 'RC7 - Services ceased for any other reason, including child no longer in need',
    nfa: 'RC8 - Case closed after assessment, no further action',
    adopted: 'RC1 - Adopted',
    sgo: 'RC4 - Special guardianship order',
  },
  legalStatus: ['C2: FCO', 'V2: Single period under S20', 'C1: ICO'],
  placementType: {
    parents: 'k) P1: Placed with parents',
    fosterLongTerm: 'd) U4: Foster placement - long term',
    foster: 'f) U6: Foster placement - not FFA',
    fosterRelative: 'c) U3: Foster placement - relative - not FFA',
    childrensHome: "p) K2: Children's Homes",
    adoption: 'i) A5: Placed for adoption - order - foster',
  },
  provider: { parents: 'a) PR0: Parents/Parental responsibility', own: 'b) PR1: Own provision', private: 'e) PR4: Private provision' },
  ceased: {
    adopted: 'a) E11: Adopted - application unopposed',
    home: 'e) E4A: Returned home to live with parents or relatives - part of planning',
    sgo: 'k) E47: Special Guardianship Orders - relative/friend',
    residence: 'h) E41: Residence order granted',
  },
  permanence: { family: 'a) Return to family', adoption: 'b) Adoption', fostering: 'f) Long-term fostering', sgo: 'c) SGO/CAO' },
} as const;

const YEAR = 365.25;
const EMAIL_DOMAIN = 'marlshire-council.example';

/** Builds the social care view. Pure: the same county, options and police view give the same view. */
export function buildSocialCareView(
  county: CountyCore,
  options: Partial<SocialCareViewOptions> = {},
  police?: PoliceView,
): SocialCareView {
  const opts: SocialCareViewOptions = { ...DEFAULT_SOCIAL_CARE_VIEW_OPTIONS, ...options };
  return new SocialCareViewBuilder(county, opts, police).build();
}

interface PendingContact {
  day: number;
  source: string;
  police: boolean;
}

class SocialCareViewBuilder {
  private readonly asOfDay: number;
  private readonly windowStart: number;
  private readonly teams: SocialCareTeam[] = [];
  private readonly teamsByName = new Map<string, SocialCareTeam>();
  private readonly workers: SocialCareWorker[] = [];
  private readonly workerCache = new Map<string, SocialCareWorker>();
  private readonly persons: SocialCarePerson[] = [];
  private readonly byPersonId = new Map<string, SocialCarePerson>();
  private readonly truth = new Map<string, string>();
  private readonly contacts: SocialCareContact[] = [];
  private readonly referrals: SocialCareReferral[] = [];
  private readonly assessments: SocialCareAssessment[] = [];
  private readonly section47s: SocialCareSection47[] = [];
  private readonly childrenInNeed: SocialCareChildInNeed[] = [];
  private readonly cpPlans: SocialCareCpPlan[] = [];
  private readonly lookedAfter: SocialCareLookedAfter[] = [];
  private readonly adoptions: SocialCareAdoption[] = [];
  private readonly genderHistory: SocialCareGenderHistory[] = [];
  private readonly policeNotifications = new Map<string, number[]>();
  private readonly frontDoor: ServiceContact;
  private readonly informationGovernance: ServiceContact;
  private seq = 0;

  constructor(
    private readonly county: CountyCore,
    private readonly opts: SocialCareViewOptions,
    police: PoliceView | undefined,
  ) {
    this.asOfDay = dayFromIso(county.asOf);
    this.windowStart = Math.round(this.asOfDay - opts.lookbackYears * YEAR);
    this.frontDoor = county.localAuthority.childrensServices;
    this.informationGovernance = {
      name: 'Information Governance Lead',
      role: 'Information governance lead (children\'s services)',
      phone: dramaPhone(Rng.derive(county.seed, 'social-care-ig')),
      organisation: county.localAuthority.name,
    };
    // MASH practice: a police notification about a child (domestic abuse, missing) reaches the
    // front door as a contact from the police.
    if (police) {
      for (const event of police.events) {
        if (event.type !== 'domestic-abuse-incident' && event.type !== 'missing-person') continue;
        const day = dayFromIso(event.occurredAt);
        for (const inv of event.involvements) {
          if (inv.role !== 'child-present' && inv.role !== 'child-in-household' && inv.role !== 'missing-person') continue;
          const personId = police.truth.get(inv.policePersonId);
          if (!personId) continue;
          const list = this.policeNotifications.get(personId) ?? [];
          list.push(day);
          this.policeNotifications.set(personId, list);
        }
      }
    }
  }

  build(): SocialCareView {
    const featured = this.county.featured.householdId;
    this.county.households.forEach((household, index) => {
      const rng = Rng.derive(this.county.seed, 'social-care', index);
      this.householdRecords(rng, household, household.id === featured);
    });
    this.sealedRecords();
    const relationships = this.relationships();
    return {
      options: this.opts,
      localAuthority: this.county.localAuthority.name,
      frontDoor: this.frontDoor,
      informationGovernance: this.informationGovernance,
      teams: this.teams,
      workers: this.workers,
      persons: this.persons,
      contacts: this.contacts,
      referrals: this.referrals,
      assessments: this.assessments,
      section47s: this.section47s,
      childrenInNeed: this.childrenInNeed,
      cpPlans: this.cpPlans,
      lookedAfter: this.lookedAfter,
      adoptions: this.adoptions,
      genderHistory: this.genderHistory,
      relationships,
      socialCarePersonIdByPersonId: new Map([...this.byPersonId].map(([personId, p]) => [personId, p.id])),
      truth: this.truth,
    };
  }

  // ---- teams, workers, persons ---------------------------------------------------------------

  private team(name: string): SocialCareTeam {
    let team = this.teamsByName.get(name);
    if (!team) {
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '');
      team = {
        id: `T${String(this.teams.length + 1).padStart(3, '0')}`,
        name,
        phone: dramaPhone(Rng.derive(this.county.seed, 'social-care-team', name)),
        email: `${slug}@${EMAIL_DOMAIN}`,
      };
      this.teams.push(team);
      this.teamsByName.set(name, team);
    }
    return team;
  }

  /** A named worker of a team (one of a few per team), with the team's phone. */
  private allocate(rng: Rng, teamName: string, role = 'Social Worker', pool = 5): Allocation {
    const team = this.team(teamName);
    const slot = rng.int(0, pool - 1);
    const key = `${teamName}|${role}|${slot}`;
    let worker = this.workerCache.get(key);
    if (!worker) {
      const r = Rng.derive(this.county.seed, 'social-care-worker', key);
      const given = r.chance(0.8) ? r.pick(ADULT_FEMALE_GIVEN) : r.pick(ADULT_MALE_GIVEN);
      const family = r.pick(SURNAMES.filter((s) => /^[A-Z][a-z]+$/.test(s)));
      worker = {
        id: `W${String(this.workers.length + 1).padStart(4, '0')}`,
        name: `${given} ${family}`,
        role,
        teamId: team.id,
        phone: team.phone,
        email: `${given}.${family}@${EMAIL_DOMAIN}`.toLowerCase(),
      };
      this.workers.push(worker);
      this.workerCache.set(key, worker);
    }
    return { teamId: team.id, workerId: worker.id };
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(7, '0')}`;
  }

  private updated(rng: Rng, day: number): string {
    return isoDateTime(Math.min(this.asOfDay, day + rng.int(0, 7)), rng.int(8 * 60, 18 * 60));
  }

  private personRecord(person: Person, household: Household, exact: boolean): SocialCarePerson {
    const existing = this.byPersonId.get(person.id);
    if (existing) return existing;
    const rng = Rng.derive(this.county.seed, 'social-care-person', person.id);
    const child = person.role === 'child';
    let given = [...person.given];
    let family = person.family;
    let birthDate = person.birthDate;
    let nhsNumber: string | undefined = person.nhsNumber;
    let knownAs: string | undefined;
    const current = this.county.addressesById.get(household.addressId) as PlaceAddress;
    const previous = household.previousAddressId ? this.county.addressesById.get(household.previousAddressId) : undefined;
    let stale = false;
    if (!exact) {
      if (rng.chance(child ? this.opts.missingNhsNumber : this.opts.adultMissingNhsNumber)) nhsNumber = undefined;
      if (rng.chance(this.opts.nickname)) knownAs = nickname(rng, given[0] as string);
      if (rng.chance(this.opts.typo)) given = [typo(rng, given[0] as string), ...given.slice(1)];
      if (rng.chance(this.opts.typo)) family = typo(rng, family);
      if (rng.chance(this.opts.dayMonthSwap)) birthDate = swapDayMonth(birthDate) ?? birthDate;
      stale = previous !== undefined && rng.chance(this.opts.staleAddress);
    }
    const toAddress = (a: PlaceAddress, start?: string, end?: string): SocialCareAddress => ({
      line1: a.line1,
      ...(a.line2 ? { line2: a.line2 } : {}),
      town: a.city,
      postcode: a.postcode,
      uprn: a.uprn,
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    });
    const addresses: SocialCareAddress[] = [];
    if (previous && stale) addresses.push(toAddress(previous));
    else {
      addresses.push(toAddress(current, household.movedIn > person.birthDate ? household.movedIn : person.birthDate));
      if (previous && household.movedIn > person.birthDate) addresses.push(toAddress(previous, undefined, household.movedIn));
    }
    const record: SocialCarePerson = {
      id: String(1_000_000 + this.persons.length + 1),
      personId: person.id,
      ...(nhsNumber ? { nhsNumber } : {}),
      forename: given[0] as string,
      ...(given.length > 1 ? { middleNames: given.slice(1).join(' ') } : {}),
      surname: family,
      ...(knownAs ? { knownAs } : {}),
      birthDate,
      gender: person.sex === 'female' ? 'F' : 'M',
      personType: child ? 'child' : 'adult',
      addresses,
      lastUpdated: isoDateTime(this.asOfDay - rng.int(0, 200), rng.int(8 * 60, 18 * 60)),
    };
    this.persons.push(record);
    this.byPersonId.set(person.id, record);
    this.truth.set(record.id, person.id);
    return record;
  }

  // ---- households ----------------------------------------------------------------------------

  private householdRecords(rng: Rng, household: Household, featured: boolean): void {
    const members = household.memberIds.map((id) => this.county.personsById.get(id) as Person);
    const children = members.filter((m) => m.role === 'child');
    const adults = members.filter((m) => m.role === 'adult');
    let known = false;
    for (const child of children) {
      const involved = featured ? this.featuredChild(rng, household, child) : this.childRecords(rng, household, child);
      known = known || involved;
    }
    // Parents and carers are held as related persons of the children.
    if (known) for (const adult of adults) this.personRecord(adult, household, featured);
  }

  /**
   * The family relationships between the persons held, household by household, from the truth:
   * parents (a step-parent when the parent's partner shares their surname, else the mother's or
   * father's partner), children, partners, and siblings (full, half or step). No random draws, so
   * the rest of the view is as it was. Social care records no relationship that would reveal an
   * adoption (those belong with the sealed adoption record).
   */
  private relationships(): SocialCareRelationship[] {
    const out: SocialCareRelationship[] = [];
    for (const household of this.county.households) {
      const held = household.memberIds
        .map((id) => this.county.personsById.get(id) as Person)
        .filter((p) => this.byPersonId.has(p.id));
      for (const a of held) {
        for (const b of held) {
          if (a === b) continue;
          const term = this.relationshipTerm(a, b, household);
          const since = [a.birthDate, b.birthDate, ...(term.sinceMoveIn ? [household.movedIn] : [])].sort().pop() as string;
          const record = this.byPersonId.get(a.id) as SocialCarePerson;
          out.push({
            id: `R${String(out.length + 1).padStart(7, '0')}`,
            personId: record.id,
            relatedPersonId: (this.byPersonId.get(b.id) as SocialCarePerson).id,
            relationship: term.relationship,
            ...(since <= this.county.asOf ? { start: since } : {}),
            lastUpdated: record.lastUpdated,
          });
        }
      }
    }
    return out;
  }

  /** What b is to a, in the case management system's words. */
  private relationshipTerm(a: Person, b: Person, household: Household): { relationship: string; sinceMoveIn: boolean } {
    const inHousehold = (ids: readonly string[]): string[] => ids.filter((id) => household.memberIds.includes(id));
    const female = b.sex === 'female';
    if (a.role === 'adult' && b.role === 'adult') return { relationship: 'Partner', sinceMoveIn: true };
    if (a.role === 'child' && b.role === 'adult') {
      if (a.parentIds.includes(b.id)) return { relationship: female ? 'Mother' : 'Father', sinceMoveIn: false };
      const parent = this.county.personsById.get(inHousehold(a.parentIds)[0] ?? '');
      if (parent && parent.family === b.family) return { relationship: female ? 'Step-mother' : 'Step-father', sinceMoveIn: true };
      return { relationship: parent?.sex === 'male' ? "Father's partner" : "Mother's partner", sinceMoveIn: true };
    }
    if (a.role === 'adult' && b.role === 'child') {
      if (b.parentIds.includes(a.id)) return { relationship: female ? 'Daughter' : 'Son', sinceMoveIn: false };
      const parent = this.county.personsById.get(inHousehold(b.parentIds)[0] ?? '');
      if (parent && parent.family === a.family) return { relationship: female ? 'Step-daughter' : 'Step-son', sinceMoveIn: true };
      return { relationship: "Partner's child", sinceMoveIn: true };
    }
    const shared = a.parentIds.filter((id) => b.parentIds.includes(id)).length;
    if (shared > 0 && shared === a.parentIds.length && shared === b.parentIds.length) return { relationship: female ? 'Sister' : 'Brother', sinceMoveIn: false };
    if (shared > 0) return { relationship: female ? 'Half-sister' : 'Half-brother', sinceMoveIn: false };
    return { relationship: female ? 'Step-sister' : 'Step-brother', sinceMoveIn: true };
  }

  private town(household: Household): string {
    return (this.county.addressesById.get(household.addressId) as PlaceAddress).city;
  }

  private contactSourceFor(rng: Rng, child: Person, day: number, category?: CpCategory): string {
    const age = ageOn(dayFromIso(child.birthDate), day);
    const s = ANNEX_A.source;
    if (category === 'neglect') return age < 5 ? s.healthVisitor : s.school;
    if (category === 'emotional abuse') return s.police;
    if (category === 'physical abuse') return rng.pick([s.emergencyDepartment, s.school, s.gp]);
    if (category === 'sexual abuse') return rng.pick([s.school, s.police]);
    const options = age < 5
      ? [s.healthVisitor, s.gp, s.emergencyDepartment, s.family, s.anonymous, s.housing]
      : [s.school, s.school, s.schoolNurse, s.gp, s.family, s.acquaintance, s.anonymous, s.housing, s.laServices, s.other, ...(age >= 13 ? [s.self] : [])];
    return rng.pick(options);
  }

  /** Contacts for a child; a share become referrals, assessments and child in need episodes. */
  private childRecords(rng: Rng, household: Household, child: Person): boolean {
    const birthDay = dayFromIso(child.birthDate);
    const f = household.factors;
    const anyFactor = f.domesticAbuse || f.neglect || f.parentalMentalHealth || f.parentalSubstanceMisuse;
    const from = Math.max(this.windowStart, birthDay);
    const pending: PendingContact[] = [];
    for (const day of this.policeNotifications.get(child.id) ?? []) {
      const contactDay = day + rng.int(1, 2);
      if (contactDay >= this.windowStart && contactDay < this.asOfDay) pending.push({ day: contactDay, source: ANNEX_A.source.police, police: true });
    }
    const rate = f.neglect ? 0.5 : anyFactor ? 0.3 : 0.03;
    const years = Math.max(0, (this.asOfDay - from) / YEAR);
    const other = rng.poisson(rate * years);
    for (let i = 0; i < other && from < this.asOfDay - 1; i++) {
      const day = rng.int(from, this.asOfDay - 1);
      pending.push({ day, source: this.contactSourceFor(rng, child, day), police: false });
    }
    const cp = child.childProtection;
    if (pending.length === 0 && !cp) return false;

    const person = this.personRecord(child, household, false);
    const town = this.town(household);
    pending.sort((a, b) => a.day - b.day);
    for (const contact of pending) this.contactPathway(rng, person, town, contact, anyFactor);
    if (cp) this.protectionPathway(rng, person, child, town, cp, false);
    return true;
  }

  /** A contact, and (sometimes) what follows it: referral, assessment, child in need episode. */
  private contactPathway(rng: Rng, person: SocialCarePerson, town: string, contact: PendingContact, anyFactor: boolean): void {
    this.contacts.push({ id: this.id('CT'), personId: person.id, date: isoDate(contact.day), source: contact.source, lastUpdated: this.updated(rng, contact.day) });
    const referralChance = contact.police ? 0.3 : anyFactor ? 0.45 : 0.35;
    if (!rng.chance(referralChance)) return;
    const day = Math.min(this.asOfDay - 1, contact.day + rng.int(0, 1));
    const nfa = rng.chance(0.12);
    const allocation = this.allocate(rng, `${town} Assessment Team`);
    const referral: SocialCareReferral = { id: this.id('RF'), personId: person.id, date: isoDate(day), source: contact.source, nfa, ...allocation, lastUpdated: this.updated(rng, day) };
    this.referrals.push(referral);
    if (nfa) return;
    const start = Math.min(this.asOfDay, day + rng.int(0, 3));
    const authorisedDay = start + rng.int(15, 45);
    const authorised = authorisedDay < this.asOfDay;
    const requiresSupport = rng.chance(anyFactor ? 0.45 : 0.2);
    this.assessments.push({
      id: this.id('AS'),
      personId: person.id,
      referralId: referral.id,
      start: isoDate(start),
      ...(authorised ? { authorised: isoDate(authorisedDay), requiresSupport } : {}),
      childSeen: rng.chance(0.93),
      ...allocation,
      lastUpdated: this.updated(rng, authorised ? authorisedDay : start),
    });
    if (anyFactor && rng.chance(0.12)) {
      const strategy = Math.min(this.asOfDay - 1, day + rng.int(1, 3));
      const unnecessary = rng.chance(0.6);
      const icpc = strategy + rng.int(10, 15);
      this.section47s.push({
        id: this.id('SE'),
        personId: person.id,
        strategyDiscussion: isoDate(strategy),
        icpcUnnecessary: unnecessary,
        ...(!unnecessary && icpc < this.asOfDay ? { icpcDate: isoDate(icpc), icpcPlan: false } : {}),
        ...allocation,
        lastUpdated: this.updated(rng, strategy),
      });
    }
    // The CIN census counts every referral that leads to an assessment as a child in need episode.
    const need = anyFactor ? ANNEX_A.need.abuse : rng.pick([ANNEX_A.need.acuteStress, ANNEX_A.need.dysfunction, ANNEX_A.need.disability, ANNEX_A.need.parentalIllness, ANNEX_A.need.behaviour]);
    if (!authorised) {
      this.childrenInNeed.push({ id: this.id('CN'), personId: person.id, start: isoDate(day), primaryNeed: need, caseStatus: ANNEX_A.caseStatus.openAssessment, ...allocation, lastUpdated: this.updated(rng, start) });
    } else if (!requiresSupport) {
      this.childrenInNeed.push({
        id: this.id('CN'),
        personId: person.id,
        start: isoDate(day),
        primaryNeed: need,
        lastSeen: isoDate(authorisedDay - rng.int(1, 10)),
        closure: isoDate(authorisedDay),
        closureReason: ANNEX_A.closure.nfa,
        caseStatus: ANNEX_A.caseStatus.closed,
        ...allocation,
        lastUpdated: this.updated(rng, authorisedDay),
      });
    } else {
      const cinAllocation = this.allocate(rng, `${town} Family Safeguarding Team`);
      const closureDay = authorisedDay + rng.int(90, 500);
      const closed = closureDay < this.asOfDay;
      this.childrenInNeed.push({
        id: this.id('CN'),
        personId: person.id,
        start: isoDate(day),
        primaryNeed: need,
        lastSeen: isoDate(Math.min(closed ? closureDay : this.asOfDay, authorisedDay + rng.int(5, 60)) - rng.int(0, 20)),
        ...(closed ? { closure: isoDate(closureDay), closureReason: ANNEX_A.closure.ceased } : {}),
        caseStatus: closed ? ANNEX_A.caseStatus.closed : ANNEX_A.caseStatus.cinPlan,
        ...cinAllocation,
        lastUpdated: this.updated(rng, closed ? closureDay : this.asOfDay - rng.int(0, 30)),
      });
    }
  }

  /**
   * The route to the truth's plan or care episode: contact, referral, assessment, section 47
   * enquiry and initial conference (plans), then the plan or looked-after episode with the same
   * start, end and category as the truth, and the child in need episode around it.
   */
  private protectionPathway(
    rng: Rng,
    person: SocialCarePerson,
    child: Person,
    town: string,
    cp: NonNullable<Person['childProtection']>,
    featured: boolean,
  ): void {
    const birthDay = dayFromIso(child.birthDate);
    const startDay = dayFromIso(cp.start);
    const endDay = cp.end ? dayFromIso(cp.end) : undefined;
    const contactDay = Math.max(birthDay, startDay - (featured ? 30 : rng.int(21, 45)));
    const source = this.contactSourceFor(rng, child, contactDay, cp.category);
    const assessTeam = `${town} Assessment Team`;
    const front = this.allocate(rng, assessTeam);
    this.contacts.push({ id: this.id('CT'), personId: person.id, date: isoDate(contactDay), source, lastUpdated: this.updated(rng, contactDay) });
    const referral: SocialCareReferral = { id: this.id('RF'), personId: person.id, date: isoDate(contactDay), source, nfa: false, ...front, lastUpdated: this.updated(rng, contactDay) };
    this.referrals.push(referral);
    const assessmentStart = Math.min(startDay - 1, contactDay + 1);
    const authorised = Math.min(startDay, assessmentStart + rng.int(10, 20));
    this.assessments.push({
      id: this.id('AS'),
      personId: person.id,
      referralId: referral.id,
      start: isoDate(assessmentStart),
      authorised: isoDate(authorised),
      requiresSupport: true,
      childSeen: true,
      ...front,
      lastUpdated: this.updated(rng, authorised),
    });
    const strategy = Math.min(startDay - 1, contactDay + (featured ? 2 : rng.int(1, 4)));
    const lookedAfter = cp.plan === 'LAC';
    const safeguardingTeam = lookedAfter ? 'Children in Care Team' : `${town} Family Safeguarding Team`;
    const allocation = featured ? this.allocate(rng, safeguardingTeam, 'Social Worker', 1) : this.allocate(rng, safeguardingTeam);
    if (!lookedAfter || rng.chance(0.6)) {
      this.section47s.push({
        id: this.id('SE'),
        personId: person.id,
        strategyDiscussion: isoDate(strategy),
        icpcUnnecessary: lookedAfter,
        ...(lookedAfter ? {} : { icpcDate: cp.start, icpcPlan: true }),
        ...front,
        lastUpdated: this.updated(rng, lookedAfter ? strategy : startDay),
      });
    }
    const ended = endDay !== undefined && endDay <= this.asOfDay;
    const need = ANNEX_A.need.abuse;
    if (!lookedAfter) {
      const reviews: number[] = [];
      for (let r = startDay + 90; r <= Math.min(this.asOfDay, endDay ?? this.asOfDay); r += 182) reviews.push(r);
      const lastVisit = ended ? (endDay as number) - rng.int(3, 14) : this.asOfDay - (featured ? 6 : rng.int(1, 12));
      this.cpPlans.push({
        id: this.id('CP'),
        personId: person.id,
        start: cp.start,
        initialCategory: ANNEX_A.category[cp.category],
        latestCategory: ANNEX_A.category[cp.category],
        lastVisit: isoDate(Math.max(startDay, lastVisit)),
        seenAlone: featured ? true : rng.chance(0.8),
        ...(reviews.length > 0 ? { latestReview: isoDate(reviews[reviews.length - 1] as number) } : {}),
        ...(ended ? { end: isoDate(endDay as number) } : {}),
        emergencyProtection: false,
        previousPlans: 0,
        ...allocation,
        lastUpdated: this.updated(rng, ended ? (endDay as number) : Math.max(startDay, lastVisit)),
      });
    } else {
      this.lookedAfterEpisode(rng, person, child, cp, allocation, ended ? endDay : undefined);
    }
    // The child in need episode spans the plan and closes some months after it ends.
    const closureDay = ended ? (endDay as number) + rng.int(60, 300) : undefined;
    const closed = closureDay !== undefined && closureDay < this.asOfDay;
    this.childrenInNeed.push({
      id: this.id('CN'),
      personId: person.id,
      start: isoDate(contactDay),
      primaryNeed: need,
      lastSeen: isoDate(closed ? (closureDay as number) - rng.int(5, 20) : this.asOfDay - (featured ? 6 : rng.int(1, 20))),
      ...(closed ? { closure: isoDate(closureDay as number), closureReason: ANNEX_A.closure.ceased } : {}),
      caseStatus: closed ? ANNEX_A.caseStatus.closed : ended ? ANNEX_A.caseStatus.cinPlan : lookedAfter ? ANNEX_A.caseStatus.lookedAfter : ANNEX_A.caseStatus.cpPlan,
      ...allocation,
      lastUpdated: this.updated(rng, closed ? (closureDay as number) : this.asOfDay - rng.int(0, 14)),
    });
  }

  private lookedAfterEpisode(
    rng: Rng,
    person: SocialCarePerson,
    child: Person,
    cp: NonNullable<Person['childProtection']>,
    allocation: Allocation,
    endDay: number | undefined,
  ): void {
    const startDay = dayFromIso(cp.start);
    const ageAtStart = ageOn(dayFromIso(child.birthDate), startDay);
    const household = this.county.householdsById.get(child.householdId) as Household;
    const home = this.county.addressesById.get(household.addressId) as PlaceAddress;
    // Young children in care long enough may have an adoption plan (sealed: Annex A List 10).
    const decisionDay = startDay + rng.int(100, 250);
    const adoption = ageAtStart < 6 && rng.chance(0.5) && decisionDay < this.asOfDay && (endDay === undefined || endDay > decisionDay);
    let placementType: string;
    let provider: string;
    let postcode: string;
    if (adoption) {
      placementType = ANNEX_A.placementType.adoption;
      provider = ANNEX_A.provider.own;
      postcode = rng.pick(this.county.addresses).postcode;
    } else {
      const kind = rng.weighted([30, 25, 25, 10, ageAtStart >= 12 ? 15 : 0]);
      placementType = [ANNEX_A.placementType.parents, ANNEX_A.placementType.fosterLongTerm, ANNEX_A.placementType.foster, ANNEX_A.placementType.fosterRelative, ANNEX_A.placementType.childrensHome][kind] as string;
      provider = kind === 0 ? ANNEX_A.provider.parents : kind === 4 ? ANNEX_A.provider.private : ANNEX_A.provider.own;
      postcode = kind === 0 ? home.postcode : rng.pick(this.county.addresses).postcode;
    }
    const placements = 1 + rng.poisson(0.4);
    const placementStart = Math.min(this.asOfDay - 1, startDay + (placements > 1 ? rng.int(30, 200) : 0));
    const reasonCeased = endDay === undefined ? undefined : adoption ? ANNEX_A.ceased.adopted : rng.pick([ANNEX_A.ceased.home, ANNEX_A.ceased.sgo, ANNEX_A.ceased.residence]);
    const reviews: number[] = [];
    for (let r = startDay + 28; r <= Math.min(this.asOfDay, endDay ?? this.asOfDay); r += r === startDay + 28 ? 90 : 182) reviews.push(r);
    const lastVisit = Math.max(startDay, (endDay ?? this.asOfDay) - rng.int(3, 40));
    this.lookedAfter.push({
      id: this.id('LA'),
      personId: person.id,
      start: cp.start,
      categoryOfNeed: ANNEX_A.need.abuse,
      legalStatus: rng.pick(ANNEX_A.legalStatus),
      legalStatusStart: cp.start,
      ...(reviews.length > 0 ? { latestReview: isoDate(reviews[reviews.length - 1] as number) } : {}),
      lastVisit: isoDate(lastVisit),
      permanencePlan: adoption ? ANNEX_A.permanence.adoption : rng.pick([ANNEX_A.permanence.family, ANNEX_A.permanence.fostering, ANNEX_A.permanence.sgo]),
      placementsLast12Months: placements,
      ...(endDay !== undefined ? { ceased: isoDate(endDay), reasonCeased: reasonCeased as string } : {}),
      placementStart: isoDate(placementStart),
      placementType,
      placementProvider: provider,
      placementPostcode: postcode,
      placementLocation: 'a) In',
      missingLast12Months: rng.poisson(ageAtStart >= 11 ? 1 : 0.05),
      ...allocation,
      lastUpdated: this.updated(rng, endDay ?? lastVisit),
    });
    if (adoption) this.addAdoption(rng, person, startDay, decisionDay, endDay);
  }

  private addAdoption(rng: Rng, person: SocialCarePerson, enteredCare: number, decision: number, ceased: number | undefined): void {
    const placementOrder = decision + rng.int(40, 120);
    const matched = placementOrder + rng.int(60, 180);
    const placed = matched + rng.int(14, 40);
    const before = (day: number): boolean => day < this.asOfDay && (ceased === undefined || day <= ceased);
    this.adoptions.push({
      id: this.id('AD'),
      personId: person.id,
      enteredCare: isoDate(enteredCare),
      decision: isoDate(decision),
      ...(before(placementOrder) ? { placementOrder: isoDate(placementOrder) } : {}),
      ...(before(matched) ? { matched: isoDate(matched) } : {}),
      ...(before(placed) ? { placed: isoDate(placed) } : {}),
      ...(ceased !== undefined ? { adoptionOrder: isoDate(ceased) } : {}),
      lastUpdated: this.updated(rng, Math.min(this.asOfDay, ceased ?? decision)),
    });
  }

  /** The featured household: every child on the truth's plan, reached from the police notifications. */
  private featuredChild(rng: Rng, household: Household, child: Person): boolean {
    const cp = child.childProtection;
    const notifications = this.policeNotifications.get(child.id) ?? [];
    if (!cp && notifications.length === 0) return false;
    const person = this.personRecord(child, household, true);
    const town = this.town(household);
    for (const day of [...notifications].sort((a, b) => a - b)) {
      const contactDay = day + 1;
      if (contactDay >= this.asOfDay) continue;
      // Notifications after the plan began go to the allocated worker: contacts only.
      this.contacts.push({ id: this.id('CT'), personId: person.id, date: isoDate(contactDay), source: ANNEX_A.source.police, lastUpdated: this.updated(rng, contactDay) });
    }
    if (cp) this.protectionPathway(rng, person, child, town, cp, true);
    return true;
  }

  // ---- sealed records ------------------------------------------------------------------------

  /**
   * Sealed items, only ever for people the service already holds for other reasons (a record that
   * existed only to hold a sealed item would itself disclose it through a person search):
   * - adoption: besides the looked-after children with an adoption plan now, some children were
   *   adopted from care years ago; their pre-adoption history lives only in the sealed adoption
   *   record (Annex A List 10 shape), never in the open lists;
   * - gender history: a handful of adults and older children.
   * At least one of each when anyone is eligible, never in the featured household.
   */
  private sealedRecords(): void {
    const rng = Rng.derive(this.county.seed, 'social-care-sealed');
    const featured = new Set(this.county.householdsById.get(this.county.featured.householdId)?.memberIds ?? []);
    const ageOf = (p: SocialCarePerson): number => ageOn(dayFromIso((this.county.personsById.get(p.personId) as Person).birthDate), this.asOfDay);
    const openAdoption = new Set(this.adoptions.map((a) => a.personId));
    const adoptable = this.persons.filter((p) => p.personType === 'child' && !featured.has(p.personId) && !openAdoption.has(p.id) && ageOf(p) >= 5);
    const adopted = adoptable.filter((p) => Rng.derive(this.county.seed, 'social-care-adopted', p.personId).chance(0.02));
    if (adopted.length === 0 && this.adoptions.length === 0 && adoptable.length > 0) adopted.push(adoptable[rng.int(0, adoptable.length - 1)] as SocialCarePerson);
    for (const p of adopted) {
      const birthDay = dayFromIso((this.county.personsById.get(p.personId) as Person).birthDate);
      const enteredCare = birthDay + rng.int(3, 500);
      const decision = enteredCare + rng.int(100, 250);
      const order = Math.min(this.asOfDay - 30, decision + rng.int(360, 520));
      this.addAdoption(rng, p, enteredCare, decision, order);
    }
    const eligible = this.persons.filter((p) => !featured.has(p.personId) && ageOf(p) >= 16);
    for (const p of eligible) {
      if (Rng.derive(this.county.seed, 'social-care-gender-history', p.personId).chance(0.01)) this.addGenderHistory(rng, p);
    }
    if (this.genderHistory.length === 0 && eligible.length > 0) this.addGenderHistory(rng, eligible[rng.int(0, eligible.length - 1)] as SocialCarePerson);
  }

  private addGenderHistory(rng: Rng, person: SocialCarePerson): void {
    const day = this.asOfDay - rng.int(100, 1500);
    this.genderHistory.push({
      id: this.id('GH'),
      personId: person.id,
      recorded: isoDate(day),
      note: 'Protected information under the Gender Recognition Act 2004 s22. Restricted record: disclosure only with the information governance lead.',
      lastUpdated: this.updated(rng, day),
    });
  }
}
