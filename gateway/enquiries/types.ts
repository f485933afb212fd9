export type Rag = 'RED' | 'AMBER' | 'GREEN';
export type EnquiryStatus = 'OPEN' | 'CLOSED' | 'EXPIRED';
export type SubjectRelation = 'child' | 'adult';

/** Who an actor is: the registered issuer that authenticated them and their subject there. */
export interface ActorRef {
  issuer: string;
  id: string;
}

/** Whether two references name the same actor: issuer and subject both, never the subject alone. */
export const sameActor = (a: ActorRef, b: ActorRef): boolean => a.issuer === b.issuer && a.id === b.id;

export interface EnquiryMember {
  actorId: string;
  /** The issuer that authenticated the member; '' for a member recorded before issuers were kept (matches nobody). */
  issuer: string;
  name: string | null;
  agency: string | null;
  addedAt: string;
  addedBy: string;
  addedByIssuer: string;
  /** Why the member was added (null for the enquiry's opener). */
  reason: string | null;
}

export interface SubjectLink {
  agency: string;
  personId: string;
  linkedAt: string;
  linkedBy: string;
}

/** A link that was undone (unlinkSubject): kept as history, never read. */
export interface UnlinkedSubjectLink extends SubjectLink {
  unlinkedAt: string;
  unlinkedBy: string;
  reason: string;
}

export interface EnquirySubject {
  id: string;
  relation: SubjectRelation;
  label: string | null;
  /** Why a household adult is relevant to the child (WT23); required before their detail is shared. */
  relevance: string | null;
  createdAt: string;
  createdBy: string;
  /** Confirmed links in force: the only ones used to read agency records. */
  links: SubjectLink[];
  /** Links undone, oldest undo first. */
  unlinked: UnlinkedSubjectLink[];
}

export interface ConsentRecord {
  id: string;
  givenBy: string;
  scope: string;
  recordedAt: string;
  recordedBy: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawalReason: string | null;
}

export interface PurposeChange {
  fromPurpose: string;
  toPurpose: string;
  reason: string;
  changedAt: string;
  changedBy: string;
}

export interface Enquiry {
  id: string;
  referralReference: string;
  purpose: string;
  legalBasis: string;
  consentRecorded: boolean;
  rag: Rag;
  /** When the MASH decision is due (the queue shows the enquiry overdue after it). */
  deadline: string;
  /** The deadline the RAG timescale gives from receipt (a manager's extension is bounded from it). */
  computedDeadline: string;
  /** When members' reads end unless the enquiry closes first: a grace after the deadline. */
  accessEndsAt: string;
  /** When the MASH received the referral (the RAG timescale runs from it). */
  receivedAt: string;
  /** Ids of the referral's concern categories (gateway/workspace/queue/concern-categories.ts). */
  concernCategories: string[];
  /** Who is working on the enquiry now (assignEnquiry); null while unassigned. */
  assignee: (ActorRef & { name: string | null }) | null;
  openedAt: string;
  openedBy: string;
  openedByIssuer: string;
  /** The owning team: the agency of the actor who opened the enquiry (null if not known). */
  ownerAgency: string | null;
  closedAt: string | null;
  closedBy: string | null;
  /** The closure note given when the enquiry was closed. */
  closureDecision: string | null;
  /** The signed-off MASH decision the enquiry was closed on (gateway/workspace/decision). */
  closureDecisionId: string | null;
  /** Set for a break-glass (emergency, out of hours) enquiry: flagged for IG review. */
  breakGlassJustification: string | null;
  /** The incident the enquiry was opened from (openEnquiryFromIncident, gateway/incidents/triage); null for a referral. */
  sourceIncidentId?: string | null;
  /** Consent records, oldest first; the current one is the last not withdrawn. */
  consents: ConsentRecord[];
  purposeChanges: PurposeChange[];
  members: EnquiryMember[];
  /** In the order they joined the enquiry (each subject's number from one sequence; migration 014). */
  subjects: EnquirySubject[];
}

/**
 * OPEN until closure or until access ends (a grace after the deadline): an enquiry past its
 * deadline is overdue, not closed. EXPIRED once access has ended.
 */
export function enquiryStatus(enquiry: Pick<Enquiry, 'closedAt' | 'accessEndsAt'>, now: Date): EnquiryStatus {
  if (enquiry.closedAt !== null) return 'CLOSED';
  return Date.parse(enquiry.accessEndsAt) <= now.getTime() ? 'EXPIRED' : 'OPEN';
}

/** Whether the MASH decision is overdue (the deadline has passed on an enquiry not closed). */
export const isOverdue = (enquiry: Pick<Enquiry, 'closedAt' | 'deadline'>, now: Date): boolean => enquiry.closedAt === null && Date.parse(enquiry.deadline) <= now.getTime();
