import { ORGANISATION_SYSTEMS, type SourcePerson } from '../../../connectors/sdk/index.js';
import type { AccessContext, LoadedPolicy, PolicyAbility } from '../../../policies/index.js';
import type { AuditActor, AuditDecision, AuditLog } from '../../audit/index.js';
import { auditDecisions, disclosePersons, discloseRecords, type AgencyAnswer } from '../../disclosure/index.js';
import { EDUCATION_AGENCY } from '../../disclosure/school-roll.js';
import type { Federation } from '../../federation/index.js';
import type { IdentityMatcher, SearchCandidate } from '../../identity/search.js';
import { searchPasses } from '../../identity/search-passes.js';
import { personRecordFromSource } from '../../identity/source-person.js';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/index.js';
import type { Inbox } from '../../workspace/notifications/index.js';
import { notificationText } from '../../workspace/notifications/index.js';
import type { EncompassConfig } from '../config.js';
import { createIncidentRepository, type StoredIncident } from '../repository.js';
import { nextSchoolDay, schoolCalendar } from './calendar.js';
import { raiseException, toEncompassRow, type EncompassContent, type EncompassRow, type ExceptionReason } from './store.js';

/**
 * The Operation Encompass worker. Each pass:
 * - PENDING: finds the child's school (education only, a CERTAIN match on a school's roll) and
 *   plans the notification for the school's key adult by the next school day's send-by time, or
 *   puts the child on the MASH's exceptions list;
 * - PLANNED: composes the notification THROUGH THE GATE (purpose operation-encompass, role
 *   school-dsl: exactly what the policy lets through), records the audit event (what, to whom,
 *   under which rule) and only once it is committed writes the school's inbox notification and
 *   the email to the key adult, in one transaction with the row's SENT state;
 * - SENT and not acknowledged by the escalation time: tells the MASH, once.
 *
 * Several gateway processes may run it: a row is worked by the one worker whose conditional
 * UPDATE claimed it (a lease), every state change is conditional on the state it leaves, and the
 * inbox notification has an idempotency key, so a school is told once.
 */

export interface EncompassWorkerDeps {
  store: Store;
  config: EncompassConfig;
  policy: LoadedPolicy;
  abilities: (context: AccessContext) => PolicyAbility;
  federation: Federation;
  matcher: IdentityMatcher;
  audit: AuditLog;
  inbox: Inbox;
  /** The notification channels configured (outbox): the email goes only where `email` is one. */
  channels: () => readonly string[];
  logger: Logger;
  now: () => Date;
}

export interface EncompassPass {
  planned: number;
  sent: number;
  exceptions: number;
  escalated: number;
  /** Rows left for the next pass (an agency or the audit log did not answer). */
  retried: number;
}

/** The system actor in whose name the worker records what it sends (an actor is issuer and subject). */
export const ENCOMPASS_ACTOR: AuditActor = { issuer: 'urn:mash-gateway', id: 'operation-encompass', name: 'Operation Encompass worker', roles: [] };

/** The ability the notification is composed under: a school's DSL told about a child, under Operation Encompass. */
export const ENCOMPASS_CONTEXT: AccessContext = { roles: ['school-dsl'], purpose: 'operation-encompass', consent: false, relation: 'child', relevance: false };

/** A row is worked by one worker for this long; a worker that died leaves it to the next after. */
const LEASE_MS = 5 * 60_000;
/** Passes an agency may fail before the MASH is told (it is told anyway once the send-by time has passed). */
const MAX_ATTEMPTS = 10;
const BATCH = 50;

type Row = Record<string, unknown>;

const londonTime = (at: Date): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

export function createEncompassWorker(deps: EncompassWorkerDeps) {
  const { store, config, logger } = deps;
  const incidents = createIncidentRepository(store);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  /** Claims due rows of one status: each row is returned to one caller only until its lease ends. */
  async function claim(status: 'pending' | 'planned', now: Date): Promise<EncompassRow[]> {
    const { rows } = await store.query<Row>(
      `UPDATE encompass_notification SET lease_until = $3, attempts = attempts + 1
       WHERE id IN (SELECT id FROM encompass_notification WHERE status = $1 AND (lease_until IS NULL OR lease_until <= $2) ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)
         AND status = $1 AND (lease_until IS NULL OR lease_until <= $2)
       RETURNING *`,
      [status, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), BATCH],
    );
    return rows.map(toEncompassRow);
  }

  async function release(row: EncompassRow, error: string): Promise<void> {
    await store.query('UPDATE encompass_notification SET lease_until = NULL, last_error = $2 WHERE id = $1', [row.id, error.slice(0, 300)]);
  }

  /**
   * The agency changed the incident and it no longer names the child: nothing was sent, so the
   * notification is withdrawn (a child named again later is planned afresh by the hook).
   */
  async function withdraw(row: EncompassRow): Promise<void> {
    await store.query(`DELETE FROM encompass_notification WHERE id = $1 AND status IN ('pending', 'planned')`, [row.id]);
    logger.info({ notification: row.id }, 'Operation Encompass: the incident no longer names the child; notification withdrawn before sending');
  }

  /** The school day of a child with no school known: the local authority's calendar. */
  const laDay = (incident: StoredIncident) => nextSchoolDay(new Date(incident.occurredAt), schoolCalendar(config, undefined), config);

  /** Puts the row on the exceptions list and ends the worker's part (a terminal exception). */
  async function toException(row: EncompassRow, reason: ExceptionReason, detail: string, school: { laestab?: string; name?: string; phone?: string }, schoolDay: string, now: Date): Promise<void> {
    await store.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `UPDATE encompass_notification SET status = 'exception', lease_until = NULL, school_laestab = $3, school_name = $4, key_adult_phone = $5, school_day = $6, last_error = NULL
         WHERE id = $1 AND status = $2 RETURNING id`,
        [row.id, row.status, school.laestab ?? null, school.name ?? null, school.phone ?? null, schoolDay],
      );
      if (rows.length === 0) return;
      await raiseException(tx, deps.inbox, { id: row.id, schoolName: school.name ?? null }, reason, detail, schoolDay, now);
    });
  }

  /** An agency did not answer: try again next pass; once past the send-by time (or after many passes) the MASH is told too. */
  async function agencyDown(row: EncompassRow, why: string, dueBy: Date, schoolDay: string, now: Date): Promise<void> {
    await release(row, why);
    if (now.getTime() < dueBy.getTime() && row.attempts < MAX_ATTEMPTS) return;
    await store.transaction((tx) =>
      raiseException(
        tx,
        deps.inbox,
        { id: row.id, schoolName: row.schoolName },
        'AGENCY_UNAVAILABLE',
        `${why}: the notification is retried on every pass; if the school has not been told by ${londonTime(dueBy)} on ${schoolDay}, tell them by phone.`,
        schoolDay,
        now,
      ),
    );
  }

  /** PENDING: find the school on whose roll the child is now (education: a CERTAIN match only). */
  async function findSchool(row: EncompassRow, now: Date): Promise<'planned' | 'exception' | 'retried'> {
    const incident = await incidents.get(row.incidentId);
    const child = incident?.persons.find((p) => p.personId === row.personId);
    if (!incident || !child) {
      await withdraw(row);
      return 'retried';
    }
    const la = laDay(incident);
    const federation = deps.federation.forRequest(`encompass-${row.id}-${row.attempts}`);
    const person = child.person;
    const answers = await federation.searchPersons(searchPasses(queryOf(person)), { agencies: [EDUCATION_AGENCY] });
    const education = answers.find((a) => a.agency === EDUCATION_AGENCY);
    if (!education || education.status === 'unavailable') {
      await agencyDown(row, education ? 'Education did not answer the search for the school' : 'No education connector is configured to find the school', la.dueBy, la.date, now);
      return 'retried';
    }
    const candidates: SearchCandidate[] = education.persons.map((p) => ({ agency: EDUCATION_AGENCY, personId: p.personId, record: personRecordFromSource(p) }));
    const ranked = deps.matcher.rank(personRecordFromSource(person), candidates);
    const members = ranked.groups.flatMap((g) => g.members);
    const certain = members.filter((m) => m.score.band === 'certain');
    const byId = new Map(education.persons.map((p) => [p.personId, p]));
    const schools = new Set(
      certain
        .map((m) => byId.get(m.personId)?.provenance.organisation)
        .filter((o) => o?.system === ORGANISATION_SYSTEMS.laestab)
        .map((o) => o!.value),
    );
    if (certain.length === 0 || schools.size !== 1) {
      // ENC: sending a child's name to the wrong school is a breach; only a certain match on one roll counts.
      // Certain on two rolls, or only probable or possible: not confirmed. Certain on no roll, or no match: not found.
      const unconfirmed = schools.size > 1 || (certain.length === 0 && members.length > 0);
      await toException(
        row,
        unconfirmed ? 'SCHOOL_NOT_CONFIRMED' : 'NO_SCHOOL_FOUND',
        unconfirmed
          ? `The education records match this child ${schools.size > 1 ? 'on more than one school roll' : 'only probably or possibly'}: confirm the child's school with the education safeguarding team, then tell the school's DSL directly.`
          : certain.length > 0
            ? 'The child is known to education but on no school roll now (elective home education, missing education, or between schools): check with the education safeguarding team.'
            : 'No education record matches this child (too young for school, home educated, or not found): check whether the child attends a school or setting and tell its DSL directly.',
        {},
        la.date,
        now,
      );
      return 'exception';
    }
    const laestab = [...schools][0]!;
    const configured = config.schools.find((s) => s.laestab === laestab);
    const day = nextSchoolDay(new Date(incident.occurredAt), schoolCalendar(config, laestab), config);
    if (!configured?.keyAdult) {
      await toException(
        row,
        'NO_KEY_ADULT',
        `The child is on the roll of school ${laestab}${configured ? ` (${configured.name})` : ''}, which has no Operation Encompass key adult configured: tell the school's DSL directly, and add the school's key adult to encompass.schools.`,
        { laestab, ...(configured ? { name: configured.name } : {}) },
        day.date,
        now,
      );
      return 'exception';
    }
    const adult = configured.keyAdult;
    const { rows } = await store.query<Row>(
      `UPDATE encompass_notification SET status = 'planned', lease_until = NULL, attempts = 0, last_error = NULL, school_laestab = $2, school_name = $3,
         key_adult_name = $4, key_adult_email = $5, key_adult_phone = $6, school_day = $7, due_by = $8, escalate_at = $9
       WHERE id = $1 AND status = 'pending' RETURNING id`,
      [row.id, laestab, configured.name, adult.name, adult.email ?? null, adult.phone ?? null, day.date, day.dueBy.toISOString(), day.escalateAt.toISOString()],
    );
    return rows.length > 0 ? 'planned' : 'retried';
  }

  /** PLANNED: compose through the gate, audit, then send (inbox and email) with the SENT state. */
  async function send(row: EncompassRow, now: Date): Promise<'sent' | 'exception' | 'retried'> {
    const incident = await incidents.get(row.incidentId);
    const child = incident?.persons.find((p) => p.personId === row.personId);
    const dueBy = new Date(row.dueBy!);
    if (!incident || !child) {
      await withdraw(row);
      return 'retried';
    }
    const federation = deps.federation.forRequest(`encompass-${row.id}-${row.attempts}`);
    const answers = await federation.fetchRecords([{ agency: incident.agency, personId: row.personId }]);
    const answer = answers.find((a) => a.agency === incident.agency);
    if (!answer || answer.status !== 'answered') {
      await agencyDown(row, `${incident.agency} did not answer for the incident's record`, dueBy, row.schoolDay!, now);
      return 'retried';
    }
    // Only the incident's own record: nothing else the agency holds about the child.
    const recordId = `events/${incident.incidentId}`;
    const police: AgencyAnswer = { ...answer, records: answer.records.filter((r) => r.provenance.recordId === recordId) };
    const { effective } = deps.policy.document;
    const today = now.toISOString().slice(0, 10);
    if (today < effective.from || (effective.to !== undefined && today > effective.to)) {
      await release(row, 'no disclosure policy is in effect');
      logger.warn({ notification: row.id }, 'Operation Encompass: no disclosure policy in effect; not sent');
      return 'retried';
    }
    const ability = deps.abilities(ENCOMPASS_CONTEXT);
    const records = discloseRecords(ability, [police], undefined, now);
    const persons = disclosePersons(ability, [{ agency: incident.agency, status: 'answered', persons: [child.person], contact: answer.contact }]);
    const record = records.agencies[0]?.records[0];
    const identity = persons.agencies[0]?.persons[0];
    const recordDecision = records.decisions.find((d) => d.decision === 'disclose' || d.decision === 'summarise');
    if (!record || !identity || !recordDecision) {
      const outOfScope = records.decisions.some((d) => d.outOfScope !== undefined);
      if (outOfScope) {
        await toException(
          row,
          'NOT_SENT_IN_TIME',
          `The incident is older than Operation Encompass may share (the policy's record scope: since the previous school day), so nothing was sent: if the school still needs to know, tell its DSL directly.`,
          { laestab: row.school!, name: row.schoolName!, ...(row.keyAdultPhone ? { phone: row.keyAdultPhone } : {}) },
          row.schoolDay!,
          now,
        );
        return 'exception';
      }
      await agencyDown(row, `${incident.agency} gave no record of the incident that may be shared`, dueBy, row.schoolDay!, now);
      return 'retried';
    }
    const personFields = identityFields(identity);
    const content: EncompassContent = {
      person: { category: `${incident.agency}.identity`, fields: personFields },
      record: { category: record.category, recordId, fields: { ...record.fields } },
    };
    // In the policy's order (the cells' field lists).
    const identityDecision = persons.decisions.find((d) => d.decision === 'disclose' || d.decision === 'summarise');
    const fieldNames = [...(identityDecision?.fields ?? []).filter((f) => f in personFields), ...recordDecision.fields.filter((f) => f in record.fields)];
    const email = row.keyAdultEmail !== null && deps.channels().includes('email') ? row.keyAdultEmail : null;
    const channels = ['inbox', ...(email !== null ? ['email'] : [])];
    const decisions: AuditDecision[] = [...auditDecisions(persons), ...auditDecisions(records)].map((d) => ({ ...d, personIds: [row.personId] }));
    let auditEventId: string;
    try {
      const committed = await deps.audit.append({
        requestId: `encompass-${row.id}`,
        operation: 'sendEncompassNotification',
        outcome: 'success',
        actor: ENCOMPASS_ACTOR,
        reason: `Operation Encompass notification to ${row.schoolName} (${row.school}) for school day ${row.schoolDay}`,
        policy: records.policy,
        decisions,
        notification: {
          id: row.id,
          kind: 'operation-encompass',
          to: { school: row.school!, schoolName: row.schoolName!, keyAdult: row.keyAdultName!, ...(email !== null ? { email } : {}) },
          channels,
          fields: fieldNames,
          ruleId: recordDecision.ruleId,
          incident: { agency: incident.agency, incidentId: incident.incidentId },
        },
      });
      auditEventId = committed.id;
    } catch {
      // Invariant 3: nothing leaves before its audit event is committed; the next pass tries again.
      await release(row, 'AUDIT_UNAVAILABLE');
      logger.warn({ notification: row.id }, 'Operation Encompass: audit log unavailable; not sent');
      return 'retried';
    }
    const sent = await store.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `UPDATE encompass_notification SET status = 'sent', content = $2, rule_id = $3, channels = $4, audit_event_id = $5, sent_at = $6, lease_until = NULL, last_error = NULL
         WHERE id = $1 AND status = 'planned' RETURNING id`,
        [row.id, JSON.stringify(content), recordDecision.ruleId, email !== null ? ['inbox', `email: ${email}`] : ['inbox'], auditEventId, now.toISOString()],
      );
      if (rows.length === 0) return false;
      await deps.inbox.raise(
        tx,
        {
          kind: 'encompass-notification',
          recipient: { team: { role: 'school-dsl', agency: EDUCATION_AGENCY } },
          school: row.school!,
          ...(email !== null ? { email } : {}),
          channels: email !== null ? ['email'] : [],
          enquiryId: null,
          referralReference: null,
          body: notificationText.encompassNotification(row.schoolName!, dueBy),
          idempotencyKey: `encompass-notification|${row.id}`,
        },
        now,
      );
      if (now.getTime() > dueBy.getTime()) {
        await raiseException(
          tx,
          deps.inbox,
          { id: row.id, schoolName: row.schoolName },
          'NOT_SENT_IN_TIME',
          `Sent at ${londonTime(now)}, after the send-by time ${londonTime(dueBy)} on ${row.schoolDay}: phone the school's key adult to make sure they have it.`,
          row.schoolDay,
          now,
        );
      }
      return true;
    });
    return sent ? 'sent' : 'retried';
  }

  /** SENT, not acknowledged by the escalation time: the MASH is told, once. */
  async function escalate(now: Date): Promise<number> {
    const { rows } = await store.query<Row>(
      `SELECT id FROM encompass_notification WHERE status = 'sent' AND acknowledged_at IS NULL AND escalated_at IS NULL AND escalate_at <= $1 ORDER BY seq LIMIT $2`,
      [now.toISOString(), BATCH],
    );
    let escalated = 0;
    for (const { id } of rows) {
      const done = await store.transaction(async (tx) => {
        const { rows: claimed } = await tx.query<Row>(
          `UPDATE encompass_notification SET escalated_at = $2 WHERE id = $1 AND status = 'sent' AND acknowledged_at IS NULL AND escalated_at IS NULL RETURNING *`,
          [id, now.toISOString()],
        );
        if (claimed.length === 0) return false;
        const row = toEncompassRow(claimed[0]!);
        await raiseException(
          tx,
          deps.inbox,
          { id: row.id, schoolName: row.schoolName },
          'NOT_ACKNOWLEDGED',
          `${row.schoolName} has not acknowledged the notification by ${londonTime(new Date(row.escalateAt!))} on ${row.schoolDay}: phone the school's key adult (keyAdultPhone) to make sure the school knows today.`,
          row.schoolDay,
          now,
        );
        return true;
      });
      if (done) escalated += 1;
    }
    return escalated;
  }

  async function runOnce(at?: Date): Promise<EncompassPass> {
    const now = at ?? deps.now();
    const pass: EncompassPass = { planned: 0, sent: 0, exceptions: 0, escalated: 0, retried: 0 };
    if (!config.enabled) return pass;
    const count = (outcome: 'planned' | 'sent' | 'exception' | 'retried') => {
      if (outcome === 'exception') pass.exceptions += 1;
      else pass[outcome] += 1;
    };
    for (const row of await claim('pending', now)) {
      count(
        await findSchool(row, now).catch(async (error: Error) => {
          await release(row, error.name);
          logger.warn({ notification: row.id, err: error.name }, 'Operation Encompass: finding the school failed');
          return 'retried' as const;
        }),
      );
    }
    // Planned in this pass are sent in this pass too.
    for (const row of await claim('planned', now)) {
      count(
        await send(row, now).catch(async (error: Error) => {
          await release(row, error.name);
          logger.warn({ notification: row.id, err: error.name }, 'Operation Encompass: sending failed');
          return 'retried' as const;
        }),
      );
    }
    pass.escalated = await escalate(now);
    return pass;
  }

  return {
    runOnce,
    start() {
      const every = config.workEverySeconds;
      if (!config.enabled || every <= 0 || timer !== undefined) return;
      timer = setInterval(() => {
        if (running) return;
        running = runOnce()
          .catch((error: Error) => logger.warn({ err: error.name }, 'Operation Encompass pass failed'))
          .finally(() => {
            running = undefined;
          });
      }, every * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type EncompassWorker = ReturnType<typeof createEncompassWorker>;

/** The child's police identity as a person search (name, date of birth, postcode): the matcher scores the rest. */
function queryOf(person: SourcePerson) {
  const name = person.names.find((n) => n.use === 'official' || n.use === 'usual' || n.use === undefined) ?? person.names[0];
  const postcode = person.addresses.find((a) => a.to === undefined && a.postalCode)?.postalCode ?? person.addresses.find((a) => a.postalCode)?.postalCode;
  return {
    ...(name?.family ? { family: name.family } : {}),
    ...(name?.given[0] ? { given: name.given[0] } : {}),
    ...(person.birthDate ? { birthDate: person.birthDate } : {}),
    ...(postcode ? { postalCode: postcode } : {}),
  };
}

/** The identity fields the gate let through (whatever they are: the gate decided). */
function identityFields(person: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact']) if (person[name] !== undefined) fields[name] = person[name];
  return fields;
}
