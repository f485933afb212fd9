import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/index.js';
import type { ActorRef, Enquiry, EnquiryMember, EnquirySubject, Rag, SubjectLink, SubjectRelation, UnlinkedSubjectLink } from './types.js';

/** Persistence of enquiries, members, subjects and confirmed links. No decisions here. */

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export interface NewEnquiry {
  referralReference: string;
  breakGlassJustification?: string | undefined;
  /** The consent recorded when the enquiry opens, if any. */
  consent?: { givenBy: string; scope: string } | undefined;
  purpose: string;
  legalBasis: string;
  consentRecorded: boolean;
  rag: Rag;
  deadline: Date;
  computedDeadline: Date;
  accessEndsAt: Date;
  receivedAt: Date;
  concernCategories: string[];
  /** The referral's source and text, kept apart (enquiry_referral) and read only through the audited Enquiry.referral. */
  referral: { source: { kind: string; organisation: string | null; referrerName: string | null; referrerRole: string | null } | null; text: string | null } | null;
  openedBy: ActorRef & { name: string; agency: string };
  now: Date;
  /** The incident the enquiry is opened from (openEnquiryFromIncident). */
  sourceIncidentId?: string | undefined;
  /** Runs in the opening's transaction after the enquiry is written: what it writes commits with the enquiry or not at all. */
  alongside?: ((tx: Queryable, enquiry: Enquiry) => Promise<void>) | undefined;
}

/** What happens with an enquiry's opening, in its transaction: what a hook writes commits with the enquiry or not at all. */
export interface EnquiryRepositoryHooks {
  /** EMER: a break-glass enquiry was opened (information governance and the owning team's managers are told). */
  breakGlassOpened?(tx: Queryable, enquiry: Enquiry, now: Date): Promise<void>;
}

export function createEnquiryRepository(store: Store, hooks: EnquiryRepositoryHooks = {}) {
  /** One round trip: the enquiry with its members, subjects and links (every read of agency data starts here). */
  async function load(db: Queryable, id: string): Promise<Enquiry | null> {
    return (await loadVersioned(db, id))?.enquiry ?? null;
  }

  /** `load`, with the enquiry's version (migration 020) read in the same statement as the rest. */
  async function loadVersioned(db: Queryable, id: string): Promise<{ enquiry: Enquiry; version: string } | null> {
    const { rows } = await db.query<Row>(
      `SELECT e.*,
         (SELECT coalesce(json_agg(m ORDER BY m.added_at, m.actor_issuer, m.actor_id), '[]'::json)
            FROM enquiry_member m WHERE m.enquiry_id = e.id) AS members,
         (SELECT coalesce(json_agg(json_build_object(
                   'id', s.id, 'relation', s.relation, 'label', s.label, 'relevance', s.relevance,
                   'created_at', s.created_at, 'created_by', s.created_by,
                   'links', (SELECT coalesce(json_agg(l ORDER BY l.linked_at, l.agency, l.person_id, l.id), '[]'::json)
                               FROM subject_link l WHERE l.subject_id = s.id AND l.unlinked_at IS NULL),
                   'unlinked', (SELECT coalesce(json_agg(l ORDER BY l.unlinked_at, l.id), '[]'::json)
                               FROM subject_link l WHERE l.subject_id = s.id AND l.unlinked_at IS NOT NULL))
                 ORDER BY s.seq), '[]'::json)
            FROM enquiry_subject s WHERE s.enquiry_id = e.id) AS subjects,
         (SELECT coalesce(json_agg(c ORDER BY c.recorded_at, c.id), '[]'::json)
            FROM enquiry_consent c WHERE c.enquiry_id = e.id) AS consents,
         (SELECT coalesce(json_agg(p ORDER BY p.changed_at, p.id), '[]'::json)
            FROM enquiry_purpose_change p WHERE p.enquiry_id = e.id) AS purpose_changes
       FROM enquiry e WHERE e.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    const json = (value: unknown): Row[] => (typeof value === 'string' ? (JSON.parse(value) as Row[]) : (value as Row[]));
    return { version: String(row.version), enquiry: enquiryFromRow(row, json) };
  }

  function enquiryFromRow(row: Row, json: (value: unknown) => Row[]): Enquiry {
    return {
      id: String(row.id),
      referralReference: String(row.referral_reference),
      purpose: String(row.purpose),
      legalBasis: String(row.legal_basis),
      consentRecorded: row.consent_recorded === true,
      rag: String(row.rag) as Rag,
      deadline: iso(row.deadline),
      computedDeadline: iso(row.computed_deadline),
      accessEndsAt: iso(row.access_ends_at),
      receivedAt: iso(row.received_at),
      concernCategories: (typeof row.concern_categories === 'string' ? JSON.parse(row.concern_categories) : row.concern_categories ?? []) as string[],
      assignee: row.assignee_id === null || row.assignee_id === undefined ? null : { issuer: String(row.assignee_issuer), id: String(row.assignee_id), name: textOrNull(row.assignee_name) },
      openedAt: iso(row.opened_at),
      openedBy: String(row.opened_by),
      openedByIssuer: String(row.opened_by_issuer),
      ownerAgency: textOrNull(row.owner_agency),
      closedAt: isoOrNull(row.closed_at),
      closedBy: textOrNull(row.closed_by),
      closureDecision: textOrNull(row.closure_decision),
      closureDecisionId: textOrNull(row.closure_decision_id),
      breakGlassJustification: textOrNull(row.break_glass_justification),
      sourceIncidentId: textOrNull(row.source_incident_id),
      consents: json(row.consents).map((c) => ({
        id: String(c.id),
        givenBy: String(c.given_by),
        scope: String(c.scope),
        recordedAt: iso(c.recorded_at),
        recordedBy: String(c.recorded_by),
        withdrawnAt: isoOrNull(c.withdrawn_at),
        withdrawnBy: textOrNull(c.withdrawn_by),
        withdrawalReason: textOrNull(c.withdrawal_reason),
      })),
      purposeChanges: json(row.purpose_changes).map((p) => ({
        fromPurpose: String(p.from_purpose),
        toPurpose: String(p.to_purpose),
        reason: String(p.reason),
        changedAt: iso(p.changed_at),
        changedBy: String(p.changed_by),
      })),
      members: json(row.members).map(
        (m): EnquiryMember => ({
          actorId: String(m.actor_id),
          issuer: String(m.actor_issuer),
          name: textOrNull(m.actor_name),
          agency: textOrNull(m.actor_agency),
          addedAt: iso(m.added_at),
          addedBy: String(m.added_by),
          addedByIssuer: String(m.added_by_issuer),
          reason: textOrNull(m.reason),
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
          unlinked: json(s.unlinked).map(
            (l): UnlinkedSubjectLink => ({
              agency: String(l.agency),
              personId: String(l.person_id),
              linkedAt: iso(l.linked_at),
              linkedBy: String(l.linked_by),
              unlinkedAt: iso(l.unlinked_at),
              unlinkedBy: String(l.unlinked_by),
              reason: String(l.unlink_reason),
            }),
          ),
        }),
      ),
    };
  }

  /**
   * The enquiries this process last loaded, with the version each was loaded at. Every request
   * reads an enquiry (authorisation: members, status, purpose, consent, subjects and links); a
   * burst of requests in one enquiry then costs one primary-key read of its version each instead
   * of the whole load. The version is raised in the database by any change to the enquiry or its
   * parts, from any process (migration 020), so a held enquiry is used only while it is current.
   * Callers get a copy, never the held object.
   */
  const held = new Map<string, { enquiry: Enquiry; version: string }>();
  const HELD_MAX = 1000;

  async function current(id: string): Promise<Enquiry | null> {
    const kept = held.get(id);
    if (kept) {
      const { rows } = await store.query<Row>('SELECT version FROM enquiry WHERE id = $1', [id]);
      if (rows[0] !== undefined && String(rows[0].version) === kept.version) {
        // Most recently used last, so the oldest is the one dropped when full.
        held.delete(id);
        held.set(id, kept);
        return structuredClone(kept.enquiry);
      }
      held.delete(id);
      if (rows[0] === undefined) return null;
    }
    const loaded = await loadVersioned(store, id);
    if (!loaded) return null;
    held.set(id, loaded);
    if (held.size > HELD_MAX) held.delete(held.keys().next().value!);
    return structuredClone(loaded.enquiry);
  }

  return {
    get: (id: string) => current(id),

    async listForActor(actor: ActorRef): Promise<Enquiry[]> {
      const { rows } = await store.query<Row>(
        `SELECT e.id FROM enquiry e JOIN enquiry_member m ON m.enquiry_id = e.id
         WHERE m.actor_issuer = $1 AND m.actor_id = $2 ORDER BY e.opened_at DESC`,
        [actor.issuer, actor.id],
      );
      const enquiries = await Promise.all(rows.map((row) => load(store, String(row.id))));
      return enquiries.filter((e): e is Enquiry => e !== null);
    },

    async create(input: NewEnquiry): Promise<Enquiry> {
      const id = randomUUID();
      return store.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO enquiry (id, referral_reference, purpose, legal_basis, consent_recorded, rag, deadline, opened_at, opened_by, opened_by_issuer, owner_agency, break_glass_justification,
                                computed_deadline, access_ends_at, received_at, concern_categories, source_incident_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb, $17)`,
          [id, input.referralReference, input.purpose, input.legalBasis, input.consentRecorded, input.rag, input.deadline.toISOString(), input.now.toISOString(), input.openedBy.id, input.openedBy.issuer, input.openedBy.agency, input.breakGlassJustification ?? null,
           input.computedDeadline.toISOString(), input.accessEndsAt.toISOString(), input.receivedAt.toISOString(), JSON.stringify(input.concernCategories), input.sourceIncidentId ?? null],
        );
        if (input.referral) {
          const source = input.referral.source;
          await tx.query(
            `INSERT INTO enquiry_referral (enquiry_id, source_kind, source_organisation, referrer_name, referrer_role, referral_text) VALUES ($1, $2, $3, $4, $5, $6)`,
            [id, source?.kind ?? null, source?.organisation ?? null, source?.referrerName ?? null, source?.referrerRole ?? null, input.referral.text],
          );
        }
        if (input.consent) {
          await tx.query(
            `INSERT INTO enquiry_consent (id, enquiry_id, given_by, scope, recorded_at, recorded_by, recorded_by_issuer) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [randomUUID(), id, input.consent.givenBy, input.consent.scope, input.now.toISOString(), input.openedBy.id, input.openedBy.issuer],
          );
        }
        await tx.query(
          `INSERT INTO enquiry_member (enquiry_id, actor_issuer, actor_id, actor_name, actor_agency, added_at, added_by_issuer, added_by) VALUES ($1, $2, $3, $4, $5, $6, $2, $3)`,
          [id, input.openedBy.issuer, input.openedBy.id, input.openedBy.name, input.openedBy.agency, input.now.toISOString()],
        );
        const enquiry = (await load(tx, id))!;
        if (enquiry.breakGlassJustification !== null && hooks.breakGlassOpened) await hooks.breakGlassOpened(tx, enquiry, input.now);
        if (input.alongside) await input.alongside(tx, enquiry);
        return enquiry;
      });
    },

    /** Adds a member; false when (issuer, subject) already is one. */
    async addMember(enquiryId: string, member: ActorRef & { name: string | null; agency: string | null }, addedBy: ActorRef, reason: string, now: Date): Promise<boolean> {
      const { rows } = await store.query<Row>(
        `INSERT INTO enquiry_member (enquiry_id, actor_issuer, actor_id, actor_name, actor_agency, added_at, added_by_issuer, added_by, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (enquiry_id, actor_issuer, actor_id) DO NOTHING RETURNING actor_id`,
        [enquiryId, member.issuer, member.id, member.name, member.agency, now.toISOString(), addedBy.issuer, addedBy.id, reason],
      );
      return rows.length === 1;
    },

    async addSubject(enquiryId: string, subject: { relation: SubjectRelation; label?: string | undefined; relevance?: string | undefined }, createdBy: ActorRef, now: Date): Promise<string> {
      const id = randomUUID();
      await store.query(
        `INSERT INTO enquiry_subject (id, enquiry_id, relation, label, relevance, created_at, created_by, created_by_issuer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, enquiryId, subject.relation, subject.label ?? null, subject.relevance ?? null, now.toISOString(), createdBy.id, createdBy.issuer],
      );
      return id;
    },

    /**
     * A new subject with all its links, in one transaction: all are written or none (linkPerson).
     * Returns the subject's id.
     */
    async addSubjectWithLinks(
      enquiryId: string,
      subject: { relation: SubjectRelation; label?: string | undefined; relevance?: string | undefined },
      links: readonly { agency: string; personId: string }[],
      by: ActorRef,
      now: Date,
    ): Promise<string> {
      const id = randomUUID();
      await store.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO enquiry_subject (id, enquiry_id, relation, label, relevance, created_at, created_by, created_by_issuer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [id, enquiryId, subject.relation, subject.label ?? null, subject.relevance ?? null, now.toISOString(), by.id, by.issuer],
        );
        for (const link of links) {
          await tx.query(
            `INSERT INTO subject_link (subject_id, agency, person_id, linked_at, linked_by, linked_by_issuer) VALUES ($1, $2, $3, $4, $5, $6)`,
            [id, link.agency, link.personId, now.toISOString(), by.id, by.issuer],
          );
        }
      });
      return id;
    },

    /** Links the agency person to the subject; linking one already in force changes nothing. */
    async link(subjectId: string, agency: string, personId: string, linkedBy: ActorRef, now: Date): Promise<void> {
      await store.query(
        `INSERT INTO subject_link (subject_id, agency, person_id, linked_at, linked_by, linked_by_issuer) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (subject_id, agency, person_id) WHERE unlinked_at IS NULL DO NOTHING`,
        [subjectId, agency, personId, now.toISOString(), linkedBy.id, linkedBy.issuer],
      );
    },

    /** Marks the link in force undone, keeping it as history; false when there is none. */
    async unlink(subjectId: string, agency: string, personId: string, unlink: { by: ActorRef; reason: string }, now: Date): Promise<boolean> {
      const { rows } = await store.query<Row>(
        `UPDATE subject_link SET unlinked_at = $4, unlinked_by = $5, unlink_reason = $6, unlinked_by_issuer = $7
         WHERE subject_id = $1 AND agency = $2 AND person_id = $3 AND unlinked_at IS NULL RETURNING id`,
        [subjectId, agency, personId, now.toISOString(), unlink.by.id, unlink.reason, unlink.by.issuer],
      );
      return rows.length === 1;
    },

    async recordConsent(enquiryId: string, consent: { givenBy: string; scope: string }, recordedBy: ActorRef, now: Date): Promise<void> {
      await store.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO enquiry_consent (id, enquiry_id, given_by, scope, recorded_at, recorded_by, recorded_by_issuer) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [randomUUID(), enquiryId, consent.givenBy, consent.scope, now.toISOString(), recordedBy.id, recordedBy.issuer],
        );
        await tx.query('UPDATE enquiry SET consent_recorded = true WHERE id = $1', [enquiryId]);
      });
    },

    async withdrawConsent(enquiryId: string, reason: string, withdrawnBy: ActorRef, now: Date): Promise<void> {
      await store.transaction(async (tx) => {
        await tx.query(
          `UPDATE enquiry_consent SET withdrawn_at = $2, withdrawn_by = $3, withdrawal_reason = $4, withdrawn_by_issuer = $5 WHERE enquiry_id = $1 AND withdrawn_at IS NULL`,
          [enquiryId, now.toISOString(), withdrawnBy.id, reason, withdrawnBy.issuer],
        );
        await tx.query('UPDATE enquiry SET consent_recorded = false WHERE id = $1', [enquiryId]);
      });
    },

    async changePurpose(enquiryId: string, change: { from: string; to: string; legalBasis: string; reason: string }, changedBy: ActorRef, now: Date): Promise<void> {
      await store.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO enquiry_purpose_change (id, enquiry_id, from_purpose, to_purpose, reason, changed_at, changed_by, changed_by_issuer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [randomUUID(), enquiryId, change.from, change.to, change.reason, now.toISOString(), changedBy.id, changedBy.issuer],
        );
        await tx.query('UPDATE enquiry SET purpose = $2, legal_basis = $3 WHERE id = $1', [enquiryId, change.to, change.legalBasis]);
      });
    },

    async setRelevance(subjectId: string, relevance: string): Promise<void> {
      await store.query('UPDATE enquiry_subject SET relevance = $2 WHERE id = $1', [subjectId, relevance]);
    },

    /**
     * Closes the enquiry on its current MASH decision, which must be signed off: checked in the
     * same statement, so a decision recorded or returned meanwhile cannot be closed past.
     * 'closed' with the decision's id; 'already-closed'; or 'no-decision' when the newest
     * decision is missing or not signed off.
     */
    async close(enquiryId: string, closedBy: ActorRef, note: string, now: Date): Promise<{ status: 'closed'; decisionId: string } | { status: 'already-closed' | 'no-decision' }> {
      const { rows } = await store.query<Row>(
        `WITH current_decision AS (
           SELECT d.id, d.status FROM mash_decision d WHERE d.enquiry_id = $1 ORDER BY d.seq DESC LIMIT 1
         )
         UPDATE enquiry SET closed_at = $2, closed_by = $3, closure_decision = $4, closed_by_issuer = $5,
                closure_decision_id = (SELECT id FROM current_decision)
         WHERE id = $1 AND closed_at IS NULL AND EXISTS (SELECT 1 FROM current_decision WHERE status = 'signed-off')
         RETURNING closure_decision_id`,
        [enquiryId, now.toISOString(), closedBy.id, note, closedBy.issuer],
      );
      if (rows.length === 1) return { status: 'closed', decisionId: String(rows[0]!.closure_decision_id) };
      const { rows: state } = await store.query<Row>('SELECT closed_at FROM enquiry WHERE id = $1', [enquiryId]);
      return { status: state[0]?.closed_at !== null && state[0]?.closed_at !== undefined ? 'already-closed' : 'no-decision' };
    },
  };
}

export type EnquiryRepository = ReturnType<typeof createEnquiryRepository>;
