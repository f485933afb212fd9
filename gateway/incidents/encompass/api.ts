import type { Actor } from '../../auth/index.js';
import { badInput, GatewayError } from '../../errors.js';
import type { Queryable, Store } from '../../store/index.js';
import { seqPage } from '../../workspace/notifications/index.js';
import { iso, toEncompassRow, toExceptionRow, type EncompassRow, type EncompassStatus, type ExceptionRow } from './store.js';

/**
 * What the API reads and changes of Operation Encompass. A school's DSL reads only the
 * notifications sent to the school their token names (another school's, or one not sent yet, is
 * NOT_FOUND, with the same message as one that does not exist); the MASH's researchers and managers
 * work the exceptions; information governance lists the history. The resolvers audit each call.
 */

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LAESTAB = /^\d{7}$/;
export const DSL_ROLE = 'school-dsl';
export const EXCEPTION_ROLES = ['mash-researcher', 'mash-manager'] as const;
export const IG_ROLE = 'ig-officer';

/** The readable label of each field the policy may let through (in the policy's order). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  names: 'Child',
  birthDate: 'Date of birth',
  type: 'Type',
  title: 'What happened',
  start: 'Date and time',
  location: 'Location',
  contactName: 'Police contact',
  contactRole: 'Contact role',
  contactPhone: 'Contact phone',
  contactEmail: 'Contact email',
};

export interface EncompassSummary {
  id: string;
  incidentAt: string;
  sentAt: string;
  dueBy: string;
  schoolDay: string;
  acknowledgedAt: string | null;
}

export interface ExceptionView extends ExceptionRow {
  incidentId: string;
  incidentReference: string;
  agency: string;
  personId: string;
  school: string | null;
  schoolName: string | null;
  keyAdultPhone: string | null;
}

export interface HistoryRecord extends EncompassRow {
  incidentReference: string;
}

const notFound = () => new GatewayError('NOT_FOUND', 'No Operation Encompass notification with this id was sent to your school; check the id in your notifications list.');

/** The caller's school, for a school DSL; FORBIDDEN for anyone else. */
export function dslSchool(actor: Actor): string {
  if (!actor.roles.includes(DSL_ROLE)) throw new GatewayError('FORBIDDEN', "Operation Encompass notifications are read by a school's designated safeguarding lead (role school-dsl) only.");
  if (actor.school === undefined) {
    throw new GatewayError('FORBIDDEN_NO_SCHOOL', 'Your token names no school, so no Operation Encompass notification is yours; ask your identity provider to include the "school" claim (your school\'s DfE LAESTAB, 7 digits).');
  }
  return actor.school;
}

export function requireExceptionRole(actor: Actor): void {
  if (!actor.roles.some((r) => (EXCEPTION_ROLES as readonly string[]).includes(r))) {
    throw new GatewayError('FORBIDDEN', 'The Operation Encompass exceptions list is for MASH researchers and managers (roles mash-researcher, mash-manager).');
  }
}

export function requireIg(actor: Actor): void {
  if (!actor.roles.includes(IG_ROLE)) throw new GatewayError('FORBIDDEN', 'The Operation Encompass notification history is for information governance (role ig-officer).');
}

const SENT = `n.status IN ('sent', 'acknowledged')`;

export function createEncompassApi(store: Store) {
  async function readForSchool(db: Queryable, id: string, school: string): Promise<EncompassRow & { incidentAt: string }> {
    if (!UUID.test(id)) throw notFound();
    const { rows } = await db.query<Row>(`SELECT n.*, i.occurred_at AS incident_at FROM encompass_notification n JOIN incident i ON i.id = n.incident_id WHERE n.id = $1 AND n.school_laestab = $2 AND ${SENT}`, [id, school]);
    if (!rows[0]) throw notFound();
    return { ...toEncompassRow(rows[0]), incidentAt: iso(rows[0].incident_at) };
  }

  return {
    /** The school's sent notifications, newest first, without content. */
    async listForSchool(actor: Actor, options: { unacknowledgedOnly?: boolean; first?: number; after?: string | null }): Promise<{ items: EncompassSummary[]; endCursor: string | null; hasNextPage: boolean }> {
      const school = dslSchool(actor);
      const { first, before } = seqPage(options);
      const { rows } = await store.query<Row>(
        `SELECT n.*, i.occurred_at AS incident_at FROM encompass_notification n JOIN incident i ON i.id = n.incident_id
         WHERE n.school_laestab = $1 AND ${SENT} AND ($2::bigint IS NULL OR n.seq < $2) AND (NOT $3 OR n.acknowledged_at IS NULL)
         ORDER BY n.seq DESC LIMIT $4`,
        [school, before, options.unacknowledgedOnly === true, first + 1],
      );
      const page = rows.slice(0, first).map((r) => ({ row: toEncompassRow(r), incidentAt: iso(r.incident_at) }));
      const hasNextPage = rows.length > first;
      return {
        items: page.map(({ row, incidentAt }) => ({ id: row.id, incidentAt, sentAt: row.sentAt!, dueBy: row.dueBy!, schoolDay: row.schoolDay!, acknowledgedAt: row.acknowledgedAt })),
        hasNextPage,
        endCursor: hasNextPage ? String(page.at(-1)!.row.seq) : null,
      };
    },

    /** One notification sent to the caller's school (another school's: NOT_FOUND). */
    async readForSchool(actor: Actor, id: string): Promise<EncompassRow> {
      return readForSchool(store, id, dslSchool(actor));
    },

    /** Acknowledged once: a second time answers the first acknowledgement. */
    async acknowledge(actor: Actor, id: string, now: Date): Promise<{ row: EncompassRow; first: boolean }> {
      const school = dslSchool(actor);
      if (!UUID.test(id)) throw notFound();
      const { rows } = await store.query<Row>(
        `UPDATE encompass_notification SET status = 'acknowledged', acknowledged_at = $3, acknowledged_by_issuer = $4, acknowledged_by_subject = $5, acknowledged_by_name = $6
         WHERE id = $1 AND school_laestab = $2 AND status = 'sent' RETURNING id`,
        [id, school, now.toISOString(), actor.issuer, actor.id, actor.name ?? null],
      );
      return { row: await readForSchool(store, id, school), first: rows.length > 0 };
    },

    async exceptions(actor: Actor, includeResolved: boolean): Promise<ExceptionView[]> {
      requireExceptionRole(actor);
      const { rows } = await store.query<Row>(
        `SELECT e.*, n.incident_id, n.agency, n.person_id, n.school_laestab, n.school_name, n.key_adult_phone, i.incident_id AS incident_reference
         FROM encompass_exception e JOIN encompass_notification n ON n.id = e.notification_id JOIN incident i ON i.id = n.incident_id
         WHERE ($1 OR e.resolved_at IS NULL)
         ORDER BY (e.resolved_at IS NULL) DESC, e.raised_at, e.seq LIMIT 1000`,
        [includeResolved],
      );
      return rows.map(exceptionView);
    },

    async resolveException(actor: Actor, id: string, note: string, now: Date): Promise<ExceptionView> {
      requireExceptionRole(actor);
      const text = note.trim();
      if (text.length === 0) throw badInput("Say what was done about the exception, e.g. 'Phoned the school's DSL at 08:05 and told them'.", { field: 'note' });
      if (text.length > 2000) throw badInput(`The note is at most 2000 characters (got ${text.length}).`, { field: 'note' });
      if (!UUID.test(id)) throw new GatewayError('NOT_FOUND', 'No Operation Encompass exception has this id; take the id from the exceptions list.');
      const { rows } = await store.query<Row>(
        `UPDATE encompass_exception SET resolved_at = $2, resolved_by_issuer = $3, resolved_by_subject = $4, resolved_by_name = $5, resolution = $6
         WHERE id = $1 AND resolved_at IS NULL RETURNING id`,
        [id, now.toISOString(), actor.issuer, actor.id, actor.name ?? null, text],
      );
      const { rows: found } = await store.query<Row>(
        `SELECT e.*, n.incident_id, n.agency, n.person_id, n.school_laestab, n.school_name, n.key_adult_phone, i.incident_id AS incident_reference
         FROM encompass_exception e JOIN encompass_notification n ON n.id = e.notification_id JOIN incident i ON i.id = n.incident_id WHERE e.id = $1`,
        [id],
      );
      if (!found[0]) throw new GatewayError('NOT_FOUND', 'No Operation Encompass exception has this id; take the id from the exceptions list.');
      if (rows.length === 0) throw new GatewayError('CONFLICT', 'This exception was already resolved; its resolution is kept as it was recorded.');
      return exceptionView(found[0]);
    },

    /** Information governance: every notification sent to a school, or about a child (agency and person id). */
    async history(actor: Actor, query: { school?: string | null; agency?: string | null; personId?: string | null }): Promise<HistoryRecord[]> {
      requireIg(actor);
      const school = query.school ?? undefined;
      const agency = query.agency ?? undefined;
      const personId = query.personId ?? undefined;
      if (school !== undefined && !LAESTAB.test(school)) throw badInput('school must be a DfE LAESTAB, 7 digits such as 9804001.', { field: 'school' });
      if ((agency === undefined) !== (personId === undefined)) throw badInput('Give agency and personId together (the child at that agency).', { field: agency === undefined ? 'agency' : 'personId' });
      if (school === undefined && agency === undefined) throw badInput('Give school, or agency with personId.', { field: 'school' });
      const { rows } = await store.query<Row>(
        `SELECT n.*, i.incident_id AS incident_reference FROM encompass_notification n JOIN incident i ON i.id = n.incident_id
         WHERE ${SENT} AND ($1::text IS NULL OR n.school_laestab = $1) AND ($2::text IS NULL OR (n.agency = $2 AND n.person_id = $3))
         ORDER BY n.seq DESC LIMIT 1000`,
        [school ?? null, agency ?? null, personId ?? null],
      );
      return rows.map((r) => ({ ...toEncompassRow(r), incidentReference: String(r.incident_reference) }));
    },
  };
}

function exceptionView(r: Row): ExceptionView {
  return {
    ...toExceptionRow(r),
    incidentId: String(r.incident_id),
    incidentReference: String(r.incident_reference),
    agency: String(r.agency),
    personId: String(r.person_id),
    school: r.school_laestab == null ? null : String(r.school_laestab),
    schoolName: r.school_name == null ? null : String(r.school_name),
    keyAdultPhone: r.key_adult_phone == null ? null : String(r.key_adult_phone),
  };
}

export type EncompassApi = ReturnType<typeof createEncompassApi>;

export interface EncompassChildStatus {
  incidentId: string;
  personId: string;
  status: EncompassStatus;
  schoolName: string | null;
  dueBy: string | null;
  sentAt: string | null;
  acknowledgedAt: string | null;
}

/** For the daily meeting's list: each child's notification at each of these incidents (gateway ids). */
export async function encompassStatusFor(store: Queryable, incidentIds: readonly string[]): Promise<EncompassChildStatus[]> {
  const ids = incidentIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return [];
  const { rows } = await store.query<Row>('SELECT * FROM encompass_notification WHERE incident_id = ANY($1::uuid[]) ORDER BY seq', [ids]);
  return rows.map((r) => {
    const row = toEncompassRow(r);
    return { incidentId: row.incidentId, personId: row.personId, status: row.status, schoolName: row.schoolName, dueBy: row.dueBy, sentAt: row.sentAt, acknowledgedAt: row.acknowledgedAt };
  });
}
