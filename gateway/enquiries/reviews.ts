import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.js';
import type { ActorRef } from './types.js';

/**
 * Originator review (ORIG): information the policy marks `review` waits for the owning agency's
 * reviewer. One request per enquiry, subject, agency and category; approval releases that
 * category's records to that enquiry only.
 */
export type ReviewStatus = 'pending' | 'approved' | 'refused';

export interface ReviewRequest {
  id: string;
  enquiryId: string;
  referralReference: string;
  subjectId: string;
  agency: string;
  category: string;
  purpose: string;
  requestedAt: string;
  requestedBy: string;
  requestedByIssuer: string;
  status: ReviewStatus;
  decidedAt: string | null;
  decidedBy: string | null;
  decidedByIssuer: string | null;
  decisionReason: string | null;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

function toRequest(row: Row): ReviewRequest {
  return {
    id: String(row.id),
    enquiryId: String(row.enquiry_id),
    referralReference: String(row.referral_reference),
    subjectId: String(row.subject_id),
    agency: String(row.agency),
    category: String(row.category),
    purpose: String(row.purpose),
    requestedAt: iso(row.requested_at),
    requestedBy: String(row.requested_by),
    requestedByIssuer: String(row.requested_by_issuer),
    status: String(row.status) as ReviewStatus,
    decidedAt: row.decided_at == null ? null : iso(row.decided_at),
    decidedBy: row.decided_by == null ? null : String(row.decided_by),
    decidedByIssuer: row.decided_by_issuer == null ? null : String(row.decided_by_issuer),
    decisionReason: row.decision_reason == null ? null : String(row.decision_reason),
  };
}

const SELECT = `SELECT r.*, e.referral_reference FROM review_request r JOIN enquiry e ON e.id = r.enquiry_id`;

export function createReviewRepository(store: Store) {
  return {
    /** Review states of one subject's categories, keyed `agency|category`. */
    async statesFor(enquiryId: string, subjectId: string): Promise<Map<string, { status: ReviewStatus; reason?: string }>> {
      const { rows } = await store.query<Row>('SELECT agency, category, status, decision_reason FROM review_request WHERE enquiry_id = $1 AND subject_id = $2', [enquiryId, subjectId]);
      return new Map(
        rows.map((r) => [`${String(r.agency)}|${String(r.category)}`, { status: String(r.status) as ReviewStatus, ...(r.decision_reason == null ? {} : { reason: String(r.decision_reason) }) }]),
      );
    },

    /** Opens a pending request unless one exists for the same enquiry, subject, agency and category. */
    async ensurePending(request: { enquiryId: string; subjectId: string; agency: string; category: string; purpose: string; requestedBy: ActorRef }, now: Date): Promise<void> {
      await store.query(
        `INSERT INTO review_request (id, enquiry_id, subject_id, agency, category, purpose, requested_at, requested_by, requested_by_issuer, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')
         ON CONFLICT (enquiry_id, subject_id, agency, category) DO NOTHING`,
        [randomUUID(), request.enquiryId, request.subjectId, request.agency, request.category, request.purpose, now.toISOString(), request.requestedBy.id, request.requestedBy.issuer],
      );
    },

    async get(id: string): Promise<ReviewRequest | null> {
      const { rows } = await store.query<Row>(`${SELECT} WHERE r.id = $1`, [id]);
      return rows[0] ? toRequest(rows[0]) : null;
    },

    async listForAgency(agency: string, status: ReviewStatus | undefined): Promise<ReviewRequest[]> {
      const { rows } = await store.query<Row>(
        `${SELECT} WHERE r.agency = $1 AND ($2::text IS NULL OR r.status = $2) ORDER BY r.requested_at, r.id`,
        [agency, status ?? null],
      );
      return rows.map(toRequest);
    },

    /** Decides a pending request; false when it was no longer pending. */
    async decide(id: string, status: 'approved' | 'refused', reason: string | null, decidedBy: ActorRef, now: Date): Promise<boolean> {
      const { rows } = await store.query<Row>(
        `UPDATE review_request SET status = $2, decision_reason = $3, decided_by = $4, decided_at = $5, decided_by_issuer = $6
         WHERE id = $1 AND status = 'pending' RETURNING id`,
        [id, status, reason, decidedBy.id, now.toISOString(), decidedBy.issuer],
      );
      return rows.length === 1;
    },
  };
}

export type ReviewRepository = ReturnType<typeof createReviewRepository>;
