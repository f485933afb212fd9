import { badInput } from '../errors.js';
import type { Queryable } from '../store/index.js';
import type { AccessEvent, AuditDecisionKind, RecordedEvent } from './types.js';

/**
 * What information governance asks of the audit log: filtered access history with cursor
 * pagination, "who accessed this person" for a subject access request, anomaly flags, and the
 * access-notification feed an owning agency reads (as CP-IS tells a child's social worker who looked).
 * Read-only; callers audit these reads themselves.
 */

export interface AccessLogFilter {
  actorId?: string;
  enquiryId?: string;
  /** An enquiry subject id. */
  subjectId?: string;
  /** An agency's own person id (with `agency`): every access to that person's record. */
  personId?: string;
  agency?: string;
  decision?: AuditDecisionKind;
  outcome?: string;
  from?: string;
  to?: string;
}

export interface AccessLogPage {
  events: RecordedEvent[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export const DECISION_KINDS: readonly AuditDecisionKind[] = ['disclose', 'summarise', 'withhold', 'deny', 'review', 'unavailable', 'no-record'];
export const MAX_PAGE = 500;

const encodeCursor = (seq: number) => Buffer.from(`seq:${seq}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after is not a cursor this gateway issued; pass the endCursor of the previous page.', { field: 'after' });
  return Number(match[1]);
}

function instant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(value) || Number.isNaN(Date.parse(value))) {
    throw badInput(`${name} must be an ISO 8601 date or date-time (got "${value}").`, { field: name });
  }
  return new Date(value).toISOString();
}

function range(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  const f = instant('from', from);
  const t = instant('to', to);
  if (f && t && f >= t) throw badInput(`The time range is the wrong way round: from (${f}) must be before to (${t}).`, { field: 'from' });
  return { ...(f ? { from: f } : {}), ...(t ? { to: t } : {}) };
}

type Row = { seq: number | string; hash: string; body: AccessEvent };
const toEvent = (row: Row): RecordedEvent => ({ ...row.body, seq: Number(row.seq), hash: row.hash });

export async function queryAccessLog(store: Queryable, filter: AccessLogFilter, page: { first?: number; after?: string | null } = {}): Promise<AccessLogPage> {
  const first = page.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput(`first must be a whole number from 1 to ${MAX_PAGE}.`, { field: 'first' });
  if (filter.decision !== undefined && !DECISION_KINDS.includes(filter.decision)) {
    throw badInput(`decision must be one of ${DECISION_KINDS.join(', ')}.`, { field: 'decision' });
  }
  if (filter.personId !== undefined && filter.agency === undefined) throw badInput('personId is an agency’s own id: give the agency too.', { field: 'agency' });
  const { from, to } = range(filter.from, filter.to);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (page.after) add((p) => `seq > ${p}`, decodeCursor(page.after));
  if (filter.actorId) add((p) => `actor_id = ${p}`, filter.actorId);
  if (filter.enquiryId) add((p) => `enquiry_id = ${p}`, filter.enquiryId);
  if (filter.outcome) add((p) => `outcome = ${p}`, filter.outcome);
  if (from) add((p) => `at >= ${p}`, from);
  if (to) add((p) => `at < ${p}`, to);
  if (filter.subjectId) add((p) => `body->'subjects' @> ${p}::jsonb`, JSON.stringify([{ subjectId: filter.subjectId }]));
  if (filter.personId) add((p) => `body->'subjects' @> ${p}::jsonb`, JSON.stringify([{ links: [{ agency: filter.agency, personId: filter.personId }] }]));
  if (filter.agency || filter.decision) {
    add((p) => `body->'decisions' @> ${p}::jsonb`, JSON.stringify([{ ...(filter.agency ? { agency: filter.agency } : {}), ...(filter.decision ? { decision: filter.decision } : {}) }]));
  }
  params.push(first + 1);
  const { rows } = await store.query<Row>(
    `SELECT seq, hash, body FROM audit_event ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  const events = rows.slice(0, first).map(toEvent);
  return { events, endCursor: events.length ? encodeCursor(events.at(-1)!.seq) : null, hasNextPage: rows.length > first };
}

export interface AccessReportEntry {
  at: string;
  eventId: string;
  actorId: string;
  actorName: string | null;
  actorAgency: string | null;
  roles: string[];
  operation: string;
  purpose: string | null;
  legalBasis: string | null;
  enquiryId: string | null;
  /** Categories disclosed or summarised (not their content). */
  categories: string[];
  breakGlass: boolean;
}

function reportEntry(event: RecordedEvent): AccessReportEntry {
  return {
    at: event.at,
    eventId: event.id,
    actorId: event.actor?.id ?? 'unauthenticated',
    actorName: event.actor?.name ?? null,
    actorAgency: event.actor?.agency ?? null,
    roles: event.actor?.roles ?? [],
    operation: event.operation,
    purpose: event.enquiry?.purpose ?? null,
    legalBasis: event.enquiry?.legalBasis ?? null,
    enquiryId: event.enquiry?.id ?? null,
    categories: [...new Set(event.decisions.filter((d) => d.decision === 'disclose' || d.decision === 'summarise').map((d) => d.category))],
    breakGlass: event.breakGlass === true,
  };
}

/** Subject access request: who saw this person's record, when, why and which categories. */
export async function whoAccessed(store: Queryable, agency: string, personId: string): Promise<AccessReportEntry[]> {
  const entries: AccessReportEntry[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AccessLogPage = await queryAccessLog(store, { agency, personId }, { first: MAX_PAGE, after });
    entries.push(...page.events.filter((e) => e.outcome === 'success' || e.outcome === 'partial').map(reportEntry));
    if (!page.hasNextPage) return entries;
    after = page.endCursor;
  }
}

export interface AccessNotification extends AccessReportEntry {
  /** The agency's own person ids the access touched. */
  personIds: string[];
}

/** For a record-owning agency: every access that disclosed its information since a time. */
export async function accessNotifications(store: Queryable, agency: string, since: string): Promise<AccessNotification[]> {
  const from = range(since, undefined).from!;
  const notes: AccessNotification[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AccessLogPage = await queryAccessLog(store, { agency, from }, { first: MAX_PAGE, after });
    for (const event of page.events) {
      const disclosed = event.decisions.some((d) => d.agency === agency && (d.decision === 'disclose' || d.decision === 'summarise'));
      if (!disclosed) continue;
      const personIds = event.subjects.flatMap((s) => s.links.filter((l) => l.agency === agency).map((l) => l.personId));
      notes.push({ ...reportEntry(event), personIds });
    }
    if (!page.hasNextPage) return notes;
    after = page.endCursor;
  }
}

export type AnomalyKind = 'break-glass' | 'out-of-hours' | 'many-subjects' | 'after-closure' | 'refusal-burst' | 'shared-surname' | 'manager-join';

export interface Anomaly {
  kind: AnomalyKind;
  actorId: string | null;
  eventIds: string[];
  at: string;
  detail: string;
}

export interface AnomalyOptions {
  from: string;
  to: string;
  /** More distinct subjects than this within an hour by one actor is flagged. */
  subjectsPerHour?: number;
  /** This many refusals or more within ten minutes by one actor is flagged. */
  refusalBurst?: number;
  /** Working hours in the UK (Europe/London), Monday to Friday. */
  workingHours?: { start: number; end: number };
}

const londonClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: 'numeric', hourCycle: 'h23' });

function outOfHours(at: string, hours: { start: number; end: number }): boolean {
  const parts = londonClock.formatToParts(new Date(at));
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '0');
  return weekday === 'Sat' || weekday === 'Sun' || hour < hours.start || hour >= hours.end;
}

/** Flags for IG review over a time window (at most 10,000 events; narrow the window beyond that). */
export async function findAnomalies(store: Queryable, options: AnomalyOptions): Promise<Anomaly[]> {
  const { from, to } = range(options.from, options.to);
  if (!from || !to) throw badInput('Give both from and to for anomaly detection.', { field: 'from' });
  const perHour = options.subjectsPerHour ?? 20;
  const burst = options.refusalBurst ?? 5;
  const hours = options.workingHours ?? { start: 8, end: 18 };
  const { rows } = await store.query<Row>('SELECT seq, hash, body FROM audit_event WHERE at >= $1 AND at < $2 ORDER BY seq LIMIT 10000', [from, to]);
  const events = rows.map(toEvent);
  const anomalies: Anomaly[] = [];
  const reads = events.filter((e) => e.operation === 'profile' || e.operation === 'searchPeople');

  for (const e of events) {
    if (e.breakGlass && e.operation === 'openEnquiry') {
      anomalies.push({ kind: 'break-glass', actorId: e.actor?.id ?? null, eventIds: [e.id], at: e.at, detail: `Break-glass enquiry ${e.enquiry?.id ?? ''} opened: review the justification.` });
    }
    if (e.sharedSurname === true) {
      anomalies.push({
        kind: 'shared-surname',
        actorId: e.actor?.id ?? null,
        eventIds: [e.id],
        at: e.at,
        detail: `${e.operation}: the actor shares a family name with the person searched for or shown; check the access was for work, not about a relative or someone they know.`,
      });
    }
    if (e.managerJoin === true && e.outcome === 'success') {
      anomalies.push({
        kind: 'manager-join',
        actorId: e.actor?.id ?? null,
        eventIds: [e.id],
        at: e.at,
        detail: `A manager who did not open enquiry ${e.enquiry?.id ?? ''} joined it (or added a member) on a manager's authority: check the reason recorded with the event.`,
      });
    }
    if (e.outcomeCode === 'FORBIDDEN_ENQUIRY_CLOSED') {
      anomalies.push({ kind: 'after-closure', actorId: e.actor?.id ?? null, eventIds: [e.id], at: e.at, detail: `Attempt to read under enquiry ${e.enquiry?.id ?? ''} after it closed.` });
    }
  }
  for (const e of reads) {
    if (e.outcome !== 'refused' && outOfHours(e.at, hours)) {
      anomalies.push({ kind: 'out-of-hours', actorId: e.actor?.id ?? null, eventIds: [e.id], at: e.at, detail: `${e.operation} outside working hours (${hours.start}:00-${hours.end}:00, Monday to Friday).` });
    }
  }
  const byActor = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    const key = e.actor?.id ?? '(unauthenticated)';
    byActor.set(key, [...(byActor.get(key) ?? []), e]);
  }
  for (const [actorId, list] of byActor) {
    // Sliding windows: an hour of distinct subjects, ten minutes of refusals.
    const profiles = list.filter((e) => e.operation === 'profile' && e.outcome !== 'refused');
    for (let i = 0, j = 0; j < profiles.length; j++) {
      while (Date.parse(profiles[j]!.at) - Date.parse(profiles[i]!.at) > 3_600_000) i++;
      const window = profiles.slice(i, j + 1);
      const subjects = new Set(window.flatMap((e) => e.subjects.map((s) => s.subjectId)));
      if (subjects.size > perHour) {
        anomalies.push({ kind: 'many-subjects', actorId, eventIds: window.map((e) => e.id), at: profiles[j]!.at, detail: `${subjects.size} subjects within an hour (threshold ${perHour}).` });
        i = j + 1;
      }
    }
    const refusals = list.filter((e) => e.outcome === 'refused');
    for (let i = 0, j = 0; j < refusals.length; j++) {
      while (Date.parse(refusals[j]!.at) - Date.parse(refusals[i]!.at) > 600_000) i++;
      if (j - i + 1 >= burst) {
        const window = refusals.slice(i, j + 1);
        anomalies.push({ kind: 'refusal-burst', actorId: actorId === '(unauthenticated)' ? null : actorId, eventIds: window.map((e) => e.id), at: refusals[j]!.at, detail: `${window.length} refusals within ten minutes.` });
        i = j + 1;
      }
    }
  }
  return anomalies.sort((a, b) => a.at.localeCompare(b.at));
}
