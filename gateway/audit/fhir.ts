import type { AuditOutcome, RecordedEvent } from './types.js';

/**
 * An AccessEvent as a FHIR R4 AuditEvent, shaped after the IHE Basic Audit Log Patterns (BALP,
 * /work/shared/formats/audit-balp): the user as agent[user] (IRCP, requestor, with role, purposeOfUse
 * and the authorising policies), the gateway as the server agent and observer, the X-Request-Id as
 * entity[transaction], each child or adult concerned as a Person/Patient entity (BALP
 * PatientQuery/PatientRead), and one System Object entity per gate decision saying what was disclosed,
 * withheld or denied: never the disclosed content. Pure: no I/O.
 *
 * One resource per event, with every subject in it, where BALP would write one per patient: the
 * gateway's unit of accountability is the request.
 */

export interface FhirCoding {
  system?: string;
  code: string;
  display?: string;
}

export interface FhirCodeableConcept {
  coding?: FhirCoding[];
  text?: string;
}

export interface FhirReference {
  identifier?: { system?: string; value: string };
  display?: string;
}

export interface FhirAuditEventAgent {
  type: FhirCodeableConcept;
  role?: FhirCodeableConcept[];
  who: FhirReference;
  name?: string;
  requestor: boolean;
  policy?: string[];
  purposeOfUse?: FhirCodeableConcept[];
}

export interface FhirAuditEventEntity {
  what?: FhirReference;
  type?: FhirCoding;
  role?: FhirCoding;
  name?: string;
  description?: string;
  detail?: { type: string; valueString: string }[];
}

export interface FhirAuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  extension: { url: string; valueInteger?: number; valueString?: string }[];
  type: FhirCoding;
  subtype: FhirCoding[];
  action: 'E';
  recorded: string;
  outcome: '0' | '4' | '8';
  outcomeDesc?: string;
  purposeOfEvent?: FhirCodeableConcept[];
  agent: FhirAuditEventAgent[];
  source: { site?: string; observer: FhirReference; type: FhirCoding[] };
  entity: FhirAuditEventEntity[];
}

/** Identifier systems and extensions of this gateway (URNs: stable, and nothing to resolve). */
export const FHIR_SYSTEMS = {
  actor: 'urn:mash-gateway:actor',
  agency: 'urn:mash-gateway:agency',
  role: 'urn:mash-gateway:role',
  purpose: 'urn:mash-gateway:purpose',
  operation: 'urn:mash-gateway:operation',
  enquiry: 'urn:mash-gateway:enquiry',
  subject: 'urn:mash-gateway:subject',
  decision: 'urn:mash-gateway:decision',
  document: 'urn:mash-gateway:document',
  notification: 'urn:mash-gateway:notification',
  school: 'https://get-information-schools.service.gov.uk/Id/laestab',
  seqExtension: 'urn:mash-gateway:audit:seq',
  hashExtension: 'urn:mash-gateway:audit:hash',
} as const;

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const AUDIT_ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const SECURITY_SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const LIFECYCLE = 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

const GATEWAY = { display: 'mash-gateway' };

// R4 AuditEvent.outcome: 0 success, 4 minor failure (the request was refused, or only partly
// answered), 8 serious failure (the gateway failed).
const OUTCOME: Record<AuditOutcome, '0' | '4' | '8'> = { success: '0', partial: '4', refused: '4', failed: '8' };

export function toFhirAuditEvent(event: RecordedEvent): FhirAuditEvent {
  const { actor, enquiry } = event;
  const purposeOfUse: FhirCodeableConcept[] = [];
  if (enquiry?.purpose !== undefined) {
    purposeOfUse.push({
      coding: [{ system: FHIR_SYSTEMS.purpose, code: enquiry.purpose }],
      ...(enquiry.legalBasis === undefined ? {} : { text: `${enquiry.purpose} (${enquiry.legalBasis})` }),
    });
  }
  if (event.breakGlass === true) purposeOfUse.push({ coding: [{ system: ACT_REASON, code: 'BTG', display: 'break the glass' }] });

  // The policies that authorised (or refused) the access: the legal basis and the disclosure policy version.
  const policy = [
    ...(enquiry?.legalBasis === undefined ? [] : [enquiry.legalBasis]),
    ...(event.policy === undefined ? [] : [`urn:mash-gateway:policy:${event.policy.id}:${event.policy.version}`]),
  ];

  const user: FhirAuditEventAgent = {
    type: { coding: [{ system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' }] },
    who:
      actor === null
        ? { display: 'unauthenticated caller' }
        : {
            identifier: { system: actor.issuer ?? FHIR_SYSTEMS.actor, value: actor.id },
            ...(actor.name === undefined ? {} : { display: actor.name }),
          },
    ...(actor?.name === undefined ? {} : { name: actor.name }),
    requestor: true,
    ...(actor === null || actor.roles.length === 0
      ? {}
      : { role: actor.roles.map((role) => ({ coding: [{ system: FHIR_SYSTEMS.role, code: role }] })) }),
    ...(policy.length === 0 ? {} : { policy }),
    ...(purposeOfUse.length === 0 ? {} : { purposeOfUse }),
  };
  const agents: FhirAuditEventAgent[] = [user];
  if (actor?.agency !== undefined) {
    agents.push({
      type: { coding: [{ system: PARTICIPATION_TYPE, code: 'RESP', display: 'responsible party' }], text: "the user's agency" },
      who: { identifier: { system: FHIR_SYSTEMS.agency, value: actor.agency }, display: actor.agency },
      requestor: false,
    });
  }
  agents.push({
    type: { coding: [{ system: DICOM, code: '110152', display: 'Destination Role ID' }] },
    who: GATEWAY,
    requestor: false,
  });

  const entities: FhirAuditEventEntity[] = [
    {
      type: { system: BALP_ENTITY_TYPE, code: 'XrequestId' },
      what: { identifier: { value: event.requestId } },
    },
  ];
  if (enquiry !== undefined) {
    entities.push({
      type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' },
      what: { identifier: { system: FHIR_SYSTEMS.enquiry, value: enquiry.id } },
      description: 'enquiry',
    });
  }
  for (const subject of event.subjects) {
    entities.push({
      type: { system: AUDIT_ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      what: { identifier: { system: FHIR_SYSTEMS.subject, value: subject.subjectId } },
      ...(subject.links.length === 0
        ? {}
        : { detail: subject.links.map((link) => ({ type: `link:${link.agency}`, valueString: link.personId })) }),
    });
  }
  for (const decision of event.decisions) {
    const detail = [
      { type: 'decision', valueString: decision.decision },
      ...(decision.ruleId === undefined ? [] : [{ type: 'ruleId', valueString: decision.ruleId }]),
      ...(decision.fields.length === 0 ? [] : [{ type: 'fields', valueString: decision.fields.join(',') }]),
      ...(decision.recordIds.length === 0 ? [] : [{ type: 'recordIds', valueString: decision.recordIds.join(',') }]),
      ...(decision.markers === 0 ? [] : [{ type: 'withheldMarkers', valueString: String(decision.markers) }]),
      ...(decision.reason === undefined ? [] : [{ type: 'reason', valueString: decision.reason }]),
    ];
    entities.push({
      type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      what: { identifier: { system: FHIR_SYSTEMS.agency, value: decision.agency } },
      name: `${decision.agency}/${decision.category}`,
      description: decision.decision,
      detail,
    });
  }

  // A document that left the gateway (a précis export): the file and the SHA-256 of its exact bytes.
  if (event.document !== undefined) {
    const doc = event.document;
    entities.push({
      type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '3', display: 'Report' },
      what: { identifier: { system: FHIR_SYSTEMS.document, value: doc.fileName } },
      name: doc.kind,
      description: `${doc.format} of version ${doc.version}`,
      detail: [
        { type: 'sha256', valueString: doc.sha256 },
        { type: 'mediaType', valueString: doc.mediaType },
        { type: 'bytes', valueString: String(doc.bytes) },
        { type: 'version', valueString: String(doc.version) },
      ],
    });
  }

  // A notification that left the gateway (Operation Encompass): to whom, how, what fields, which rule.
  if (event.notification !== undefined) {
    const n = event.notification;
    entities.push({
      type: { system: AUDIT_ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '3', display: 'Report' },
      what: { identifier: { system: FHIR_SYSTEMS.notification, value: n.id } },
      name: n.kind,
      description: `to ${n.to.schoolName} (${n.to.school})`,
      detail: [
        { type: 'school', valueString: n.to.school },
        { type: 'schoolName', valueString: n.to.schoolName },
        { type: 'keyAdult', valueString: n.to.keyAdult },
        ...(n.to.email === undefined ? [] : [{ type: 'email', valueString: n.to.email }]),
        { type: 'channels', valueString: n.channels.join(',') },
        { type: 'fields', valueString: n.fields.join(',') },
        { type: 'ruleId', valueString: n.ruleId },
        { type: 'incident', valueString: `${n.incident.agency}/${n.incident.incidentId}` },
      ],
    });
  }

  const disclosed = event.decisions.some((d) => d.decision === 'disclose' || d.decision === 'summarise');
  const outcomeDesc = [event.outcomeCode, event.reason].filter((part) => part !== undefined && part !== '').join(': ');
  return {
    resourceType: 'AuditEvent',
    id: event.id,
    extension: [
      { url: FHIR_SYSTEMS.seqExtension, valueInteger: event.seq },
      { url: FHIR_SYSTEMS.hashExtension, valueString: event.hash },
    ],
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
    subtype: [
      { system: FHIR_SYSTEMS.operation, code: event.operation },
      ...(disclosed ? [{ system: LIFECYCLE, code: 'disclose', display: 'Disclose Record Lifecycle Event' }] : []),
    ],
    action: 'E',
    recorded: event.at,
    outcome: OUTCOME[event.outcome] ?? '8',
    ...(outcomeDesc === '' ? {} : { outcomeDesc }),
    ...(purposeOfUse.length === 0 ? {} : { purposeOfEvent: purposeOfUse }),
    agent: agents,
    source: {
      observer: GATEWAY,
      type: [{ system: SECURITY_SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: entities,
  };
}
