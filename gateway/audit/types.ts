/**
 * AccessEvent: one record of the audit log. Who (actor), on what (enquiry, subjects), why
 * (purpose, legal basis), what was asked (operation), what was decided (per agency and category)
 * and with what result. Refusals and failures are events too.
 */

export type AuditOutcome = 'success' | 'partial' | 'refused' | 'failed';

export type AuditDecisionKind =
  | 'disclose'
  | 'summarise'
  | 'withhold'
  | 'deny'
  | 'review'
  | 'unavailable'
  | 'no-record';

export interface AuditActor {
  id: string;
  name?: string;
  agency?: string;
  roles: string[];
  issuer?: string;
  /** A school DSL's school (LAESTAB). */
  school?: string;
}

export interface AuditEnquiry {
  id: string;
  /** Absent when the access was refused before the enquiry could be read. */
  purpose?: string;
  legalBasis?: string;
  consent?: boolean;
}

export interface AuditSubject {
  subjectId: string;
  links: { agency: string; personId: string }[];
}

/** One decision of the gate, or an agency that could not answer. */
export interface AuditDecision {
  agency: string;
  category: string;
  decision: AuditDecisionKind;
  /** The policy rule that decided (absent for `unavailable` / `no-record`). */
  ruleId?: string;
  sources?: string[];
  /** Disclosed field names (empty unless disclose / summarise). */
  fields: string[];
  /** Source record ids the decision covered. */
  recordIds: string[];
  /** Withheld markers produced. */
  markers: number;
  reason?: string;
  /**
   * The agency's own ids of the persons this decision is about where no enquiry subject names them:
   * for a search, each person it showed (subject access reports and anomaly review count these).
   */
  personIds?: string[];
  /** The enquiry subject the decision is about, where one event names several (a chronology of a household). */
  subjectId?: string;
}

export interface AccessEventInput {
  requestId: string;
  /** What was asked, e.g. `profile`, `searchPeople`, `openEnquiry`, `authenticate`. */
  operation: string;
  outcome: AuditOutcome;
  /** The GatewayError code for refused / failed outcomes. */
  outcomeCode?: string;
  reason?: string;
  /** Null when the caller could not be authenticated. */
  actor: AuditActor | null;
  enquiry?: AuditEnquiry;
  subjects?: AuditSubject[];
  policy?: { id: string; version: string };
  decisions?: AuditDecision[];
  breakGlass?: boolean;
  /**
   * The actor's family name is the family name searched for, or of a person shown or read: for
   * IG review (looking up relatives or acquaintances). Only the flag is kept, never the name.
   */
  sharedSurname?: boolean;
  /**
   * A MASH manager joined (or added someone to, assigned, extended, removed a member of, or read
   * the referral of) an enquiry they are not a member of, on the manager's authority rather than
   * a member's: for IG review.
   */
  managerJoin?: boolean;
  /**
   * A document that left the gateway (a précis export): which version, in what format, and the
   * SHA-256 of the exact bytes returned, recorded before they are returned.
   */
  document?: { kind: string; version: number; format: string; mediaType: string; fileName: string; bytes: number; sha256: string };
  /**
   * A notification that left the gateway for someone outside the MASH (an Operation Encompass
   * notification to a school): which, to whom, by which channels, the field names sent (never
   * their values), the rule that decided them and the incident it is about. Recorded before it is sent.
   */
  notification?: AuditNotification;
}

export interface AuditNotification {
  /** The notification's id (encompass_notification). */
  id: string;
  kind: string;
  to: { school: string; schoolName: string; keyAdult: string; email?: string };
  /** inbox, email. */
  channels: string[];
  /** The field names sent, in the policy's order. */
  fields: string[];
  ruleId: string;
  incident: { agency: string; incidentId: string };
}

export interface AccessEvent extends AccessEventInput {
  id: string;
  /** ISO 8601 time the gateway recorded the event. */
  at: string;
  subjects: AuditSubject[];
  decisions: AuditDecision[];
}

export interface CommittedEvent {
  id: string;
  seq: number;
  hash: string;
}

/** An event as read back from the log, with its place in the chain. */
export interface RecordedEvent extends AccessEvent {
  seq: number;
  hash: string;
}
