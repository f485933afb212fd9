import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, verifyChain } from '../../gateway/audit/index.js';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { configFromDocument } from '../../gateway/config.js';
import { buildConnectors, inlineSandboxAgencies } from '../../gateway/connectors.js';
import { silentLogger } from '../../gateway/log.js';
import { openStore, type Store } from '../../gateway/store/index.js';
import { loadPolicyFile } from '../../policies/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { startSmtp } from '../helpers/smtp.js';
import { openPostgresTestStore, testDatabaseUrl, uniqueSchema } from '../helpers/stores.js';
import { RELAXED_RATE_LIMITS } from '../helpers/gateway.js';

/**
 * Operation Encompass and the daily domestic-abuse meeting, end to end over HTTP on the sandbox
 * county with all five agencies. On Friday night police attend a domestic-abuse incident with two
 * children present: a 15-year-old on the roll of a school whose key adult is configured, and a
 * toddler on no school's roll. Monday is a bank holiday. The gateway reads the police incident
 * feed on Friday night and is then restarted; the restarted gateway finds the school, sends the
 * school its notification before 08:30 on Tuesday (the clock is simulated) with exactly the fixed
 * Operation Encompass fields, the school's DSL reads and acknowledges it, the toddler is on the
 * MASH's exceptions list, and Tuesday's meeting list shows the household with both children.
 */

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
/** The sandbox household (seed 7): a 15-year-old at Marlbridge High School (9804001) and a toddler. */
const HOUSEHOLD = 'h000001';
const SCHOOL = '9804001';
const OTHER_SCHOOL = '9802001';
const KEY_ADULT = { name: 'Dana Okafor', email: 'dsl@marlbridge-high.sch.example', phone: '01632 960123' };
/** Friday 30 April 2027, 22:05 in London (BST): the incident. Monday 3 May 2027 is the early May bank holiday. */
const INCIDENT_AT = '2027-04-30T21:05:00Z';
const FRIDAY_NIGHT = new Date('2027-04-30T22:30:00Z');
const SATURDAY_EARLY = new Date('2027-05-01T00:15:00Z');
/** Tuesday 4 May 2027: 08:30 in London is 07:30 UTC. */
const TUESDAY_SEND_BY = '2027-05-04T07:30:00.000Z';
const TUESDAY_MORNING = new Date('2027-05-04T07:10:00Z');
const TUESDAY_MEETING = new Date('2027-05-04T08:45:00Z');
const TUESDAY_MID_MORNING = new Date('2027-05-04T09:45:00Z');

const NOTIFICATIONS = 'query { encompassNotifications(first: 20) { items { id incidentAt sentAt dueBy schoolDay acknowledgedAt } hasNextPage } }';
const NOTIFICATION = 'query($id: ID!) { encompassNotification(id: $id) { id school schoolName keyAdult schoolDay dueBy sentAt ruleId fields { name label value } acknowledgedAt auditEventId } }';
const ACKNOWLEDGE = 'mutation($id: ID!) { acknowledgeEncompassNotification(id: $id) { id acknowledgedAt acknowledgedBy { id issuer } } }';
const INBOX = 'query { notifications(first: 50) { notifications { id kind text } } }';
const EXCEPTIONS = 'query { encompassExceptions { id reason detail incidentId personId school schoolDay resolvedAt } }';
const HISTORY = 'query($s: String) { encompassNotificationHistory(school: $s) { id school keyAdult channels fieldNames ruleId sentAt dueBy acknowledgedAt auditEventId personId } }';
const TRIAGE = /* GraphQL */ `
  query($d: String!) {
    domesticAbuseTriage(date: $d) {
      date meetingAt auditEventIds
      households {
        key highestRisk indicators
        incidents { id reference risk childrenPresent carriedOver outcome { outcome } }
        adults { roles person { names { family given } } }
        children { roles age person { agency personId names { family given } birthDate } search { people { band records { agency band } } } encompass { status schoolName } }
      }
    }
  }
`;

describe('Operation Encompass: a Friday-night incident, a bank holiday Monday, and the Tuesday-morning notification', () => {
  let sandbox: Sandbox;
  let store: Store;
  let gateway: Gateway | undefined;
  let clock = FRIDAY_NIGHT;
  const dataDirs: string[] = [];
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let incidentId: string;
  let child: { policeId: string; family: string; given: string; birthDate: string };
  let toddler: { policeId: string; family: string; given: string };

  const policy = loadPolicyFile();

  /** A gateway "process" over the shared store and the sandbox's agency systems, with the simulated clock. */
  async function startAt(at: Date): Promise<Gateway> {
    clock = at;
    const dataDir = mkdtempSync(join(tmpdir(), 'mash-encompass-e2e-'));
    dataDirs.push(dataDir);
    const config = configFromDocument(
      {
        auth: { demoIssuer: true, issuers: [] },
        sandbox: { enabled: false },
        // The agency systems are the test's sandbox, which outlives each gateway "process".
        connectors: [{ kind: 'health', baseUrl: sandbox.health.baseUrl, timeoutMs: 3000 }],
        limits: { rate: { actor: { points: 100_000, perSeconds: 60 }, address: { points: 100_000, perSeconds: 60 }, unauthenticated: { points: 100_000, perSeconds: 60 }, inFlightPerActor: 100 }, overload: RELAXED_RATE_LIMITS.overload },
        notifications: {
          deadlineNear: { scanEverySeconds: 0 },
          delivery: { pollMs: 600_000 },
          email: { host: '127.0.0.1', port: smtp.port, from: 'mash@county.example', to: ['mash-team@county.example'], timeoutMs: 5000 },
        },
        incidents: { pollEverySeconds: 0, backfillHours: 24 },
        encompass: {
          workEverySeconds: 0,
          terms: [{ from: '2027-04-12', to: '2027-05-28' }],
          schools: [
            { laestab: SCHOOL, name: 'Marlbridge High School', keyAdult: KEY_ADULT },
            { laestab: OTHER_SCHOOL, name: 'Marlbridge Primary School', keyAdult: { name: 'Other DSL', email: 'dsl@marlbridge-primary.sch.example' } },
          ],
        },
      },
      join(process.cwd(), 'mash-gateway.config.yaml'),
      { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 2000 },
    );
    const connectors = await buildConnectors(AGENCIES.map((kind) => ({ kind, timeoutMs: 3000 }) as never), inlineSandboxAgencies(sandbox), config.baseDir);
    return startGateway(config, { store, connectors, now: () => clock, logger: silentLogger });
  }

  async function graphql(query: string, variables: Record<string, unknown>, token: string): Promise<any> {
    const response = await fetch(`${gateway!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  }
  const ok = (body: any): any => {
    expect(body.errors).toBeUndefined();
    return body.data;
  };
  const researcher = () => gateway!.demoIssuer!.sign({ sub: 'mash-researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'] });
  const dsl = (school: string) => gateway!.demoIssuer!.sign({ sub: `dsl-${school}`, name: 'School DSL', agency: 'education', roles: ['school-dsl'], school });
  const ig = () => gateway!.demoIssuer!.sign({ sub: 'ig-1', name: 'Ira IG', agency: 'local-authority', roles: ['ig-officer'] });

  beforeAll(async () => {
    smtp = await startSmtp();
    sandbox = await startSandbox({ seed: 7, households: 60, host: '127.0.0.1' });
    store = testDatabaseUrl() ? await openPostgresTestStore(uniqueSchema('encompass')) : await openStore({});

    // Friday night: police attend the household; both children were there.
    const { county } = sandbox;
    const household = county.households.find((h) => h.id === HOUSEHOLD)!;
    const members = household.memberIds.map((id) => county.personsById.get(id)!);
    const adults = members.filter((p) => p.role !== 'child');
    const [teen, little] = members.filter((p) => p.role === 'child').sort((a, b) => a.birthDate.localeCompare(b.birthDate));
    expect(teen!.schoolId).toBeDefined();
    expect(little!.schoolId).toBeUndefined();
    const address = county.addressesById.get(household.addressId)!;
    const nominal = (p: (typeof members)[number]) => {
      const known = county.views.police.persons.find((n) => n.personId === p.id);
      return known ? { personId: known.id } : { newPerson: { forenames: p.given, surname: p.family, dateOfBirth: p.birthDate, sex: p.sex === 'male' ? ('M' as const) : ('F' as const), truePersonId: p.id } };
    };
    const recorded = sandbox.police.recordIncident({
      occurredAt: INCIDENT_AT,
      recordedAt: '2027-04-30T21:50:00Z',
      riskLevel: 'high',
      childrenPresent: true,
      location: { uprn: address.uprn, line1: address.line1, city: address.city, postcode: address.postcode },
      persons: [
        { role: 'victim', ...nominal(adults[0]!) },
        { role: 'suspect', ...nominal(adults[1]!) },
        { role: 'child-present', ...nominal(teen!) },
        { role: 'child-present', ...nominal(little!) },
      ],
    } as never);
    const teenPolice = recorded.persons.find((p: { role: string }) => p.role === 'child-present')!.personId;
    const littlePolice = recorded.persons.filter((p: { role: string }) => p.role === 'child-present')[1]!.personId;
    child = { policeId: teenPolice, family: teen!.family, given: teen!.given[0]!, birthDate: teen!.birthDate };
    toddler = { policeId: littlePolice, family: little!.family, given: little!.given[0]! };
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    await sandbox?.close();
    await smtp?.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the incident from the police feed on Friday night, and nothing is sent before the restart', async () => {
    gateway = await startAt(FRIDAY_NIGHT);
    const polled = await gateway.incidents.pollOnce();
    expect(JSON.stringify(polled)).toContain('police');
    const stored = await gateway.incidents.repository.list({ kind: 'domestic-abuse' });
    const ours = stored.filter((i) => i.persons.some((p) => p.personId === child.policeId));
    expect(ours).toHaveLength(1);
    incidentId = ours[0]!.id;
    expect(ours[0]!.riskLevel).toBe('high');
    // A second read gives nothing new: the cursor moved with the page.
    await gateway.incidents.pollOnce();
    expect((await gateway.incidents.repository.list({ kind: 'domestic-abuse' })).filter((i) => i.persons.some((p) => p.personId === child.policeId))).toHaveLength(1);
    // The gateway stops before any notification is sent.
    await gateway.close();
    gateway = undefined;
    const { rows } = await store.query<{ n: number }>("SELECT count(*)::int AS n FROM encompass_notification WHERE status = 'sent'");
    expect(rows[0]!.n).toBe(0);
  });

  it('after the restart, sends the school its notification for Tuesday (Monday is a bank holiday) with the fixed fields only', async () => {
    gateway = await startAt(SATURDAY_EARLY);
    await gateway.encompass.runOnce(SATURDAY_EARLY);
    // Restarted, the gateway does not read the incident a second time.
    await gateway.incidents.pollOnce();
    expect((await gateway.incidents.repository.list({ kind: 'domestic-abuse' })).filter((i) => i.persons.some((p) => p.personId === child.policeId))).toHaveLength(1);

    clock = TUESDAY_MORNING;
    const list = ok(await graphql(NOTIFICATIONS, {}, await dsl(SCHOOL))).encompassNotifications.items;
    expect(list).toHaveLength(1);
    const [item] = list;
    expect(item.schoolDay).toBe('2027-05-04');
    expect(new Date(item.dueBy).toISOString()).toBe(TUESDAY_SEND_BY);
    expect(Date.parse(item.sentAt)).toBeLessThan(Date.parse(TUESDAY_SEND_BY));
    expect(item.acknowledgedAt).toBeNull();

    const read = ok(await graphql(NOTIFICATION, { id: item.id }, await dsl(SCHOOL))).encompassNotification;
    expect(read.school).toBe(SCHOOL);
    expect(read.keyAdult).toBe(KEY_ADULT.name);
    // Exactly the fixed Operation Encompass fields the policy names: the child's name and date of
    // birth, and of the incident what it was (the child's role and that children were present),
    // when, where, and whom at the police to contact. Nothing else of the police record.
    const cell = (policy.document.matrix.find((row) => row.purpose === 'operation-encompass')!.cells as Record<string, { fields?: string[] }>)['police.flags']!;
    const allowed = new Set(['names', 'birthDate', ...cell.fields!]);
    const names = read.fields.map((f: { name: string }) => f.name);
    expect(new Set(names)).toEqual(allowed);
    expect(names).toHaveLength(allowed.size);
    for (const forbidden of ['narrative', 'outcome', 'status', 'service', 'gender', 'addresses', 'identifiers']) expect(names).not.toContain(forbidden);
    const value = (name: string) => read.fields.find((f: { name: string }) => f.name === name)?.value as string;
    expect(value('names')).toContain(child.family);
    expect(value('birthDate')).toContain(child.birthDate.slice(0, 4));
    expect(value('title').toLowerCase()).toContain('present');
    expect(JSON.stringify(read)).not.toMatch(/DASH|high risk|MARAC/i);
    expect(JSON.stringify(read)).not.toContain(toddler.given);

    // The DSL's inbox says a notification waits, naming no child; so does the email to the key adult.
    const inbox = ok(await graphql(INBOX, {}, await dsl(SCHOOL))).notifications.notifications;
    const told = inbox.filter((n: { kind: string }) => n.kind === 'ENCOMPASS_NOTIFICATION');
    expect(told).toHaveLength(1);
    expect(told[0].text).not.toContain(child.family);
    await gateway.notifications.worker.runOnce(TUESDAY_MORNING);
    const email = smtp.messages.filter((m) => m.to.includes(KEY_ADULT.email));
    expect(email).toHaveLength(1);
    expect(email[0]!.raw).not.toContain(child.family);
    expect(email[0]!.raw).not.toContain(child.given);

    // Another school's DSL sees nothing of it.
    expect(ok(await graphql(NOTIFICATIONS, {}, await dsl(OTHER_SCHOOL))).encompassNotifications.items).toHaveLength(0);
    const probe = await graphql(NOTIFICATION, { id: item.id }, await dsl(OTHER_SCHOOL));
    expect(probe.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(JSON.stringify(probe)).not.toContain(child.family);
  });

  it('the DSL acknowledges it before school, and it is not escalated', async () => {
    clock = TUESDAY_MORNING;
    const [item] = ok(await graphql(NOTIFICATIONS, {}, await dsl(SCHOOL))).encompassNotifications.items;
    const acknowledged = ok(await graphql(ACKNOWLEDGE, { id: item.id }, await dsl(SCHOOL))).acknowledgeEncompassNotification;
    expect(acknowledged.acknowledgedAt).not.toBeNull();
    expect(acknowledged.acknowledgedBy).toMatchObject({ id: `dsl-${SCHOOL}` });
    clock = TUESDAY_MID_MORNING;
    await gateway!.encompass.runOnce(TUESDAY_MID_MORNING);
    const exceptions = ok(await graphql(EXCEPTIONS, {}, await researcher())).encompassExceptions;
    expect(exceptions.filter((e: { reason: string }) => e.reason === 'NOT_ACKNOWLEDGED')).toHaveLength(0);
  });

  it('puts the toddler, on no school roll, on the MASH exceptions list for Tuesday morning', async () => {
    const exceptions = ok(await graphql(EXCEPTIONS, {}, await researcher())).encompassExceptions;
    const toddlers = exceptions.filter((e: { personId: string }) => e.personId === toddler.policeId);
    expect(toddlers).toHaveLength(1);
    expect(toddlers[0]).toMatchObject({ reason: 'NO_SCHOOL_FOUND', incidentId, schoolDay: '2027-05-04', resolvedAt: null });
    expect(exceptions.filter((e: { personId: string }) => e.personId === child.policeId)).toHaveLength(0);
  });

  it("shows Tuesday's meeting the household with both children, each found across agencies and not linked", async () => {
    clock = TUESDAY_MEETING;
    const triage = ok(await graphql(TRIAGE, { d: '2027-05-04' }, await researcher())).domesticAbuseTriage;
    const household = triage.households.find((h: any) => h.incidents.some((i: any) => i.id === incidentId));
    expect(household).toBeDefined();
    expect(household.highestRisk).toBe('HIGH');
    expect(household.children.map((c: any) => c.person.personId).sort()).toEqual([child.policeId, toddler.policeId].sort());
    expect(household.adults).toHaveLength(2);
    const teen = household.children.find((c: any) => c.person.personId === child.policeId);
    expect(teen.roles).toEqual(['CHILD_PRESENT']);
    // The identity matcher finds the child at other agencies, with a band; nothing is linked.
    const agencies = new Set(teen.search.people.flatMap((p: any) => p.records.map((r: any) => r.agency)));
    expect(agencies.has('education')).toBe(true);
    expect(teen.encompass).toEqual([expect.objectContaining({ status: 'ACKNOWLEDGED', schoolName: 'Marlbridge High School' })]);
    const little = household.children.find((c: any) => c.person.personId === toddler.policeId);
    expect(little.encompass).toEqual([expect.objectContaining({ status: 'EXCEPTION' })]);
    // One audit event per child, committed before the answer.
    expect(triage.auditEventIds.length).toBeGreaterThanOrEqual(2);
  });

  it('lets IG list what was sent to the school, under which rule, with its audit event; the chain verifies', async () => {
    const history = ok(await graphql(HISTORY, { s: SCHOOL }, await ig())).encompassNotificationHistory;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ school: SCHOOL, keyAdult: KEY_ADULT.name, personId: child.policeId });
    expect(history[0].fieldNames).toEqual(expect.arrayContaining(['names', 'birthDate', 'start']));
    expect(history[0].channels.join(' ')).toContain('email');
    expect(history[0].ruleId).toMatch(/operation-encompass/);
    const events = await readEvents(store, { limit: 10_000 });
    const sent = events.find((e) => e.id === history[0].auditEventId);
    expect(sent?.operation).toBe('sendEncompassNotification');
    expect(sent?.actor?.issuer).toBeTruthy();
    expect(JSON.stringify(sent)).toContain(SCHOOL);
    expect((await verifyChain(store)).ok).toBe(true);
  });
});
