import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../../enquiries/index.js';
import { badInput } from '../../errors.js';
import type { Queryable, Store } from '../../store/index.js';
import { notificationText, type NotificationKind } from './texts.js';

/**
 * The notification inbox. A notification is addressed to one actor (issuer and subject: never a
 * bare subject) or to a team, a role within an agency (agency null: every holder of the role, as
 * for IG officers). Who may read it is decided at read time from the reader's own token (issuer,
 * subject, agency, roles), so a reviewer who joins the team later sees its waiting requests, and
 * one who leaves it no longer does. Read state is each reader's own.
 */
export type Recipient = { actor: ActorRef } | { team: { role: string; agency: string | null } };

export interface NewNotification {
  kind: NotificationKind;
  recipient: Recipient;
  enquiryId: string | null;
  referralReference: string | null;
  reviewRequestId?: string | null;
  body: string;
  /** Raised once: a second notification with the same key is not written (several processes may raise it). */
  idempotencyKey?: string;
  /** A team message for one school's DSLs only (its LAESTAB): a reader whose token names another school does not see it. */
  school?: string;
  /** Where the email channel sends this one (instead of the configured mailboxes). */
  email?: string;
  /** Deliver by these of the configured channels only (default: every configured channel). */
  channels?: readonly string[];
}

export interface Notification {
  id: string;
  seq: number;
  kind: NotificationKind;
  enquiryId: string | null;
  referralReference: string | null;
  reviewRequestId: string | null;
  text: string;
  createdAt: string;
  /** Addressed to the reader themselves, or to a team the reader is in. */
  to: { actor: true } | { team: { role: string; agency: string | null } };
  readAt: string | null;
}

/** The reader as their token says: who they are, their agency and roles. */
export interface Reader extends ActorRef {
  agency: string;
  roles: readonly string[];
  /** A school DSL's school (LAESTAB) from their token: a message for one school reaches that school's readers only. */
  school?: string;
}

export interface NotificationPage {
  items: Notification[];
  /** Pass as `after` for the next (older) page; null when there is none. */
  endCursor: string | null;
  hasNextPage: boolean;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_PAGE = 100;
export const MAX_MARK = 100;

/**
 * A page of notifications, newest first, cursored by their seq: `first` (1 to MAX_PAGE, default
 * 20) and `after` (an earlier page's endCursor), checked; `before` is the seq the page starts below.
 */
export function seqPage(options: { first?: number; after?: string | null }): { first: number; before: number | null } {
  const first = options.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE} (got ${first}).`, { field: 'first' });
  if (options.after === undefined || options.after === null) return { first, before: null };
  if (!/^[1-9][0-9]{0,15}$/.test(options.after)) throw badInput('after must be an endCursor from an earlier page of notifications.', { field: 'after' });
  return { first, before: Number(options.after) };
}

/**
 * The condition a notification meets to be the reader's ($1 issuer, $2 subject, $3 agency, $4 roles,
 * `$school` the reader's school or null): a team message for one school only to that school's readers.
 */
const visible = (school: string) => `((n.recipient_issuer = $1 AND n.recipient_subject = $2)
   OR (n.recipient_role = ANY($4::text[]) AND (n.recipient_agency IS NULL OR n.recipient_agency = $3)
       AND (n.recipient_school IS NULL OR n.recipient_school = ${school}::text)))`;

function toNotification(row: Row): Notification {
  return {
    id: String(row.id),
    seq: Number(row.seq),
    kind: String(row.kind) as NotificationKind,
    enquiryId: row.enquiry_id == null ? null : String(row.enquiry_id),
    referralReference: row.referral_reference == null ? null : String(row.referral_reference),
    reviewRequestId: row.review_request_id == null ? null : String(row.review_request_id),
    text: String(row.body),
    createdAt: iso(row.created_at),
    to: row.recipient_role == null ? { actor: true } : { team: { role: String(row.recipient_role), agency: row.recipient_agency == null ? null : String(row.recipient_agency) } },
    readAt: row.read_at == null ? null : iso(row.read_at),
  };
}

export interface Inbox {
  /**
   * Writes a notification and one outbox row per configured channel, with `q` (pass the
   * transaction of the state change that causes it). Returns its id, or null when a notification
   * with the same idempotency key already exists (nothing is written then).
   */
  raise(q: Queryable, notification: NewNotification, now: Date): Promise<string | null>;
  list(reader: Reader, options: { unreadOnly?: boolean; first?: number; after?: string | null }): Promise<NotificationPage>;
  /** Marks the reader's own notifications read; ids that are not the reader's are left alone. Returns the ids now read. */
  markRead(reader: Reader, ids: readonly string[], now: Date): Promise<string[]>;
  /**
   * Deadline near: one notification per open enquiry whose deadline falls within `leadMs` of now,
   * per recipient and deadline (the idempotency key names all three), so several gateway processes
   * scanning at once, or a scan every minute, raise it once; an extended deadline raises it again.
   */
  scanDeadlines(now: Date, leadMs: number): Promise<number>;
}

export function createInbox(store: Store, channels: () => readonly string[]): Inbox {
  async function raise(q: Queryable, n: NewNotification, now: Date): Promise<string | null> {
    const id = randomUUID();
    const to = 'actor' in n.recipient ? { issuer: n.recipient.actor.issuer, subject: n.recipient.actor.id, role: null, agency: null } : { issuer: null, subject: null, role: n.recipient.team.role, agency: n.recipient.team.agency };
    const { rows } = await q.query<Row>(
      `INSERT INTO notification (id, kind, recipient_issuer, recipient_subject, recipient_agency, recipient_role, enquiry_id, referral_reference, review_request_id, body, created_at, idempotency_key, recipient_school, recipient_email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [id, n.kind, to.issuer, to.subject, to.agency, to.role, n.enquiryId, n.referralReference, n.reviewRequestId ?? null, n.body, now.toISOString(), n.idempotencyKey ?? null, n.school ?? null, n.email ?? null],
    );
    if (rows.length === 0) return null;
    const configured = channels().filter((channel) => n.channels === undefined || n.channels.includes(channel));
    if (configured.length > 0) {
      await q.query(
        `INSERT INTO notification_outbox (id, notification_id, channel, status, attempts, next_attempt_at, created_at)
         SELECT c.id::uuid, $1, c.channel, 'pending', 0, $4, $4 FROM unnest($2::text[], $3::text[]) AS c(id, channel)`,
        [id, configured.map(() => randomUUID()), [...configured], now.toISOString()],
      );
    }
    return id;
  }

  return {
    raise,

    async list(reader, options) {
      const { first, before } = seqPage(options);
      const { rows } = await store.query<Row>(
        `SELECT n.*, r.read_at FROM notification n
         LEFT JOIN notification_read r ON r.notification_id = n.id AND r.reader_issuer = $1 AND r.reader_subject = $2
         WHERE ${visible('$8')} AND ($5::bigint IS NULL OR n.seq < $5) AND (NOT $6 OR r.read_at IS NULL)
         ORDER BY n.seq DESC LIMIT $7`,
        [reader.issuer, reader.id, reader.agency, [...reader.roles], before, options.unreadOnly === true, first + 1, reader.school ?? null],
      );
      const items = rows.slice(0, first).map(toNotification);
      const hasNextPage = rows.length > first;
      return { items, hasNextPage, endCursor: hasNextPage ? String(items.at(-1)!.seq) : null };
    },

    async markRead(reader, ids, now) {
      if (ids.length === 0) return [];
      if (ids.length > MAX_MARK) throw badInput(`Mark at most ${MAX_MARK} notifications read at once (got ${ids.length}).`, { field: 'ids' });
      const bad = ids.findIndex((id) => !UUID.test(id));
      if (bad >= 0) throw badInput(`ids[${bad}] is not a notification id.`, { field: 'ids' });
      await store.query(
        `INSERT INTO notification_read (notification_id, reader_issuer, reader_subject, read_at)
         SELECT n.id, $1, $2, $6 FROM notification n WHERE n.id = ANY($5::uuid[]) AND ${visible('$7')}
         ON CONFLICT DO NOTHING`,
        [reader.issuer, reader.id, reader.agency, [...reader.roles], [...new Set(ids.map((i) => i.toLowerCase()))], now.toISOString(), reader.school ?? null],
      );
      // Already read before counts as read: answer every id that is the reader's.
      const { rows: mine } = await store.query<Row>(
        `SELECT n.id FROM notification n JOIN notification_read r ON r.notification_id = n.id AND r.reader_issuer = $1 AND r.reader_subject = $2
         WHERE n.id = ANY($5::uuid[]) AND ${visible('$6')}`,
        [reader.issuer, reader.id, reader.agency, [...reader.roles], [...new Set(ids.map((i) => i.toLowerCase()))], reader.school ?? null],
      );
      return mine.map((r) => String(r.id));
    },

    async scanDeadlines(now, leadMs) {
      const { rows } = await store.query<Row>(
        `SELECT e.id, e.referral_reference, e.deadline FROM enquiry e
         WHERE e.closed_at IS NULL AND e.deadline > $1 AND e.deadline <= $2`,
        [now.toISOString(), new Date(now.getTime() + leadMs).toISOString()],
      );
      let raised = 0;
      for (const enquiry of rows) {
        const enquiryId = String(enquiry.id);
        const deadline = iso(enquiry.deadline);
        const recipients = await deadlineRecipients(store, enquiryId);
        for (const actor of recipients) {
          const written = await store.transaction((tx) =>
            raise(
              tx,
              {
                kind: 'deadline-near',
                recipient: { actor },
                enquiryId,
                referralReference: String(enquiry.referral_reference),
                body: notificationText.deadlineNear(String(enquiry.referral_reference), deadline),
                idempotencyKey: `deadline-near|${enquiryId}|${deadline}|${actor.issuer}|${actor.id}`,
              },
              now,
            ),
          );
          if (written !== null) raised += 1;
        }
      }
      return raised;
    },
  };
}

/** Who is told an enquiry's deadline is near: its assignee, or its members while it has none (an actor is issuer and subject). */
async function deadlineRecipients(db: Queryable, enquiryId: string): Promise<ActorRef[]> {
  const { rows: assigned } = await db.query<Row>('SELECT assignee_issuer, assignee_id FROM enquiry WHERE id = $1 AND assignee_id IS NOT NULL', [enquiryId]);
  if (assigned[0]) return [{ issuer: String(assigned[0].assignee_issuer), id: String(assigned[0].assignee_id) }];
  const { rows } = await db.query<Row>("SELECT actor_issuer, actor_id FROM enquiry_member WHERE enquiry_id = $1 AND actor_issuer <> '' ORDER BY actor_issuer, actor_id", [enquiryId]);
  return rows.map((r) => ({ issuer: String(r.actor_issuer), id: String(r.actor_id) }));
}
