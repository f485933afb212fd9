import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceIncident } from '../../../connectors/sdk/index.js';
import { readEvents } from '../../../gateway/audit/read.js';
import { storeKinds } from '../../helpers/stores.js';
import { countyPupils, incident, policeAdult, policeChild, startEncompassGateway, startSmtp } from './encompass-helpers.js';

/**
 * Operation Encompass end to end: incidents stored as the feed stores them (the afterSave hook
 * plans a notification per child), the worker on a simulated clock, the school DSLs, the MASH and
 * information governance through the API.
 *
 * Monday 7 December 2026, 20:00 GMT: the incidents. The next school day is Tuesday 8 December;
 * the schools must be told by 08:30 and the notification is escalated if unacknowledged at 10:30.
 */

const pupils = countyPupils();
const [sent, noKeyAdult, other, unconfirmed, second, late] = pupils;
const CHILD_FIELDS = ['names', 'birthDate', 'type', 'title', 'start', 'location', 'contactName', 'contactRole', 'contactPhone', 'contactEmail'];
const OCCURRED = '2026-12-07T20:00:00Z';
const KEY_ADULT = { name: 'Kim Keyadult', email: 'dsl@sent-school.sch.example', phone: '01632 960001' };

const asChild = (id: string, p: NonNullable<typeof sent>) =>
  policeChild(id, { family: p.pupil.surname, given: p.pupil.forename, birthDate: p.pupil.birthDate, postcode: p.pupil.address.postcode, gender: p.pupil.gender === 'M' ? '1' : '2' });

// The child on a school's roll, their sibling known to no school, a child of a school with no key
// adult, a child whose police record matches a pupil only in part, and a child for the two workers.
const childA = asChild('POL-A', sent!);
const childNone = policeChild('POL-N', { family: 'Nobody-Known', given: 'Zephyrine', birthDate: '2024-06-30' });
const childB = asChild('POL-B', noKeyAdult!);
// Police hold the child by their initial only: the pupil matches probably, never for certain.
const childP = policeChild('POL-P', { family: unconfirmed!.pupil.surname, given: unconfirmed!.pupil.forename.slice(0, 1), birthDate: unconfirmed!.pupil.birthDate, postcode: unconfirmed!.pupil.address.postcode });
const childC = asChild('POL-C', second!);
const childD = asChild('POL-D', late!);

const INC1 = incident('INC-1', OCCURRED, [
  { person: policeAdult('POL-V'), role: 'victim' },
  { person: childA, role: 'child-present' },
  { person: childNone, role: 'child-in-household' },
]);
const INC2 = incident('INC-2', OCCURRED, [{ person: childB, role: 'child-present' }]);
const INC3 = incident('INC-3', OCCURRED, [{ person: childP, role: 'child-present' }]);
const INC4 = incident('INC-4', OCCURRED, [{ person: childC, role: 'child-present' }]);
// Friday 11 December 2026, 21:00: the school must be told by 08:30 on Monday 14 December.
const INC5 = incident('INC-5', '2026-12-11T21:00:00Z', [{ person: childD, role: 'child-in-household' }]);

const at = (iso: string) => new Date(iso);

const READ = /* GraphQL */ `
  query Read($id: ID!) {
    encompassNotification(id: $id) { id school schoolName keyAdult schoolDay dueBy sentAt ruleId fields { name label value } acknowledgedAt acknowledgedBy { id issuer } auditEventId }
  }
`;
const LIST = /* GraphQL */ `query { encompassNotifications { items { id incidentAt sentAt dueBy schoolDay acknowledgedAt } hasNextPage } }`;
const INBOX = /* GraphQL */ `query { notifications(first: 50) { notifications { kind text } } }`;
const EXCEPTIONS = /* GraphQL */ `query { encompassExceptions { id reason detail incidentReference personId school schoolName keyAdultPhone schoolDay } }`;

describe.each(storeKinds())('Operation Encompass on $name', (kind) => {
  let clock = at('2026-12-07T20:30:00Z');
  let stored: SourceIncident[] = [];
  let bench: Awaited<ReturnType<typeof startEncompassGateway>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let dsl: string;
  let otherDsl: string;
  let researcher: string;
  let ig: string;
  const rowOf = async (personId: string) => (await bench.gateway.store.query<Record<string, any>>('SELECT * FROM encompass_notification WHERE person_id = $1', [personId])).rows[0]!;

  beforeAll(async () => {
    expect(pupils.length).toBeGreaterThanOrEqual(6);
    smtp = await startSmtp();
    bench = await startEncompassGateway({
      now: () => clock,
      incidents: () => stored,
      smtpPort: smtp.port,
      ...(kind.name === 'postgres' ? { store: await kind.open() } : {}),
      schools: [
        { laestab: sent!.laestab, name: sent!.schoolName, keyAdult: KEY_ADULT },
        { laestab: noKeyAdult!.laestab, name: noKeyAdult!.schoolName },
        { laestab: other!.laestab, name: other!.schoolName, keyAdult: { name: 'Olly Other', email: 'dsl@other.sch.example', phone: '01632 960002' } },
        { laestab: unconfirmed!.laestab, name: unconfirmed!.schoolName, keyAdult: { name: 'Una Unconfirmed', phone: '01632 960003' } },
        { laestab: second!.laestab, name: second!.schoolName, keyAdult: { name: 'Sam Second', email: 'dsl@second.sch.example', phone: '01632 960004' } },
        { laestab: late!.laestab, name: late!.schoolName, keyAdult: { name: 'Lee Late', phone: '01632 960005' } },
      ],
    });
    dsl = await bench.token({ sub: 'dsl-1', name: 'Dee Esel', agency: 'education', roles: ['school-dsl'], school: sent!.laestab });
    otherDsl = await bench.token({ sub: 'dsl-2', name: 'Otto Esel', agency: 'education', roles: ['school-dsl'], school: other!.laestab });
    researcher = await bench.token({ sub: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'] });
    ig = await bench.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'social-care', roles: ['ig-officer'] });
    stored = [INC1, INC2, INC3];
    await bench.incidents.savePage('police', { incidents: stored, cursor: 'c1', hasMore: false }, clock);
  }, 60_000);

  afterAll(async () => {
    await bench?.close();
    await smtp?.close();
  });

  it('plans one notification per child present or in the household, none for the adults', async () => {
    const { rows } = await bench.gateway.store.query<{ person_id: string; status: string }>('SELECT person_id, status FROM encompass_notification ORDER BY person_id');
    expect(rows.map((r) => r.person_id)).toEqual(['POL-A', 'POL-B', 'POL-N', 'POL-P']);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['pending']));
  });

  it('sends nothing while the audit log is down, puts the children it cannot place on the exceptions list, then sends once the log is back', async () => {
    const audit = bench.gateway.audit;
    const append = audit.append.bind(audit);
    audit.append = async () => {
      throw Object.assign(new Error('audit down'), { code: 'AUDIT_UNAVAILABLE' });
    };
    clock = at('2026-12-07T21:00:00Z');
    try {
      await bench.gateway.encompass.runOnce(clock);
    } finally {
      audit.append = append;
    }
    const a = await rowOf('POL-A');
    expect(a.status).toBe('planned');
    expect(a.school_laestab).toBe(sent!.laestab);
    expect(new Date(a.due_by).toISOString()).toBe('2026-12-08T08:30:00.000Z');
    expect(new Date(a.escalate_at).toISOString()).toBe('2026-12-08T10:30:00.000Z');
    expect(a.content).toBeNull();
    expect((await bench.gateway.store.query("SELECT 1 FROM notification WHERE kind = 'encompass-notification'")).rows).toHaveLength(0);

    expect((await rowOf('POL-N')).status).toBe('exception');
    expect((await rowOf('POL-B')).status).toBe('exception');
    expect((await rowOf('POL-P')).status).toBe('exception');

    clock = at('2026-12-07T21:05:00Z');
    const pass = await bench.gateway.encompass.runOnce(clock);
    expect(pass.sent).toBe(1);
    const sentRow = await rowOf('POL-A');
    expect(sentRow.status).toBe('sent');
    expect(Object.keys(sentRow.content.person.fields).sort()).toEqual(['birthDate', 'names']);
    expect([...Object.keys(sentRow.content.person.fields), ...Object.keys(sentRow.content.record.fields)].sort()).toEqual([...CHILD_FIELDS].sort());
    expect(JSON.stringify(sentRow.content)).not.toMatch(/NARRATIVE|DASH|arrested|Public Protection|open|missing/i);
    expect((await bench.gateway.store.query("SELECT 1 FROM notification WHERE kind = 'encompass-notification'")).rows).toHaveLength(1);
    // A later pass sends nothing again.
    expect((await bench.gateway.encompass.runOnce(at('2026-12-07T21:10:00Z'))).sent).toBe(0);
  });

  it('records the sending as an audit event naming the school, key adult, channels, fields and rule', async () => {
    const a = await rowOf('POL-A');
    const events = (await readEvents(bench.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'sendEncompassNotification');
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.id).toBe(a.audit_event_id);
    expect(event.actor).toMatchObject({ issuer: 'urn:mash-gateway', id: 'operation-encompass' });
    expect(event.notification).toEqual({
      id: a.id,
      kind: 'operation-encompass',
      to: { school: sent!.laestab, schoolName: sent!.schoolName, keyAdult: KEY_ADULT.name, email: KEY_ADULT.email },
      channels: ['inbox', 'email'],
      fields: CHILD_FIELDS,
      ruleId: a.rule_id,
      incident: { agency: 'police', incidentId: 'INC-1' },
    });
    expect(a.rule_id).toMatch(/operation-encompass/);
    // The decisions name the child; the narrative and the older flag were denied.
    expect(event.decisions.every((d) => d.personIds?.includes('POL-A'))).toBe(true);
    expect(event.decisions.find((d) => d.category === 'police.detail')?.decision ?? 'deny').toBe('deny');
  });

  it("shows the school's DSL exactly what was sent, and another school's DSL nothing", async () => {
    const a = await rowOf('POL-A');
    const list = await bench.graphql(LIST, {}, dsl);
    expect(list.errors).toBeUndefined();
    expect(list.data.encompassNotifications.items).toEqual([
      { id: a.id, incidentAt: '2026-12-07T20:00:00.000Z', sentAt: '2026-12-07T21:05:00.000Z', dueBy: '2026-12-08T08:30:00.000Z', schoolDay: '2026-12-08', acknowledgedAt: null },
    ]);
    const read = await bench.graphql(READ, { id: a.id }, dsl);
    expect(read.errors).toBeUndefined();
    const n = read.data.encompassNotification;
    expect(n.fields.map((f: { name: string }) => f.name)).toEqual(CHILD_FIELDS);
    expect(n.fields.find((f: { name: string }) => f.name === 'names').value).toContain(sent!.pupil.surname);
    expect(n).toMatchObject({ school: sent!.laestab, keyAdult: KEY_ADULT.name, schoolDay: '2026-12-08' });
    const readEvent = (await readEvents(bench.gateway.store, { limit: 10_000 })).find((e) => e.id === n.auditEventId)!;
    expect(readEvent.operation).toBe('encompassNotification');
    expect(readEvent.decisions.flatMap((d) => d.personIds ?? [])).toContain('POL-A');
    expect(readEvent.decisions.flatMap((d) => d.fields).sort()).toEqual([...CHILD_FIELDS].sort());

    const inbox = await bench.graphql(INBOX, {}, dsl);
    const mine = inbox.data.notifications.notifications.filter((x: { kind: string }) => x.kind === 'ENCOMPASS_NOTIFICATION');
    expect(mine).toHaveLength(1);
    expect(mine[0].text).toBe(`An Operation Encompass notification for ${sent!.schoolName} is waiting: sign in to read and acknowledge it before 08:30 on Tuesday 8 December 2026.`);

    const theirs = await bench.graphql(READ, { id: a.id }, otherDsl);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await bench.graphql(READ, { id: '00000000-0000-4000-8000-000000000000' }, otherDsl);
    expect(missing.errors?.[0]?.message).toBe(theirs.errors?.[0]?.message);
    expect((await bench.graphql(LIST, {}, otherDsl)).data.encompassNotifications.items).toEqual([]);
    const otherInbox = await bench.graphql(INBOX, {}, otherDsl);
    expect(otherInbox.data.notifications.notifications.filter((x: { kind: string }) => x.kind === 'ENCOMPASS_NOTIFICATION')).toEqual([]);
    const ack = await bench.graphql(`mutation($id: ID!) { acknowledgeEncompassNotification(id: $id) { id } }`, { id: a.id }, otherDsl);
    expect(ack.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // A researcher is not a school DSL.
    expect((await bench.graphql(READ, { id: a.id }, researcher)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('emails the key adult a message that names the school and not the child', async () => {
    await bench.gateway.notifications.worker.runOnce(at('2026-12-07T21:06:00Z'));
    const mails = smtp.messages.filter((m) => m.to.includes(KEY_ADULT.email));
    expect(mails).toHaveLength(1);
    const raw = mails[0]!.raw;
    expect(raw).toContain(sent!.schoolName);
    for (const secret of [sent!.pupil.surname, sent!.pupil.forename, sent!.pupil.birthDate, 'POL-A', 'INC-1']) expect(raw).not.toContain(secret);
    // The exceptions went to the MASH's mailbox, never to a school.
    expect(smtp.messages.filter((m) => m.to.includes('mash-team@county.example')).length).toBeGreaterThan(0);
  });

  it("lists the children it could not place on the MASH's exceptions list, and tells the MASH", async () => {
    const answer = await bench.graphql(EXCEPTIONS, {}, researcher);
    expect(answer.errors).toBeUndefined();
    const byPerson = new Map(answer.data.encompassExceptions.map((e: { personId: string }) => [e.personId, e]));
    expect(byPerson.get('POL-N')).toMatchObject({ reason: 'NO_SCHOOL_FOUND', incidentReference: 'INC-1', schoolDay: '2026-12-08' });
    expect(byPerson.get('POL-B')).toMatchObject({ reason: 'NO_KEY_ADULT', school: noKeyAdult!.laestab, schoolName: noKeyAdult!.schoolName });
    expect(byPerson.get('POL-P')).toMatchObject({ reason: 'SCHOOL_NOT_CONFIRMED', school: null });
    expect(byPerson.has('POL-A')).toBe(false);
    const inbox = await bench.graphql(INBOX, {}, researcher);
    const told = inbox.data.notifications.notifications.filter((x: { kind: string }) => x.kind === 'ENCOMPASS_EXCEPTION');
    expect(told).toHaveLength(3);
    for (const t of told) expect(t.text).not.toMatch(new RegExp(`Zephyrine|Nobody|POL-|${unconfirmed!.pupil.surname}`));
    // A school DSL may not read the list.
    expect((await bench.graphql(EXCEPTIONS, {}, dsl)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('sends once when two workers run at once', async () => {
    stored = [...stored, INC4];
    await bench.incidents.savePage('police', { incidents: [INC4], cursor: 'c2', hasMore: false }, at('2026-12-07T22:00:00Z'));
    clock = at('2026-12-07T22:05:00Z');
    const passes = await Promise.all([bench.gateway.encompass.runOnce(clock), bench.gateway.encompass.runOnce(clock)]);
    expect(passes.reduce((sum, p) => sum + p.sent, 0)).toBe(1);
    const c = await rowOf('POL-C');
    expect(c.status).toBe('sent');
    const events = (await readEvents(bench.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'sendEncompassNotification' && e.notification?.id === c.id);
    expect(events).toHaveLength(1);
    expect((await bench.gateway.store.query("SELECT 1 FROM notification WHERE kind = 'encompass-notification' AND recipient_school = $1", [second!.laestab])).rows).toHaveLength(1);
  });

  it('stops the escalation once acknowledged; escalates the unacknowledged one once at escalateAt', async () => {
    const a = await rowOf('POL-A');
    clock = at('2026-12-08T07:45:00Z');
    const ack = await bench.graphql(`mutation($id: ID!) { acknowledgeEncompassNotification(id: $id) { id acknowledgedAt acknowledgedBy { id issuer } } }`, { id: a.id }, dsl);
    expect(ack.errors).toBeUndefined();
    expect(ack.data.acknowledgeEncompassNotification.acknowledgedAt).toBe('2026-12-08T07:45:00.000Z');
    expect(ack.data.acknowledgeEncompassNotification.acknowledgedBy.id).toBe('dsl-1');
    // Once only: a second acknowledgement answers the first.
    clock = at('2026-12-08T07:50:00Z');
    const again = await bench.graphql(`mutation($id: ID!) { acknowledgeEncompassNotification(id: $id) { acknowledgedAt } }`, { id: a.id }, dsl);
    expect(again.data.acknowledgeEncompassNotification.acknowledgedAt).toBe('2026-12-08T07:45:00.000Z');

    expect((await bench.gateway.encompass.runOnce(at('2026-12-08T10:29:00Z'))).escalated).toBe(0);
    expect((await bench.gateway.encompass.runOnce(at('2026-12-08T10:31:00Z'))).escalated).toBe(1);
    expect((await bench.gateway.encompass.runOnce(at('2026-12-08T10:40:00Z'))).escalated).toBe(0);
    const { rows } = await bench.gateway.store.query<{ person_id: string; reason: string }>(
      "SELECT n.person_id, e.reason FROM encompass_exception e JOIN encompass_notification n ON n.id = e.notification_id WHERE e.reason = 'NOT_ACKNOWLEDGED'",
    );
    expect(rows).toEqual([{ person_id: 'POL-C', reason: 'NOT_ACKNOWLEDGED' }]);
    const listed = (await bench.graphql(EXCEPTIONS, {}, researcher)).data.encompassExceptions.find((e: { reason: string }) => e.reason === 'NOT_ACKNOWLEDGED');
    expect(listed).toMatchObject({ personId: 'POL-C', keyAdultPhone: '01632 960004', schoolName: second!.schoolName });
    expect(listed.detail).toMatch(/phone/i);
  });

  it('resolves an exception once, with a note', async () => {
    const list = (await bench.graphql(EXCEPTIONS, {}, researcher)).data.encompassExceptions;
    const target = list.find((e: { reason: string }) => e.reason === 'NO_KEY_ADULT');
    const RESOLVE = `mutation($id: ID!, $note: String!) { resolveEncompassException(id: $id, note: $note) { id resolvedAt resolution resolvedBy { id } } }`;
    const done = await bench.graphql(RESOLVE, { id: target.id, note: "Phoned the school's DSL at 08:05 and told them" }, researcher);
    expect(done.errors).toBeUndefined();
    expect(done.data.resolveEncompassException.resolvedBy.id).toBe('researcher-1');
    expect((await bench.graphql(RESOLVE, { id: target.id, note: 'again' }, researcher)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await bench.graphql(RESOLVE, { id: target.id, note: '  ' }, researcher)).errors?.[0]?.extensions?.code).toBe('BAD_INPUT');
    expect((await bench.graphql(EXCEPTIONS, {}, researcher)).data.encompassExceptions.some((e: { id: string }) => e.id === target.id)).toBe(false);
  });

  it('lets information governance list every notification for a school or a child', async () => {
    const HISTORY = `query($school: String, $agency: String, $personId: String) { encompassNotificationHistory(school: $school, agency: $agency, personId: $personId) { id incidentReference personId school keyAdult channels fieldNames ruleId sentAt acknowledgedAt escalatedAt auditEventId } }`;
    const bySchool = await bench.graphql(HISTORY, { school: sent!.laestab }, ig);
    expect(bySchool.errors).toBeUndefined();
    expect(bySchool.data.encompassNotificationHistory).toHaveLength(1);
    expect(bySchool.data.encompassNotificationHistory[0]).toMatchObject({ personId: 'POL-A', incidentReference: 'INC-1', keyAdult: KEY_ADULT.name, fieldNames: CHILD_FIELDS, channels: ['inbox', `email: ${KEY_ADULT.email}`] });
    const byChild = await bench.graphql(HISTORY, { agency: 'police', personId: 'POL-C' }, ig);
    expect(byChild.data.encompassNotificationHistory.map((r: { personId: string; escalatedAt: string }) => [r.personId, r.escalatedAt])).toEqual([['POL-C', '2026-12-08T10:31:00.000Z']]);
    expect((await bench.graphql(HISTORY, { agency: 'police' }, ig)).errors?.[0]?.extensions?.code).toBe('BAD_INPUT');
    expect((await bench.graphql(HISTORY, { school: sent!.laestab }, researcher)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("shows each child's notification on the daily meeting's list", async () => {
    clock = at('2026-12-08T09:00:00Z');
    const answer = await bench.graphql(
      `query { domesticAbuseTriage(date: "2026-12-08") { households { children { encompass { incidentId status schoolName dueBy sentAt acknowledgedAt } } } } }`,
      {},
      researcher,
    );
    expect(answer.errors).toBeUndefined();
    const statuses = answer.data.domesticAbuseTriage.households.flatMap((h: any) => h.children.flatMap((c: any) => c.encompass));
    expect(statuses).toContainEqual(expect.objectContaining({ status: 'ACKNOWLEDGED', schoolName: sent!.schoolName, dueBy: '2026-12-08T08:30:00.000Z', sentAt: '2026-12-07T21:05:00.000Z' }));
    expect(statuses).toContainEqual(expect.objectContaining({ status: 'EXCEPTION', schoolName: noKeyAdult!.schoolName }));
  });

  it('retries while education is down, tells the MASH once the send-by time has passed, and sends late with NOT_SENT_IN_TIME', async () => {
    stored = [...stored, INC5];
    await bench.incidents.savePage('police', { incidents: [INC5], cursor: 'c3', hasMore: false }, at('2026-12-11T21:10:00Z'));
    const education = bench.gateway.sandbox!.education;
    education.setFaults({ unreadable: true });
    try {
      const friday = await bench.gateway.encompass.runOnce(at('2026-12-11T21:30:00Z'));
      expect(friday.retried).toBe(1);
      expect((await rowOf('POL-D')).status).toBe('pending');
      const reasons = async () => (await bench.gateway.store.query<{ reason: string }>("SELECT e.reason FROM encompass_exception e JOIN encompass_notification n ON n.id = e.notification_id WHERE n.person_id = 'POL-D' ORDER BY e.seq")).rows.map((r) => r.reason);
      expect(await reasons()).toEqual([]);
      // Still down after 08:30 on Monday (the local authority's next school day): the MASH is told, once.
      await bench.gateway.encompass.runOnce(at('2026-12-14T08:31:00Z'));
      await bench.gateway.encompass.runOnce(at('2026-12-14T08:32:00Z'));
      expect(await reasons()).toEqual(['AGENCY_UNAVAILABLE']);
      expect((await rowOf('POL-D')).status).toBe('pending');
    } finally {
      education.setFaults({});
    }
    // A child added to the incident by the police gets a row of their own; the first keeps its own.
    const updated = { ...INC5, persons: [...INC5.persons, { person: policeChild('POL-E', { family: 'Newcomer', given: 'Quillon', birthDate: '2025-01-02' }), role: 'child-present' as const }] };
    stored = [...stored.filter((i) => i.incidentId !== 'INC-5'), updated];
    await bench.incidents.savePage('police', { incidents: [updated], cursor: 'c4', hasMore: false }, at('2026-12-14T08:35:00Z'));
    expect((await rowOf('POL-E')).status).toBe('pending');
    expect((await rowOf('POL-D')).attempts).toBeGreaterThan(0);

    const pass = await bench.gateway.encompass.runOnce(at('2026-12-14T08:40:00Z'));
    expect(pass.sent).toBe(1);
    const d = await rowOf('POL-D');
    expect(d.status).toBe('sent');
    expect(new Date(d.due_by).toISOString()).toBe('2026-12-14T08:30:00.000Z');
    const { rows } = await bench.gateway.store.query<{ reason: string }>("SELECT e.reason FROM encompass_exception e JOIN encompass_notification n ON n.id = e.notification_id WHERE n.person_id = 'POL-D' ORDER BY e.seq");
    expect(rows.map((r) => r.reason)).toEqual(['AGENCY_UNAVAILABLE', 'NOT_SENT_IN_TIME']);
    // No email address for this key adult: the inbox only.
    expect(d.channels).toEqual(['inbox']);
  });

  it('withdraws an unsent notification when the police take the child off the incident', async () => {
    const withChild = incident('INC-6', '2026-12-14T19:00:00Z', [{ person: policeAdult('POL-V2'), role: 'victim' }, { person: asChild('POL-F', sent!), role: 'child-present' }]);
    stored = [...stored, withChild];
    await bench.incidents.savePage('police', { incidents: [withChild], cursor: 'c5', hasMore: false }, at('2026-12-14T19:10:00Z'));
    expect((await rowOf('POL-F')).status).toBe('pending');
    const without = { ...withChild, persons: withChild.persons.slice(0, 1) };
    stored = [...stored.filter((i) => i.incidentId !== 'INC-6'), without];
    await bench.incidents.savePage('police', { incidents: [without], cursor: 'c6', hasMore: false }, at('2026-12-14T19:20:00Z'));
    const pass = await bench.gateway.encompass.runOnce(at('2026-12-14T19:30:00Z'));
    expect(pass.sent).toBe(0);
    expect((await bench.gateway.store.query("SELECT 1 FROM encompass_notification WHERE person_id = 'POL-F'")).rows).toHaveLength(0);
  });
});
