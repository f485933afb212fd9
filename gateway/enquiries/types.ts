export type Rag = 'RED' | 'AMBER' | 'GREEN';
export type EnquiryStatus = 'OPEN' | 'CLOSED' | 'EXPIRED';
export type SubjectRelation = 'child' | 'adult';

export interface EnquiryMember {
  actorId: string;
  name: string | null;
  agency: string | null;
  addedAt: string;
  addedBy: string;
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
  deadline: string;
  openedAt: string;
  openedBy: string;
  closedAt: string | null;
  closedBy: string | null;
  closureDecision: string | null;
  /** Set for a break-glass (emergency, out of hours) enquiry: flagged for IG review. */
  breakGlassJustification: string | null;
  /** Consent records, oldest first; the current one is the last not withdrawn. */
  consents: ConsentRecord[];
  purposeChanges: PurposeChange[];
  members: EnquiryMember[];
  subjects: EnquirySubject[];
}

export function enquiryStatus(enquiry: Pick<Enquiry, 'closedAt' | 'deadline'>, now: Date): EnquiryStatus {
  if (enquiry.closedAt !== null) return 'CLOSED';
  return Date.parse(enquiry.deadline) <= now.getTime() ? 'EXPIRED' : 'OPEN';
}
