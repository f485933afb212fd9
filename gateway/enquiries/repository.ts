import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/index.js';
import type { Enquiry, EnquiryMember, EnquirySubject, Rag, SubjectLink, SubjectRelation } from './types.js';

/** Persistence of enquiries, members, subjects and confirmed links. No decisions here. */

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export interface NewEnquiry {
  referralReference: string;
  purpose: string;
  legalBasis: string;
  consentRecorded: boolean;
  rag: Rag;
  deadline: Date;
  openedBy: { id: string; name: string; agency: string };
  now: Date;
}

export function createEnquiryRepository(store: Store) {
  /** One round trip: the enquiry with its members, subjects and links (every read of agency data starts here). */
  async function load(db: Queryable, id: string): Promise<Enquiry | null> {
    const { rows } = await db.query<Row>(
      `SELECT e.*,
         (SELECT coalesce(json_agg(m ORDER BY m.added_at, m.actor_id), '[]'::json)
            FROM enquiry_member m WHERE m.enquiry_id = e.id) AS members,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', s.id, 'relation', s.relation, 'label', s.label, 'relevance', s.relevance,
                   'created_at', s.created_at, 'created_by', s.created_by,
                   'links', (SELECT coalesce(json_agg(l ORDER BY l.linked_at, l.agency, l.person_id), '[]'::json)
                               FROM subject_link l WHERE l.subject_id = s.id))
                 ORDER BY s.created_at, s.id), '[]'::json)
            FROM enquiry_subject s WHERE s.enquiry_id = e.id) AS subjects
       FROM enquiry e WHERE e.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    const json = (value: unknown): Row[] => (typeof value === 'string' ? (JSON.parse(value) as Row[]) : (value as Row[]));
    return {
      id: String(row.id),
      referralReference: String(row.referral_reference),
      purpose: String(row.purpose),
      legalBasis: String(row.legal_basis),
      consentRecorded: row.consent_recorded === true,
      rag: String(row.rag) as Rag,
      deadline: iso(row.deadline),
      openedAt: iso(row.opened_at),
      openedBy: String(row.opened_by),
      closedAt: isoOrNull(row.closed_at),
      closedBy: textOrNull(row.closed_by),
      closureDecision: textOrNull(row.closure_decision),
      members: json(row.members).map(
        (m): EnquiryMember => ({
          actorId: String(m.actor_id),
          name: textOrNull(m.actor_name),
          agency: textOrNull(m.actor_agency),
          addedAt: iso(m.added_at),
          addedBy: String(m.added_by),
        }),
      ),
      subjects: json(row.subjects).map(
        (s): EnquirySubject => ({
          id: String(s.id),
          relation: String(s.relation) as SubjectRelation,
          label: textOrNull(s.label),
          relevance: textOrNull(s.relevance),
          createdAt: iso(s.created_at),
          createdBy: String(s.created_by),
          links: json(s.links).map(
            (l): SubjectLink => ({ agency: String(l.agency), personId: String(l.person_id), linkedAt: iso(l.linked_at), linkedBy: String(l.linked_by) }),
          ),
        }),
      ),
    };
  }

  return {
    get: (id: string) => load(store, id),

    async listForActor(actorId: string): Promise<Enquiry[]> {
      const { rows } = await store.query<Row>(
        `SELECT e.id FROM enquiry e JOIN enquiry_member m ON m.enquiry_id = e.id
         WHERE m.actor_id = $1 ORDER BY e.opened_at DESC`,
        [actorId],
      );
      const enquiries = await Promise.all(rows.map((row) => load(store, String(row.id))));
      return enquiries.filter((e): e is Enquiry => e !== null);
    },

    async create(input: NewEnquiry): Promise<Enquiry> {
      const id = randomUUID();
      return store.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO enquiry (id, referral_reference, purpose, legal_basis, consent_recorded, rag, deadline, opened_at, opened_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, input.referralReference, input.purpose, input.legalBasis, input.consentRecorded, input.rag, input.deadline.toISOString(), input.now.toISOString(), input.openedBy.id],
        );
        await tx.query(
          `INSERT INTO enquiry_member (enquiry_id, actor_id, actor_name, actor_agency, added_at, added_by) VALUES ($1, $2, $3, $4, $5, $2)`,
          [id, input.openedBy.id, input.openedBy.name, input.openedBy.agency, input.now.toISOString()],
        );
        return (await load(tx, id))!;
      });
    },

    async addMember(enquiryId: string, member: { id: string; name?: string | undefined; agency?: string | undefined }, addedBy: string, now: Date): Promise<void> {
      await store.query(
        `INSERT INTO enquiry_member (enquiry_id, actor_id, actor_name, actor_agency, added_at, added_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enquiry_id, actor_id) DO NOTHING`,
        [enquiryId, member.id, member.name ?? null, member.agency ?? null, now.toISOString(), addedBy],
      );
    },

    async addSubject(enquiryId: string, subject: { relation: SubjectRelation; label?: string | undefined; relevance?: string | undefined }, createdBy: string, now: Date): Promise<string> {
      const id = randomUUID();
      await store.query(
        `INSERT INTO enquiry_subject (id, enquiry_id, relation, label, relevance, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, enquiryId, subject.relation, subject.label ?? null, subject.relevance ?? null, now.toISOString(), createdBy],
      );
      return id;
    },

    async link(subjectId: string, agency: string, personId: string, linkedBy: string, now: Date): Promise<void> {
      await store.query(
        `INSERT INTO subject_link (subject_id, agency, person_id, linked_at, linked_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (subject_id, agency, person_id) DO NOTHING`,
        [subjectId, agency, personId, now.toISOString(), linkedBy],
      );
    },

    async close(enquiryId: string, closedBy: string, decision: string, now: Date): Promise<boolean> {
      const { rows } = await store.query<Row>(
        `UPDATE enquiry SET closed_at = $2, closed_by = $3, closure_decision = $4 WHERE id = $1 AND closed_at IS NULL RETURNING id`,
        [enquiryId, now.toISOString(), closedBy, decision],
      );
      return rows.length === 1;
    },
  };
}

export type EnquiryRepository = ReturnType<typeof createEnquiryRepository>;
