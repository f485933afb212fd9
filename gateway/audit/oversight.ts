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
  /** An agency’s own person id (with `agency`): every read of that person as a linked subject and every search that showed them. */
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
  if (filter.personId) {
    // Read as a linked subject, or shown by a search (the search's identity decision names the ids shown).
    params.push(JSON.stringify([{ links: [{ agency: filter.agency, personId: filter.personId }] }]), JSON.stringify([{ agency: filter.agency, personIds: [filter.personId] }]));
    where.push(`(body->'subjects' @> $${params.length - 1}::jsonb OR body->'decisions' @> $${params.length}::jsonb)`);
  }
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
  /** The registered issuer that authenticated the actor: with actorId, who the actor is. */
  actorIssuer: string | null;
  /** The agency persons of the report the access touched: read as a linked subject, or shown by a search. */
  persons: { agency: string; personId: string }[];
}

/** The agency persons an event touched: each subject's links and each person a search showed. */
export function personsTouched(event: AccessEvent): { agency: string; personId: string }[] {
  const seen = new Set<string>();
  const persons: { agency: string; personId: string }[] = [];
  const add = (agency: string, personId: string) => {
    const key = `${agency}\u0000${personId}`;
    if (seen.has(key)) return;
    seen.add(key);
    persons.push({ agency, personId });
  };
  for (const subject of event.subjects) for (const link of subject.links) add(link.agency, link.personId);
  for (const decision of event.decisions) for (const personId of decision.personIds ?? []) add(decision.agency, personId);
  return persons;
}

const DISCLOSING = new Set<AuditDecisionKind>(['disclose', 'summarise']);

function reportEntry(event: RecordedEvent, persons: { agency: string; personId: string }[] = []): AccessReportEntry {
  return {
    at: event.at,
    eventId: event.id,
    actorIssuer: event.actor?.issuer ?? null,
    persons,
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

/**
 * Subject access request: who saw this person's record, when, why and which categories: every read
 * of the person as a linked subject and every search that showed them.
 */
export async function whoAccessed(store: Queryable, agency: string, personId: string): Promise<AccessReportEntry[]> {
  return whoAccessedAny(store, [{ agency, personId }]);
}

/** Who accessed any of these agency persons (one person's records at several agencies), once per event, in log order. */
export async function whoAccessedAny(store: Queryable, persons: readonly { agency: string; personId: string }[]): Promise<AccessReportEntry[]> {
  const wanted = new Set(persons.map((p) => `${p.agency}\u0000${p.personId}`));
  const bySeq = new Map<number, AccessReportEntry>();
  for (const { agency, personId } of persons) {
    let after: string | null = null;
    for (;;) {
      const page: AccessLogPage = await queryAccessLog(store, { agency, personId }, { first: MAX_PAGE, after });
      for (const event of page.events) {
        if ((event.outcome !== 'success' && event.outcome !== 'partial') || bySeq.has(event.seq)) continue;
        bySeq.set(event.seq, reportEntry(event, personsTouched(event).filter((p) => wanted.has(`${p.agency}\u0000${p.personId}`))));
      }
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
  }
  return [...bySeq.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
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
      // Only the agency's own: its categories and its person ids, never what other agencies disclosed.
      const own = event.decisions.filter((d) => d.agency === agency && DISCLOSING.has(d.decision));
      if (own.length === 0) continue;
      const persons = personsTouched(event).filter((p) => p.agency === agency);
      notes.push({ ...reportEntry(event, persons), categories: [...new Set(own.map((d) => d.category))], personIds: persons.map((p) => p.personId) });
    }
    if (!page.hasNextPage) return notes;
    after = page.endCursor;
  }
}

export type AnomalyKind = 'break-glass' | 'out-of-hours' | 'many-subjects' | 'after-closure' | 'refusal-burst' | 'shared-surname' | 'manager-join';

export interface Anomaly {
  kind: AnomalyKind;
  actorId: string | null;
  /** The issuer of actorId: an actor is (issuer, subject). */
  actorIssuer: string | null;
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

/** An event's actor as anomalies name it: subject and issuer together (an actor is never a bare subject). */
const actorOf = (e: AccessEvent): { actorId: string | null; actorIssuer: string | null } => ({ actorId: e.actor?.id ?? null, actorIssuer: e.actor?.issuer ?? null });
const actorKey = (e: AccessEvent): string => (e.actor ? `${e.actor.issuer ?? ''}\u0000${e.actor.id}` : '(unauthenticated)');

/** Events read per page when a report scans a window. */
export const SCAN_PAGE = 1000;

/**
 * Every event recorded in [from, to), in log order, a page at a time (keyset pagination on seq):
 * a report reads the whole window, never silently its first N events.
 */
export async function* scanWindow(store: Queryable, window: { from: string; to: string }, pageSize = SCAN_PAGE): AsyncGenerator<RecordedEvent[]> {
  let after = 0;
  for (;;) {
    const { rows } = await store.query<Row>('SELECT seq, hash, body FROM audit_event WHERE at >= $1 AND at < $2 AND seq > $3 ORDER BY seq LIMIT $4', [
      window.from,
      window.to,
      after,
      pageSize,
    ]);
    if (rows.length === 0) return;
    const events = rows.map(toEvent);
    yield events;
    if (rows.length < pageSize) return;
    after = events.at(-1)!.seq;
  }
}

/** One actor's reads in the window, as much of each as the "many subjects" count needs. */
interface ReadMark {
  id: string;
  at: number;
  /** `s` + enquiry subject id for a profile; `p` + agency + person id for each person read or shown. */
  keys: string[];
}

/** Flags from one event on its own. */
function eventFlags(e: RecordedEvent, anomalies: Anomaly[], hours: { start: number; end: number }): void {
  if (e.breakGlass && e.operation === 'openEnquiry') {
    anomalies.push({ kind: 'break-glass', ...actorOf(e), eventIds: [e.id], at: e.at, detail: `Break-glass enquiry ${e.enquiry?.id ?? ''} opened: review the justification.` });
  }
  if (e.sharedSurname === true) {
    anomalies.push({
      kind: 'shared-surname',
      ...actorOf(e),
      eventIds: [e.id],
      at: e.at,
      detail: `${e.operation}: the actor shares a family name with the person searched for or shown; check the access was for work, not about a relative or someone they know.`,
    });
  }
  if (e.managerJoin === true && e.outcome === 'success') {
    anomalies.push({
      kind: 'manager-join',
      ...actorOf(e),
      eventIds: [e.id],
      at: e.at,
      detail: `A manager who did not open enquiry ${e.enquiry?.id ?? ''} joined it (or added a member) on a manager's authority: check the reason recorded with the event.`,
    });
  }
  if (e.outcomeCode === 'FORBIDDEN_ENQUIRY_CLOSED') {
    anomalies.push({ kind: 'after-closure', ...actorOf(e), eventIds: [e.id], at: e.at, detail: `Attempt to read under enquiry ${e.enquiry?.id ?? ''} after it closed.` });
  }
  if ((e.operation === 'profile' || e.operation === 'searchPeople') && e.outcome !== 'refused' && outOfHours(e.at, hours)) {
    anomalies.push({ kind: 'out-of-hours', ...actorOf(e), eventIds: [e.id], at: e.at, detail: `${e.operation} outside working hours (${hours.start}:00-${hours.end}:00, Monday to Friday).` });
  }
}

/** What a read touched: the enquiry subject of a profile, and every agency person read or shown by a search. */
function readKeys(e: RecordedEvent): string[] {
  const keys = e.operation === 'profile' ? e.subjects.map((s) => `s\u0000${s.subjectId}`) : [];
  for (const p of personsTouched(e)) keys.push(`p\u0000${p.agency}\u0000${p.personId}`);
  return keys;
}

/**
 * Distinct people in a window of reads: the larger of the enquiry subjects read and, at any one
 * agency, the persons read or shown (an agency holds one record per person, so bulk browsing by
 * search shows up as many persons at each agency it reaches).
 */
function peopleCount(counts: Map<string, number>): number {
  let subjects = 0;
  const perAgency = new Map<string, number>();
  for (const key of counts.keys()) {
    if (key.startsWith('s\u0000')) subjects++;
    else {
      const agency = key.split('\u0000')[1]!;
      perAgency.set(agency, (perAgency.get(agency) ?? 0) + 1);
    }
  }
  return Math.max(subjects, ...perAgency.values());
}

export interface AnomalyReport {
  anomalies: Anomaly[];
  /** Events read: every event recorded in the window. */
  scanned: number;
}

/** Flags for IG review over a time window: every event in it is read, a page at a time. */
export async function findAnomalies(store: Queryable, options: AnomalyOptions): Promise<Anomaly[]> {
  return (await anomalyReport(store, options)).anomalies;
}

export async function anomalyReport(store: Queryable, options: AnomalyOptions): Promise<AnomalyReport> {
  const { from, to } = range(options.from, options.to);
  if (!from || !to) throw badInput('Give both from and to for anomaly detection.', { field: 'from' });
  const perHour = options.subjectsPerHour ?? 20;
  const burst = options.refusalBurst ?? 5;
  const hours = options.workingHours ?? { start: 8, end: 18 };
  const anomalies: Anomaly[] = [];
  // Per actor, (issuer, subject): only what the sliding windows need, not whole events.
  const actors = new Map<string, { actor: { actorId: string | null; actorIssuer: string | null }; reads: ReadMark[]; refusals: { id: string; at: number; iso: string }[] }>();
  let scanned = 0;
  for await (const page of scanWindow(store, { from, to })) {
    scanned += page.length;
    for (const e of page) {
      eventFlags(e, anomalies, hours);
      const key = actorKey(e);
      let entry = actors.get(key);
      if (!entry) actors.set(key, (entry = { actor: actorOf(e), reads: [], refusals: [] }));
      if (e.outcome === 'refused') entry.refusals.push({ id: e.id, at: Date.parse(e.at), iso: e.at });
      else if (e.operation === 'profile' || e.operation === 'searchPeople') entry.reads.push({ id: e.id, at: Date.parse(e.at), keys: readKeys(e) });
    }
  }
  for (const { actor, reads, refusals } of actors.values()) {
    // Sliding windows: an hour of distinct people (profiles and searches), ten minutes of refusals.
    const counts = new Map<string, number>();
    const take = (mark: ReadMark, delta: number) => {
      for (const key of new Set(mark.keys)) {
        const n = (counts.get(key) ?? 0) + delta;
        if (n === 0) counts.delete(key);
        else counts.set(key, n);
      }
    };
    for (let i = 0, j = 0; j < reads.length; j++) {
      take(reads[j]!, 1);
      while (reads[j]!.at - reads[i]!.at > 3_600_000) take(reads[i++]!, -1);
      const people = peopleCount(counts);
      if (people > perHour) {
        const window = reads.slice(i, j + 1);
        anomalies.push({
          kind: 'many-subjects',
          ...actor,
          eventIds: window.map((e) => e.id),
          at: new Date(reads[j]!.at).toISOString(),
          detail: `${people} subjects within an hour (threshold ${perHour}), counting people read and people shown by searches.`,
        });
        counts.clear();
        i = j + 1;
      }
    }
    for (let i = 0, j = 0; j < refusals.length; j++) {
      while (refusals[j]!.at - refusals[i]!.at > 600_000) i++;
      if (j - i + 1 >= burst) {
        const window = refusals.slice(i, j + 1);
        anomalies.push({ kind: 'refusal-burst', ...actor, eventIds: window.map((e) => e.id), at: refusals[j]!.iso, detail: `${window.length} refusals within ten minutes.` });
        i = j + 1;
      }
    }
  }
  return { anomalies: anomalies.sort((a, b) => a.at.localeCompare(b.at)), scanned };
}
