import type { Actor } from '../../auth/index.js';
import { MANAGER_ROLES } from '../../enquiries/index.js';
import { badInput, GatewayError } from '../../errors.js';
import type { Queryable } from '../../store/index.js';

/**
 * Break-glass review: an emergency enquiry opened out of hours as break-glass (with its written
 * justification) is reviewed by a MASH manager of the owning team, who records once whether it
 * was justified, with a note (required when it was not). Information-governance officers may
 * read every review; nobody else may read or record one. The resolvers audit every call.
 */

export const IG_ROLE = 'ig-officer';
export const BREAK_GLASS_OUTCOMES = ['justified', 'not-justified'] as const;
export type BreakGlassOutcome = (typeof BREAK_GLASS_OUTCOMES)[number];
export const MAX_NOTE = 2000;

export interface BreakGlassActor {
  id: string;
  issuer: string;
  name: string | null;
}

export interface BreakGlassReview {
  outcome: BreakGlassOutcome;
  note: string | null;
  reviewedAt: string;
  reviewedBy: BreakGlassActor;
}

export interface BreakGlassEnquiry {
  enquiryId: string;
  referralReference: string;
  purpose: string;
  ownerAgency: string | null;
  openedAt: string;
  openedBy: BreakGlassActor;
  justification: string;
  closedAt: string | null;
  review: BreakGlassReview | null;
}

/** Which break-glass enquiries to list: those waiting for review, or those reviewed. */
export type BreakGlassStatus = 'awaiting' | 'reviewed';

const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();

const SELECT = `
  SELECT e.id, e.referral_reference, e.purpose, e.owner_agency, e.opened_at, e.opened_by, e.opened_by_issuer,
         e.break_glass_justification, e.closed_at, m.actor_name AS opened_by_name,
         r.outcome, r.note, r.reviewed_at, r.reviewed_by, r.reviewed_by_issuer, r.reviewed_by_name
    FROM enquiry e
    LEFT JOIN enquiry_member m ON m.enquiry_id = e.id AND m.actor_id = e.opened_by AND m.actor_issuer = e.opened_by_issuer
    LEFT JOIN break_glass_review r ON r.enquiry_id = e.id
   WHERE e.break_glass_justification IS NOT NULL`;

function rowToEnquiry(row: Record<string, unknown>): BreakGlassEnquiry {
  return {
    enquiryId: String(row.id),
    referralReference: String(row.referral_reference),
    purpose: String(row.purpose),
    ownerAgency: row.owner_agency === null ? null : String(row.owner_agency),
    openedAt: iso(row.opened_at),
    openedBy: { id: String(row.opened_by), issuer: String(row.opened_by_issuer), name: row.opened_by_name === null ? null : String(row.opened_by_name) },
    justification: String(row.break_glass_justification),
    closedAt: row.closed_at === null ? null : iso(row.closed_at),
    review:
      row.outcome === null
        ? null
        : {
            outcome: row.outcome as BreakGlassOutcome,
            note: row.note === null ? null : String(row.note),
            reviewedAt: iso(row.reviewed_at),
            reviewedBy: { id: String(row.reviewed_by), issuer: String(row.reviewed_by_issuer), name: row.reviewed_by_name === null ? null : String(row.reviewed_by_name) },
          },
  };
}

const isManager = (actor: Actor) => MANAGER_ROLES.some((role) => actor.roles.includes(role));

export function createBreakGlassReviews(store: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }) {
  async function one(tx: Queryable, enquiryId: string): Promise<BreakGlassEnquiry | undefined> {
    const { rows } = await tx.query(`${SELECT} AND e.id = $1`, [enquiryId]);
    return rows[0] === undefined ? undefined : rowToEnquiry(rows[0]);
  }

  return {
    /**
     * The break-glass enquiries the caller may review or oversee, newest first: a MASH manager's
     * own team's (the owning agency), an IG officer's every one. Anyone else: FORBIDDEN.
     */
    async list(actor: Actor, status: BreakGlassStatus | null): Promise<BreakGlassEnquiry[]> {
      const ig = actor.roles.includes(IG_ROLE);
      if (!ig && !isManager(actor)) {
        throw new GatewayError('FORBIDDEN', `Break-glass reviews are for MASH managers of the owning team (${MANAGER_ROLES.join(', ')}) and information-governance officers (${IG_ROLE}).`);
      }
      const params: unknown[] = [];
      let where = '';
      if (!ig) {
        params.push(actor.agency);
        where += ` AND e.owner_agency = $${params.length}`;
      }
      if (status === 'awaiting') where += ' AND r.enquiry_id IS NULL';
      if (status === 'reviewed') where += ' AND r.enquiry_id IS NOT NULL';
      const { rows } = await store.query(`${SELECT}${where} ORDER BY e.opened_at DESC, e.id`, params);
      return rows.map(rowToEnquiry);
    },

    /**
     * Records the review of one break-glass enquiry: a MASH manager of its owning team who did not
     * open it, once (CONFLICT after that), open or closed. A note is required when the access was
     * not justified.
     */
    async review(actor: Actor, enquiryId: string, input: { outcome: BreakGlassOutcome; note?: string | null }, now: Date): Promise<BreakGlassEnquiry> {
      if (!isManager(actor)) {
        throw new GatewayError('FORBIDDEN', `Only a MASH manager of the owning team (${MANAGER_ROLES.join(', ')}) may record a break-glass review${actor.roles.includes(IG_ROLE) ? '; information-governance officers may read reviews' : ''}.`);
      }
      if (!BREAK_GLASS_OUTCOMES.includes(input.outcome)) throw badInput(`outcome must be one of ${BREAK_GLASS_OUTCOMES.join(', ')}.`, { field: 'outcome' });
      const note = typeof input.note === 'string' && input.note.trim() !== '' ? input.note.trim() : null;
      if (note !== null && note.length > MAX_NOTE) throw badInput(`The note is ${note.length} characters; at most ${MAX_NOTE} are kept.`, { field: 'note' });
      if (note === null && input.outcome === 'not-justified') {
        throw badInput('Say why the break-glass access was not justified: a note is required.', { field: 'note' });
      }
      return store.transaction(async (tx) => {
        const enquiry = await one(tx, enquiryId);
        if (enquiry === undefined) {
          const { rows } = await tx.query('SELECT 1 FROM enquiry WHERE id = $1', [enquiryId]);
          if (rows.length === 0) throw new GatewayError('FORBIDDEN_NO_ENQUIRY', `No enquiry ${enquiryId} exists.`, { details: { enquiryId } });
          throw badInput(`Enquiry ${enquiryId} was not opened as break-glass: there is nothing to review.`, { field: 'enquiryId' });
        }
        if (enquiry.ownerAgency === null || enquiry.ownerAgency !== actor.agency) {
          throw new GatewayError('FORBIDDEN', `Only a MASH manager of the owning team (${enquiry.ownerAgency ?? 'unknown'}) may review break-glass enquiry ${enquiryId}.`, { details: { enquiryId } });
        }
        if (enquiry.openedBy.id === actor.id && enquiry.openedBy.issuer === actor.issuer) {
          throw new GatewayError('FORBIDDEN', `You opened break-glass enquiry ${enquiryId}: another manager of the team must review it.`, { details: { enquiryId } });
        }
        const inserted = await tx.query(
          `INSERT INTO break_glass_review (enquiry_id, outcome, note, reviewed_at, reviewed_by, reviewed_by_issuer, reviewed_by_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (enquiry_id) DO NOTHING RETURNING enquiry_id`,
          [enquiryId, input.outcome, note, now.toISOString(), actor.id, actor.issuer, actor.name ?? null],
        );
        if (inserted.rows.length === 0) {
          throw new GatewayError('CONFLICT', `Break-glass enquiry ${enquiryId} was already reviewed (${enquiry.review?.outcome ?? 'reviewed'}); a review is recorded once.`, { details: { enquiryId } });
        }
        return (await one(tx, enquiryId))!;
      });
    },
  };
}

export type BreakGlassReviews = ReturnType<typeof createBreakGlassReviews>;
