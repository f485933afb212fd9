/**
 * Identifier systems, policy categories (POLICY-GUIDANCE.md "Categories and tiers") and the
 * Ofsted Annex A code values the social care connector reads. Anything that would reveal an
 * adoption (a looked-after episode or child in need episode that ended in adoption) is classed
 * with the sealed adoption record, never with the open status.
 */
import type { CategoryManifest, HouseholdRelationship, RecordField, Tier } from '../sdk/index.js';

export const AGENCY = 'social-care';

export const SYSTEMS = {
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  /** The case management system's own person id. A deployment may configure its own URI. */
  socialCarePersonId: 'https://mash-gateway.example/Id/social-care-person',
} as const;

export const CATEGORY = {
  identity: 'social-care.identity',
  status: 'social-care.status',
  adoption: 'social-care.adoption',
  genderHistory: 'social-care.gender-history',
} as const;
export type SocialCareCategory = (typeof CATEGORY)[keyof typeof CATEGORY];

export const TIER_OF: Readonly<Record<SocialCareCategory, Tier>> = {
  'social-care.identity': 'T0',
  'social-care.status': 'T1',
  'social-care.adoption': 'T4',
  'social-care.gender-history': 'T4',
};

const CONTACT_FIELDS: RecordField[] = ['contactName', 'contactRole', 'contactPhone', 'contactEmail'];
const RECORD_FIELDS: RecordField[] = ['type', 'title', 'status', 'start', 'end', 'narrative', 'outcome', 'service', ...CONTACT_FIELDS];

export const SOCIAL_CARE_CATEGORIES: CategoryManifest[] = [
  {
    id: CATEGORY.identity,
    tier: 'T0',
    kinds: [],
    fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'],
    description:
      "That the person is known to children's social care: social care person id, NHS number where recorded, names (legal and known-as), date of birth, gender, addresses with UPRN, and who to contact (the allocated worker, or the front door). Returned by person search.",
  },
  {
    id: CATEGORY.status,
    tier: 'T1',
    kinds: ['involvement', 'state', 'event'],
    fields: RECORD_FIELDS,
    description:
      'Ofsted Annex A lists: contacts, referrals (previous referrals), assessments, section 47 enquiries and conferences, child in need episodes, child protection plans, looked-after episodes (legal status, not placement), each with the allocated team and worker.',
  },
  {
    id: CATEGORY.adoption,
    tier: 'T4',
    kinds: ['state'],
    fields: RECORD_FIELDS,
    description: 'Adoption records (Annex A List 10 and anything that ended in adoption). Sealed: Adoption Agencies Regulations 2005 regs 41-42.',
  },
  {
    id: CATEGORY.genderHistory,
    tier: 'T4',
    kinds: ['state'],
    fields: RECORD_FIELDS,
    description: 'Protected gender history. Sealed, never hinted: Gender Recognition Act 2004 s22.',
  },
];

/** Annex A contact and referral sources by code (data-map.yml, "Contact Source"). */
export const SOURCE_LABELS: Readonly<Record<string, string>> = {
  '1A': 'a family member, relative or carer',
  '1B': 'an acquaintance',
  '1C': 'the child (self-referral)',
  '1D': 'an individual',
  '2A': 'a school',
  '2B': 'education services',
  '3A': 'a GP',
  '3B': 'a health visitor',
  '3C': 'a school nurse',
  '3D': 'primary health services',
  '3E': 'A&E',
  '3F': 'health services',
  '4': 'housing',
  '5A': 'local authority social care',
  '5B': 'another local authority service',
  '5C': 'another local authority',
  '6': 'the police',
  '7': 'another legal agency',
  '8': 'another agency',
  '9': 'an anonymous source',
  '10': 'an unknown source',
};

/** Annex A legal statuses (List 8) in words. */
export const LEGAL_STATUS_LABELS: Readonly<Record<string, string>> = {
  C1: 'interim care order',
  C2: 'full care order',
  E1: 'placement order',
  D1: 'freeing order',
  V2: 'accommodated under section 20',
  V3: 'short breaks',
  V4: 'short breaks',
  L1: 'police protection',
  L2: 'emergency protection order',
  L3: 'child assessment order',
  J1: 'remanded to the local authority',
  J2: 'accommodated under PACE',
  J3: 'youth rehabilitation order',
};

/** Annex A codes that mean an adoption: reasons a looked-after episode or CIN episode ended. */
export const ADOPTION_ENDINGS = /\b(E11|E12|RC1)\b/;

/** `a) Neglect` -> `Neglect`, `q) 6: Police` -> `6: Police`: the Annex A list letter dropped. */
export function annexValue(code: string | null | undefined): string | undefined {
  if (code === null || code === undefined) return undefined;
  return code.replace(/^[a-z]{1,2}\)\s*/, '').trim() || undefined;
}

export function sourceLabel(code: string): string {
  const key = /^(?:[a-z]{1,2}\)\s*)?(\d{1,2}[A-F]?)\b/.exec(code)?.[1];
  return (key && SOURCE_LABELS[key]) ?? annexValue(code) ?? code;
}

export function legalStatusLabel(code: string): string {
  const key = /^([A-Z]\d)\b/.exec(code)?.[1];
  return key && LEGAL_STATUS_LABELS[key] ? `${key}: ${LEGAL_STATUS_LABELS[key]}` : code;
}

/** Annex A yes/no codes (`a) Yes`, `b) No`, `Y`, `N`). */
export function yes(value: string | null | undefined): boolean | undefined {
  if (!value) return undefined;
  const v = annexValue(value)?.toLowerCase() ?? '';
  if (v.startsWith('y')) return true;
  if (v.startsWith('n')) return false;
  return undefined;
}

/**
 * Household (the optional capability): the relationship terms case management systems record on a
 * person's relationships tab ("the related person is the person's ..."), mapped to the SDK
 * vocabulary; the system's own term is kept as the agency relationship. Compared without case.
 * `null`: never returned, because the term itself would reveal an adoption, which is sealed
 * (`social-care.adoption`, T4) and must not leak through identity-level household data.
 */
export const FAMILY_RELATIONSHIPS: Readonly<Record<string, HouseholdRelationship | null>> = {
  mother: 'parent',
  father: 'parent',
  parent: 'parent',
  'birth mother': 'parent',
  'birth father': 'parent',
  'step-mother': 'step-parent',
  'step-father': 'step-parent',
  'step-parent': 'step-parent',
  "mother's partner": 'partner-of-parent',
  "father's partner": 'partner-of-parent',
  "parent's partner": 'partner-of-parent',
  sister: 'sibling',
  brother: 'sibling',
  sibling: 'sibling',
  'half-sister': 'sibling',
  'half-brother': 'sibling',
  'half-sibling': 'sibling',
  'step-sister': 'sibling',
  'step-brother': 'sibling',
  'step-sibling': 'sibling',
  son: 'child',
  daughter: 'child',
  child: 'child',
  'step-son': 'child',
  'step-daughter': 'child',
  'step-child': 'child',
  "partner's child": 'household-member',
  partner: 'partner',
  husband: 'partner',
  wife: 'partner',
  'civil partner': 'partner',
  grandmother: 'other-relative',
  grandfather: 'other-relative',
  grandparent: 'other-relative',
  aunt: 'other-relative',
  uncle: 'other-relative',
  cousin: 'other-relative',
  'other relative': 'other-relative',
  'kinship carer': 'carer',
  'foster carer': 'carer',
  'special guardian': 'carer',
  carer: 'carer',
  lodger: 'household-member',
  'household member': 'household-member',
  friend: 'associate',
  'family friend': 'associate',
  'adoptive mother': null,
  'adoptive father': null,
  'adoptive parent': null,
  'adopted child': null,
  'adopted son': null,
  'adopted daughter': null,
};

/** The SDK relationship for a recorded term: `undefined` to leave the relationship out (sealed). */
export function familyRelationship(term: string): HouseholdRelationship | undefined {
  const key = term.trim().toLowerCase().replace(/\s+/g, ' ');
  if (/\badopt/.test(key)) return undefined;
  const mapped = FAMILY_RELATIONSHIPS[key];
  if (mapped === null) return undefined;
  return mapped ?? 'unknown';
}
