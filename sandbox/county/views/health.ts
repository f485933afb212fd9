/**
 * The health agency's view of the county: what the county's NHS record systems hold about each
 * person, as plain data (sandbox/health renders it as FHIR R4). Patients have the health
 * service's own ids; some lack an NHS number and some still show the address before a move.
 * Events come at believable rates, raised where the household has known risk factors.
 *
 * Services and who runs them:
 * - unscheduled care (A&E, urgent treatment centres) and maternity: the acute trust;
 * - health visiting, school nursing, sexual health: the community trust;
 * - CAMHS and adult community mental health: the mental health trust;
 * - substance misuse: a commissioned recovery service.
 */
import { ageOn, dayFromIso, isoDate, isoDateTime } from '../dates.js';
import type { CountyCore, HouseholdFactors, Person, PlaceAddress, ServiceContact } from '../model.js';
import { ADULT_FEMALE_GIVEN, ADULT_MALE_GIVEN, SURNAMES } from '../names.js';
import { NO_NOISE, type NoiseRates, nickname, swapDayMonth, typo } from '../noise.js';
import { dramaPhone } from '../places.js';
import { Rng } from '../prng.js';
import { householdRelations } from '../relations.js';

export interface HealthViewOptions extends NoiseRates {
  /** Years of event history (A&E, sexual health, was-not-brought) to generate. */
  lookbackYears: number;
  /** Probability a RelatedPerson was recorded by name only, without the related person's NHS number. */
  relatedNameOnly: number;
}

/** Health defaults: some missing NHS numbers and stale addresses; names and dates as recorded. */
export const DEFAULT_HEALTH_VIEW_OPTIONS: HealthViewOptions = {
  ...NO_NOISE,
  missingNhsNumber: 0.04,
  staleAddress: 0.5,
  lookbackYears: 3,
  relatedNameOnly: 0.2,
};

export type EncounterService = 'emergency-department' | 'urgent-treatment-centre' | 'sexual-health';
export type EpisodeService =
  | 'health-visiting'
  | 'school-nursing'
  | 'camhs'
  | 'maternity'
  | 'adult-mental-health'
  | 'substance-misuse';
export type AppointmentService =
  | 'paediatric-outpatients'
  | 'audiology'
  | 'ophthalmology'
  | 'speech-and-language-therapy'
  | 'health-visiting'
  | 'immunisation'
  | 'camhs';

export interface HealthOrganisation {
  id: string;
  /** ODS organisation code (fictional). */
  odsCode: string;
  name: string;
  phone: string;
}

export interface HealthPatientAddress {
  address: PlaceAddress;
  use: 'home' | 'old';
  from?: string;
  to?: string;
}

export interface HealthPatient {
  id: string;
  /** The hospital's own patient number. */
  localNumber: string;
  personId: string;
  nhsNumber?: string;
  family: string;
  given: string[];
  birthDate: string;
  gender: 'male' | 'female';
  addresses: HealthPatientAddress[];
  gpPracticeId: string;
  registeredSince: string;
  lastUpdated: string;
}

export interface HealthEncounter {
  id: string;
  patientId: string;
  service: EncounterService;
  start: string;
  end: string;
  site: string;
  organisationId: string;
  reason: string;
  disposition: string;
  contact: ServiceContact;
  lastUpdated: string;
}

export interface HealthEpisode {
  id: string;
  patientId: string;
  service: EpisodeService;
  status: 'active' | 'finished';
  start: string;
  end?: string;
  team: string;
  teamPhone: string;
  organisationId: string;
  careManager: ServiceContact;
  narrative: string;
  lastUpdated: string;
}

/** A Child Protection - Information Sharing flag: the child is on a plan or looked after. */
export interface CpisFlag {
  id: string;
  patientId: string;
  plan: 'CPP' | 'LAC';
  category: string;
  status: 'active' | 'inactive';
  start: string;
  end?: string;
  localAuthority: ServiceContact;
  lastUpdated: string;
}

/** A child not brought to a booked appointment. */
export interface MissedAppointment {
  id: string;
  patientId: string;
  service: AppointmentService;
  start: string;
  end: string;
  site: string;
  organisationId: string;
  contact: ServiceContact;
  lastUpdated: string;
}

/**
 * HL7 v3 RoleCode relationship codes the GP records on a RelatedPerson: MTH/FTH mother/father,
 * STPMTH/STPFTH step-parent, SIB/HSIB/STPSIB sibling, DOMPART domestic partner, DAUC/SONC
 * daughter/son, STPDAU/STPSON step-child.
 */
export type RelatedPersonCode = 'MTH' | 'FTH' | 'STPMTH' | 'STPFTH' | 'SIB' | 'HSIB' | 'STPSIB' | 'DOMPART' | 'DAUC' | 'SONC' | 'STPDAU' | 'STPSON';

/**
 * A person the GP record lists as related to a patient (next of kin, parent, sibling): a FHIR
 * RelatedPerson. Not a Patient: it carries the related person's NHS number when the practice
 * recorded it, else only their name, birth date and address as given.
 */
export interface HealthRelatedPerson {
  id: string;
  /** The patient whose record lists this person. */
  patientId: string;
  /** Ground truth: who the related person really is (never served). */
  personId: string;
  code: RelatedPersonCode;
  nhsNumber?: string;
  family: string;
  given: string[];
  birthDate: string;
  gender: 'male' | 'female';
  /** The address recorded for them (the patient's home address when recorded). */
  address: PlaceAddress;
  lastUpdated: string;
}

export interface HealthView {
  options: HealthViewOptions;
  organisations: readonly HealthOrganisation[];
  patients: readonly HealthPatient[];
  encounters: readonly HealthEncounter[];
  episodes: readonly HealthEpisode[];
  flags: readonly CpisFlag[];
  missedAppointments: readonly MissedAppointment[];
  /** RelatedPerson records: each patient's household members (parents, step-parents, siblings, partner, children). */
  relatedPersons: readonly HealthRelatedPerson[];
  patientIdByPersonId: ReadonlyMap<string, string>;
  /** Patient id -> person id (ground truth). */
  truth: ReadonlyMap<string, string>;
}

export const APPOINTMENT_SERVICE_LABELS: Readonly<Record<AppointmentService, string>> = {
  'paediatric-outpatients': 'Paediatric outpatients',
  audiology: 'Paediatric audiology',
  ophthalmology: 'Paediatric ophthalmology',
  'speech-and-language-therapy': 'Speech and language therapy',
  'health-visiting': 'Health visiting development review',
  immunisation: 'Immunisation clinic',
  camhs: 'CAMHS appointment',
};

const DAY = 1;
const YEAR = 365.25 * DAY;

interface Complaint {
  text: string;
  weight: number;
  /** A presentation that should prompt safeguarding thinking. */
  concern?: boolean;
  minor?: boolean;
}

const COMPLAINTS: Readonly<Record<'infant' | 'toddler' | 'child' | 'teen' | 'adult', readonly Complaint[]>> = {
  infant: [
    { text: 'Fever and reduced feeding', weight: 5 },
    { text: 'Bronchiolitis: difficulty in breathing', weight: 5 },
    { text: 'Vomiting and diarrhoea', weight: 4, minor: true },
    { text: 'Head injury: rolled off a changing table', weight: 2, concern: true },
    { text: 'Unexplained bruising to upper arm in a non-mobile baby', weight: 0.5, concern: true },
  ],
  toddler: [
    { text: 'Accidental ingestion of a household cleaning product', weight: 2, concern: true },
    { text: 'Scald to hand from a hot drink', weight: 2, concern: true },
    { text: 'Fall from furniture: laceration to forehead', weight: 3, minor: true },
    { text: 'Febrile convulsion', weight: 2 },
    { text: 'Croup', weight: 3 },
    { text: 'Foreign body in nose', weight: 2, minor: true },
    { text: 'Finger trapped in a door', weight: 2, minor: true },
  ],
  child: [
    { text: 'Wrist injury: fall from a bicycle', weight: 4, minor: true },
    { text: 'Asthma exacerbation', weight: 3 },
    { text: 'Head injury: fall in the playground', weight: 3, minor: true },
    { text: 'Abdominal pain', weight: 3 },
    { text: 'Dog bite to hand', weight: 1, minor: true },
    { text: 'Ankle sprain playing football', weight: 3, minor: true },
    { text: 'Bruising to back: explanation inconsistent with injury', weight: 0.4, concern: true },
  ],
  teen: [
    { text: 'Sports injury: suspected fractured clavicle', weight: 3, minor: true },
    { text: 'Abdominal pain', weight: 3 },
    { text: 'Ankle sprain', weight: 3, minor: true },
    { text: 'Alcohol intoxication', weight: 1.2, concern: true },
    { text: 'Deliberate self-harm: superficial lacerations to forearm', weight: 1, concern: true },
    { text: 'Overdose: 16 paracetamol tablets', weight: 0.6, concern: true },
    { text: 'Assault: facial injury', weight: 0.8, concern: true },
    { text: 'Hand injury: punched a wall', weight: 1, minor: true },
    { text: 'Panic attack', weight: 1 },
  ],
  adult: [
    { text: 'Chest pain', weight: 4 },
    { text: 'Shortness of breath', weight: 3 },
    { text: 'Back pain', weight: 3, minor: true },
    { text: 'Abdominal pain', weight: 3 },
    { text: 'Laceration to hand: kitchen knife', weight: 2, minor: true },
    { text: 'Alcohol-related fall: head injury', weight: 1, concern: true },
    { text: 'Facial bruising: reported fall at home', weight: 0.7, concern: true },
    { text: 'Overdose of prescribed medication', weight: 0.5, concern: true },
    { text: 'Panic attack', weight: 1.5 },
  ],
};

const DISPOSITIONS_ROUTINE = [
  'Discharged home',
  'Discharged home: GP follow-up advised',
  'Discharged home: fracture clinic follow-up',
  'Admitted to ward',
  'Left before treatment completed',
];
const DISPOSITIONS_CHILD_CONCERN = [
  'Safeguarding referral made to children\'s social care',
  'Discharged home: health visitor or school nurse notified',
  'Admitted to paediatric ward; paediatric safeguarding review',
];
const DISPOSITIONS_TEEN_CONCERN = [
  'Seen by CAMHS liaison; discharged home with a safety plan',
  'Admitted to paediatric ward for treatment and psychosocial assessment',
  'Safeguarding referral made to children\'s social care',
];
const DISPOSITIONS_ADULT_CONCERN = [
  'Discharged; domestic abuse routine enquiry declined',
  'Seen by liaison psychiatry; discharged with community mental health follow-up',
  'Discharged; referred to IDVA service with consent',
  'Admitted to medical ward',
];

const SEXUAL_HEALTH_REASONS = [
  'Sexual health screen: results negative',
  'Contraception review: long-acting reversible contraception fitted',
  'Emergency contraception',
  'Sexually transmitted infection treated; partner notification completed',
  'Contraception consultation',
];

const SCHOOL_NURSING_NARRATIVES = [
  'Emotional health and wellbeing support: fortnightly sessions in school',
  'Enuresis support',
  'Healthy weight: referral from the National Child Measurement Programme',
  'Drop-in: low mood; signposted to the school counsellor',
  'Asthma care plan reviewed with school staff',
];
const CAMHS_NARRATIVES = [
  'Anxiety: cognitive behavioural therapy, weekly sessions',
  'Low mood and self-harm: care coordinated; risk assessment reviewed monthly',
  'ADHD assessment: awaiting school observation',
  'Eating disorder pathway: weekly weight monitoring',
  'Trauma-focused work following domestic abuse in the home',
  'Autism assessment: on the neurodevelopmental pathway waiting list',
];
const ADULT_MH_NARRATIVES = [
  'Depression: community mental health team, care coordinator allocated',
  'Generalised anxiety disorder: talking therapies',
  'Bipolar affective disorder: care programme approach, lithium monitoring',
  'Emotionally unstable personality disorder: structured clinical management',
  'Postnatal depression: perinatal mental health team',
];
const SUBSTANCE_NARRATIVES = [
  'Alcohol dependence: community detoxification, then relapse prevention group',
  'Opiate substitution therapy (methadone, supervised consumption)',
  'Cannabis and cocaine use: structured psychosocial intervention',
  'Alcohol: brief intervention and harm reduction',
];

/** Which urgent treatment centre serves which town (index as in places.ts). */
const UTC_SITES = [
  'Urgent Treatment Centre, Marlbridge General Hospital',
  'Urgent Treatment Centre, Marlbridge General Hospital',
  'Urgent Treatment Centre, Kingsmere Health Campus',
  'Urgent Treatment Centre, Thornby Community Hospital',
  'Urgent Treatment Centre, Thornby Community Hospital',
  'Urgent Treatment Centre, Kingsmere Health Campus',
  'Urgent Treatment Centre, Saltfleet Community Hospital',
  'Urgent Treatment Centre, Saltfleet Community Hospital',
];
const ED_SITE = 'Emergency Department, Marlbridge General Hospital';
const SEXUAL_HEALTH_SITE = 'The Willow Clinic (Integrated Sexual Health), Marlbridge';

function makeOrganisations(seed: number): Record<'acute' | 'community' | 'mentalHealth' | 'recovery', HealthOrganisation> {
  const rng = Rng.derive(seed, 'health-organisations');
  return {
    acute: { id: 'org-acute', odsCode: 'RM9', name: 'Marlshire Hospitals NHS Foundation Trust', phone: dramaPhone(rng) },
    community: { id: 'org-community', odsCode: 'RM8', name: 'Marlshire Community Health NHS Trust', phone: dramaPhone(rng) },
    mentalHealth: { id: 'org-mental-health', odsCode: 'RM7', name: 'Marlshire Partnership NHS Foundation Trust', phone: dramaPhone(rng) },
    recovery: { id: 'org-recovery', odsCode: 'NM9', name: 'Marlshire Recovery Partnership', phone: dramaPhone(rng) },
  };
}

/** Builds the health view. Pure: the same county and options give the same view. */
export function buildHealthView(county: CountyCore, options: Partial<HealthViewOptions> = {}): HealthView {
  const opts: HealthViewOptions = { ...DEFAULT_HEALTH_VIEW_OPTIONS, ...options };
  return new HealthViewBuilder(county, opts).build();
}

class HealthViewBuilder {
  private readonly asOfDay: number;
  private readonly orgs: ReturnType<typeof makeOrganisations>;
  private readonly patients: HealthPatient[] = [];
  private readonly encounters: HealthEncounter[] = [];
  private readonly episodes: HealthEpisode[] = [];
  private readonly flags: CpisFlag[] = [];
  private readonly missed: MissedAppointment[] = [];
  private readonly related: HealthRelatedPerson[] = [];
  private readonly patientByPersonId = new Map<string, HealthPatient>();
  private readonly patientIdByPersonId = new Map<string, string>();
  private readonly truth = new Map<string, string>();
  private readonly staffCache = new Map<string, ServiceContact>();
  private readonly teamPhones = new Map<string, string>();
  private readonly townIndex = new Map<string, number>();

  constructor(
    private readonly county: CountyCore,
    private readonly opts: HealthViewOptions,
  ) {
    this.asOfDay = dayFromIso(county.asOf);
    this.orgs = makeOrganisations(county.seed);
    county.towns.forEach((t, i) => this.townIndex.set(t.name, i));
  }

  build(): HealthView {
    const featuredIds = new Set(this.county.householdsById.get(this.county.featured.householdId)?.memberIds ?? []);
    this.county.persons.forEach((person, index) => {
      const rng = Rng.derive(this.county.seed, 'health', index);
      const featured = featuredIds.has(person.id);
      const patient = this.patientFor(rng, person, featured);
      if (featured) this.featuredRecords(rng, person, patient);
      else this.randomRecords(rng, person, patient);
    });
    // Related persons on their own stream, so adding them changed nothing else in the view.
    this.county.persons.forEach((person, index) => {
      this.relatedPersonsOf(Rng.derive(this.county.seed, 'health-related', index), person, featuredIds.has(person.id));
    });
    return {
      options: this.opts,
      organisations: Object.values(this.orgs),
      patients: this.patients,
      encounters: this.encounters,
      episodes: this.episodes,
      flags: this.flags,
      missedAppointments: this.missed,
      relatedPersons: this.related,
      patientIdByPersonId: this.patientIdByPersonId,
      truth: this.truth,
    };
  }

  // ---- people --------------------------------------------------------------------------------

  /**
   * The RelatedPersons on a patient's record: every other member of their household, coded from
   * the truth. The featured household's are exact (with NHS numbers); others are recorded by
   * name only at `relatedNameOnly`.
   */
  private relatedPersonsOf(rng: Rng, person: Person, exact: boolean): void {
    const patient = this.patientByPersonId.get(person.id);
    if (!patient) return;
    const home = patient.addresses.find((a) => a.use === 'home')?.address;
    for (const { other, relation } of householdRelations(this.county, person)) {
      const female = other.sex === 'female';
      const code: RelatedPersonCode = {
        parent: female ? 'MTH' : 'FTH',
        'step-parent': female ? 'STPMTH' : 'STPFTH',
        sibling: 'SIB',
        'half-sibling': 'HSIB',
        'step-sibling': 'STPSIB',
        partner: 'DOMPART',
        child: female ? 'DAUC' : 'SONC',
        'step-child': female ? 'STPDAU' : 'STPSON',
      }[relation] as RelatedPersonCode;
      const nameOnly = !exact && rng.chance(this.opts.relatedNameOnly);
      const otherHousehold = this.county.householdsById.get(other.householdId);
      const address = home ?? (this.county.addressesById.get(otherHousehold?.addressId ?? '') as PlaceAddress);
      this.related.push({
        id: rng.uuid(),
        patientId: patient.id,
        personId: other.id,
        code,
        ...(nameOnly ? {} : { nhsNumber: other.nhsNumber }),
        family: other.family,
        given: [...other.given],
        birthDate: other.birthDate,
        gender: other.sex,
        address,
        lastUpdated: patient.lastUpdated,
      });
    }
  }

  private patientFor(rng: Rng, person: Person, exact: boolean): HealthPatient {
    const household = this.county.householdsById.get(person.householdId);
    if (!household) throw new Error(`person ${person.id} has no household`);
    const birthDay = dayFromIso(person.birthDate);
    const current = this.county.addressesById.get(household.addressId) as PlaceAddress;
    const previous = household.previousAddressId ? this.county.addressesById.get(household.previousAddressId) : undefined;
    const movedIn = dayFromIso(household.movedIn);
    const addresses: HealthPatientAddress[] = [];
    if (previous && movedIn > birthDay) {
      // Stale: the move was never reported to the GP, so the old address still looks current.
      if (!exact && rng.chance(this.opts.staleAddress)) {
        addresses.push({ address: previous, use: 'home' });
      } else {
        addresses.push({ address: current, use: 'home', from: household.movedIn });
        addresses.push({ address: previous, use: 'old', to: household.movedIn });
      }
    } else {
      addresses.push({ address: current, use: 'home', from: isoDate(Math.max(movedIn, birthDay)) });
    }

    let given = [...person.given];
    let family = person.family;
    let birthDate = person.birthDate;
    let nhsNumber: string | undefined = person.nhsNumber;
    if (!exact) {
      if (rng.chance(this.opts.missingNhsNumber)) nhsNumber = undefined;
      if (rng.chance(this.opts.nickname)) {
        const nick = nickname(rng, given[0] as string);
        if (nick) given = [nick, ...given.slice(1)];
      }
      if (rng.chance(this.opts.typo)) given = [typo(rng, given[0] as string), ...given.slice(1)];
      if (rng.chance(this.opts.typo)) family = typo(rng, family);
      if (rng.chance(this.opts.dayMonthSwap)) birthDate = swapDayMonth(birthDate) ?? birthDate;
    }

    // Registered with the current practice since birth, or since some years ago.
    const registeredDay = Math.max(birthDay + rng.int(10, 21), this.asOfDay - rng.int(30, 15 * 365));
    const registeredSince = isoDate(Math.max(birthDay, Math.min(this.asOfDay, registeredDay)));
    const lastUpdatedDay = Math.max(dayFromIso(registeredSince), this.asOfDay - rng.int(0, 400), movedIn);
    const patient: HealthPatient = {
      id: rng.uuid(),
      localNumber: `MH${String(this.patients.length + 1).padStart(7, '0')}`,
      personId: person.id,
      ...(nhsNumber ? { nhsNumber } : {}),
      family,
      given,
      birthDate,
      gender: person.sex,
      addresses,
      gpPracticeId: person.gpPracticeId,
      registeredSince,
      lastUpdated: isoDateTime(Math.min(lastUpdatedDay, this.asOfDay), rng.int(8 * 60, 18 * 60)),
    };
    this.patients.push(patient);
    this.patientIdByPersonId.set(person.id, patient.id);
    this.patientByPersonId.set(person.id, patient);
    this.truth.set(patient.id, person.id);
    return patient;
  }

  // ---- contacts ------------------------------------------------------------------------------

  private teamPhone(team: string): string {
    let phone = this.teamPhones.get(team);
    if (!phone) {
      phone = dramaPhone(Rng.derive(this.county.seed, 'team-phone', team));
      this.teamPhones.set(team, phone);
    }
    return phone;
  }

  /** A named member of a team (one of a few per team), with the team's phone. */
  private staff(rng: Rng, team: string, role: string, organisation: HealthOrganisation, poolSize = 4): ServiceContact {
    const slot = rng.int(0, poolSize - 1);
    const key = `${team}|${role}|${slot}`;
    let contact = this.staffCache.get(key);
    if (!contact) {
      const r = Rng.derive(this.county.seed, 'staff', key);
      const given = r.chance(0.8) ? r.pick(ADULT_FEMALE_GIVEN) : r.pick(ADULT_MALE_GIVEN);
      contact = { name: `${given} ${r.pick(SURNAMES)}`, role, phone: this.teamPhone(team), organisation: organisation.name };
      this.staffCache.set(key, contact);
    }
    return contact;
  }

  private safeguardingContact(rng: Rng, child: boolean): ServiceContact {
    return child
      ? this.staff(rng, 'Safeguarding Children Team, Marlshire Hospitals', 'Named Nurse for Safeguarding Children', this.orgs.acute, 2)
      : this.staff(rng, 'Safeguarding Adults Team, Marlshire Hospitals', 'Adult Safeguarding Lead', this.orgs.acute, 2);
  }

  private townOf(person: Person): { name: string; index: number } {
    const household = this.county.householdsById.get(person.householdId);
    const address = household ? this.county.addressesById.get(household.addressId) : undefined;
    const name = address?.city ?? this.county.towns[0]?.name ?? 'Marlbridge';
    return { name, index: this.townIndex.get(name) ?? 0 };
  }

  /** A last-updated time between 10 minutes and 2 days after `minutes`, never after the as-of day. */
  private updatedAfter(rng: Rng, minutes: number): string {
    const latest = this.asOfDay * 1440 + 1439;
    return isoDateTime(0, Math.min(latest, minutes + rng.int(10, 2 * 1440)));
  }

  // ---- record factories ----------------------------------------------------------------------

  private addEncounter(
    rng: Rng,
    person: Person,
    patient: HealthPatient,
    service: EncounterService,
    day: number,
    reason: string,
    disposition: string,
  ): void {
    const child = ageOn(dayFromIso(person.birthDate), day) < 18;
    // Evening-heavy arrival times; sexual health clinics run in the daytime.
    const minute = service === 'sexual-health' ? rng.int(9 * 60, 17 * 60) : (rng.int(8 * 60, 23 * 60) + rng.int(0, 14 * 60)) % (24 * 60);
    const duration = service === 'sexual-health' ? rng.int(20, 60) : service === 'urgent-treatment-centre' ? rng.int(45, 200) : rng.int(90, 420);
    const startMinutes = day * 1440 + minute;
    const endMinutes = startMinutes + duration;
    const site = service === 'emergency-department' ? ED_SITE : service === 'sexual-health' ? SEXUAL_HEALTH_SITE : (UTC_SITES[this.townOf(person).index] ?? UTC_SITES[0] as string);
    const organisation = service === 'sexual-health' ? this.orgs.community : this.orgs.acute;
    const contact =
      service === 'sexual-health'
        ? this.staff(rng, 'Marlshire Integrated Sexual Health Service', 'Sexual Health Safeguarding Lead', organisation, 2)
        : this.safeguardingContact(rng, child);
    const endDay = Math.floor(endMinutes / 1440);
    this.encounters.push({
      id: rng.uuid(),
      patientId: patient.id,
      service,
      start: isoDateTime(day, minute),
      end: isoDateTime(endDay, endMinutes % 1440),
      site,
      organisationId: organisation.id,
      reason,
      disposition,
      contact,
      lastUpdated: this.updatedAfter(rng, endMinutes),
    });
  }

  private addEpisode(
    rng: Rng,
    person: Person,
    patient: HealthPatient,
    service: EpisodeService,
    startDay: number,
    endDay: number | undefined,
    narrative: string,
  ): void {
    if (startDay > this.asOfDay) return; // e.g. a newborn the health visitor has not met yet
    const town = this.townOf(person).name;
    const setup: Record<EpisodeService, { team: string; role: string; org: HealthOrganisation }> = {
      'health-visiting': { team: `${town} Health Visiting Team`, role: 'Health Visitor', org: this.orgs.community },
      'school-nursing': { team: `${town} School Nursing Team`, role: 'School Nurse', org: this.orgs.community },
      camhs: { team: `CAMHS ${town} Community Team`, role: 'CAMHS Care Coordinator', org: this.orgs.mentalHealth },
      maternity: { team: `Community Midwifery Team, ${town}`, role: 'Community Midwife', org: this.orgs.acute },
      'adult-mental-health': { team: `${town} Community Mental Health Team`, role: 'Care Coordinator', org: this.orgs.mentalHealth },
      'substance-misuse': { team: `Marlshire Recovery Partnership, ${town} Hub`, role: 'Recovery Worker', org: this.orgs.recovery },
    };
    const { team, role, org } = setup[service];
    const finished = endDay !== undefined && endDay < this.asOfDay;
    const lastUpdatedDay = finished ? Math.min(this.asOfDay, (endDay as number) + rng.int(1, 20)) : Math.max(startDay, this.asOfDay - rng.int(0, 60));
    this.episodes.push({
      id: rng.uuid(),
      patientId: patient.id,
      service,
      status: finished ? 'finished' : 'active',
      start: isoDate(startDay),
      ...(finished ? { end: isoDate(endDay as number) } : {}),
      team,
      teamPhone: this.teamPhone(team),
      organisationId: org.id,
      careManager: this.staff(rng, team, role, org),
      narrative,
      lastUpdated: isoDateTime(lastUpdatedDay, rng.int(8 * 60, 18 * 60)),
    });
  }

  private addFlag(rng: Rng, person: Person, patient: HealthPatient): void {
    const cp = person.childProtection;
    if (!cp) return;
    // CP-IS is updated by the local authority shortly after the conference or care decision.
    const startDay = dayFromIso(cp.start) + rng.int(0, 3);
    const endDay = cp.end ? dayFromIso(cp.end) + rng.int(0, 5) : undefined;
    const inactive = endDay !== undefined && endDay <= this.asOfDay;
    this.flags.push({
      id: rng.uuid(),
      patientId: patient.id,
      plan: cp.plan,
      category: cp.category,
      status: inactive ? 'inactive' : 'active',
      start: isoDate(Math.min(startDay, this.asOfDay)),
      ...(inactive ? { end: isoDate(endDay as number) } : {}),
      localAuthority: this.county.localAuthority.childrensServices,
      lastUpdated: isoDateTime(Math.min(this.asOfDay, inactive ? (endDay as number) : startDay), rng.int(8 * 60, 18 * 60)),
    });
  }

  private addMissedAppointment(rng: Rng, person: Person, patient: HealthPatient, service: AppointmentService, day: number): void {
    // Clinics run on weekdays: move a weekend date to the Monday. Day 0 (1970-01-01) was a Thursday.
    const weekday = (((day + 4) % 7) + 7) % 7;
    let clinicDay = weekday === 6 ? day + 2 : weekday === 0 ? day + 1 : day;
    // ...or back to the Friday, so a missed appointment is never in the future.
    if (clinicDay >= this.asOfDay) clinicDay = weekday === 6 ? day - 1 : weekday === 0 ? day - 2 : day;
    const minute = 9 * 60 + rng.int(0, 15) * 30;
    const town = this.townOf(person).name;
    let site: string;
    let contact: ServiceContact;
    let organisationId: string;
    switch (service) {
      case 'health-visiting':
        site = `${town} Children and Family Centre`;
        contact = this.staff(rng, `${town} Health Visiting Team`, 'Health Visitor', this.orgs.community);
        organisationId = this.orgs.community.id;
        break;
      case 'immunisation':
        site = `${town} Health Centre`;
        contact = this.staff(rng, 'Marlshire Immunisation Team', 'Immunisation Nurse', this.orgs.community, 3);
        organisationId = this.orgs.community.id;
        break;
      case 'speech-and-language-therapy':
        site = `${town} Children and Family Centre`;
        contact = this.staff(rng, 'Children\'s Speech and Language Therapy', 'Speech and Language Therapist', this.orgs.community, 3);
        organisationId = this.orgs.community.id;
        break;
      case 'camhs':
        site = `CAMHS ${town} Community Team base`;
        contact = this.staff(rng, `CAMHS ${town} Community Team`, 'CAMHS Care Coordinator', this.orgs.mentalHealth);
        organisationId = this.orgs.mentalHealth.id;
        break;
      default:
        site = 'Children\'s Outpatients, Marlbridge General Hospital';
        contact = this.safeguardingContact(rng, true);
        organisationId = this.orgs.acute.id;
    }
    this.missed.push({
      id: rng.uuid(),
      patientId: patient.id,
      service,
      start: isoDateTime(clinicDay, minute),
      end: isoDateTime(clinicDay, minute + (service === 'health-visiting' ? 45 : 30)),
      site,
      organisationId,
      contact,
      lastUpdated: this.updatedAfter(rng, clinicDay * 1440 + minute + 30),
    });
  }

  // ---- random records ------------------------------------------------------------------------

  private randomRecords(rng: Rng, person: Person, patient: HealthPatient): void {
    const household = this.county.householdsById.get(person.householdId);
    const factors: HouseholdFactors = household?.factors ?? {
      domesticAbuse: false,
      parentalMentalHealth: false,
      parentalSubstanceMisuse: false,
      neglect: false,
    };
    const anyFactor = factors.domesticAbuse || factors.parentalMentalHealth || factors.parentalSubstanceMisuse || factors.neglect;
    const birthDay = dayFromIso(person.birthDate);
    const age = ageOn(birthDay, this.asOfDay);
    const isChild = age < 18;
    const windowStart = Math.max(birthDay + 1, Math.round(this.asOfDay - this.opts.lookbackYears * YEAR));
    const windowYears = Math.max(0, (this.asOfDay - windowStart) / YEAR);

    // Unscheduled care: attendances per person-year by age (ED and UTC together).
    const baseRate = age < 1 ? 0.55 : age < 5 ? 0.38 : age < 13 ? 0.22 : age < 18 ? 0.3 : age < 65 ? 0.28 : 0.4;
    let multiplier = 1;
    if (factors.neglect) multiplier *= 1.8;
    if (factors.domesticAbuse) multiplier *= 1.5;
    if (!isChild && factors.parentalSubstanceMisuse) multiplier *= 1.6;
    if (!isChild && factors.parentalMentalHealth) multiplier *= 1.3;
    const attendances = rng.poisson(baseRate * multiplier * windowYears);
    for (let i = 0; i < attendances; i++) {
      const day = rng.int(windowStart, this.asOfDay - 1);
      this.randomAttendance(rng, person, patient, day, anyFactor);
    }

    // Sexual health clinic attendances (14 and over).
    const shRate = age < 14 ? 0 : age < 18 ? (anyFactor ? 0.1 : 0.05) : age < 25 ? 0.1 : age < 46 ? 0.04 : 0.01;
    if (rng.chance(shRate)) {
      const visits = rng.int(1, 2);
      const from = Math.max(windowStart, this.asOfDay - 730, birthDay + Math.round(14 * YEAR));
      for (let i = 0; i < visits && from < this.asOfDay - 1; i++) {
        const day = rng.int(from, this.asOfDay - 1);
        const under18 = ageOn(birthDay, day) < 18;
        let reason = rng.pick(SEXUAL_HEALTH_REASONS);
        if (under18) {
          reason += anyFactor && rng.chance(0.5)
            ? '. Fraser guidelines assessed; CSE screening tool completed: concerns identified, referred to children\'s social care'
            : '. Fraser guidelines assessed; CSE screening tool completed: no concerns identified';
        }
        this.addEncounter(rng, person, patient, 'sexual-health', day, reason, 'Discharged: follow-up as needed');
      }
    }

    if (isChild) this.randomChildRecords(rng, person, patient, age, factors, anyFactor);
    else this.randomAdultRecords(rng, person, patient, age, factors);
  }

  private randomAttendance(rng: Rng, person: Person, patient: HealthPatient, day: number, anyFactor: boolean): void {
    const ageThen = ageOn(dayFromIso(person.birthDate), day);
    const band = ageThen < 1 ? 'infant' : ageThen < 5 ? 'toddler' : ageThen < 13 ? 'child' : ageThen < 18 ? 'teen' : 'adult';
    const options = COMPLAINTS[band];
    // Known risk factors make the worrying presentations likelier.
    const complaint = options[rng.weighted(options.map((c) => (c.concern && anyFactor ? c.weight * 3 : c.weight)))] as Complaint;
    const service: EncounterService = complaint.minor && rng.chance(0.6) ? 'urgent-treatment-centre' : 'emergency-department';
    let disposition: string;
    if (complaint.concern) {
      disposition =
        band === 'adult' ? rng.pick(DISPOSITIONS_ADULT_CONCERN) : band === 'teen' ? rng.pick(DISPOSITIONS_TEEN_CONCERN) : rng.pick(DISPOSITIONS_CHILD_CONCERN);
    } else {
      disposition = DISPOSITIONS_ROUTINE[rng.weighted([10, 5, 2, 2, 1])] as string;
    }
    this.addEncounter(rng, person, patient, service, day, complaint.text, disposition);
  }

  private randomChildRecords(rng: Rng, person: Person, patient: HealthPatient, age: number, factors: HouseholdFactors, anyFactor: boolean): void {
    const birthDay = dayFromIso(person.birthDate);
    this.addFlag(rng, person, patient);

    // Health visiting: universal for under-fives; closed at five when school nursing takes over.
    if (age < 5) {
      const level = person.childProtection
        ? 'Universal Partnership Plus: child protection plan; visits at least monthly and core group attendance'
        : anyFactor
          ? 'Universal Plus: additional support for parental wellbeing, feeding and sleep'
          : 'Universal: routine development reviews';
      this.addEpisode(rng, person, patient, 'health-visiting', birthDay + rng.int(10, 14), undefined, level);
    } else if (age === 5) {
      const fifth = Math.round(birthDay + 5 * YEAR);
      this.addEpisode(rng, person, patient, 'health-visiting', birthDay + rng.int(10, 14), fifth, 'Universal: routine development reviews; transferred to school nursing');
    }

    // Targeted school nursing.
    if (age >= 5 && person.schoolId !== undefined && rng.chance(anyFactor || person.childProtection ? 0.5 : 0.03)) {
      const narrative = person.childProtection ? 'Safeguarding: school nurse attends core group meetings; health assessment completed' : rng.pick(SCHOOL_NURSING_NARRATIVES);
      const start = Math.max(birthDay + Math.round(5 * YEAR), this.asOfDay - rng.int(30, 720));
      const end = rng.chance(0.35) ? start + rng.int(60, 300) : undefined;
      this.addEpisode(rng, person, patient, 'school-nursing', start, end, narrative);
    }

    // CAMHS.
    let camhs = false;
    if (age >= 5) {
      const p = age >= 10 ? 0.05 + (anyFactor ? 0.12 : 0) : 0.02 + (anyFactor ? 0.05 : 0);
      if (rng.chance(p)) {
        camhs = true;
        const start = Math.max(birthDay + Math.round(5 * YEAR), this.asOfDay - rng.int(20, 900));
        const end = rng.chance(0.4) ? start + rng.int(90, 500) : undefined;
        this.addEpisode(rng, person, patient, 'camhs', start, end, rng.pick(CAMHS_NARRATIVES));
      }
    }

    // Was not brought: a handful of missed appointments, far more where there is neglect.
    const wnbMean = 0.12 + (factors.neglect ? 1.5 : anyFactor ? 0.4 : 0);
    const missed = rng.poisson(wnbMean);
    const from = Math.max(birthDay + 30, this.asOfDay - 545);
    for (let i = 0; i < missed && from < this.asOfDay - 1; i++) {
      const day = rng.int(from, this.asOfDay - 1);
      const ageThen = ageOn(birthDay, day);
      const services: AppointmentService[] =
        ageThen < 5
          ? ['health-visiting', 'immunisation', 'paediatric-outpatients', 'audiology', 'speech-and-language-therapy']
          : ['paediatric-outpatients', 'ophthalmology', 'audiology', 'immunisation', ...(ageThen <= 10 ? (['speech-and-language-therapy'] as const) : []), ...(camhs ? (['camhs'] as const) : [])];
      this.addMissedAppointment(rng, person, patient, rng.pick(services), day);
    }
  }

  private randomAdultRecords(rng: Rng, person: Person, patient: HealthPatient, age: number, factors: HouseholdFactors): void {
    const isParent = person.childIds.length > 0;
    // Maternity: a baby in the last year, or pregnant now.
    if (person.sex === 'female') {
      for (const childId of person.childIds) {
        const child = this.county.personsById.get(childId);
        if (!child) continue;
        const childBirth = dayFromIso(child.birthDate);
        if (this.asOfDay - childBirth > 365) continue;
        const end = childBirth + rng.int(28, 56);
        const parts = ['Antenatal and postnatal care'];
        if (factors.parentalMentalHealth) parts.push('referred to the perinatal mental health team');
        if (factors.domesticAbuse) parts.push('domestic abuse routine enquiry: disclosure; referred to IDVA');
        this.addEpisode(rng, person, patient, 'maternity', childBirth - rng.int(196, 238), end, parts.join('; '));
      }
      if (person.pregnant) {
        this.addEpisode(rng, person, patient, 'maternity', this.asOfDay - rng.int(30, 200), undefined, 'Antenatal care: booked; community midwife allocated');
      }
    }
    const mh = factors.parentalMentalHealth ? (isParent || rng.chance(0.5) ? 0.85 : 0.2) : 0.03;
    if (rng.chance(mh)) {
      const start = this.asOfDay - rng.int(30, 1500);
      const end = rng.chance(0.3) ? start + rng.int(120, 700) : undefined;
      const narrative = person.sex === 'female' && person.childIds.some((id) => {
        const c = this.county.personsById.get(id);
        return c !== undefined && this.asOfDay - dayFromIso(c.birthDate) < 500;
      })
        ? ADULT_MH_NARRATIVES[4] as string
        : rng.pick(ADULT_MH_NARRATIVES.slice(0, 4));
      this.addEpisode(rng, person, patient, 'adult-mental-health', start, end, narrative);
    }
    const sm = factors.parentalSubstanceMisuse ? 0.85 : 0.012;
    if (age >= 18 && rng.chance(sm)) {
      const start = this.asOfDay - rng.int(30, 1200);
      const end = rng.chance(0.35) ? start + rng.int(90, 600) : undefined;
      this.addEpisode(rng, person, patient, 'substance-misuse', start, end, rng.pick(SUBSTANCE_NARRATIVES));
    }
  }

  // ---- the featured household ----------------------------------------------------------------

  /** Scripted records: stable for a seed, and something in every health category for the child. */
  private featuredRecords(rng: Rng, person: Person, patient: HealthPatient): void {
    const { child, parent, sibling } = this.county.featured;
    const d = this.asOfDay;
    if (person.id === child.id) {
      this.addEncounter(rng, person, patient, 'emergency-department', d - 300, 'Head injury: fall while intoxicated (alcohol)', 'Discharged home with parent; safeguarding referral made to children\'s social care');
      this.addEncounter(rng, person, patient, 'emergency-department', d - 95, 'Deliberate self-harm: superficial lacerations to left forearm', 'Seen by CAMHS liaison; discharged home with a safety plan');
      this.addEncounter(rng, person, patient, 'urgent-treatment-centre', d - 40, 'Ankle sprain', 'Discharged home');
      this.addEncounter(rng, person, patient, 'sexual-health', d - 60, 'Contraception consultation. Fraser guidelines assessed; CSE screening tool completed: concerns identified, shared with the named nurse for safeguarding children', 'Discharged: follow-up in four weeks');
      this.addFlag(rng, person, patient);
      this.addEpisode(rng, person, patient, 'school-nursing', d - 400, undefined, 'Safeguarding: school nurse attends core group meetings; emotional health and wellbeing support');
      this.addEpisode(rng, person, patient, 'camhs', d - 90, undefined, 'Low mood and self-harm: care coordinated; weekly sessions; risk assessment reviewed monthly');
      this.addMissedAppointment(rng, person, patient, 'ophthalmology', d - 200);
      this.addMissedAppointment(rng, person, patient, 'camhs', d - 30);
    } else if (person.id === parent.id) {
      const siblingBirth = dayFromIso(sibling.birthDate);
      this.addEpisode(rng, person, patient, 'adult-mental-health', d - 500, undefined, 'Depression and anxiety: community mental health team, care coordinator allocated');
      this.addEpisode(rng, person, patient, 'maternity', siblingBirth - 210, siblingBirth + 42, 'Antenatal and postnatal care; domestic abuse routine enquiry: disclosure at 28 weeks, referred to IDVA; perinatal mental health team involved');
      this.addEncounter(rng, person, patient, 'emergency-department', d - 180, 'Facial bruising: reported fall at home', 'Discharged; domestic abuse routine enquiry declined');
    } else if (person.id === sibling.id) {
      this.addFlag(rng, person, patient);
      this.addEpisode(rng, person, patient, 'health-visiting', dayFromIso(sibling.birthDate) + 11, undefined, 'Universal Partnership Plus: child protection plan; home visits fortnightly');
      this.addMissedAppointment(rng, person, patient, 'health-visiting', d - 75);
    }
  }
}
