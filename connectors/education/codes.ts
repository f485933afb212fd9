/**
 * The education connector's vocabulary: identifier system, policy categories and tiers
 * (POLICY-GUIDANCE.md "Categories and tiers") and the labels of DfE codes it reads.
 */
import type { CategoryManifest, HouseholdRelationship, RecordField, Tier } from '../sdk/index.js';

export const AGENCY = 'education';

export const SYSTEMS = {
  /** Unique Pupil Number: the DfE guidance that defines it. */
  upn: 'https://www.gov.uk/government/publications/unique-pupil-numbers',
} as const;

export const CATEGORY = {
  identity: 'education.identity',
  record: 'education.record',
} as const;
export type EducationCategory = (typeof CATEGORY)[keyof typeof CATEGORY];

/**
 * `education.record` spans T1-T2 in POLICY-GUIDANCE.md (where a child goes to school and how
 * often they attend; exclusions, special educational needs, missing and home education). A
 * record carries its category's tier (the conformance kit checks it), so the category is declared
 * at T2, the higher: the policy sees the whole category at the sensitivity of its most sensitive
 * part, never lower.
 */
export const RECORD_TIER: Tier = 'T2';

const RECORD_FIELDS_USED: RecordField[] = [
  'type', 'title', 'status', 'start', 'end', 'location', 'narrative', 'outcome', 'service',
  'contactName', 'contactRole', 'contactPhone', 'contactEmail',
];

export const EDUCATION_CATEGORIES: CategoryManifest[] = [
  {
    // Identity is answered by person search (SourcePerson), not by records.
    id: CATEGORY.identity,
    tier: 'T0',
    kinds: [],
    fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'],
    description:
      "That the child is known to the county's schools: UPN, legal and preferred names, birth date, gender, address with UPRN, and who to contact (the school's designated safeguarding lead). Returned by person search.",
  },
  {
    id: CATEGORY.record,
    tier: RECORD_TIER,
    kinds: ['involvement', 'state', 'event'],
    fields: RECORD_FIELDS_USED,
    description:
      'School enrolments and school history; attendance and persistent or severe absence; suspensions and permanent exclusions; SEN support and education, health and care plans; children missing education and elective home education (LA registers).',
  },
];

/** Below 90% attendance a pupil is persistently absent, below 50% severely absent (DfE). */
export const PERSISTENT_ABSENCE_BELOW = 0.9;
export const SEVERE_ABSENCE_BELOW = 0.5;

export const SEN_NEED_LABELS: Readonly<Record<string, string>> = {
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
  NSA: 'SEN support but no specialist assessment of type of need',
};

/** School census exclusion reason codes. */
export const EXCLUSION_REASON_LABELS: Readonly<Record<string, string>> = {
  PP: 'Physical assault against a pupil',
  PA: 'Physical assault against an adult',
  VP: 'Verbal abuse or threatening behaviour against a pupil',
  VA: 'Verbal abuse or threatening behaviour against an adult',
  BU: 'Bullying',
  RA: 'Racist abuse',
  AS: 'Abuse against sexual orientation or gender identity',
  AD: 'Abuse relating to disability',
  SM: 'Inappropriate use of social media or online technology',
  SV: 'Sexual misconduct',
  DA: 'Drug and alcohol related',
  DM: 'Damage',
  TH: 'Theft',
  US: 'Use or threat of use of an offensive weapon or prohibited item',
  PD: 'Persistent or general disruptive behaviour',
  OT: 'Other',
};

/**
 * DfE "Relationship to pupil" codes of a CTF contact, mapped to the SDK household vocabulary:
 * `member` is what the contact is to the pupil, `pupil` what the pupil is to the contact.
 * `professional`: a contact in a professional capacity (childminder, doctor, social worker), not
 * a household or family member, and never returned as one. An unknown code is `unknown` both ways.
 */
export const CONTACT_RELATIONSHIPS: Readonly<Record<string, { label: string; member: HouseholdRelationship; pupil: HouseholdRelationship; professional?: true }>> = {
  PAM: { label: 'Parent (mother)', member: 'parent', pupil: 'child' },
  PAF: { label: 'Parent (father)', member: 'parent', pupil: 'child' },
  STP: { label: 'Step-parent', member: 'step-parent', pupil: 'child' },
  FOP: { label: 'Foster parent', member: 'carer', pupil: 'household-member' },
  FOM: { label: 'Foster mother', member: 'carer', pupil: 'household-member' },
  FOF: { label: 'Foster father', member: 'carer', pupil: 'household-member' },
  CAR: { label: 'Carer', member: 'carer', pupil: 'household-member' },
  GRM: { label: 'Grandmother', member: 'other-relative', pupil: 'other-relative' },
  GRF: { label: 'Grandfather', member: 'other-relative', pupil: 'other-relative' },
  REL: { label: 'Other relative', member: 'other-relative', pupil: 'other-relative' },
  FAM: { label: 'Other family member', member: 'other-relative', pupil: 'other-relative' },
  OTH: { label: 'Other contact', member: 'unknown', pupil: 'unknown' },
  CHM: { label: 'Childminder', member: 'associate', pupil: 'associate', professional: true },
  DOC: { label: 'Doctor', member: 'associate', pupil: 'associate', professional: true },
  SWR: { label: 'Social worker', member: 'associate', pupil: 'associate', professional: true },
};

/** Codes whose contact, shared by two pupils, makes them siblings (a parent or carer of both). */
export const SIBLING_EVIDENCE: ReadonlySet<string> = new Set(['PAM', 'PAF', 'STP', 'FOP', 'FOM', 'FOF', 'CAR']);

/** A contact's person id: the pupil's UPN, `/contact/`, and the contact's order in that pupil's CTF. */
export const CONTACT_ID = /^([A-Za-z0-9]{13})\/contact\/(\d{1,3})$/;
