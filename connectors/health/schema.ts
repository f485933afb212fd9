/**
 * What the connector accepts from the FHIR endpoint: the parts of each resource it reads,
 * validated with zod. Unknown elements pass through (FHIR resources carry far more than we
 * read); known elements of the wrong type make the whole answer MALFORMED_RESPONSE, because a
 * misread record is worse than none.
 */
import { z } from 'zod';

export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const FHIR_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const FHIR_DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const str = z.string();
const dateTime = z.string().regex(FHIR_DATE_TIME);

const Coding = z.looseObject({ system: str.optional(), code: str.optional(), display: str.optional() });
const CodeableConcept = z.looseObject({ coding: z.array(Coding).optional(), text: str.optional() });
const Period = z.looseObject({ start: dateTime.optional(), end: dateTime.optional() });
const Identifier = z.looseObject({ system: str.optional(), value: str.optional(), period: Period.optional() });
const Reference = z.looseObject({
  reference: str.optional(),
  display: str.optional(),
  identifier: Identifier.optional(),
});
const ContactPoint = z.looseObject({ system: str.optional(), value: str.optional(), use: str.optional() });
const HumanName = z.looseObject({
  use: str.optional(),
  family: str.optional(),
  given: z.array(str).optional(),
  text: str.optional(),
});
const SubExtension = z.looseObject({
  url: str,
  valueString: str.optional(),
  valueCoding: Coding.optional(),
});
const Extension = z.looseObject({
  url: str,
  valueString: str.optional(),
  valueCoding: Coding.optional(),
  valueAnnotation: z.looseObject({ text: str }).optional(),
  extension: z.array(SubExtension).optional(),
});
const Address = z.looseObject({
  use: str.optional(),
  line: z.array(str).optional(),
  city: str.optional(),
  postalCode: str.optional(),
  period: Period.optional(),
  extension: z.array(Extension).optional(),
});
const Meta = z.looseObject({ lastUpdated: dateTime.optional(), security: z.array(Coding).optional() });
const Narrative = z.looseObject({ div: str });

/** Contained resources the connector reads contact details from (Organization, PractitionerRole). */
const Contained = z.looseObject({
  resourceType: str,
  id: str.optional(),
  name: z.union([str, z.array(HumanName)]).optional(),
  telecom: z.array(ContactPoint).optional(),
  practitioner: Reference.optional(),
  organization: Reference.optional(),
  code: z.array(CodeableConcept).optional(),
  address: z.array(Address).optional(),
});

const resourceBase = {
  id: z.string().regex(FHIR_ID),
  meta: Meta.optional(),
  text: Narrative.optional(),
  contained: z.array(Contained).optional(),
  extension: z.array(Extension).optional(),
};

export const PatientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  ...resourceBase,
  identifier: z.array(Identifier).optional(),
  active: z.boolean().optional(),
  name: z.array(HumanName).optional(),
  gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
  birthDate: z.string().regex(FHIR_DATE).optional(),
  address: z.array(Address).optional(),
  generalPractitioner: z.array(Reference).optional(),
});

/** A person the patient's record lists (parent, sibling, next of kin): not a Patient. */
export const RelatedPersonSchema = z.looseObject({
  resourceType: z.literal('RelatedPerson'),
  ...resourceBase,
  active: z.boolean().optional(),
  patient: Reference,
  identifier: z.array(Identifier).optional(),
  relationship: z.array(CodeableConcept).optional(),
  name: z.array(HumanName).optional(),
  gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
  birthDate: z.string().regex(FHIR_DATE).optional(),
  address: z.array(Address).optional(),
});

export const EncounterSchema = z.looseObject({
  resourceType: z.literal('Encounter'),
  ...resourceBase,
  status: str,
  class: Coding.optional(),
  type: z.array(CodeableConcept).optional(),
  serviceType: CodeableConcept.optional(),
  subject: Reference.optional(),
  participant: z.array(z.looseObject({ type: z.array(CodeableConcept).optional(), individual: Reference.optional() })).optional(),
  period: Period.optional(),
  reasonCode: z.array(CodeableConcept).optional(),
  hospitalization: z.looseObject({ dischargeDisposition: CodeableConcept.optional() }).optional(),
  location: z.array(z.looseObject({ location: Reference })).optional(),
  serviceProvider: Reference.optional(),
});

export const FlagSchema = z.looseObject({
  resourceType: z.literal('Flag'),
  ...resourceBase,
  status: str,
  category: z.array(CodeableConcept).optional(),
  code: CodeableConcept,
  subject: Reference,
  period: Period.optional(),
  author: Reference.optional(),
});

export const EpisodeOfCareSchema = z.looseObject({
  resourceType: z.literal('EpisodeOfCare'),
  ...resourceBase,
  status: str,
  type: z.array(CodeableConcept).optional(),
  patient: Reference,
  managingOrganization: Reference.optional(),
  period: Period.optional(),
  careManager: Reference.optional(),
  team: z.array(Reference).optional(),
});

export const AppointmentSchema = z.looseObject({
  resourceType: z.literal('Appointment'),
  ...resourceBase,
  status: str,
  serviceType: z.array(CodeableConcept).optional(),
  description: str.optional(),
  start: dateTime.optional(),
  end: dateTime.optional(),
  comment: str.optional(),
  participant: z.array(
    z.looseObject({
      type: z.array(CodeableConcept).optional(),
      actor: Reference.optional(),
      status: str.optional(),
    }),
  ),
});

export const CapabilityStatementSchema = z.looseObject({
  resourceType: z.literal('CapabilityStatement'),
  fhirVersion: str,
});

export const BundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  total: z.number().int().nonnegative().optional(),
  link: z.array(z.looseObject({ relation: str, url: str })).optional(),
  entry: z
    .array(
      z.looseObject({
        fullUrl: str.optional(),
        resource: z.looseObject({ resourceType: str }),
        search: z.looseObject({ mode: str.optional() }).optional(),
      }),
    )
    .optional(),
});

export const RESOURCE_SCHEMAS = {
  Patient: PatientSchema,
  RelatedPerson: RelatedPersonSchema,
  Encounter: EncounterSchema,
  Flag: FlagSchema,
  EpisodeOfCare: EpisodeOfCareSchema,
  Appointment: AppointmentSchema,
} as const;

export type SearchableType = keyof typeof RESOURCE_SCHEMAS;
export type Patient = z.infer<typeof PatientSchema>;
export type RelatedPerson = z.infer<typeof RelatedPersonSchema>;
export type Encounter = z.infer<typeof EncounterSchema>;
export type Flag = z.infer<typeof FlagSchema>;
export type EpisodeOfCare = z.infer<typeof EpisodeOfCareSchema>;
export type Appointment = z.infer<typeof AppointmentSchema>;
export type ContainedResource = z.infer<typeof Contained>;
export type FhirReference = z.infer<typeof Reference>;
export type FhirAddress = z.infer<typeof Address>;
export type FhirCodeableConcept = z.infer<typeof CodeableConcept>;
export type ResourceOf<T extends SearchableType> = z.infer<(typeof RESOURCE_SCHEMAS)[T]>;

/** The answer to a batch Bundle: per entry its status and, where it succeeded, its resource (a searchset). */
export const BatchResponseSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('batch-response'),
  entry: z.array(z.looseObject({ response: z.looseObject({ status: z.string() }), resource: z.unknown().optional() })).optional(),
});
