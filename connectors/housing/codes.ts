/**
 * The housing connector's vocabulary: identifier system, policy categories and tiers
 * (POLICY-GUIDANCE.md "Categories and tiers").
 */
import type { CategoryManifest, HouseholdRelationship, RecordField, Tier } from '../sdk/index.js';

export const AGENCY = 'housing';

export const SYSTEMS = {
  /** A household member in the council housing system: `{tenancy or case reference}/{member no}`. */
  housingPerson: 'https://mash-gateway.example/Id/housing-person',
} as const;

export const CATEGORY = {
  identity: 'housing.identity',
  record: 'housing.record',
} as const;

/**
 * `housing.record` spans T1-T2 in POLICY-GUIDANCE.md (a tenancy; homelessness, whose reasons
 * include domestic abuse, refuge placements, anti-social behaviour, arrears and possession). A
 * record carries its category's tier (the conformance kit checks it), so the category is declared
 * at T2, the higher: never lower than its most sensitive part.
 */
export const RECORD_TIER: Tier = 'T2';

const FIELDS: RecordField[] = [
  'type', 'title', 'status', 'start', 'end', 'location', 'narrative', 'outcome', 'service',
  'contactName', 'contactRole', 'contactPhone', 'contactEmail',
];

export const HOUSING_CATEGORIES: CategoryManifest[] = [
  {
    id: CATEGORY.identity,
    tier: 'T0',
    kinds: [],
    fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'],
    description:
      'That the person is a member of a household known to council housing (a tenancy or a homelessness case): housing person reference, names, birth date, sex, addresses with UPRN, and who to contact (the housing officer). Returned by person search.',
  },
  {
    id: CATEGORY.record,
    tier: RECORD_TIER,
    kinds: ['involvement', 'state', 'event'],
    fields: FIELDS,
    description:
      'Council tenancy; homelessness applications (H-CLIC) and temporary accommodation (a refuge without its address); anti-social behaviour cases; rent arrears and possession proceedings. Household records apply to every member.',
  },
];

/**
 * Household (the optional capability): how housing records that persons belong together. The
 * members of one household record are related persons: on a tenancy each is a `tenancy-member`,
 * on a homelessness application (a household that is not a council tenant) a `household-member`.
 * The housing system's own term (`member_role`) is kept as the agency relationship.
 */
export const MEMBER_ROLES = ['Lead tenant', 'Joint tenant', 'Household member', 'Main applicant'] as const;

export function householdRelationship(onTenancy: boolean): HouseholdRelationship {
  return onTenancy ? 'tenancy-member' : 'household-member';
}
