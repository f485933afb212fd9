/**
 * Renders the county's health view as FHIR R4 resources shaped after UK Core and the NHS
 * England Patient Flag (CP-IS) draft. See README.md for why each record is represented as it is.
 * Resources are built on demand from the plain view, so a 100,000-person county costs no more
 * memory than its view.
 */
import type { County, GpPractice } from '../county/index.js';
import {
  ageOn,
  dayFromIso,
  APPOINTMENT_SERVICE_LABELS,
  type CpisFlag,
  type HealthEncounter,
  type HealthEpisode,
  type HealthOrganisation,
  type HealthPatient,
  type HealthRelatedPerson,
  type MissedAppointment,
  type PlaceAddress,
  type RelatedPersonCode,
} from '../county/index.js';
import type { ServiceContact } from '../county/model.js';

/** A FHIR resource as JSON. */
export type FhirResource = { resourceType: string; id?: string } & Record<string, unknown>;

export const SYSTEMS = {
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  odsCode: 'https://fhir.nhs.uk/Id/ods-organization-code',
  nhsNumberVerification: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
  nhsNumberVerificationCodes: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
  addressKey: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey',
  addressKeyType: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-AddressKeyType',
  localPatientNumber: 'https://health.marlshire.example/Id/local-patient-number',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  dataOperation: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  snomed: 'http://snomed.info/sct',
  patientFlagCategory: 'https://fhir.nhs.uk/England/CodeSystem/PatientFlagCategory',
  flagNotes: 'https://fhir.nhs.uk/England/StructureDefinition/Extension-FlagNotes',
  /**
   * Services, in the code system the MASH health connector reads (connectors/health/codes.ts):
   * the county's systems map their local service codes to it. Kept in step by hand because the
   * sandbox may not import connectors.
   */
  healthService: 'https://mash-gateway.example/fhir/CodeSystem/health-service',
  /** CP-IS plan types (the draft NHS England CPIS-FlagCategory codes are placeholders). */
  cpisPlanType: 'https://mash-gateway.example/fhir/CodeSystem/cpis-plan-type',
} as const;

export const PROFILES = {
  patient: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient',
  encounter: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter',
  episodeOfCare: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-EpisodeOfCare',
  programmeFlag: 'https://fhir.nhs.uk/England/StructureDefinition/ProgrammeFlag',
  appointment: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Appointment',
  relatedPerson: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-RelatedPerson',
} as const;

const SERVICE_DISPLAY: Readonly<Record<string, string>> = {
  'emergency-department': 'Emergency department',
  'urgent-treatment-centre': 'Urgent treatment centre',
  'sexual-health': 'Sexual health (genitourinary medicine and contraception)',
  'health-visiting': 'Health visiting',
  'school-nursing': 'School nursing',
  camhs: 'Child and adolescent mental health services',
  maternity: 'Maternity',
  'adult-mental-health': 'Adult community mental health',
  'substance-misuse': 'Drug and alcohol recovery',
};

const PLAN_DISPLAY: Readonly<Record<CpisFlag['plan'], string>> = {
  CPP: 'Child Protection Plan',
  LAC: 'Looked After Child',
};

const CALLBACK = {
  coding: [{ system: SYSTEMS.participationType, code: 'CALLBCK', display: 'callback contact' }],
};

export interface RenderContext {
  county: County;
  organisationsById: ReadonlyMap<string, HealthOrganisation>;
  patientsById: ReadonlyMap<string, HealthPatient>;
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function narrative(text: string): { status: string; div: string } {
  return { status: 'additional', div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeXml(text)}</div>` };
}

function serviceCoding(code: string, display = SERVICE_DISPLAY[code] ?? code): { coding: Array<{ system: string; code: string; display: string }> } {
  return { coding: [{ system: SYSTEMS.healthService, code, display }] };
}

/** A contained PractitionerRole: who to contact, in which role, at which organisation, on which phone. */
function contactRole(id: string, contact: ServiceContact): FhirResource {
  return {
    resourceType: 'PractitionerRole',
    id,
    active: true,
    practitioner: { display: contact.name },
    organization: { display: contact.organisation },
    code: [{ text: contact.role }],
    telecom: [{ system: 'phone', value: contact.phone, use: 'work' }],
  };
}

function containedOrganisation(id: string, org: HealthOrganisation, phone = org.phone): FhirResource {
  return {
    resourceType: 'Organization',
    id,
    identifier: [{ system: SYSTEMS.odsCode, value: org.odsCode }],
    name: org.name,
    telecom: [{ system: 'phone', value: phone, use: 'work' }],
  };
}

function meta(lastUpdated: string, profile: string, security?: { code: string; display: string }): Record<string, unknown> {
  return {
    versionId: '1',
    lastUpdated,
    profile: [profile],
    ...(security ? { security: [{ system: SYSTEMS.confidentiality, ...security }] } : {}),
  };
}

function gpOrganisation(practice: GpPractice): FhirResource {
  return {
    resourceType: 'Organization',
    id: 'gp',
    identifier: [{ system: SYSTEMS.odsCode, value: practice.odsCode }],
    name: practice.name,
    telecom: [{ system: 'phone', value: practice.phone, use: 'work' }],
    address: [
      {
        line: [practice.address.line1, ...(practice.address.line2 ? [practice.address.line2] : [])],
        city: practice.address.city,
        postalCode: practice.address.postcode,
      },
    ],
  };
}

export function patientResource(patient: HealthPatient, ctx: RenderContext): FhirResource {
  const practice = ctx.county.gpPracticesById.get(patient.gpPracticeId);
  const identifier: unknown[] = [];
  if (patient.nhsNumber) {
    identifier.push({
      extension: [
        {
          url: SYSTEMS.nhsNumberVerification,
          valueCodeableConcept: {
            coding: [{ system: SYSTEMS.nhsNumberVerificationCodes, code: '01', display: 'Number present and verified' }],
          },
        },
      ],
      system: SYSTEMS.nhsNumber,
      value: patient.nhsNumber,
    });
  }
  identifier.push({ system: SYSTEMS.localPatientNumber, value: patient.localNumber });
  return {
    resourceType: 'Patient',
    id: patient.id,
    meta: meta(patient.lastUpdated, PROFILES.patient),
    ...(practice ? { contained: [gpOrganisation(practice)] } : {}),
    identifier,
    name: [{ use: 'official', family: patient.family, given: patient.given }],
    gender: patient.gender,
    birthDate: patient.birthDate,
    address: patient.addresses.map((a) => ({
      extension: [
        {
          url: SYSTEMS.addressKey,
          extension: [
            { url: 'type', valueCoding: { system: SYSTEMS.addressKeyType, code: 'UPRN', display: 'Unique Property Reference Number' } },
            { url: 'value', valueString: a.address.uprn },
          ],
        },
      ],
      use: a.use,
      type: 'both',
      line: [a.address.line1, ...(a.address.line2 ? [a.address.line2] : [])],
      city: a.address.city,
      postalCode: a.address.postcode,
      ...(a.from || a.to ? { period: { ...(a.from ? { start: a.from } : {}), ...(a.to ? { end: a.to } : {}) } } : {}),
    })),
    ...(practice
      ? {
          generalPractitioner: [
            {
              reference: '#gp',
              type: 'Organization',
              identifier: { system: SYSTEMS.odsCode, value: practice.odsCode, period: { start: patient.registeredSince } },
              display: practice.name,
            },
          ],
        }
      : {}),
  };
}

const ROLE_DISPLAY: Readonly<Record<RelatedPersonCode, string>> = {
  MTH: 'mother',
  FTH: 'father',
  STPMTH: 'stepmother',
  STPFTH: 'stepfather',
  SIB: 'sibling',
  HSIB: 'half-sibling',
  STPSIB: 'step sibling',
  DOMPART: 'domestic partner',
  DAUC: 'daughter',
  SONC: 'son',
  STPDAU: 'stepdaughter',
  STPSON: 'stepson',
};

/** A UK Core address with its UPRN (AddressKey extension). */
function fhirAddress(address: PlaceAddress, use: string, period?: { start?: string; end?: string }): Record<string, unknown> {
  return {
    extension: [
      {
        url: SYSTEMS.addressKey,
        extension: [
          { url: 'type', valueCoding: { system: SYSTEMS.addressKeyType, code: 'UPRN', display: 'Unique Property Reference Number' } },
          { url: 'value', valueString: address.uprn },
        ],
      },
    ],
    use,
    type: 'both',
    line: [address.line1, ...(address.line2 ? [address.line2] : [])],
    city: address.city,
    postalCode: address.postcode,
    ...(period && (period.start || period.end) ? { period } : {}),
  };
}

/** A RelatedPerson: who the patient's record lists, with the HL7 v3 RoleCode relationship. */
export function relatedPersonResource(related: HealthRelatedPerson): FhirResource {
  return {
    resourceType: 'RelatedPerson',
    id: related.id,
    meta: meta(related.lastUpdated, PROFILES.relatedPerson),
    active: true,
    patient: { reference: `Patient/${related.patientId}` },
    ...(related.nhsNumber ? { identifier: [{ system: SYSTEMS.nhsNumber, value: related.nhsNumber }] } : {}),
    relationship: [{ coding: [{ system: SYSTEMS.roleCode, code: related.code, display: ROLE_DISPLAY[related.code] }] }],
    name: [{ use: 'official', family: related.family, given: related.given }],
    gender: related.gender,
    birthDate: related.birthDate,
    address: [fhirAddress(related.address, 'home')],
  };
}

export function encounterResource(encounter: HealthEncounter, ctx: RenderContext): FhirResource {
  const org = ctx.organisationsById.get(encounter.organisationId);
  const sexualHealth = encounter.service === 'sexual-health';
  return {
    resourceType: 'Encounter',
    id: encounter.id,
    // VD74: sexual health clinic records are confidential; labelled restricted at source.
    meta: meta(encounter.lastUpdated, PROFILES.encounter, sexualHealth ? { code: 'R', display: 'restricted' } : undefined),
    text: narrative(`${encounter.reason}. Outcome: ${encounter.disposition}.`),
    contained: [...(org ? [containedOrganisation('provider', org)] : []), contactRole('callback', encounter.contact)],
    status: 'finished',
    class: sexualHealth
      ? { system: SYSTEMS.actCode, code: 'AMB', display: 'ambulatory' }
      : { system: SYSTEMS.actCode, code: 'EMER', display: 'emergency' },
    type: [
      encounter.service === 'emergency-department'
        ? { coding: [{ system: SYSTEMS.snomed, code: '4525004', display: 'Emergency department patient visit' }] }
        : { text: sexualHealth ? 'Sexual health clinic consultation' : 'Urgent treatment centre attendance' },
    ],
    serviceType: serviceCoding(encounter.service),
    subject: { reference: `Patient/${encounter.patientId}` },
    participant: [{ type: [CALLBACK], individual: { reference: '#callback', display: encounter.contact.name } }],
    period: { start: encounter.start, end: encounter.end },
    reasonCode: [{ text: encounter.reason }],
    hospitalization: { dischargeDisposition: { text: encounter.disposition } },
    location: [{ location: { display: encounter.site }, status: 'completed' }],
    ...(org ? { serviceProvider: { reference: '#provider', display: org.name } } : {}),
  };
}

export function episodeResource(episode: HealthEpisode, ctx: RenderContext): FhirResource {
  const org = ctx.organisationsById.get(episode.organisationId);
  return {
    resourceType: 'EpisodeOfCare',
    id: episode.id,
    meta: meta(episode.lastUpdated, PROFILES.episodeOfCare),
    text: narrative(episode.narrative),
    contained: [...(org ? [containedOrganisation('org', org, episode.teamPhone)] : []), contactRole('care-manager', episode.careManager)],
    status: episode.status,
    type: [serviceCoding(episode.service)],
    patient: { reference: `Patient/${episode.patientId}` },
    ...(org ? { managingOrganization: { reference: '#org', display: org.name } } : {}),
    period: { start: episode.start, ...(episode.end ? { end: episode.end } : {}) },
    careManager: { reference: '#care-manager', display: episode.careManager.name },
    team: [{ display: episode.team }],
  };
}

export function flagResource(flag: CpisFlag, ctx: RenderContext): FhirResource {
  const la = ctx.county.localAuthority;
  const plan = PLAN_DISPLAY[flag.plan];
  const notes =
    `${plan}${flag.plan === 'CPP' ? ` (category: ${flag.category})` : ''}. ` +
    `Responsible local authority: ${la.name}. Contact ${flag.localAuthority.name} on ${flag.localAuthority.phone}.`;
  return {
    resourceType: 'Flag',
    id: flag.id,
    meta: meta(flag.lastUpdated, PROFILES.programmeFlag),
    extension: [{ url: SYSTEMS.flagNotes, valueAnnotation: { text: notes } }],
    contained: [
      contactRole('la-contact', flag.localAuthority),
      {
        resourceType: 'Provenance',
        id: 'provenance',
        target: [{ reference: '#' }],
        recorded: flag.lastUpdated,
        activity: { coding: [{ system: SYSTEMS.dataOperation, code: flag.status === 'active' ? 'CREATE' : 'UPDATE' }] },
        agent: [{ who: { display: la.name } }],
      },
    ],
    status: flag.status,
    category: [
      { coding: [{ system: SYSTEMS.patientFlagCategory, code: 'CP-IS', display: 'Child Protection - Information Sharing Flag' }] },
      { coding: [{ system: SYSTEMS.cpisPlanType, code: flag.plan, display: plan }] },
    ],
    code: { coding: [{ system: SYSTEMS.snomed, code: '224353004', display: 'Child protection finding (finding)' }] },
    subject: { reference: `Patient/${flag.patientId}` },
    period: { start: flag.start, ...(flag.end ? { end: flag.end } : {}) },
    author: { reference: '#la-contact', display: la.name },
  };
}

export function appointmentResource(appointment: MissedAppointment, ctx: RenderContext): FhirResource {
  const label = APPOINTMENT_SERVICE_LABELS[appointment.service];
  const patient = ctx.patientsById.get(appointment.patientId);
  // RCGP: a child "was not brought"; an adult "did not attend".
  const child = patient !== undefined && ageOn(dayFromIso(patient.birthDate), dayFromIso(appointment.start)) < 18;
  const comment = child
    ? 'Child was not brought to the appointment. Parent contacted by letter; appointment rebooked.'
    : 'Patient did not attend the appointment.';
  return {
    resourceType: 'Appointment',
    id: appointment.id,
    meta: meta(appointment.lastUpdated, PROFILES.appointment),
    text: narrative(`${label}: ${comment}`),
    contained: [contactRole('callback', appointment.contact)],
    status: 'noshow',
    serviceType: [serviceCoding(appointment.service, label)],
    description: label,
    start: appointment.start,
    end: appointment.end,
    comment,
    participant: [
      { actor: { reference: `Patient/${appointment.patientId}` }, required: 'required', status: 'accepted' },
      { type: [CALLBACK], actor: { reference: '#callback', display: appointment.contact.name }, required: 'required', status: 'accepted' },
      { actor: { display: appointment.site }, required: 'information-only', status: 'accepted' },
    ],
  };
}
