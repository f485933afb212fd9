import { randomUUID } from 'node:crypto';
import type { ActorRef, Rag } from '../../enquiries/index.js';
import type { Queryable, Store } from '../../store/index.js';
import type { ReferralRecord, ReferralSourceKind } from './intake.js';

/** Persistence of the referral, the queue, assignments, deadline changes and removed members. No decisions here. */

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const json = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

export interface QueueRow {
  enquiryId: string;
  referralReference: string;
  purpose: string;
  rag: Rag;
  receivedAt: string;
  deadline: string;
  accessEndsAt: string;
  assignee: (ActorRef & { name: string | null }) | null;
  concernCategories: string[];
  memberCount: number;
  /** Whether the caller is a member. */
  member: boolean;
  /**
   * The enquiry's last computed risk indicators (ids and counts; gateway/workspace/indicators),
   * null when never computed. The service shows them only to callers who may see the enquiry's detail.
   */
  riskIndicators: QueueIndicators | null;
}

/** Which risk indicators fired when they were last computed for the enquiry, and their counts. */
export interface QueueIndicators {
  indicators: { id: string; count: number }[];
  /** How many indicators fired: the queue's order within a RAG. */
  fired: number;
  definitionsVersion: string;
  computedAt: string;
  auditEventId: string;
}

export interface QueueQuery {
  team: string;
  caller: ActorRef;
  now: Date;
  rag?: Rag | undefined;
  purpose?: string | undefined;
  /** `mine`: assigned to the caller; `unassigned`: no assignee. */
  assignment?: 'mine' | 'unassigned' | undefined;
  overdue?: boolean | undefined;
  limit: number;
  offset: number;
}

export interface Assignment {
  assignee: ActorRef & { name: string | null };
  previous: ActorRef | null;
  note: string | null;
  assignedAt: string;
  assignedBy: ActorRef;
}

export interface DeadlineChange {
  from: string;
  to: string;
  accessEndsAt: string;
  reason: string;
  changedAt: string;
  changedBy: ActorRef;
}

export interface RemovedMember {
  actor: ActorRef & { name: string | null; agency: string | null };
  addedAt: string;
  removedAt: string;
  removedBy: ActorRef;
  reason: string;
}

/**
 * A history row's id: its place among the enquiry's rows of that table, then a UUID. Taken under
 * the enquiry's row lock, so ids sort in the order the rows were written even when two share a
 * timestamp (one clock reading for a request, or clocks of two replicas).
 */
async function historyId(tx: Queryable, table: 'enquiry_assignment' | 'enquiry_deadline_change' | 'enquiry_member_removed', enquiryId: string): Promise<string> {
  const { rows } = await tx.query<Row>(`SELECT count(*)::int AS n FROM ${table} WHERE enquiry_id = $1`, [enquiryId]);
  return `${String(Number(rows[0]?.n ?? 0) + 1).padStart(8, '0')}-${randomUUID()}`;
}

function indicatorsOf(r: Row): QueueIndicators | null {
  if (r.indicator_counts === null || r.indicator_counts === undefined) return null;
  const indicators = json<{ id: string; count: number }[]>(r.indicator_counts).map((i) => ({ id: String(i.id), count: Number(i.count) }));
  return { indicators, fired: indicators.length, definitionsVersion: String(r.indicator_version), computedAt: iso(r.indicators_computed_at), auditEventId: String(r.indicator_event) };
}

/** Locks the enquiry row for the rest of the transaction: concurrent changes to one enquiry queue up. */
async function lock(tx: Queryable, enquiryId: string): Promise<Row | undefined> {
  const { rows } = await tx.query<Row>('SELECT id, assignee_issuer, assignee_id, deadline, closed_at FROM enquiry WHERE id = $1 FOR UPDATE', [enquiryId]);
  return rows[0];
}

/** Called inside the assignment's transaction (notifications: the assignee is told). */
export interface QueueHooks {
  assigned?(tx: Queryable, enquiryId: string, assignee: ActorRef, now: Date): Promise<void>;
}

export function createQueueRepository(store: Store, hooks: QueueHooks = {}) {
  return {
    /** The referral's source and text; null when the enquiry was opened without them. */
    async referral(enquiryId: string): Promise<ReferralRecord | null> {
      const { rows } = await store.query<Row>('SELECT * FROM enquiry_referral WHERE enquiry_id = $1', [enquiryId]);
      const row = rows[0];
      if (!row) return null;
      const kind = textOrNull(row.source_kind) as ReferralSourceKind | null;
      return {
        source: kind === null ? null : { kind, organisation: textOrNull(row.source_organisation), referrerName: textOrNull(row.referrer_name), referrerRole: textOrNull(row.referrer_role) },
        text: textOrNull(row.referral_text),
      };
    },

    /**
     * One page of the team's open enquiries (not closed, access not ended), in queue order: RAG
     * (RED first), then the number of risk indicators that fired when last computed (most first;
     * never computed counts as none), deadline (overdue first, then least time left), unassigned
     * first, then the oldest referral; the id makes the order total, so pages do not overlap.
     */
    async page(q: QueueQuery): Promise<{ rows: QueueRow[]; total: number }> {
      const where = ['e.owner_agency = $1', 'e.closed_at IS NULL', 'e.access_ends_at > $2'];
      const params: unknown[] = [q.team, q.now.toISOString()];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (q.rag) where.push(`e.rag = ${param(q.rag)}`);
      if (q.purpose) where.push(`e.purpose = ${param(q.purpose)}`);
      if (q.assignment === 'mine') where.push(`e.assignee_issuer = ${param(q.caller.issuer)} AND e.assignee_id = ${param(q.caller.id)}`);
      if (q.assignment === 'unassigned') where.push('e.assignee_id IS NULL');
      if (q.overdue === true) where.push('e.deadline <= $2');
      if (q.overdue === false) where.push('e.deadline > $2');
      const filter = where.join(' AND ');
      const filterParams = [...params];
      const [{ rows }, count] = await Promise.all([
        store.query<Row>(
          `SELECT e.id, e.referral_reference, e.purpose, e.rag, e.received_at, e.deadline, e.access_ends_at, e.assignee_issuer, e.assignee_id, e.assignee_name, e.concern_categories,
             (SELECT count(*)::int FROM enquiry_member m WHERE m.enquiry_id = e.id) AS member_count,
             EXISTS (SELECT 1 FROM enquiry_member m WHERE m.enquiry_id = e.id AND m.actor_issuer = ${param(q.caller.issuer)} AND m.actor_id = ${param(q.caller.id)}) AS is_member,
             s.indicators AS indicator_counts, s.definitions_version AS indicator_version, s.computed_at AS indicators_computed_at, s.audit_event_id AS indicator_event
           FROM enquiry e LEFT JOIN enquiry_indicator_snapshot s ON s.enquiry_id = e.id WHERE ${filter}
           ORDER BY CASE e.rag WHEN 'RED' THEN 0 WHEN 'AMBER' THEN 1 ELSE 2 END, coalesce(jsonb_array_length(s.indicators), 0) DESC, e.deadline, (e.assignee_id IS NOT NULL), e.received_at, e.id
           LIMIT ${param(q.limit)} OFFSET ${param(q.offset)}`,
          params,
        ),
        store.query<Row>(`SELECT count(*)::int AS n FROM enquiry e WHERE ${filter}`, filterParams),
      ]);
      return {
        total: Number(count.rows[0]?.n ?? 0),
        rows: rows.map((r) => ({
          enquiryId: String(r.id),
          referralReference: String(r.referral_reference),
          purpose: String(r.purpose),
          rag: String(r.rag) as Rag,
          receivedAt: iso(r.received_at),
          deadline: iso(r.deadline),
          accessEndsAt: iso(r.access_ends_at),
          assignee: r.assignee_id === null || r.assignee_id === undefined ? null : { issuer: String(r.assignee_issuer), id: String(r.assignee_id), name: textOrNull(r.assignee_name) },
          concernCategories: json<string[]>(r.concern_categories ?? '[]'),
          memberCount: Number(r.member_count),
          member: r.is_member === true,
          riskIndicators: indicatorsOf(r),
        })),
      };
    },

    /**
     * Makes `assignee` the enquiry's assignee if the current one is still `expected` (null:
     * unassigned), records the assignment with its note, and makes the assignee a member if they
     * are not one. False when someone else changed the assignee first. The one place an
     * assignment is written (notifications hook in after it).
     */
    async assign(
      enquiryId: string,
      change: { expected: ActorRef | null; assignee: ActorRef & { name: string; agency: string }; note: string | null; by: ActorRef; memberReason: string },
      now: Date,
    ): Promise<boolean> {
      return store.transaction(async (tx) => {
        const row = await lock(tx, enquiryId);
        if (!row || row.closed_at !== null) return false;
        const current = row.assignee_id === null ? null : { issuer: String(row.assignee_issuer), id: String(row.assignee_id) };
        const same = (a: ActorRef | null, b: ActorRef | null) => (a === null || b === null ? a === b : a.issuer === b.issuer && a.id === b.id);
        if (!same(current, change.expected)) return false;
        const at = now.toISOString();
        await tx.query('UPDATE enquiry SET assignee_issuer = $2, assignee_id = $3, assignee_name = $4 WHERE id = $1', [enquiryId, change.assignee.issuer, change.assignee.id, change.assignee.name]);
        await tx.query(
          `INSERT INTO enquiry_assignment (id, enquiry_id, assignee_issuer, assignee_id, assignee_name, previous_issuer, previous_id, note, assigned_at, assigned_by, assigned_by_issuer)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [await historyId(tx, 'enquiry_assignment', enquiryId), enquiryId, change.assignee.issuer, change.assignee.id, change.assignee.name, current?.issuer ?? null, current?.id ?? null, change.note, at, change.by.id, change.by.issuer],
        );
        await tx.query(
          `INSERT INTO enquiry_member (enquiry_id, actor_issuer, actor_id, actor_name, actor_agency, added_at, added_by_issuer, added_by, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (enquiry_id, actor_issuer, actor_id) DO NOTHING`,
          [enquiryId, change.assignee.issuer, change.assignee.id, change.assignee.name, change.assignee.agency, at, change.by.issuer, change.by.id, change.memberReason],
        );
        if (hooks.assigned) await hooks.assigned(tx, enquiryId, { issuer: change.assignee.issuer, id: change.assignee.id }, now);
        return true;
      });
    },

    /** Moves the deadline (and the end of access) if it is still `from`; false when it changed first. */
    async changeDeadline(enquiryId: string, change: { from: Date; to: Date; accessEndsAt: Date; reason: string; by: ActorRef }, now: Date): Promise<boolean> {
      return store.transaction(async (tx) => {
        const row = await lock(tx, enquiryId);
        if (!row || row.closed_at !== null || iso(row.deadline) !== change.from.toISOString()) return false;
        await tx.query('UPDATE enquiry SET deadline = $2, access_ends_at = $3 WHERE id = $1', [enquiryId, change.to.toISOString(), change.accessEndsAt.toISOString()]);
        await tx.query(
          `INSERT INTO enquiry_deadline_change (id, enquiry_id, from_deadline, to_deadline, access_ends_at, reason, changed_at, changed_by, changed_by_issuer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [await historyId(tx, 'enquiry_deadline_change', enquiryId), enquiryId, change.from.toISOString(), change.to.toISOString(), change.accessEndsAt.toISOString(), change.reason, now.toISOString(), change.by.id, change.by.issuer],
        );
        return true;
      });
    },

    /**
     * Removes a member, keeping them as history. Refused inside the transaction (so two removals
     * at once cannot empty an enquiry): `last` when they are its only member, `assignee` when they
     * are its assignee, `not-member` when they are not (or no longer) a member.
     */
    async removeMember(enquiryId: string, member: ActorRef, removal: { by: ActorRef; reason: string }, now: Date): Promise<'removed' | 'last' | 'assignee' | 'not-member' | 'closed'> {
      return store.transaction(async (tx) => {
        const row = await lock(tx, enquiryId);
        if (!row || row.closed_at !== null) return 'closed';
        if (row.assignee_id !== null && String(row.assignee_issuer) === member.issuer && String(row.assignee_id) === member.id) return 'assignee';
        const { rows } = await tx.query<Row>('SELECT * FROM enquiry_member WHERE enquiry_id = $1', [enquiryId]);
        const found = rows.find((m) => String(m.actor_issuer) === member.issuer && String(m.actor_id) === member.id);
        if (!found) return 'not-member';
        if (rows.length <= 1) return 'last';
        await tx.query('DELETE FROM enquiry_member WHERE enquiry_id = $1 AND actor_issuer = $2 AND actor_id = $3', [enquiryId, member.issuer, member.id]);
        await tx.query(
          `INSERT INTO enquiry_member_removed (id, enquiry_id, actor_issuer, actor_id, actor_name, actor_agency, added_at, added_by, added_by_issuer, removed_at, removed_by, removed_by_issuer, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [await historyId(tx, 'enquiry_member_removed', enquiryId), enquiryId, member.issuer, member.id, found.actor_name ?? null, found.actor_agency ?? null, iso(found.added_at), String(found.added_by), String(found.added_by_issuer), now.toISOString(), removal.by.id, removal.by.issuer, removal.reason],
        );
        return 'removed';
      });
    },

    async assignments(enquiryId: string): Promise<Assignment[]> {
      const { rows } = await store.query<Row>('SELECT * FROM enquiry_assignment WHERE enquiry_id = $1 ORDER BY id', [enquiryId]);
      return rows.map((r) => ({
        assignee: { issuer: String(r.assignee_issuer), id: String(r.assignee_id), name: textOrNull(r.assignee_name) },
        previous: r.previous_id === null ? null : { issuer: String(r.previous_issuer), id: String(r.previous_id) },
        note: textOrNull(r.note),
        assignedAt: iso(r.assigned_at),
        assignedBy: { issuer: String(r.assigned_by_issuer), id: String(r.assigned_by) },
      }));
    },

    async deadlineChanges(enquiryId: string): Promise<DeadlineChange[]> {
      const { rows } = await store.query<Row>('SELECT * FROM enquiry_deadline_change WHERE enquiry_id = $1 ORDER BY id', [enquiryId]);
      return rows.map((r) => ({
        from: iso(r.from_deadline),
        to: iso(r.to_deadline),
        accessEndsAt: iso(r.access_ends_at),
        reason: String(r.reason),
        changedAt: iso(r.changed_at),
        changedBy: { issuer: String(r.changed_by_issuer), id: String(r.changed_by) },
      }));
    },

    async removedMembers(enquiryId: string): Promise<RemovedMember[]> {
      const { rows } = await store.query<Row>('SELECT * FROM enquiry_member_removed WHERE enquiry_id = $1 ORDER BY id', [enquiryId]);
      return rows.map((r) => ({
        actor: { issuer: String(r.actor_issuer), id: String(r.actor_id), name: textOrNull(r.actor_name), agency: textOrNull(r.actor_agency) },
        addedAt: iso(r.added_at),
        removedAt: iso(r.removed_at),
        removedBy: { issuer: String(r.removed_by_issuer), id: String(r.removed_by) },
        reason: String(r.reason),
      }));
    },
  };
}

export type QueueRepository = ReturnType<typeof createQueueRepository>;
