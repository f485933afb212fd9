import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../store/index.js';
import type { Inbox } from '../../workspace/notifications/index.js';
import { notificationText } from '../../workspace/notifications/index.js';
import type { AfterSave } from '../repository.js';

/**
 * Rows of Operation Encompass (migration 018): one notification per domestic-abuse incident and
 * child, and the MASH's exceptions. Shared by the planning hook, the worker and the API.
 */

export const ENCOMPASS_STATUSES = ['pending', 'planned', 'sent', 'acknowledged', 'exception'] as const;
export type EncompassStatus = (typeof ENCOMPASS_STATUSES)[number];

export const EXCEPTION_REASONS = ['NO_SCHOOL_FOUND', 'SCHOOL_NOT_CONFIRMED', 'NO_KEY_ADULT', 'AGENCY_UNAVAILABLE', 'NOT_SENT_IN_TIME', 'NOT_ACKNOWLEDGED'] as const;
export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];

/** The roles of the MASH told of an exception (a team inbox each, every agency). */
export const MASH_ROLES = ['mash-researcher', 'mash-manager'] as const;

/** The child roles a school is told about. */
export const CHILD_ROLES = ['child-present', 'child-in-household'] as const;

/**
 * What was sent, as the gate let it through: the child's identity (the incident agency's
 * `<agency>.identity` fields the policy names) and the incident's record (its fixed fields).
 */
export interface EncompassContent {
  person: { category: string; fields: Record<string, unknown> };
  record: { category: string; recordId: string; fields: Record<string, unknown> };
}

export interface EncompassRow {
  id: string;
  seq: number;
  incidentId: string;
  agency: string;
  personId: string;
  role: string;
  status: EncompassStatus;
  school: string | null;
  schoolName: string | null;
  keyAdultName: string | null;
  keyAdultEmail: string | null;
  keyAdultPhone: string | null;
  schoolDay: string | null;
  dueBy: string | null;
  escalateAt: string | null;
  content: EncompassContent | null;
  ruleId: string | null;
  channels: string[];
  auditEventId: string | null;
  sentAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: { issuer: string; id: string; name: string | null } | null;
  escalatedAt: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

type Row = Record<string, unknown>;
/** A timestamptz column's value as an ISO 8601 string (PostgreSQL and PGlite give a Date). */
export const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
/** A `date` column as YYYY-MM-DD (PGlite and node-postgres may give a Date at UTC midnight or a string). */
const dateOrNull = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    // PGlite gives UTC midnight; node-postgres local midnight.
    const utc = value.getUTCHours() === 0 && value.getUTCMinutes() === 0;
    const [y, m, d] = utc ? [value.getUTCFullYear(), value.getUTCMonth(), value.getUTCDate()] : [value.getFullYear(), value.getMonth(), value.getDate()];
    return `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }
  return String(value).slice(0, 10);
};

export function toEncompassRow(row: Row): EncompassRow {
  return {
    id: String(row.id),
    seq: Number(row.seq),
    incidentId: String(row.incident_id),
    agency: String(row.agency),
    personId: String(row.person_id),
    role: String(row.role),
    status: String(row.status) as EncompassStatus,
    school: textOrNull(row.school_laestab),
    schoolName: textOrNull(row.school_name),
    keyAdultName: textOrNull(row.key_adult_name),
    keyAdultEmail: textOrNull(row.key_adult_email),
    keyAdultPhone: textOrNull(row.key_adult_phone),
    schoolDay: dateOrNull(row.school_day),
    dueBy: isoOrNull(row.due_by),
    escalateAt: isoOrNull(row.escalate_at),
    content: (row.content ?? null) as EncompassContent | null,
    ruleId: textOrNull(row.rule_id),
    channels: Array.isArray(row.channels) ? row.channels.map(String) : [],
    auditEventId: textOrNull(row.audit_event_id),
    sentAt: isoOrNull(row.sent_at),
    acknowledgedAt: isoOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by_subject == null ? null : { issuer: String(row.acknowledged_by_issuer), id: String(row.acknowledged_by_subject), name: textOrNull(row.acknowledged_by_name) },
    escalatedAt: isoOrNull(row.escalated_at),
    attempts: Number(row.attempts),
    lastError: textOrNull(row.last_error),
    createdAt: iso(row.created_at),
  };
}

export interface ExceptionRow {
  id: string;
  notificationId: string;
  reason: ExceptionReason;
  detail: string;
  raisedAt: string;
  schoolDay: string | null;
  resolvedAt: string | null;
  resolvedBy: { issuer: string; id: string; name: string | null } | null;
  resolution: string | null;
}

export function toExceptionRow(row: Row): ExceptionRow {
  return {
    id: String(row.id),
    notificationId: String(row.notification_id),
    reason: String(row.reason) as ExceptionReason,
    detail: String(row.detail),
    raisedAt: iso(row.raised_at),
    schoolDay: dateOrNull(row.school_day),
    resolvedAt: isoOrNull(row.resolved_at),
    resolvedBy: row.resolved_by_subject == null ? null : { issuer: String(row.resolved_by_issuer), id: String(row.resolved_by_subject), name: textOrNull(row.resolved_by_name) },
    resolution: textOrNull(row.resolution),
  };
}

/**
 * Raises an exception for a notification, once while unresolved (the partial unique index), and
 * tells the MASH's researchers and managers once (the notification's idempotency key names the
 * exception). The text names the reason and the school, never the child. Returns the exception's
 * id, or null when an unresolved one for the same reason was already there.
 */
export async function raiseException(
  tx: Queryable,
  inbox: Inbox,
  notification: { id: string; schoolName: string | null },
  reason: ExceptionReason,
  detail: string,
  schoolDay: string | null,
  now: Date,
): Promise<string | null> {
  const { rows } = await tx.query<Row>(
    `INSERT INTO encompass_exception (id, notification_id, reason, detail, raised_at, school_day) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (notification_id, reason) WHERE resolved_at IS NULL DO NOTHING RETURNING id`,
    [randomUUID(), notification.id, reason, detail, now.toISOString(), schoolDay],
  );
  const id = rows[0] ? String(rows[0].id) : null;
  if (id === null) return null;
  for (const role of MASH_ROLES) {
    await inbox.raise(
      tx,
      {
        kind: 'encompass-exception',
        recipient: { team: { role, agency: null } },
        enquiryId: null,
        referralReference: null,
        body: notificationText.encompassException(reason, notification.schoolName),
        idempotencyKey: `encompass-exception|${id}|${role}`,
      },
      now,
    );
  }
  return id;
}

/**
 * The feed poller's `afterSave` hook (the page's transaction): one PENDING notification per child
 * present at, or in the household of, each domestic-abuse incident of the page. An incident the
 * agency changed adds rows for children new to it only (the unique key keeps the others).
 */
export function encompassAfterSave(options: { enabled: boolean }): AfterSave {
  return async (tx, saved, now) => {
    if (!options.enabled) return;
    for (const incident of [...saved.inserted, ...saved.updated]) {
      if (incident.kind !== 'domestic-abuse') continue;
      for (const p of incident.persons) {
        if (!(CHILD_ROLES as readonly string[]).includes(p.role)) continue;
        await tx.query(
          `INSERT INTO encompass_notification (id, incident_id, agency, person_id, role, status, created_at)
           VALUES ($1, $2, $3, $4, $5, 'pending', $6) ON CONFLICT (incident_id, person_id) DO NOTHING`,
          [randomUUID(), incident.id, incident.agency, p.personId, p.role, now.toISOString()],
        );
      }
    }
  };
}
