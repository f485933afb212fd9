import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/index.js';
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
  /** The enquiry's legal basis (URI), for the reviewer to weigh. */
  legalBasis: string;
  /** The requester as their issuer last named them (null if never seen), and their agency. */
  requestedByName: string | null;
  requestedByAgency: string | null;
  /** The owning agency's own person ids linked to the subject (links in force). */
  personIds: string[];
  /** When the enquiry was closed (null while open). */
  enquiryClosedAt: string | null;
  /** When reads under the enquiry end (its deadline plus the access grace, or closure). */
  enquiryAccessEndsAt: string;
}

/**
 * Called inside the transaction that opens or decides a request, so what it writes (the
 * notifications and their outbox rows) commits with the state change or not at all.
 */
export interface ReviewHooks {
  requested?(tx: Queryable, request: ReviewRequest, now: Date): Promise<void>;
  decided?(tx: Queryable, request: ReviewRequest, now: Date): Promise<void>;
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
    legalBasis: String(row.legal_basis),
    requestedByName: row.requested_by_name == null ? null : String(row.requested_by_name),
    requestedByAgency: row.requested_by_agency == null ? null : String(row.requested_by_agency),
    personIds: (typeof row.person_ids === 'string' ? (JSON.parse(row.person_ids) as unknown[]) : ((row.person_ids as unknown[] | null) ?? [])).map(String),
    enquiryClosedAt: row.enquiry_closed_at == null ? null : iso(row.enquiry_closed_at),
    enquiryAccessEndsAt: iso(row.enquiry_access_ends_at),
  };
}

const SELECT = `SELECT r.*, e.referral_reference, e.legal_basis, e.closed_at AS enquiry_closed_at, e.access_ends_at AS enquiry_access_ends_at,
    a.name AS requested_by_name, a.agency AS requested_by_agency,
    (SELECT coalesce(json_agg(l.person_id ORDER BY l.person_id), '[]'::json) FROM subject_link l
      WHERE l.subject_id = r.subject_id AND l.agency = r.agency AND l.unlinked_at IS NULL) AS person_ids
  FROM review_request r JOIN enquiry e ON e.id = r.enquiry_id
  LEFT JOIN actor_seen a ON a.issuer = r.requested_by_issuer AND a.subject = r.requested_by`;

export function createReviewRepository(store: Store, hooks: ReviewHooks = {}) {
  const load = async (db: Queryable, id: string): Promise<ReviewRequest | null> => {
    const { rows } = await db.query<Row>(`${SELECT} WHERE r.id = $1`, [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  };
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
      await store.transaction(async (tx) => {
        const { rows } = await tx.query<Row>(
          `INSERT INTO review_request (id, enquiry_id, subject_id, agency, category, purpose, requested_at, requested_by, requested_by_issuer, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')
           ON CONFLICT (enquiry_id, subject_id, agency, category) DO NOTHING RETURNING id`,
          [randomUUID(), request.enquiryId, request.subjectId, request.agency, request.category, request.purpose, now.toISOString(), request.requestedBy.id, request.requestedBy.issuer],
        );
        if (rows[0] && hooks.requested) await hooks.requested(tx, (await load(tx, String(rows[0].id)))!, now);
      });
    },

    get: (id: string) => load(store, id),

    async listForAgency(agency: string, status: ReviewStatus | undefined): Promise<ReviewRequest[]> {
      const { rows } = await store.query<Row>(
        `${SELECT} WHERE r.agency = $1 AND ($2::text IS NULL OR r.status = $2) ORDER BY r.requested_at, r.id`,
        [agency, status ?? null],
      );
      return rows.map(toRequest);
    },

    /** Decides a pending request; false when it was no longer pending. */
    async decide(id: string, status: 'approved' | 'refused', reason: string | null, decidedBy: ActorRef, now: Date): Promise<boolean> {
      return store.transaction(async (tx) => {
        const { rows } = await tx.query<Row>(
          `UPDATE review_request SET status = $2, decision_reason = $3, decided_by = $4, decided_at = $5, decided_by_issuer = $6
           WHERE id = $1 AND status = 'pending' RETURNING id`,
          [id, status, reason, decidedBy.id, now.toISOString(), decidedBy.issuer],
        );
        if (rows.length !== 1) return false;
        if (hooks.decided) await hooks.decided(tx, (await load(tx, id))!, now);
        return true;
      });
    },
  };
}

export type ReviewRepository = ReturnType<typeof createReviewRepository>;
