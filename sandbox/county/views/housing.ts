/**
 * The housing agency's view of the county: what the council's housing management and housing
 * options (homelessness) systems hold, as plain data (sandbox/housing loads it into SQL tables).
 *
 * Housing knows households, not people: a council tenancy, or a homelessness case for a household
 * that is not a council tenant. The tenancy reference (or the case reference) is the household
 * reference, and each member is numbered within it as the MHCLG CORE lettings log numbers
 * household members (person 1 is the lead tenant), so a person's id is `T004512/3`.
 *
 * Events follow the county truth: households that moved (previousAddressId) came through a
 * homelessness application, sometimes via temporary accommodation, into their current home;
 * household factors raise homelessness, anti-social behaviour cases and rent arrears; a tenancy
 * is always at the household's true current address.
 */
import { dayFromIso, isoDate, isoDateTime } from '../dates.js';
import type { CountyCore, Household, HouseholdFactors, Person, PlaceAddress, ServiceContact } from '../model.js';
import { ADULT_FEMALE_GIVEN, ADULT_MALE_GIVEN, SURNAMES } from '../names.js';
import { NO_NOISE, type NoiseRates, nickname, swapDayMonth, typo } from '../noise.js';
import { dramaPhone } from '../places.js';
import { Rng } from '../prng.js';

/**
 * Housing noise. `staleAddress` is the share of households that left through a homelessness
 * case into a private home the council never recorded (housing still shows the home they lost);
 * `nickname` the share of adults signed up under the short form of their name; `missingNhsNumber`
 * does not apply (housing holds no NHS numbers).
 */
export type HousingViewOptions = NoiseRates;

export const DEFAULT_HOUSING_VIEW_OPTIONS: HousingViewOptions = {
  ...NO_NOISE,
  staleAddress: 0.6,
  typo: 0.02,
  nickname: 0.06,
  dayMonthSwap: 0.02,
};

export type HousingContact = ServiceContact & { email: string };

/** CORE lettings relationship to the lead tenant; `L` marks the lead tenant (CORE person 1). */
export type Relationship = 'L' | 'P' | 'C' | 'X';
/**
 * The member's part in the household record, in the housing system's own words: on a tenancy the
 * lead tenant, a joint tenant (an adult who signed the tenancy agreement too) or a household
 * member (named on the tenancy, not a tenant); on a homelessness application the main applicant
 * or a household member.
 */
export type MemberRole = 'Lead tenant' | 'Joint tenant' | 'Household member' | 'Main applicant';
export type TenancyType = 'secure' | 'introductory' | 'flexible';

export interface Tenancy {
  tenancyRef: string;
  address: PlaceAddress;
  tenancyType: TenancyType;
  landlord: string;
  startDate: string;
  endDate?: string;
  endReason?: string;
  weeklyRentPence: number;
  officer: HousingContact;
  updatedAt: string;
}

export interface HouseholdMember {
  /** `{householdRef}/{memberNo}`: the housing person id. */
  personRef: string;
  householdRef: string;
  memberNo: number;
  relationship: Relationship;
  role: MemberRole;
  givenNames: string[];
  familyName: string;
  birthDate?: string;
  sex: 'F' | 'M';
  joined: string;
  /** When the member left the household record (absent: still a member). */
  leftOn?: string;
  personId: string;
  updatedAt: string;
}

/** H-CLIC reasons for the loss, or threat of loss, of the last settled home (a subset). */
export const HOMELESSNESS_REASONS = {
  'end-ast': 'End of private rented tenancy: assured shorthold tenancy',
  'family-friends': 'Family or friends no longer willing or able to accommodate',
  'domestic-abuse': 'Domestic abuse',
  'relationship-breakdown': 'Non-violent relationship breakdown with partner',
  'rent-arrears': 'Rent arrears',
  disrepair: 'Property disrepair',
  'other-violence': 'Other violence or harassment',
} as const;
export type HomelessnessReason = keyof typeof HOMELESSNESS_REASONS;

export interface HomelessnessCase {
  caseRef: string;
  householdRef: string;
  approachDate: string;
  /** The home lost or threatened (the last settled home). */
  address: PlaceAddress;
  reasonCode: HomelessnessReason;
  preventionDutyStart?: string;
  reliefDutyStart?: string;
  mainDutyDecision?: string;
  mainDutyDate?: string;
  status: 'open' | 'closed';
  closedDate?: string;
  outcome?: string;
  /** Where the household moved on to, when the council recorded it. */
  movedOnAddress?: PlaceAddress;
  officer: HousingContact;
  updatedAt: string;
}

/** H-CLIC temporary accommodation types (a subset). */
export const TA_TYPES = {
  'bed-and-breakfast': 'Bed and breakfast hotel (including shared annexes)',
  'nightly-paid': 'Nightly paid, privately managed accommodation, self-contained',
  hostel: 'Hostel (including reception centres and emergency units)',
  refuge: "Women's refuge",
  'la-ha-stock': 'Local authority or housing association stock',
} as const;
export type TaType = keyof typeof TA_TYPES;

export interface TemporaryAccommodation {
  placementRef: string;
  householdRef: string;
  caseRef: string;
  type: TaType;
  provider: string;
  /** Not recorded for a refuge: its address is never written down outside the refuge. */
  address?: PlaceAddress;
  outOfArea: boolean;
  startDate: string;
  endDate?: string;
  updatedAt: string;
}

export type AsbRole = 'complainant' | 'alleged perpetrator' | 'victim';

export interface AsbCase {
  asbRef: string;
  householdRef: string;
  /** The member the case is about; household-wide when absent. */
  personRef?: string;
  role: AsbRole;
  category: string;
  opened: string;
  closed?: string;
  status: 'open' | 'closed';
  actionTaken: string;
  summary: string;
  officer: HousingContact;
  updatedAt: string;
}

export interface RentAccount {
  tenancyRef: string;
  /** Positive: owed to the council. */
  balancePence: number;
  arrearsWeeks: number;
  recoveryStage: string;
  officer: HousingContact;
  updatedAt: string;
}

export type PossessionStep = 'NOSP' | 'possession-order';

export interface PossessionAction {
  actionRef: string;
  tenancyRef: string;
  action: PossessionStep;
  ground: 'rent arrears' | 'anti-social behaviour';
  actionDate: string;
  notes: string;
  updatedAt: string;
}

export interface HousingView {
  options: HousingViewOptions;
  landlord: string;
  tenancies: readonly Tenancy[];
  members: readonly HouseholdMember[];
  homelessnessCases: readonly HomelessnessCase[];
  temporaryAccommodation: readonly TemporaryAccommodation[];
  asbCases: readonly AsbCase[];
  rentAccounts: readonly RentAccount[];
  possessionActions: readonly PossessionAction[];
  /** Person id -> housing person refs (a person can be in more than one household record). */
  personRefsByPersonId: ReadonlyMap<string, readonly string[]>;
  /** Housing person ref -> person id (ground truth). */
  truth: ReadonlyMap<string, string>;
}

const TA_PROVIDERS: Readonly<Record<Exclude<TaType, 'refuge'>, readonly string[]>> = {
  'bed-and-breakfast': ['The Station Lodge', 'Riverside Guest House', 'Castle View Hotel'],
  'nightly-paid': ['Marlbridge Temporary Lets', 'Coastline Property Services'],
  hostel: ['Marlshire Family Hostel', 'Kingsmere Emergency Accommodation'],
  'la-ha-stock': ['Marlshire County Council (temporary accommodation unit)'],
};

const ASB_ORDINARY: ReadonlyArray<{ category: string; summary: string }> = [
  { category: 'Noise nuisance', summary: 'Loud music and parties reported by neighbours' },
  { category: 'Garden or rubbish', summary: 'Rubbish left in the shared garden' },
  { category: 'Pets and animals', summary: 'Dog barking and fouling in communal areas' },
  { category: 'Verbal abuse or harassment', summary: 'Dispute between neighbours over parking' },
  { category: 'Criminal damage', summary: 'Damage to the communal door entry system' },
];
const ASB_ACTIONS_OPEN = ['Advice given; diary sheets issued', 'Warning letter sent', 'Mediation offered', 'Acceptable behaviour contract signed'];
const ASB_ACTIONS_CLOSED = ['Resolved after mediation', 'No further reports; case closed', 'Warning letter sent; behaviour stopped', 'Acceptable behaviour contract kept; case closed'];

/** Builds the housing view. Pure: the same county and options give the same view. */
export function buildHousingView(county: CountyCore, options: Partial<HousingViewOptions> = {}): HousingView {
  const opts: HousingViewOptions = { ...DEFAULT_HOUSING_VIEW_OPTIONS, ...options };
  return new HousingViewBuilder(county, opts).build();
}

class HousingViewBuilder {
  private readonly asOfDay: number;
  private readonly landlord: string;
  private readonly tenancies: Tenancy[] = [];
  private readonly members: HouseholdMember[] = [];
  private readonly cases: HomelessnessCase[] = [];
  private readonly placements: TemporaryAccommodation[] = [];
  private readonly asb: AsbCase[] = [];
  private readonly accounts: RentAccount[] = [];
  private readonly actions: PossessionAction[] = [];
  private readonly personRefs = new Map<string, string[]>();
  private readonly truth = new Map<string, string>();
  private readonly staffCache = new Map<string, HousingContact>();
  private readonly taAddresses: PlaceAddress[];
  private tenancySeq = 0;
  private caseSeq = 0;

  constructor(
    private readonly county: CountyCore,
    private readonly opts: HousingViewOptions,
  ) {
    this.asOfDay = dayFromIso(county.asOf);
    this.landlord = `${county.localAuthority.name} (Housing Services)`;
    this.taAddresses = this.makeTaAddresses();
  }

  build(): HousingView {
    this.county.households.forEach((household, index) => {
      const rng = Rng.derive(this.county.seed, 'housing', index);
      if (household.id === this.county.featured.householdId) this.featuredHousehold(rng, household);
      else this.randomHousehold(rng, household);
    });
    return {
      options: this.opts,
      landlord: this.landlord,
      tenancies: this.tenancies,
      members: this.members,
      homelessnessCases: this.cases,
      temporaryAccommodation: this.placements,
      asbCases: this.asb,
      rentAccounts: this.accounts,
      possessionActions: this.actions,
      personRefsByPersonId: this.personRefs,
      truth: this.truth,
    };
  }

  // ---- places and people ---------------------------------------------------------------------

  /** A few temporary accommodation sites with fictional UPRNs that no home in the county uses. */
  private makeTaAddresses(): PlaceAddress[] {
    const rng = Rng.derive(this.county.seed, 'housing-ta-sites');
    const used = new Set(this.county.addresses.map((a) => a.uprn));
    const sites: PlaceAddress[] = [];
    const names = [...TA_PROVIDERS['bed-and-breakfast'], ...TA_PROVIDERS.hostel, 'Flat 2, Marl Court', 'Flat 7, Quarry House', 'Flat 1, Wharf Mansions'];
    names.forEach((name, i) => {
      const town = this.county.towns[i % Math.min(3, this.county.towns.length)] ?? { name: 'Marlbridge', districts: ['MH1'] };
      let uprn = '';
      do uprn = `99${String(rng.int(0, 9_999_999_999)).padStart(10, '0')}`;
      while (used.has(uprn));
      used.add(uprn);
      const number = rng.int(2, 90);
      sites.push({
        id: `ta${String(i + 1).padStart(3, '0')}`,
        uprn,
        line1: name.startsWith('Flat') ? name.split(',')[0] as string : name,
        line2: name.startsWith('Flat') ? `${name.split(', ')[1] as string}, ${number} Station Road` : `${number} Station Road`,
        city: town.name,
        postcode: `${rng.pick(town.districts)} ${rng.int(1, 9)}${rng.pick([...'ABDEFGHJLNPQRSTUWXYZ'])}${rng.pick([...'ABDEFGHJLNPQRSTUWXYZ'])}`,
      });
    });
    return sites;
  }

  private teamPhone(team: string): string {
    return dramaPhone(Rng.derive(this.county.seed, 'housing-team-phone', team));
  }

  /** A named officer of a team (one of a few per team). */
  private staff(rng: Rng, team: string, role: string, poolSize = 3): HousingContact {
    const slot = rng.int(0, poolSize - 1);
    const key = `${team}|${role}|${slot}`;
    let contact = this.staffCache.get(key);
    if (!contact) {
      const r = Rng.derive(this.county.seed, 'housing-staff', key);
      const first = r.chance(0.6) ? r.pick(ADULT_FEMALE_GIVEN) : r.pick(ADULT_MALE_GIVEN);
      const last = r.pick(SURNAMES);
      const mail = `${first}.${last}`.toLowerCase().replace(/[^a-z.]+/g, '');
      contact = { name: `${first} ${last}`, role, phone: this.teamPhone(team), organisation: this.landlord, email: `${mail}@housing.marlshire.example` };
      this.staffCache.set(key, contact);
    }
    return contact;
  }

  private tenancyOfficer(rng: Rng, town: string): HousingContact {
    return this.staff(rng, `${town} Neighbourhood Housing Team`, 'Housing Officer');
  }

  private optionsOfficer(rng: Rng): HousingContact {
    return this.staff(rng, 'Housing Options and Homelessness Team', 'Housing Options Officer', 5);
  }

  private updated(rng: Rng, day: number): string {
    return isoDateTime(Math.min(this.asOfDay, day), rng.int(8 * 60, 18 * 60));
  }

  /** Lead tenant first (the first adult), then the other adults, then the children. */
  private orderedMembers(household: Household): Person[] {
    const people = household.memberIds.map((id) => this.county.personsById.get(id)).filter((p): p is Person => p !== undefined);
    return [...people.filter((p) => p.role === 'adult'), ...people.filter((p) => p.role === 'child')];
  }

  /**
   * Records the household's members under a household reference. A tenancy record gains children
   * born during the tenancy; a homelessness case knows only those born by the approach.
   */
  private addMembers(rng: Rng, householdRef: string, household: Household, sinceDay: number, exact: boolean, bornBy = this.asOfDay): string[] {
    const ordered = this.orderedMembers(household).filter((p) => dayFromIso(p.birthDate) <= bornBy);
    const lead = ordered[0];
    const refs: string[] = [];
    ordered.forEach((person, i) => {
      const memberNo = i + 1;
      const personRef = `${householdRef}/${memberNo}`;
      let relationship: Relationship = 'X';
      if (i === 0) relationship = 'L';
      else if (person.role === 'adult') relationship = 'P';
      else if (lead && (person.parentIds.includes(lead.id) || household.memberIds.some((id) => person.parentIds.includes(id)))) relationship = 'C';
      const role = this.memberRole(householdRef, personRef, relationship, exact);
      let given = [...person.given];
      let family = person.family;
      let birthDate = person.birthDate;
      if (!exact) {
        if (person.role === 'adult' && rng.chance(this.opts.nickname)) {
          const nick = nickname(rng, given[0] as string);
          if (nick) given = [nick, ...given.slice(1)];
        }
        if (rng.chance(this.opts.typo)) given = [typo(rng, given[0] as string), ...given.slice(1)];
        if (rng.chance(this.opts.typo)) family = typo(rng, family);
        if (rng.chance(this.opts.dayMonthSwap)) birthDate = swapDayMonth(birthDate) ?? birthDate;
      }
      const birthDay = dayFromIso(person.birthDate);
      const joined = Math.max(sinceDay, birthDay);
      this.members.push({
        personRef,
        householdRef,
        memberNo,
        relationship,
        role,
        givenNames: given,
        familyName: family,
        birthDate,
        sex: person.sex === 'female' ? 'F' : 'M',
        joined: isoDate(joined),
        personId: person.id,
        updatedAt: this.updated(rng, joined + rng.int(0, 30)),
      });
      const list = this.personRefs.get(person.id) ?? [];
      list.push(personRef);
      this.personRefs.set(person.id, list);
      this.truth.set(personRef, person.id);
      refs.push(personRef);
    });
    return refs;
  }

  /**
   * The member's part in the record. Drawn from its own stream (not the household's), so adding
   * it left every other value of the view as it was. A partner signs a joint tenancy about half
   * the time (always in the featured household).
   */
  private memberRole(householdRef: string, personRef: string, relationship: Relationship, exact: boolean): MemberRole {
    const tenancy = householdRef.startsWith('T');
    if (relationship === 'L') return tenancy ? 'Lead tenant' : 'Main applicant';
    if (tenancy && relationship === 'P' && (exact || Rng.derive(this.county.seed, 'housing-tenure', personRef).chance(0.5))) return 'Joint tenant';
    return 'Household member';
  }

  private nextTenancyRef(rng: Rng): string {
    this.tenancySeq += rng.int(1, 9);
    return `T${String(this.tenancySeq).padStart(6, '0')}`;
  }

  private nextCaseRef(rng: Rng): string {
    this.caseSeq += rng.int(1, 4);
    return `HL${String(this.caseSeq).padStart(6, '0')}`;
  }

  private weeklyRent(rng: Rng, household: Household): number {
    const bedrooms = Math.min(4, Math.max(1, household.memberIds.length - 1));
    return 9_000 + bedrooms * 1_150 + rng.int(0, 900);
  }

  // ---- random households ---------------------------------------------------------------------

  private randomHousehold(rng: Rng, household: Household): void {
    const factors = household.factors;
    const anyFactor = factors.domesticAbuse || factors.parentalMentalHealth || factors.parentalSubstanceMisuse || factors.neglect;
    const hasChildren = household.memberIds.some((id) => this.county.personsById.get(id)?.role === 'child');
    const current = this.county.addressesById.get(household.addressId) as PlaceAddress;
    const previous = household.previousAddressId ? this.county.addressesById.get(household.previousAddressId) : undefined;
    const movedIn = dayFromIso(household.movedIn);
    const tenant = rng.chance(hasChildren ? (anyFactor ? 0.38 : 0.2) : 0.15);
    const town = current.city;

    let tenancy: Tenancy | undefined;
    let householdRef: string | undefined;
    if (tenant) {
      const tenancyRef = this.nextTenancyRef(rng);
      const recent = this.asOfDay - movedIn < 365;
      tenancy = {
        tenancyRef,
        address: current,
        tenancyType: recent ? 'introductory' : rng.chance(0.1) ? 'flexible' : 'secure',
        landlord: this.landlord,
        startDate: household.movedIn,
        weeklyRentPence: this.weeklyRent(rng, household),
        officer: this.tenancyOfficer(rng, town),
        updatedAt: this.updated(rng, Math.max(movedIn, this.asOfDay - rng.int(0, 400))),
      };
      this.tenancies.push(tenancy);
      householdRef = tenancyRef;
      this.addMembers(rng, tenancyRef, household, movedIn, false);
    }

    // A move: often through the council's housing options service.
    if (previous && rng.chance(tenant ? (anyFactor ? 0.45 : 0.2) : anyFactor ? 0.2 : 0.05)) {
      const approach = movedIn - rng.int(40, 200);
      const caseRef = this.nextCaseRef(rng);
      if (!householdRef) {
        householdRef = caseRef;
        this.addMembers(rng, caseRef, household, approach, false, approach);
      }
      const reasonCode = this.reason(rng, factors, false);
      const reliefStart = approach + rng.int(14, 56);
      const inTa = hasChildren && reliefStart < movedIn - 7 && rng.chance(tenant ? 0.5 : 0.3);
      const caseRecord: HomelessnessCase = {
        caseRef,
        householdRef,
        approachDate: isoDate(approach),
        address: previous,
        reasonCode,
        preventionDutyStart: isoDate(approach),
        ...(reliefStart < movedIn ? { reliefDutyStart: isoDate(reliefStart) } : {}),
        status: 'closed',
        closedDate: household.movedIn,
        outcome: tenant ? 'Accommodation secured: social rented tenancy (allocation under Part 6)' : 'Accommodation secured: private rented tenancy, 6 months or more',
        officer: this.optionsOfficer(rng),
        updatedAt: this.updated(rng, movedIn + rng.int(0, 14)),
      };
      if (inTa && movedIn - reliefStart > 56) {
        caseRecord.mainDutyDecision = 'Eligible, homeless, in priority need and not intentionally homeless: main housing duty owed';
        caseRecord.mainDutyDate = isoDate(reliefStart + 56 + rng.int(0, 14));
      }
      if (!tenant && !rng.chance(this.opts.staleAddress)) caseRecord.movedOnAddress = current;
      this.cases.push(caseRecord);
      if (inTa) this.addPlacement(rng, householdRef, caseRef, reasonCode === 'domestic-abuse' && rng.chance(0.5) ? 'refuge' : undefined, reliefStart, movedIn - 1);
    }

    // Threatened with homelessness now (still at home): an open prevention case.
    if (!previous && rng.chance(anyFactor ? 0.03 : 0.006)) {
      const caseRef = this.nextCaseRef(rng);
      const approach = this.asOfDay - rng.int(1, 50);
      if (!householdRef) {
        householdRef = caseRef;
        this.addMembers(rng, caseRef, household, approach, false, approach);
      }
      this.cases.push({
        caseRef,
        householdRef,
        approachDate: isoDate(approach),
        address: current,
        reasonCode: tenant ? (factors.domesticAbuse && rng.chance(0.5) ? 'domestic-abuse' : 'rent-arrears') : this.reason(rng, factors, true),
        preventionDutyStart: isoDate(approach + rng.int(0, 3)),
        status: 'open',
        officer: this.optionsOfficer(rng),
        updatedAt: this.updated(rng, approach + rng.int(0, 20)),
      });
    }

    if (!tenancy) return;
    const tenancyRef = tenancy.tenancyRef;
    const leadRef = `${tenancyRef}/1`;

    // Anti-social behaviour cases.
    if (rng.chance(factors.domesticAbuse || factors.parentalSubstanceMisuse ? 0.15 : 0.03)) {
      const opened = Math.max(movedIn + 14, this.asOfDay - rng.int(10, 700));
      if (opened < this.asOfDay) {
        const closed = rng.chance(0.55) ? opened + rng.int(20, 200) : undefined;
        const isClosed = closed !== undefined && closed < this.asOfDay;
        let role: AsbRole = rng.chance(0.5) ? 'complainant' : 'alleged perpetrator';
        let category: string;
        let summary: string;
        let personRef: string | undefined;
        if (factors.parentalSubstanceMisuse && rng.chance(0.6)) {
          if (rng.chance(0.4)) {
            role = 'victim';
            personRef = leadRef;
            category = 'Cuckooing';
            summary = "Concern that the tenant's home is being used by others to deal drugs; visitors at all hours";
          } else {
            role = 'alleged perpetrator';
            category = 'Drug-related activity';
            summary = 'Reports of drug use and dealing from the property';
          }
        } else if (factors.domesticAbuse && rng.chance(0.6)) {
          role = 'alleged perpetrator';
          category = 'Noise nuisance';
          summary = 'Neighbours report shouting, banging and doors slamming late at night';
        } else {
          const pick = rng.pick(ASB_ORDINARY);
          category = pick.category;
          summary = role === 'complainant' ? `Tenant reported a neighbour: ${pick.summary.charAt(0).toLowerCase()}${pick.summary.slice(1)}` : pick.summary;
        }
        this.asb.push({
          asbRef: `ASB${String(this.asb.length + 1).padStart(5, '0')}`,
          householdRef: tenancyRef,
          ...(personRef ? { personRef } : {}),
          role,
          category,
          opened: isoDate(opened),
          ...(isClosed ? { closed: isoDate(closed as number) } : {}),
          status: isClosed ? 'closed' : 'open',
          actionTaken: isClosed ? rng.pick(ASB_ACTIONS_CLOSED) : rng.pick(ASB_ACTIONS_OPEN),
          summary,
          officer: this.staff(rng, 'Anti-social Behaviour Team', 'ASB Officer', 2),
          updatedAt: this.updated(rng, isClosed ? (closed as number) : this.asOfDay - rng.int(0, 30)),
        });
      }
    }

    // Rent arrears and the steps towards possession.
    if (rng.chance(anyFactor ? 0.55 : 0.3)) {
      const maxWeeks = Math.max(1, Math.floor((this.asOfDay - movedIn) / 7));
      const band = rng.weighted([40, 25, 20, 15]);
      const weeks = Math.min(maxWeeks, [rng.int(1, 2), rng.int(2, 4), rng.int(4, 8), rng.int(8, 16)][band] as number);
      this.addArrears(rng, tenancy, weeks);
    }
  }

  private reason(rng: Rng, factors: HouseholdFactors, current: boolean): HomelessnessReason {
    if (factors.domesticAbuse && rng.chance(0.5)) return 'domestic-abuse';
    const table: ReadonlyArray<[HomelessnessReason, number]> = [
      ['end-ast', 35],
      ['family-friends', 25],
      ['relationship-breakdown', current ? 6 : 12],
      ['rent-arrears', 8],
      ['disrepair', 5],
      ['other-violence', 4],
    ];
    return (table[rng.weighted(table.map(([, w]) => w))] as [HomelessnessReason, number])[0];
  }

  private addPlacement(rng: Rng, householdRef: string, caseRef: string, forced: TaType | undefined, start: number, end: number, inCounty = false): void {
    const type: TaType = forced ?? (['nightly-paid', 'bed-and-breakfast', 'hostel', 'la-ha-stock'] as const)[rng.weighted([45, 20, 15, 20])] as TaType;
    let provider = "Marlshire Women's Aid";
    let address: PlaceAddress | undefined;
    if (type !== 'refuge') {
      provider = rng.pick(TA_PROVIDERS[type]);
      // Hotels and hostels are their own sites; self-contained units are flats.
      address =
        type === 'bed-and-breakfast' || type === 'hostel'
          ? (this.taAddresses.find((a) => a.line1 === provider) as PlaceAddress)
          : rng.pick(this.taAddresses.filter((a) => a.line1.startsWith('Flat')));
    }
    this.placements.push({
      placementRef: `TA${String(this.placements.length + 1).padStart(5, '0')}`,
      householdRef,
      caseRef,
      type,
      provider,
      ...(address ? { address } : {}),
      outOfArea: !inCounty && (type === 'refuge' ? rng.chance(0.6) : rng.chance(0.1)),
      startDate: isoDate(start),
      ...(end < this.asOfDay ? { endDate: isoDate(end) } : {}),
      updatedAt: this.updated(rng, Math.min(end, this.asOfDay) + rng.int(0, 5)),
    });
  }

  private addArrears(rng: Rng, tenancy: Tenancy, weeks: number, nospDay?: number): void {
    const balance = weeks * tenancy.weeklyRentPence + rng.int(-500, 500);
    let stage = 'Reminder letter sent';
    if (weeks >= 2) stage = 'Arrears agreement in place';
    if (weeks >= 4) stage = 'Notice of seeking possession served';
    if (weeks >= 8) stage = 'Suspended possession order';
    this.accounts.push({
      tenancyRef: tenancy.tenancyRef,
      balancePence: Math.max(1, balance),
      arrearsWeeks: weeks,
      recoveryStage: stage,
      officer: this.staff(rng, 'Income Management Team', 'Income Officer', 3),
      updatedAt: this.updated(rng, this.asOfDay - rng.int(0, 7)),
    });
    if (weeks >= 4) {
      const nosp = nospDay ?? this.asOfDay - rng.int(5, 25 + (weeks - 4) * 14);
      this.actions.push({
        actionRef: `PA${String(this.actions.length + 1).padStart(5, '0')}`,
        tenancyRef: tenancy.tenancyRef,
        action: 'NOSP',
        ground: 'rent arrears',
        actionDate: isoDate(Math.max(dayFromIso(tenancy.startDate) + 28, nosp)),
        notes: 'Notice of seeking possession served (Housing Act 1985 s83), Ground 1: rent arrears',
        updatedAt: this.updated(rng, nosp + 1),
      });
      if (weeks >= 8) {
        const order = Math.min(this.asOfDay - 1, Math.max(dayFromIso(tenancy.startDate) + 60, nosp + rng.int(35, 80)));
        this.actions.push({
          actionRef: `PA${String(this.actions.length + 1).padStart(5, '0')}`,
          tenancyRef: tenancy.tenancyRef,
          action: 'possession-order',
          ground: 'rent arrears',
          actionDate: isoDate(order),
          notes: 'Suspended possession order granted at Marlbridge County Court on terms: current rent plus a weekly sum towards the arrears',
          updatedAt: this.updated(rng, order + 2),
        });
      }
    }
  }

  // ---- the featured household ----------------------------------------------------------------

  /**
   * Scripted and stable for a seed: evicted from a private let (section 21), the family came
   * through the housing options service and nightly-paid temporary accommodation into a council
   * introductory tenancy eight months ago; the rent account is now in arrears with a notice of
   * seeking possession, and neighbours have reported shouting late at night.
   */
  private featuredHousehold(rng: Rng, household: Household): void {
    const d = this.asOfDay;
    const movedIn = dayFromIso(household.movedIn);
    const current = this.county.addressesById.get(household.addressId) as PlaceAddress;
    const previous = this.county.addressesById.get(household.previousAddressId ?? '') ?? current;
    const tenancyRef = this.nextTenancyRef(rng);
    const tenancy: Tenancy = {
      tenancyRef,
      address: current,
      tenancyType: 'introductory',
      landlord: this.landlord,
      startDate: household.movedIn,
      weeklyRentPence: 11_245,
      officer: this.tenancyOfficer(rng, current.city),
      updatedAt: this.updated(rng, d - 12),
    };
    this.tenancies.push(tenancy);
    this.addMembers(rng, tenancyRef, household, movedIn, true);

    const caseRef = this.nextCaseRef(rng);
    const approach = movedIn - 90;
    const relief = movedIn - 50;
    this.cases.push({
      caseRef,
      householdRef: tenancyRef,
      approachDate: isoDate(approach),
      address: previous,
      reasonCode: 'end-ast',
      preventionDutyStart: isoDate(approach),
      reliefDutyStart: isoDate(relief),
      status: 'closed',
      closedDate: household.movedIn,
      outcome: 'Accommodation secured: social rented tenancy (allocation under Part 6)',
      officer: this.optionsOfficer(rng),
      updatedAt: this.updated(rng, movedIn + 3),
    });
    this.addPlacement(rng, tenancyRef, caseRef, 'nightly-paid', relief, movedIn - 1, true);
    this.addArrears(rng, tenancy, 6, d - 20);
    this.asb.push({
      asbRef: `ASB${String(this.asb.length + 1).padStart(5, '0')}`,
      householdRef: tenancyRef,
      role: 'alleged perpetrator',
      category: 'Noise nuisance',
      opened: isoDate(d - 45),
      status: 'open',
      actionTaken: 'Warning letter sent; joint visit with the tenancy officer arranged',
      summary: 'Neighbours report shouting and doors slamming late at night, and a baby and an older child crying; two visits, no answer at the door',
      officer: this.staff(rng, 'Anti-social Behaviour Team', 'ASB Officer', 2),
      updatedAt: this.updated(rng, d - 6),
    });
  }
}
