/**
 * The synthetic county: the true population (who really lives where, who is whose parent) and
 * each agency's view of it. Agency views are what the agency's record system holds, with the
 * agency's own ids and its own errors; `County.truth` maps every agency person-record id back
 * to the true person so tests can score matching against ground truth.
 */
import type { HealthView, HealthViewOptions } from './views/health.js';
import type { PoliceView, PoliceViewOptions } from './views/police.js';
import type { SocialCareView, SocialCareViewOptions } from './views/social-care.js';
import type { EducationView, EducationViewOptions } from './views/education.js';
import type { HousingView, HousingViewOptions } from './views/housing.js';

export type Sex = 'female' | 'male';
export type PersonRole = 'adult' | 'child';

/** An addressable place. Agencies copy these into their own records (possibly out of date). */
export interface PlaceAddress {
  id: string;
  /** Unique Property Reference Number: 12 digits (fictional range). */
  uprn: string;
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
}

/** Circumstances known to services; they raise the rates of events in every agency view. */
export interface HouseholdFactors {
  domesticAbuse: boolean;
  parentalMentalHealth: boolean;
  parentalSubstanceMisuse: boolean;
  neglect: boolean;
}

export interface Household {
  id: string;
  addressId: string;
  /** The address before the last move, for households that moved. */
  previousAddressId?: string;
  /** ISO date the household moved to its current address. */
  movedIn: string;
  memberIds: string[];
  factors: HouseholdFactors;
}

export type CpCategory = 'neglect' | 'emotional abuse' | 'physical abuse' | 'sexual abuse' | 'multiple';

/** A child protection plan or looked-after status (the truth behind CP-IS and social care). */
export interface ChildProtection {
  plan: 'CPP' | 'LAC';
  category: CpCategory;
  start: string;
  end?: string;
}

export interface Person {
  /** True id, never shown to an agency. */
  id: string;
  householdId: string;
  role: PersonRole;
  /** First name then middle names. */
  given: string[];
  family: string;
  sex: Sex;
  birthDate: string;
  nhsNumber: string;
  /** Household adults who are this person's parents (a step-parent is not listed). */
  parentIds: string[];
  /** Household children this person is a parent of. */
  childIds: string[];
  gpPracticeId: string;
  schoolId?: string;
  childProtection?: ChildProtection;
  /** True when the person is pregnant on the county's `asOf` date. */
  pregnant?: boolean;
}

/** A named contact with a phone (Ofcom drama range 01632 960xxx: never a real line). */
export interface ServiceContact {
  name: string;
  role: string;
  phone: string;
  organisation: string;
}

export interface GpPractice {
  id: string;
  /** ODS organisation code (fictional). */
  odsCode: string;
  name: string;
  phone: string;
  address: PlaceAddress;
  town: string;
}

export interface School {
  id: string;
  /** DfE unique reference number (fictional). */
  urn: string;
  name: string;
  phase: 'primary' | 'secondary';
  phone: string;
  address: PlaceAddress;
  town: string;
}

export interface Town {
  name: string;
  /** Outward codes of the postcode districts the town covers, e.g. `MH3`. */
  districts: string[];
}

export interface LocalAuthority {
  name: string;
  /** Children's services front door (MASH / duty team). */
  childrensServices: ServiceContact;
}

/** Agency record id -> true person id, one map per agency view. */
export interface CountyTruth {
  /** Health: FHIR Patient id -> person id. */
  health: ReadonlyMap<string, string>;
  /** Police: nominal id -> person id (only the people police have met). */
  police: ReadonlyMap<string, string>;
  /** Social care: social care person id -> person id. */
  socialCare: ReadonlyMap<string, string>;
  /** Education: UPN -> person id (children on a school roll). */
  education: ReadonlyMap<string, string>;
  /** Housing: person ref (`{tenancy or case ref}/{member no}`) -> person id. */
  housing: ReadonlyMap<string, string>;
}

export interface FeaturedHousehold {
  householdId: string;
  /** A child whose health record has something in every health category. */
  child: Person;
  /** The child's mother, with parental mental health and maternity records. */
  parent: Person;
  /** The other adult (mother's partner, the child's step-parent). */
  partner: Person;
  /** A younger half-sibling under two (health visiting). */
  sibling: Person;
}

export interface CountyViews {
  health: HealthView;
  police: PoliceView;
  socialCare: SocialCareView;
  education: EducationView;
  housing: HousingView;
}

export interface County {
  seed: number;
  name: string;
  /** The county's "today": ages, events and statuses are all relative to it. */
  asOf: string;
  localAuthority: LocalAuthority;
  towns: readonly Town[];
  households: readonly Household[];
  persons: readonly Person[];
  addresses: readonly PlaceAddress[];
  gpPractices: readonly GpPractice[];
  schools: readonly School[];
  personsById: ReadonlyMap<string, Person>;
  householdsById: ReadonlyMap<string, Household>;
  addressesById: ReadonlyMap<string, PlaceAddress>;
  gpPracticesById: ReadonlyMap<string, GpPractice>;
  schoolsById: ReadonlyMap<string, School>;
  views: CountyViews;
  truth: CountyTruth;
  featured: FeaturedHousehold;
}

/** The true county, before any agency view is drawn from it. */
export type CountyCore = Omit<County, 'views' | 'truth'>;

export interface CountyOptions {
  seed?: number;
  /** Number of households, including the featured one (at least 1). */
  households?: number;
  /** ISO date: the county's "today". Default 2025-09-30. */
  asOf?: string;
  health?: Partial<HealthViewOptions>;
  police?: Partial<PoliceViewOptions>;
  socialCare?: Partial<SocialCareViewOptions>;
  education?: Partial<EducationViewOptions>;
  housing?: Partial<HousingViewOptions>;
}
