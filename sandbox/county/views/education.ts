/**
 * The education agency's view of the county: what the schools' management information systems
 * and the local authority's education services hold about each pupil, as plain data
 * (sandbox/education renders it as DfE Common Transfer Files and CSV extracts).
 *
 * Pupils are known by their Unique Pupil Number (UPN: a check letter, the LA code and
 * establishment number of the school that allocated it, the year of allocation and a serial).
 * Schools record the legal name, and the name the child is known by beside it (a preferred
 * forename, a step-parent's surname); some addresses are out of date because the school was not
 * told of a move. Events follow the county truth: school ids and children's ages give enrolments
 * and school histories, moves give school changes and children missing education, household
 * factors raise absence, suspensions and special educational needs.
 */
import { ageOn, dayFromIso, isoDate, isoDateTime } from '../dates.js';
import type { CountyCore, HouseholdFactors, Person, PlaceAddress, School, ServiceContact } from '../model.js';
import { ADULT_FEMALE_GIVEN, ADULT_MALE_GIVEN, SURNAMES } from '../names.js';
import { NO_NOISE, type NoiseRates, nickname, swapDayMonth, typo } from '../noise.js';
import { dramaPhone } from '../places.js';
import { Rng } from '../prng.js';

export interface EducationViewOptions extends NoiseRates {
  /**
   * Probability a pupil who lives with a step-parent is known at school by the step-parent's
   * surname (recorded as the preferred surname beside the legal one).
   */
  preferredSurname: number;
}

/**
 * Education defaults. `nickname` is the share of pupils with a preferred forename recorded beside
 * the legal one (schools keep both); `staleAddress` the share of moves the school never heard of;
 * `missingNhsNumber` does not apply (schools do not hold NHS numbers).
 */
export const DEFAULT_EDUCATION_VIEW_OPTIONS: EducationViewOptions = {
  ...NO_NOISE,
  staleAddress: 0.3,
  typo: 0.01,
  nickname: 0.12,
  dayMonthSwap: 0.005,
  preferredSurname: 0.5,
};

/** The county's (fictional) three-digit local authority code in DfE numbering. */
export const EDUCATION_LA_CODE = '980';

/** SEN provision codes of the school census: K SEN support, E education, health and care plan. */
export type SenProvision = 'K' | 'E';
/** School census SEN primary need codes. */
export type SenNeed = 'SPLD' | 'MLD' | 'SLD' | 'PMLD' | 'SEMH' | 'SLCN' | 'HI' | 'VI' | 'MSI' | 'PD' | 'ASD' | 'OTH';
/** Suspension (formerly fixed-period exclusion) or permanent exclusion. */
export type ExclusionCategory = 'SUSP' | 'PERM';
/** School census exclusion reason codes (a subset). */
export type ExclusionReason = 'PP' | 'PA' | 'VP' | 'VA' | 'BU' | 'DA' | 'DM' | 'PD' | 'SM' | 'US' | 'TH';

export interface EducationSchool {
  schoolId: string;
  /** Three-digit LA code. */
  lea: string;
  /** Four-digit DfE establishment number (2xxx primary, 4xxx secondary). */
  estab: string;
  /** LA code and establishment number together (the LAESTAB). */
  laEstab: string;
  urn: string;
  name: string;
  phase: School['phase'];
  phone: string;
  address: PlaceAddress;
  town: string;
  headteacher: { title: string; first: string; last: string };
  /** The designated safeguarding lead: who the MASH calls about a pupil. */
  safeguardingLead: ServiceContact & { email: string };
}

/** A stretch of time on one school's roll. */
export interface SchoolSpell {
  schoolId: string;
  entryDate: string;
  leavingDate?: string;
  leavingReason?: string;
}

/** Sessions (half days) for one pupil at one school over one period. */
export interface AttendancePeriod {
  schoolId: string;
  /** Start year of the academic year, e.g. 2024 for 2024/25. */
  academicYear: number;
  from: string;
  to: string;
  possible: number;
  authorised: number;
  unauthorised: number;
}

export interface Exclusion {
  schoolId: string;
  category: ExclusionCategory;
  reason: ExclusionReason;
  startDate: string;
  /** Length in sessions (half days). */
  sessions: number;
}

export interface SenRecord {
  provision: SenProvision;
  startDate: string;
  /** Primary need first. */
  needs: SenNeed[];
}

/**
 * DfE "Relationship to pupil" codes a school records for a contact (a subset): parent (mother,
 * father), step-parent, carer, other relative, other contact.
 */
export type ContactRelationship = 'PAM' | 'PAF' | 'STP' | 'CAR' | 'REL' | 'OTH';

/** A pupil contact as the school's MIS holds it (CTF `Contacts/Contact`). */
export interface PupilContact {
  /** Priority order (1 is called first). */
  order: number;
  title: string;
  surname: string;
  forename: string;
  gender: 'M' | 'F';
  relationship: ContactRelationship;
  /** Has parental responsibility. */
  responsibility: boolean;
  /** Lives at the pupil's address (the CTF's AddressAsPupil); else `address`. */
  addressAsPupil: boolean;
  address?: PlaceAddress;
  phone: string;
  email?: string;
  /** True person id (ground truth; not in the file). */
  personId: string;
}

export interface Pupil {
  upn: string;
  personId: string;
  /** Legal surname and forename, as on the birth certificate. */
  surname: string;
  forename: string;
  middleNames: string[];
  preferredForename?: string;
  preferredSurname?: string;
  birthDate: string;
  gender: 'M' | 'F';
  /** The address the school holds (possibly the one before a move). */
  address: PlaceAddress;
  /** Current school. */
  schoolId: string;
  /** National curriculum year: 0 is reception. */
  ncYear: number;
  /** Every spell on a school's roll, oldest first; the last is the current one (no leaving date). */
  history: SchoolSpell[];
  /** Completed academic years (carried in the CTF). */
  attendance: AttendancePeriod[];
  /** The current term to date (the attendance extract). */
  termAttendance?: AttendancePeriod;
  sen?: SenRecord;
  exclusions: Exclusion[];
  /** The household adults the school holds as contacts, parents first. */
  contacts: PupilContact[];
}

export type RegisterKind = 'CME' | 'EHE';

/** An entry in the local authority's children missing education or elective home education register. */
export interface RegisterEntry {
  id: string;
  register: RegisterKind;
  upn: string;
  personId: string;
  surname: string;
  forename: string;
  birthDate: string;
  gender: 'M' | 'F';
  address: PlaceAddress;
  start: string;
  end?: string;
  reason: string;
  outcome?: string;
  officer: ServiceContact & { email: string };
  lastUpdated: string;
}

export interface EducationView {
  options: EducationViewOptions;
  lea: string;
  /** When the schools exported their files (the county's as-of morning). */
  exportedAt: string;
  /** Start year of the current academic year. */
  academicYear: number;
  schools: readonly EducationSchool[];
  pupils: readonly Pupil[];
  register: readonly RegisterEntry[];
  upnByPersonId: ReadonlyMap<string, string>;
  /** UPN -> person id (ground truth). */
  truth: ReadonlyMap<string, string>;
}

export const SEN_NEED_LABELS: Readonly<Record<SenNeed, string>> = {
  SPLD: 'Specific learning difficulty',
  MLD: 'Moderate learning difficulty',
  SLD: 'Severe learning difficulty',
  PMLD: 'Profound and multiple learning difficulty',
  SEMH: 'Social, emotional and mental health',
  SLCN: 'Speech, language and communication needs',
  HI: 'Hearing impairment',
  VI: 'Visual impairment',
  MSI: 'Multi-sensory impairment',
  PD: 'Physical disability',
  ASD: 'Autistic spectrum disorder',
  OTH: 'Other difficulty or disability',
};

const UPN_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/** DfE UPN check letter: weights 2..13 over characters 2-13, modulus 23 (STANDARDS.md). */
export function upnCheckLetter(twelve: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const ch = twelve[i] as string;
    const value = ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : UPN_ALPHABET.indexOf(ch);
    sum += value * (i + 2);
  }
  return UPN_ALPHABET[sum % 23] as string;
}

// ---- school calendar -------------------------------------------------------------------------

/** 0 Sunday .. 6 Saturday. Day 0 (1970-01-01) was a Thursday. */
function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function nextWeekday(day: number): number {
  let d = day;
  while (weekday(d) === 0 || weekday(d) === 6) d++;
  return d;
}

function previousWeekday(day: number): number {
  let d = day;
  while (weekday(d) === 0 || weekday(d) === 6) d--;
  return d;
}

/** Weekdays from `from` to `to` inclusive. */
function weekdays(from: number, to: number): number {
  if (to < from) return 0;
  const total = to - from + 1;
  let count = Math.floor(total / 7) * 5;
  for (let d = from + Math.floor(total / 7) * 7; d <= to; d++) if (weekday(d) !== 0 && weekday(d) !== 6) count++;
  return count;
}

function termStart(year: number): number {
  return nextWeekday(dayFromIso(`${year}-09-03`));
}

function yearEnd(year: number): number {
  return previousWeekday(dayFromIso(`${year + 1}-07-22`));
}

/** Sessions possible between two days of an academic year: 190 school days a year, two sessions each. */
function sessionsPossible(from: number, to: number, year: number): number {
  const days = (weekdays(from, to) * 190) / weekdays(termStart(year), yearEnd(year));
  return 2 * Math.round(days);
}

/** A random weekday in [from, to]; `from` when the range is empty. */
function randomSchoolDay(rng: Rng, from: number, to: number): number {
  if (to <= from) return nextWeekday(from);
  return Math.min(previousWeekday(to), nextWeekday(rng.int(from, to)));
}

// ---- vocabularies ----------------------------------------------------------------------------

const EXCLUSION_REASONS: Readonly<Record<'primary' | 'secondary', ReadonlyArray<[ExclusionReason, number]>>> = {
  primary: [['PA', 30], ['PP', 25], ['PD', 20], ['VA', 12], ['DM', 5], ['VP', 5], ['BU', 3]],
  secondary: [['PD', 40], ['VA', 15], ['PP', 10], ['VP', 8], ['DA', 7], ['US', 5], ['SM', 5], ['BU', 4], ['DM', 3], ['PA', 2], ['TH', 1]],
};

const SEN_NEEDS: Readonly<Record<'primary' | 'secondary' | 'ehcp', ReadonlyArray<[SenNeed, number]>>> = {
  primary: [['SLCN', 35], ['ASD', 15], ['SEMH', 15], ['MLD', 12], ['SPLD', 8], ['PD', 4], ['HI', 2], ['VI', 1], ['OTH', 8]],
  secondary: [['SEMH', 25], ['SPLD', 17], ['ASD', 15], ['SLCN', 12], ['MLD', 12], ['PD', 3], ['HI', 2], ['VI', 1], ['OTH', 13]],
  ehcp: [['ASD', 33], ['SLCN', 20], ['SEMH', 15], ['SLD', 8], ['MLD', 6], ['PD', 5], ['SPLD', 3], ['PMLD', 2], ['HI', 2], ['VI', 1], ['OTH', 5]],
};

/** DfE elective home education census reasons (the commonest). */
const EHE_REASONS = [
  'Mental health',
  'Philosophical or preferential reasons',
  'Dissatisfaction with the school',
  'Health reasons',
  'Special educational needs',
  'Bullying',
  'Avoiding exclusion',
  'Reason not given',
];

const CME_REASONS = [
  'Moved out of the school\'s area: not on roll at a school in the new area',
  'Left school: destination unknown',
  'Removed from roll after 20 days\' continuous unexplained absence',
];

function pickWeighted<T>(rng: Rng, table: ReadonlyArray<[T, number]>, boost?: (item: T) => number): T {
  const index = rng.weighted(table.map(([item, w]) => w * (boost ? boost(item) : 1)));
  return (table[index] as [T, number])[0];
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Builds the education view. Pure: the same county and options give the same view. */
export function buildEducationView(county: CountyCore, options: Partial<EducationViewOptions> = {}): EducationView {
  const opts: EducationViewOptions = { ...DEFAULT_EDUCATION_VIEW_OPTIONS, ...options };
  return new EducationViewBuilder(county, opts).build();
}

const NO_FACTORS: HouseholdFactors = { domesticAbuse: false, parentalMentalHealth: false, parentalSubstanceMisuse: false, neglect: false };

class EducationViewBuilder {
  private readonly asOfDay: number;
  /** Start year of the current academic year. */
  private readonly year: number;
  private readonly schools: EducationSchool[];
  private readonly schoolsById = new Map<string, EducationSchool>();
  private readonly schoolsByTownPhase = new Map<string, EducationSchool[]>();
  private readonly pupils: Pupil[] = [];
  private readonly register: RegisterEntry[] = [];
  private readonly upnByPersonId = new Map<string, string>();
  private readonly truth = new Map<string, string>();
  private readonly usedUpns = new Set<string>();
  private readonly laContacts: { cme: ServiceContact & { email: string }; ehe: ServiceContact & { email: string } };

  constructor(
    private readonly county: CountyCore,
    private readonly opts: EducationViewOptions,
  ) {
    this.asOfDay = dayFromIso(county.asOf);
    const [y, m] = county.asOf.split('-').map(Number) as [number, number];
    this.year = m >= 9 ? y : y - 1;
    let primary = 0;
    let secondary = 0;
    this.schools = county.schools.map((school) => {
      const rng = Rng.derive(county.seed, 'education-school', school.id);
      const estab = String(school.phase === 'primary' ? 2001 + primary++ : 4001 + secondary++);
      const dslFirst = rng.chance(0.75) ? rng.pick(ADULT_FEMALE_GIVEN) : rng.pick(ADULT_MALE_GIVEN);
      const dslLast = rng.pick(SURNAMES);
      const headFemale = rng.chance(0.65);
      const education: EducationSchool = {
        schoolId: school.id,
        lea: EDUCATION_LA_CODE,
        estab,
        laEstab: `${EDUCATION_LA_CODE}${estab}`,
        urn: school.urn,
        name: school.name,
        phase: school.phase,
        phone: school.phone,
        address: school.address,
        town: school.town,
        headteacher: {
          title: headFemale ? rng.pick(['Mrs', 'Ms', 'Miss', 'Dr']) : rng.pick(['Mr', 'Dr']),
          first: headFemale ? rng.pick(ADULT_FEMALE_GIVEN) : rng.pick(ADULT_MALE_GIVEN),
          last: rng.pick(SURNAMES),
        },
        safeguardingLead: {
          name: `${dslFirst} ${dslLast}`,
          role: 'Designated Safeguarding Lead',
          phone: school.phone,
          organisation: school.name,
          email: `dsl@${slug(school.name)}.marlshire-schools.example`,
        },
      };
      return education;
    });
    for (const s of this.schools) {
      this.schoolsById.set(s.schoolId, s);
      const key = `${s.town}|${s.phase}`;
      const list = this.schoolsByTownPhase.get(key) ?? [];
      list.push(s);
      this.schoolsByTownPhase.set(key, list);
    }
    const laRng = Rng.derive(county.seed, 'education-la');
    const service = `${county.localAuthority.name} Education Welfare Service`;
    const officer = (role: string): ServiceContact & { email: string } => {
      const first = laRng.pick(ADULT_FEMALE_GIVEN);
      const last = laRng.pick(SURNAMES);
      return {
        name: `${first} ${last}`,
        role,
        phone: dramaPhone(laRng),
        organisation: service,
        email: `${slug(first)}.${slug(last)}@education.marlshire.example`,
      };
    };
    this.laContacts = { cme: officer('Children Missing Education Officer'), ehe: officer('Elective Home Education Adviser') };
  }

  build(): EducationView {
    const featuredIds = new Set(this.county.householdsById.get(this.county.featured.householdId)?.memberIds ?? []);
    this.county.persons.forEach((person, index) => {
      if (person.role !== 'child' || person.schoolId === undefined) return;
      const rng = Rng.derive(this.county.seed, 'education', index);
      this.pupilFor(rng, person, featuredIds.has(person.id));
    });
    return {
      options: this.opts,
      lea: EDUCATION_LA_CODE,
      exportedAt: isoDateTime(this.asOfDay, 6 * 60),
      academicYear: this.year,
      schools: this.schools,
      pupils: this.pupils,
      register: this.register,
      upnByPersonId: this.upnByPersonId,
      truth: this.truth,
    };
  }

  /**
   * The pupil's contacts: the household's adults, parents first (PAM, PAF, with parental
   * responsibility), then a parent's partner (STP where they share the parent's surname, else OTH),
   * living at the pupil's address. Drawn from their own streams, so the rest of the view is as it
   * was; an adult's phone is the same for every pupil they are a contact of (schools match
   * contacts across siblings by name and phone).
   */
  private contactsFor(person: Person, address: PlaceAddress): PupilContact[] {
    const household = this.county.householdsById.get(person.householdId);
    const adults = (household?.memberIds ?? []).map((id) => this.county.personsById.get(id)).filter((m): m is Person => m !== undefined && m.role === 'adult');
    const parents = adults.filter((a) => person.parentIds.includes(a.id));
    const ordered = [...parents, ...adults.filter((a) => !person.parentIds.includes(a.id))];
    return ordered.map((adult, i) => {
      const parent = person.parentIds.includes(adult.id);
      const female = adult.sex === 'female';
      const relationship: ContactRelationship = parent ? (female ? 'PAM' : 'PAF') : parents.some((p) => p.family === adult.family) ? 'STP' : 'OTH';
      const rng = Rng.derive(this.county.seed, 'education-contact', adult.id);
      const phone = dramaPhone(rng);
      const title = female ? rng.pick(['Mrs', 'Ms', 'Miss']) : 'Mr';
      const first = adult.given[0] as string;
      return {
        order: i + 1,
        title,
        surname: adult.family,
        forename: first,
        gender: female ? 'F' : 'M',
        relationship,
        responsibility: parent,
        addressAsPupil: true,
        address,
        phone,
        ...(rng.chance(0.7) ? { email: `${slug(first)}.${slug(adult.family)}@mail.marlshire.example` } : {}),
        personId: adult.id,
      };
    });
  }

  private schoolIn(rng: Rng, town: string, phase: School['phase'], avoid?: string): EducationSchool | undefined {
    const list = this.schoolsByTownPhase.get(`${town}|${phase}`) ?? [];
    const choices = list.filter((s) => s.schoolId !== avoid);
    return choices.length > 0 ? rng.pick(choices) : list[0];
  }

  private allocateUpn(rng: Rng, school: EducationSchool, entryYear: number): string {
    for (;;) {
      const body = `${school.lea}${school.estab}${String(entryYear % 100).padStart(2, '0')}${String(rng.int(0, 999)).padStart(3, '0')}`;
      const upn = `${upnCheckLetter(body)}${body}`;
      if (!this.usedUpns.has(upn)) {
        this.usedUpns.add(upn);
        return upn;
      }
    }
  }

  private pupilFor(rng: Rng, person: Person, featured: boolean): void {
    const current = this.schoolsById.get(person.schoolId as string);
    if (!current) return;
    const household = this.county.householdsById.get(person.householdId);
    const factors = household?.factors ?? NO_FACTORS;
    const anyFactor = factors.domesticAbuse || factors.parentalMentalHealth || factors.parentalSubstanceMisuse || factors.neglect;
    const birthDay = dayFromIso(person.birthDate);
    const ncRaw = ageOn(birthDay, dayFromIso(`${this.year}-08-31`)) - 4;
    const ncYear = current.phase === 'primary' ? Math.min(6, Math.max(0, ncRaw)) : Math.max(7, ncRaw);
    const receptionYear = this.year - ncYear;
    const currentAddress = this.county.addressesById.get(household?.addressId ?? '') as PlaceAddress;
    const previousAddress = household?.previousAddressId ? this.county.addressesById.get(household.previousAddressId) : undefined;
    const movedIn = household ? dayFromIso(household.movedIn) : 0;
    const currentTown = currentAddress.city;
    const previousTown = previousAddress?.city ?? currentTown;

    // ---- school history: one spell per phase, split where a move across towns changed school.
    const spells: SchoolSpell[] = [];
    let cme: { start: number; end: number } | undefined;
    const phases: Array<{ phase: School['phase']; start: number; end?: number }> =
      current.phase === 'secondary'
        ? [
            { phase: 'primary', start: termStart(receptionYear), end: yearEnd(receptionYear + 6) },
            { phase: 'secondary', start: termStart(receptionYear + 7) },
          ]
        : [{ phase: 'primary', start: termStart(receptionYear) }];
    for (const { phase, start, end } of phases) {
      const isCurrent = end === undefined;
      const townAtEnd = !isCurrent && previousAddress && movedIn > (end as number) ? previousTown : currentTown;
      const finalSchool = isCurrent ? current : (this.schoolIn(rng, townAtEnd, phase) ?? current);
      const crossTownMove = previousAddress !== undefined && previousTown !== currentTown && movedIn > start + 30 && (isCurrent || movedIn < (end as number) - 30);
      if (!featured && crossTownMove) {
        const before = this.schoolIn(rng, previousTown, phase, finalSchool.schoolId) ?? finalSchool;
        const leaving = Math.max(start + 20, previousWeekday(movedIn - rng.int(0, 10)));
        const missing = rng.chance(anyFactor ? 0.3 : 0.06);
        const gap = missing ? rng.int(15, 80) : rng.int(1, 10);
        const entry = Math.min(previousWeekday(this.asOfDay - 1), nextWeekday(leaving + gap));
        spells.push({ schoolId: before.schoolId, entryDate: isoDate(start), leavingDate: isoDate(leaving), leavingReason: 'Moved out of the area' });
        spells.push({ schoolId: finalSchool.schoolId, entryDate: isoDate(entry), ...(isCurrent ? {} : { leavingDate: isoDate(end as number), leavingReason: 'Transferred to secondary school' }) });
        if (missing && isCurrent) cme = { start: leaving + 1, end: entry };
      } else {
        spells.push({ schoolId: finalSchool.schoolId, entryDate: isoDate(start), ...(isCurrent ? {} : { leavingDate: isoDate(end as number), leavingReason: 'Transferred to secondary school' }) });
      }
    }

    // Elective home education earlier in the school career, then back to school: the spell is
    // split around it (off roll while home educated).
    let ehe: { start: number; end: number; reason: string } | undefined;
    const eheLatestEnd = termStart(this.year - 1) - 10;
    if (!featured && ncYear >= 2 && rng.chance(anyFactor ? 0.03 : 0.006)) {
      const earliest = termStart(receptionYear + 1);
      if (eheLatestEnd - earliest > 120) {
        const startDay = randomSchoolDay(rng, earliest, eheLatestEnd - 90);
        const endDay = nextWeekday(Math.min(eheLatestEnd, startDay + rng.int(60, 300)));
        const index = spells.findIndex((s) => dayFromIso(s.entryDate) < startDay && (s.leavingDate === undefined || dayFromIso(s.leavingDate) > endDay));
        const spell = spells[index];
        if (spell) {
          const reason = rng.pick(EHE_REASONS);
          spells.splice(index, 1, { schoolId: spell.schoolId, entryDate: spell.entryDate, leavingDate: isoDate(startDay - 1), leavingReason: 'Elective home education' }, { ...spell, entryDate: isoDate(endDay) });
          ehe = { start: startDay, end: endDay, reason };
        }
      }
    }

    const firstSchool = this.schoolsById.get((spells[0] as SchoolSpell).schoolId) ?? current;
    const upn = this.allocateUpn(rng, firstSchool, receptionYear);

    // ---- identity as the school holds it.
    let forename = person.given[0] as string;
    let surname = person.family;
    let birthDate = person.birthDate;
    let preferredForename: string | undefined;
    let preferredSurname: string | undefined;
    let address = currentAddress;
    const currentEntry = dayFromIso((spells[spells.length - 1] as SchoolSpell).entryDate);
    if (!featured) {
      if (rng.chance(this.opts.typo)) forename = typo(rng, forename);
      if (rng.chance(this.opts.typo)) surname = typo(rng, surname);
      if (rng.chance(this.opts.dayMonthSwap)) birthDate = swapDayMonth(birthDate) ?? birthDate;
      if (rng.chance(this.opts.nickname)) preferredForename = nickname(rng, person.given[0] as string);
      const stepParent = (household?.memberIds ?? [])
        .map((id) => this.county.personsById.get(id))
        .find((m) => m !== undefined && m.role === 'adult' && !person.parentIds.includes(m.id) && m.family !== person.family);
      if (stepParent && rng.chance(this.opts.preferredSurname)) preferredSurname = stepParent.family;
      // The school was not told of the move (only possible if the pupil did not change school).
      if (previousAddress && movedIn > currentEntry && rng.chance(this.opts.staleAddress)) address = previousAddress;
    }

    // ---- attendance: a persistent trait for the child, worse where the household struggles.
    const u = rng.float();
    let absence = 0.015 + 0.22 * u ** 4 + (current.phase === 'secondary' ? 0.015 : 0);
    if (factors.neglect) absence *= 2.2;
    if (factors.parentalSubstanceMisuse) absence *= 1.6;
    if (factors.domesticAbuse) absence *= 1.4;
    if (factors.parentalMentalHealth) absence *= 1.3;
    if (person.childProtection) absence *= 1.5;
    absence = Math.min(0.9, absence);
    const authorisedShare = factors.neglect ? 0.35 : 0.6;

    const attendance: AttendancePeriod[] = [];
    const lastYear = this.year - 1;
    if (!featured) {
      for (const spell of spells) {
        const from = Math.max(termStart(lastYear), dayFromIso(spell.entryDate));
        const to = Math.min(yearEnd(lastYear), spell.leavingDate ? dayFromIso(spell.leavingDate) : Infinity);
        if (to < from) continue;
        const possible = sessionsPossible(from, to, lastYear);
        if (possible === 0) continue;
        attendance.push(this.period(rng, spell.schoolId, lastYear, from, to, possible, absence, authorisedShare));
      }
    }
    const termFrom = Math.max(termStart(this.year), currentEntry);
    const termTo = previousWeekday(this.asOfDay - 1);
    let termAttendance: AttendancePeriod | undefined;
    if (!featured && termTo >= termFrom) {
      const possible = 2 * weekdays(termFrom, termTo);
      termAttendance = this.period(rng, current.schoolId, this.year, termFrom, termTo, possible, absence, authorisedShare);
    }

    // ---- suspensions over the last year and this term, at the school the pupil was at.
    const exclusions: Exclusion[] = [];
    if (!featured) {
      const persistent = absence >= 0.1;
      const windows: Array<{ from: number; to: number; share: number }> = [
        { from: termStart(lastYear), to: yearEnd(lastYear), share: 1 },
        { from: termStart(this.year), to: termTo, share: weekdays(termStart(this.year), termTo) / 190 },
      ];
      for (const window of windows) {
        for (const spell of spells) {
          const school = this.schoolsById.get(spell.schoolId);
          if (!school) continue;
          const from = Math.max(window.from, dayFromIso(spell.entryDate));
          const to = Math.min(window.to, spell.leavingDate ? dayFromIso(spell.leavingDate) : Infinity);
          if (to <= from) continue;
          const base = school.phase === 'secondary' ? 0.12 : 0.02;
          const mean = base * (anyFactor ? 2.5 : 1) * (person.childProtection ? 1.5 : 1) * (persistent ? 1.5 : 1) * window.share * ((to - from) / Math.max(1, window.to - window.from));
          const count = rng.poisson(mean);
          for (let i = 0; i < count; i++) {
            exclusions.push({
              schoolId: school.schoolId,
              category: 'SUSP',
              reason: pickWeighted(rng, EXCLUSION_REASONS[school.phase]),
              startDate: isoDate(randomSchoolDay(rng, from, to)),
              sessions: [2, 4, 6, 1, 10][rng.weighted([40, 25, 15, 10, 10])] as number,
            });
          }
        }
      }
      exclusions.sort((a, b) => a.startDate.localeCompare(b.startDate));
    }

    // ---- special educational needs.
    let sen: SenRecord | undefined;
    const firstEntry = dayFromIso((spells[0] as SchoolSpell).entryDate);
    if (!featured && this.asOfDay - firstEntry > 60) {
      const ehcp = rng.chance(0.048 * (anyFactor ? 1.4 : 1));
      const support = !ehcp && rng.chance(0.136 * (anyFactor ? 1.5 : 1));
      if (ehcp || support) {
        const table = ehcp ? SEN_NEEDS.ehcp : SEN_NEEDS[current.phase];
        const boost = (need: SenNeed): number => (need === 'SEMH' && anyFactor ? 2 : 1);
        const needs: SenNeed[] = [pickWeighted(rng, table, boost)];
        if (rng.chance(0.3)) {
          const second = pickWeighted(rng, table, boost);
          if (second !== needs[0]) needs.push(second);
        }
        const start = ehcp ? rng.int(Math.min(this.asOfDay - 30, firstEntry + 365), this.asOfDay - 30) : Math.max(firstEntry + 30, this.asOfDay - rng.int(30, 900));
        sen = { provision: ehcp ? 'E' : 'K', startDate: isoDate(nextWeekday(Math.min(start, this.asOfDay - 1))), needs };
      }
    }

    const pupil: Pupil = {
      upn,
      personId: person.id,
      surname,
      forename,
      middleNames: person.given.slice(1),
      ...(preferredForename && preferredForename !== forename ? { preferredForename } : {}),
      ...(preferredSurname ? { preferredSurname } : {}),
      birthDate,
      gender: person.sex === 'female' ? 'F' : 'M',
      address,
      schoolId: current.schoolId,
      ncYear,
      history: spells,
      attendance,
      ...(termAttendance ? { termAttendance } : {}),
      ...(sen ? { sen } : {}),
      exclusions,
      contacts: this.contactsFor(person, address),
    };
    if (featured) this.featuredRecords(pupil, person);
    this.pupils.push(pupil);
    this.upnByPersonId.set(person.id, upn);
    this.truth.set(upn, person.id);

    const registerIdentity = { upn, personId: person.id, surname, forename, birthDate, gender: pupil.gender, address: currentAddress };
    if (cme) {
      const school = this.schoolsById.get(current.schoolId) as EducationSchool;
      this.register.push({
        id: `CME-${String(this.register.length + 1).padStart(5, '0')}`,
        register: 'CME',
        ...registerIdentity,
        start: isoDate(cme.start),
        end: isoDate(cme.end),
        reason: rng.pick(CME_REASONS),
        outcome: `Found: on roll at ${school.name}`,
        officer: this.laContacts.cme,
        lastUpdated: isoDateTime(Math.min(this.asOfDay, cme.end + rng.int(0, 5)), rng.int(9 * 60, 17 * 60)),
      });
    }
    if (ehe) {
      this.register.push({
        id: `EHE-${String(this.register.length + 1).padStart(5, '0')}`,
        register: 'EHE',
        ...registerIdentity,
        start: isoDate(ehe.start),
        end: isoDate(ehe.end),
        reason: ehe.reason,
        outcome: 'Returned to school',
        officer: this.laContacts.ehe,
        lastUpdated: isoDateTime(Math.min(this.asOfDay, ehe.end + rng.int(0, 10)), rng.int(9 * 60, 17 * 60)),
      });
    }
  }

  private period(rng: Rng, schoolId: string, academicYear: number, from: number, to: number, possible: number, absence: number, authorisedShare: number): AttendancePeriod {
    const rate = Math.min(0.95, absence * (0.7 + 0.6 * rng.float()));
    const missed = Math.min(possible, Math.round(possible * rate));
    const share = Math.min(1, Math.max(0, authorisedShare + (rng.float() - 0.5) * 0.3));
    const authorised = Math.round(missed * share);
    return { schoolId, academicYear, from: isoDate(from), to: isoDate(to), possible, authorised, unauthorised: missed - authorised };
  }

  /**
   * The featured child (14, on a child protection plan for neglect, self-harm known to CAMHS):
   * persistent absence last year and this term, SEN support for social, emotional and mental
   * health, and a suspension in the spring. Stable for a seed.
   */
  private featuredRecords(pupil: Pupil, person: Person): void {
    if (person.id !== this.county.featured.child.id) return;
    const d = this.asOfDay;
    const lastYear = this.year - 1;
    const from = termStart(lastYear);
    const to = yearEnd(lastYear);
    pupil.attendance = [{ schoolId: pupil.schoolId, academicYear: lastYear, from: isoDate(from), to: isoDate(to), possible: sessionsPossible(from, to, lastYear), authorised: 22, unauthorised: 40 }];
    const termFrom = termStart(this.year);
    const termTo = previousWeekday(d - 1);
    pupil.termAttendance = { schoolId: pupil.schoolId, academicYear: this.year, from: isoDate(termFrom), to: isoDate(termTo), possible: 2 * weekdays(termFrom, termTo), authorised: 2, unauthorised: 6 };
    pupil.sen = { provision: 'K', startDate: isoDate(nextWeekday(d - 320)), needs: ['SEMH'] };
    pupil.exclusions = [{ schoolId: pupil.schoolId, category: 'SUSP', reason: 'VA', startDate: isoDate(nextWeekday(d - 200)), sessions: 4 }];
  }
}
