import type { Access, AgencyDisclosure, RequestScope, SubjectSource, SubjectsAnswer, WithheldMarker } from '../../disclosure/index.js';
import { contactReference, type ContactLogService } from '../contacts/index.js';
import type { Enquiry } from '../../enquiries/index.js';
import { assembleChronology, type ChronologyEntry, type ChronologySubject, type ChronologyWindow, type SubjectMaterial } from './assemble.js';
import { DEFAULT_GROUPING, groupIncidents, type GroupingOptions, type IncidentGroup } from './grouping.js';

/** One agency's answer for one subject: whether it had records, none, or could not answer. */
export interface ChronologyAgencyStatus {
  readonly subjectId: string;
  readonly agency: string;
  readonly status: AgencyDisclosure['status'];
  readonly detail: string | null;
}

export interface Chronology {
  readonly enquiry: Enquiry;
  readonly subjects: readonly ChronologySubject[];
  readonly entries: readonly ChronologyEntry[];
  readonly groups: readonly IncidentGroup[];
  readonly agencies: readonly ChronologyAgencyStatus[];
  /** The one generic marker sealed information may produce, if any subject's disclosure made it. */
  readonly restricted: WithheldMarker | null;
  readonly policyVersion: string;
  readonly auditEventId: string;
}

/** The subjects of one disclosure step as the chronology names them, the one asked about first. */
export function chronologySubjects(answer: SubjectsAnswer): ChronologySubject[] {
  return answer.subjects.map(({ subject }, index) => ({ id: subject.id, label: subject.label, relation: subject.relation, focus: index === 0 }));
}

/** Pure: a disclosure step's output as a chronology (entries, groups, per-agency status). */
export function chronologyOf(answer: SubjectsAnswer, now: Date, window: ChronologyWindow = {}, grouping: GroupingOptions = DEFAULT_GROUPING): Chronology {
  const subjects = chronologySubjects(answer);
  const material: SubjectMaterial[] = answer.subjects.map(({ disclosure, sourced }, index) => ({
    subject: subjects[index]!,
    records: disclosure.agencies.flatMap((a) => a.records),
    withheld: disclosure.agencies.flatMap((a) => a.withheld),
    sources: (sourced ?? []).map((s) => ({
      origin: s.source,
      reference: s.reference,
      records: s.disclosure.agencies.flatMap((a) => a.records),
      withheld: s.disclosure.agencies.flatMap((a) => a.withheld),
    })),
  }));
  const entries = assembleChronology(material, answer.auditEventId, now.getTime(), window);
  return {
    enquiry: answer.enquiry,
    subjects,
    entries,
    groups: groupIncidents(entries, grouping),
    agencies: answer.subjects.flatMap(({ subject, disclosure }) =>
      disclosure.agencies.map((a) => ({ subjectId: subject.id, agency: a.agency, status: a.status, detail: a.detail ?? null })),
    ),
    restricted: answer.subjects.find(({ disclosure }) => disclosure.restricted !== undefined)?.disclosure.restricted ?? null,
    policyVersion: answer.subjects[0]!.disclosure.policy.version,
    auditEventId: answer.auditEventId,
  };
}

/** The origin name of contact-log entries in the chronology. */
export const CONTACT_ORIGIN = 'contact';

/**
 * The contact log as a source of the disclosure step: each subject's entries through the gate with
 * that subject's ability (gateway/workspace/contacts discloseFor, which does not audit: the step's
 * one event carries its decisions), cited as `contact:<id>`.
 */
export function contactLogSource(log: Pick<ContactLogService, 'discloseFor'>): SubjectSource {
  return {
    name: CONTACT_ORIGIN,
    reference: (record) => contactReference(record.provenance.recordId),
    disclose: async (enquiry, subject, compiled, reviews, requestedBy) => (await log.discloseFor(enquiry, subject, compiled, reviews, { requestedBy })).disclosure,
  };
}

/**
 * The chronology of a subject and the household members linked to the enquiry: one audited
 * disclosure step (access.discloseSubjects) over the agencies and the given sources (the contact
 * log), then pure assembly.
 */
export async function readChronology(
  access: Access,
  scope: RequestScope,
  enquiryId: string,
  subjectId: string,
  now: () => Date,
  window: ChronologyWindow = {},
  sources: readonly SubjectSource[] = [],
): Promise<Chronology> {
  const answer = await access.discloseSubjects(scope, 'chronology', enquiryId, subjectId, { household: true, sources });
  return chronologyOf(answer, now(), window);
}
