/**
 * Code systems the health connector reads, and how each health service maps to a policy
 * category (POLICY-GUIDANCE.md "Categories and tiers"). Anything the connector does not
 * recognise goes to `health.clinical` (T3), never to a lower tier: an unknown service is
 * treated as clinical detail until someone classifies it.
 */
import type { CategoryManifest, RecordField, RecordKind, Tier } from '../sdk/index.js';

export const SYSTEMS = {
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  addressKey: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  /** HL7 v3 RoleCode: the relationship codes of RelatedPerson.relationship (MTH, FTH, SIB, ...). */
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  patientFlagCategory: 'https://fhir.nhs.uk/England/CodeSystem/PatientFlagCategory',
  flagNotes: 'https://fhir.nhs.uk/England/StructureDefinition/Extension-FlagNotes',
  /** The service vocabulary agencies map their local service codes to (see README.md). */
  healthService: 'https://mash-gateway.example/fhir/CodeSystem/health-service',
  cpisPlanType: 'https://mash-gateway.example/fhir/CodeSystem/cpis-plan-type',
} as const;

export const CATEGORY = {
  identity: 'health.identity',
  summary: 'health.summary',
  clinical: 'health.clinical',
  sexualHealth: 'health.sexual-health',
} as const;
export type HealthCategory = (typeof CATEGORY)[keyof typeof CATEGORY];

export const TIER_OF: Readonly<Record<HealthCategory, Tier>> = {
  'health.identity': 'T0',
  'health.summary': 'T1',
  'health.clinical': 'T3',
  'health.sexual-health': 'T4',
};

const CONTACT_FIELDS: RecordField[] = ['contactName', 'contactRole', 'contactPhone'];
const DETAIL_FIELDS: RecordField[] = ['type', 'title', 'status', 'start', 'end', 'location', 'narrative', 'outcome', 'service', ...CONTACT_FIELDS];

export const HEALTH_CATEGORIES: CategoryManifest[] = [
  {
    // Identity is answered by person search (SourcePerson: PERSON_FIELDS), not by records;
    // the contract's `fields` can only name record fields, so none are listed here.
    id: CATEGORY.identity,
    tier: 'T0',
    kinds: [],
    fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'],
    description:
      'That the person is known to the county health record: NHS number, names, birth date, gender, addresses with UPRN, and who to contact (the GP practice). Returned by person search.',
  },
  {
    id: CATEGORY.summary,
    tier: 'T1',
    kinds: ['involvement', 'state', 'event'],
    fields: DETAIL_FIELDS,
    description:
      'GP registration; A&E and urgent treatment centre attendances; health visitor and school nurse involvement; was-not-brought; CP-IS child protection flags.',
  },
  {
    id: CATEGORY.clinical,
    tier: 'T3',
    kinds: ['involvement', 'event', 'state'],
    fields: DETAIL_FIELDS,
    description:
      'CAMHS; maternity; adult mental health and substance misuse services (parental mental health and substance use); missed appointments at those services.',
  },
  {
    id: CATEGORY.sexualHealth,
    tier: 'T4',
    kinds: ['event'],
    fields: DETAIL_FIELDS,
    description: 'Sexual health / GUM clinic records (sealed: NHS (Venereal Diseases) Regulations 1974).',
  },
];

export interface ServiceClass {
  category: HealthCategory;
  type: string;
  title: string;
  kind: RecordKind;
}

/** Episodes of care by service code. */
export const EPISODE_SERVICES: Readonly<Record<string, ServiceClass>> = {
  'health-visiting': { category: CATEGORY.summary, type: 'health-visiting', title: 'Health visiting', kind: 'involvement' },
  'school-nursing': { category: CATEGORY.summary, type: 'school-nursing', title: 'School nursing', kind: 'involvement' },
  camhs: { category: CATEGORY.clinical, type: 'camhs', title: 'CAMHS', kind: 'involvement' },
  maternity: { category: CATEGORY.clinical, type: 'maternity', title: 'Maternity care', kind: 'involvement' },
  'adult-mental-health': { category: CATEGORY.clinical, type: 'adult-mental-health', title: 'Adult mental health services', kind: 'involvement' },
  'substance-misuse': { category: CATEGORY.clinical, type: 'substance-misuse', title: 'Drug and alcohol services', kind: 'involvement' },
  'sexual-health': { category: CATEGORY.sexualHealth, type: 'sexual-health', title: 'Sexual health services', kind: 'involvement' },
};

/**
 * Missed appointments inherit the sensitivity of the service: a missed CAMHS appointment says
 * the child is known to CAMHS (T3), a missed sexual health appointment is sealed. Services not
 * listed here are treated as clinical.
 */
export const APPOINTMENT_SERVICE_CATEGORY: Readonly<Record<string, HealthCategory>> = {
  'paediatric-outpatients': CATEGORY.summary,
  audiology: CATEGORY.summary,
  ophthalmology: CATEGORY.summary,
  'speech-and-language-therapy': CATEGORY.summary,
  'health-visiting': CATEGORY.summary,
  'school-nursing': CATEGORY.summary,
  immunisation: CATEGORY.summary,
  camhs: CATEGORY.clinical,
  'adult-mental-health': CATEGORY.clinical,
  'substance-misuse': CATEGORY.clinical,
  maternity: CATEGORY.clinical,
  'sexual-health': CATEGORY.sexualHealth,
};

/** Unscheduled care encounters by service code (class EMER without a service code is A&E). */
export const UNSCHEDULED_CARE: Readonly<Record<string, ServiceClass>> = {
  'emergency-department': { category: CATEGORY.summary, type: 'ae-attendance', title: 'A&E attendance', kind: 'event' },
  'urgent-treatment-centre': {
    category: CATEGORY.summary,
    type: 'unscheduled-care-attendance',
    title: 'Urgent treatment centre attendance',
    kind: 'event',
  },
};
