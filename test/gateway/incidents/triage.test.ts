import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type Connector, type IncidentRole, type SourceIncident, type SourcePerson } from '../../../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';
import { readEvents, type AuditLog, type RecordedEvent } from '../../../gateway/audit/index.js';
import type { EnquiryService } from '../../../gateway/enquiries/index.js';
import { GatewayError } from '../../../gateway/errors.js';
import { createFederation } from '../../../gateway/federation/index.js';
import { createMatcher } from '../../../gateway/identity/search.js';
import type { StoredIncident } from '../../../gateway/incidents/repository.js';
import { createOutcomeRepository, createTriageService } from '../../../gateway/incidents/triage/index.js';
import { silentLogger } from '../../../gateway/log.js';
import { defaultQueueSettings } from '../../../gateway/workspace/queue/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

/**
 * The daily domestic-abuse meeting over HTTP against the sandbox county (seed 7) with every agency:
 * incidents stored as the feed would store them, built from the police's records of two households.
 * - household 1 (the featured one): mother NOM1 (victim), partner NOM2 (suspect), NOM3 (15, present),
 *   NOM4 (2, in the household); incident A last night (MEDIUM), A2 this morning (suspect and NOM4:
 *   the same household), and R in September (decided then: not listed, but a repeat);
 * - household 2: NOM7 (victim), NOM8 (suspect), NOM9 (4, present); incident B on Monday night (HIGH),
 *   received before Tuesday's meeting and not decided: carried over.
 */
const MEETING_DAY = '2026-12-02';
const P = { mother: 'NOM0000001', partner: 'NOM0000002', teen: 'NOM0000003', toddler: 'NOM0000004', victim2: 'NOM0000007', suspect2: 'NOM0000008', child2: 'NOM0000009' } as const;

const TRIAGE = /* GraphQL */ `
  query Triage($date: String!) {
    domesticAbuseTriage(date: $date) {
      date meetingAt auditEventIds
      households {
        key highestRisk indicators
        incidents { id agency reference occurredAt risk childrenPresent location officer { name } carriedOver outcome { outcome reason enquiryId recordedBy { id issuer } } }
        adults { roles person { agency personId decision names { family given } birthDate withheldFields } }
        children {
          roles age
          person { agency personId decision names { family given } birthDate identifiers { value } withheldFields }
          search {
            auditEventId
            agencies { agency status }
            people { key band records { agency personId band reasons { field } person { agency personId decision names { family } birthDate withheldFields contact { name } } } }
            notShown { agency count }
          }
          encompass { incidentId status schoolName dueBy sentAt acknowledgedAt }
        }
      }
    }
  }
`;
const RECORD = /* GraphQL */ `
  mutation Record($incidentId: ID!, $outcome: IncidentOutcomeKind!, $reason: String!) {
    recordIncidentOutcome(incidentId: $incidentId, outcome: $outcome, reason: $reason) { id incidentId outcome reason enquiryId recordedAt recordedBy { id issuer } }
  }
`;
const OPEN_FROM = /* GraphQL */ `
  mutation OpenFrom($incidentId: ID!, $input: OpenEnquiryInput!, $reason: String!) {
    openEnquiryFromIncident(incidentId: $incidentId, input: $input, reason: $reason) {
      id purpose receivedAt concernCategories { id } subjects { id }
      sourceIncident { id agency reference occurredAt risk childrenPresent location officer { name } carriedOver outcome { outcome reason enquiryId } }
    }
  }
`;

describe('the daily domestic-abuse meeting', () => {
  let t: TestGateway;
  let clock = new Date('2026-12-02T08:00:00Z');
  const tokens: Record<string, string> = {};
  const persons = new Map<string, SourcePerson>();
  const stored: Record<'A' | 'A2' | 'R' | 'B', StoredIncident> = {} as never;

  const incident = (incidentId: string, occurredAt: string, riskLevel: 'standard' | 'medium' | 'high', childrenPresent: boolean, involved: [string, IncidentRole][]): SourceIncident => ({
    agency: 'police',
    incidentId,
    kind: 'domestic-abuse',
    occurredAt,
    location: { line1: '14 Test Row', city: 'Marlbridge', postalCode: 'MH1 1AA' },
    riskLevel,
    childrenPresent,
    officer: { name: 'PC Alex Ward', role: 'Attending officer', organisation: 'Marlshire Police', phone: '01632 960100' },
    persons: involved.map(([id, role]) => ({ person: persons.get(id)!, role })),
    provenance: { system: 'https://police.test/api', recordId: incidentId, asOf: occurredAt },
  });

  const ok = async (query: string, variables: Record<string, unknown>, token = tokens.researcher!) => {
    const response = await t.graphql(query, variables, token);
    expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    return response.body.data;
  };
  const refused = async (query: string, variables: Record<string, unknown>, token = tokens.researcher!) => {
    const response = await t.graphql(query, variables, token);
    expect(response.body.errors?.length).toBe(1);
    return response.body.errors[0] as { message: string; extensions: { code: string; field?: string } };
  };
  const events = async (): Promise<RecordedEvent[]> => readEvents(t.gateway.store, { limit: 10_000 });
  const list = async (date = MEETING_DAY, token = tokens.researcher!) => (await ok(TRIAGE, { date }, token)).domesticAbuseTriage;

  beforeAll(async () => {
    t = await startTestGateway({ households: 60, agencies: ['health', 'police', 'social-care', 'education', 'housing'], now: () => clock });
    tokens.researcher = await t.token();
    tokens.manager = await t.token({ sub: 'manager-1', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'] });
    tokens.school = await t.token({ sub: 'dsl-1', name: 'Dana Lead', agency: 'education', roles: ['school-dsl'], school: '9804001' });
    tokens.reviewer = await t.token({ sub: 'reviewer-1', name: 'Rowan Reviewer', agency: 'police', roles: ['agency-reviewer'] });
    tokens.ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
    const answers = await t.gateway.federation.forRequest('setup').fetchPersons(Object.values(P).map((personId) => ({ agency: 'police', personId })));
    const police = answers.find((a) => a.agency === 'police');
    if (police?.status !== 'answered') throw new Error('the sandbox police did not answer');
    for (const person of police.persons) persons.set(person.personId, person);
    expect([...persons.keys()].sort()).toEqual(Object.values(P).sort());

    // Saved as the feed saves a page: Operation Encompass plans each child's notification in its transaction.
    const repository = t.gateway.incidents.repository;
    const save = async (incidents: SourceIncident[], at: string, cursor: string) => (await repository.savePage('police', { incidents, cursor, hasMore: false }, new Date(at))).inserted;
    stored.R = (await save([incident('OCC-R-0915', '2026-09-15T21:00:00Z', 'standard', false, [[P.mother, 'victim'], [P.partner, 'suspect'], [P.teen, 'child-in-household']])], '2026-09-15T22:00:00Z', 'c1'))[0]!;
    await createOutcomeRepository(t.gateway.store).record({ incidentId: stored.R.id, outcome: 'no-further-action', reason: 'Standard risk, first call-out; advice given', by: { issuer: 'test', id: 'researcher-0', name: 'Earlier Researcher' }, now: new Date('2026-09-16T10:00:00Z') });
    stored.B = (await save([incident('OCC-B-1130', '2026-11-30T20:00:00Z', 'high', true, [[P.victim2, 'victim'], [P.suspect2, 'suspect'], [P.child2, 'child-present']])], '2026-11-30T21:00:00Z', 'c2'))[0]!;
    stored.A = (
      await save(
      [incident('OCC-A-1201', '2026-12-01T22:10:00Z', 'medium', true, [[P.mother, 'victim'], [P.partner, 'suspect'], [P.teen, 'child-present'], [P.toddler, 'child-in-household']])],
      '2026-12-01T22:30:00Z',
      'c3',
    )
    )[0]!;
    stored.A2 = (await save([incident('OCC-A2-1202', '2026-12-02T06:00:00Z', 'standard', false, [[P.partner, 'suspect'], [P.toddler, 'child-in-household']])], '2026-12-02T06:20:00Z', 'c4'))[0]!;
  }, 180_000);
  afterAll(async () => t?.close());

  it('lists the households, highest risk first, each child searched for across agencies, one audit event per child', async () => {
    const before = (await events()).length;
    const answer = await list();
    expect(answer.date).toBe(MEETING_DAY);
    expect(answer.meetingAt).toBe('2026-12-02T09:30:00.000Z');
    const [first, second] = answer.households;
    expect(answer.households).toHaveLength(2);

    // Household 2 first: HIGH risk, carried over from Tuesday's meeting.
    expect(first).toMatchObject({ key: 'T1', highestRisk: 'HIGH' });
    expect(first.incidents.map((i: { reference: string }) => i.reference)).toEqual(['OCC-B-1130']);
    expect(first.incidents[0]).toMatchObject({ id: stored.B.id, agency: 'police', risk: 'HIGH', childrenPresent: true, carriedOver: true, outcome: null, location: null, officer: null });
    expect(first.indicators).toEqual(expect.arrayContaining(['High DASH risk', 'Child present', 'Child under 5', 'Carried over from an earlier meeting']));
    expect(first.children.map((c: { person: { personId: string } }) => c.person.personId)).toEqual([P.child2]);
    expect(first.adults.map((a: { person: { personId: string }; roles: string[] }) => [a.person.personId, a.roles])).toEqual([[P.victim2, ['VICTIM']], [P.suspect2, ['SUSPECT']]]);

    // Household 1: A and A2 share the suspect and the toddler; R (decided in September) is a repeat.
    expect(second).toMatchObject({ key: 'T2', highestRisk: 'MEDIUM' });
    expect(second.incidents.map((i: { reference: string; carriedOver: boolean }) => [i.reference, i.carriedOver])).toEqual([['OCC-A-1201', false], ['OCC-A2-1202', false]]);
    expect(second.indicators).toEqual(expect.arrayContaining(['Child present', 'Child under 5', 'Repeat incident: 3 in 12 months']));
    expect(second.indicators).not.toContain('Carried over from an earlier meeting');
    expect(second.indicators).not.toContain('High DASH risk');
    const children = second.children as { roles: string[]; age: number; person: any; search: any; encompass: unknown[] }[];
    expect(children.map((c) => [c.person.personId, c.roles, c.age])).toEqual([
      [P.teen, ['CHILD_PRESENT'], 15],
      [P.toddler, ['CHILD_IN_HOUSEHOLD'], 2],
    ]);
    expect(second.adults.map((a: { person: { personId: string } }) => a.person.personId)).toEqual([P.mother, P.partner]);

    // The police identity as the purpose allows: names, date of birth, gender, address; not identifiers.
    for (const child of children) {
      expect(child.person).toMatchObject({ agency: 'police', decision: 'DISCLOSED', identifiers: null });
      expect(child.person.names[0].family).toBeTruthy();
      expect(child.person.withheldFields).toContain('identifiers');
      // The Operation Encompass notification for the child at each of the household's incidents they were involved in.
      const at = child.person.personId === P.toddler ? [stored.A.id, stored.A2.id] : [stored.A.id];
      expect(child.encompass.map((e: any) => e.incidentId).sort()).toEqual(at.sort());
      for (const e of child.encompass as any[]) expect(['PENDING', 'PLANNED', 'SENT', 'ACKNOWLEDGED', 'EXCEPTION']).toContain(e.status);
    }

    // Each child's search: likely records at other agencies, with bands; other agencies show only whom to contact.
    for (const child of [...children, ...first.children]) {
      const elsewhere = child.search.people.flatMap((p: any) => p.records).filter((r: any) => r.agency !== 'police');
      expect(elsewhere.length, `records found for ${child.person.personId}`).toBeGreaterThan(0);
      for (const record of elsewhere) {
        expect(['CERTAIN', 'PROBABLE', 'POSSIBLE']).toContain(record.band);
        expect(record.person).toMatchObject({ decision: 'SUMMARISED', names: null, birthDate: null });
        expect(record.person.withheldFields).toEqual(expect.arrayContaining(['names', 'birthDate']));
        expect(record.person.contact?.name).toBeTruthy();
        // No reason may tell a withheld field.
        expect(record.reasons.map((r: { field: string }) => r.field)).not.toContain('birthDate');
      }
    }
    // Known to children's social care: a CERTAIN or PROBABLE social-care record in a child's search.
    const knownToSocialCare = (h: any) => h.children.some((c: any) => c.search.people.some((p: any) => p.records.some((r: any) => r.agency === 'social-care' && ['CERTAIN', 'PROBABLE'].includes(r.band))));
    for (const household of answer.households) expect(household.indicators.includes("Known to children's social care")).toBe(knownToSocialCare(household));
    expect(answer.households.some(knownToSocialCare)).toBe(true);

    // Nothing is linked, and no enquiry's search is recorded.
    for (const table of ['subject_link', 'enquiry_search_shown', 'enquiry']) {
      const { rows } = await t.gateway.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      expect(rows[0]!.n, table).toBe(0);
    }

    // One event per child, committed before the answer, naming the child, the incidents, the persons shown and the adults.
    const all = await events();
    const triage = all.slice(before).filter((e) => e.operation === 'domesticAbuseTriage');
    expect(triage.map((e) => e.id).sort()).toEqual([...answer.auditEventIds].sort());
    expect(answer.auditEventIds).toHaveLength(3);
    expect([...children, ...first.children].map((c: any) => c.search.auditEventId).sort()).toEqual([...answer.auditEventIds].sort());
    for (const child of [...children, ...first.children]) {
      const event = triage.find((e) => e.id === child.search.auditEventId)!;
      expect(event).toMatchObject({ outcome: 'success', actor: { id: 'researcher-1' }, policy: { version: loadPolicyFile().document.version } });
      expect(event.subjects).toEqual([{ subjectId: `police:${child.person.personId}`, links: [{ agency: 'police', personId: child.person.personId }] }]);
      const named = new Set(event.decisions.flatMap((d) => d.personIds ?? []));
      for (const record of child.search.people.flatMap((p: any) => p.records)) expect(named.has(record.personId)).toBe(true);
      expect(named.has(child.person.personId)).toBe(true);
    }
    const teenEvent = triage.find((e) => e.subjects[0]!.links[0]!.personId === P.teen)!;
    expect(teenEvent.reason).toContain(stored.A.id);
    expect(teenEvent.reason).not.toContain(stored.B.id);
    expect(teenEvent.decisions.flatMap((d) => d.personIds ?? [])).toEqual(expect.arrayContaining([P.mother, P.partner, P.teen]));
    const toddlerEvent = triage.find((e) => e.subjects[0]!.links[0]!.personId === P.toddler)!;
    expect(toddlerEvent.reason).toContain(stored.A2.id);
    // No name or date of birth in the event's reason.
    for (const event of triage) expect(event.reason).not.toMatch(new RegExp(persons.get(P.teen)!.names[0]!.family!, 'i'));
  });

  it('is for MASH researchers and managers only: FORBIDDEN for a school DSL, an agency reviewer and IG, and the refusal audited', async () => {
    expect((await list(MEETING_DAY, tokens.manager)).households).toHaveLength(2);
    for (const role of ['school', 'reviewer', 'ig'] as const) {
      const before = (await events()).length;
      const error = await refused(TRIAGE, { date: MEETING_DAY }, tokens[role]);
      expect(error.extensions.code).toBe('FORBIDDEN');
      const recorded = (await events()).slice(before).filter((e) => e.operation === 'domesticAbuseTriage');
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN' });
      expect(recorded[0]!.decisions).toEqual([]);
    }
  });

  it('refuses a malformed date or one more than a day ahead (BAD_INPUT, audited)', async () => {
    expect((await refused(TRIAGE, { date: '02/12/2026' })).extensions).toMatchObject({ code: 'BAD_INPUT', field: 'date' });
    expect((await refused(TRIAGE, { date: '2026-12-04' })).extensions).toMatchObject({ code: 'BAD_INPUT', field: 'date' });
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ operation: 'domesticAbuseTriage', outcome: 'refused', outcomeCode: 'BAD_INPUT' });
    // Tomorrow's list may be prepared.
    expect((await list('2026-12-03')).date).toBe('2026-12-03');
  });

  it('returns nothing when the audit log cannot record the children’s events (AUDIT_UNAVAILABLE)', async () => {
    const policy = loadPolicyFile();
    const failing: AuditLog = {
      ...t.gateway.audit,
      append: (event) => (event.operation === 'domesticAbuseTriage' ? Promise.reject(new GatewayError('AUDIT_UNAVAILABLE', 'The audit log cannot record this access.')) : t.gateway.audit.append(event)),
    };
    const queue = defaultQueueSettings();
    const broken = createTriageService({
      store: t.gateway.store,
      policy,
      abilities: createAbilityCache(policy),
      audit: failing,
      logger: silentLogger,
      matcher: createMatcher(),
      federation: t.gateway.federation,
      enquiries: {} as EnquiryService,
      now: () => clock,
      meetingTime: '09:30',
      calendar: queue.calendar,
      referralMaxAgeMs: queue.referralMaxAgeMs,
    });
    const actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: t.config.issuers[0]?.issuer ?? 'demo' };
    const error = await broken.list({ requestId: 'audit-down', actor, federation: t.gateway.federation.forRequest('audit-down') }, MEETING_DAY).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('AUDIT_UNAVAILABLE');
    expect((await events()).filter((e) => e.requestId === 'audit-down')).toEqual([]);
  });

  it('lists the meeting when an agency does not answer: its search says UNAVAILABLE and the child’s event is partial', async () => {
    const policy = loadPolicyFile();
    const down: Connector = {
      manifest: { agency: 'health', name: 'Health (down)', version: '1', protocol: 'fhir', identifierSystems: [], categories: [], contact: { name: 'Safeguarding team' } },
      searchPersons: async () => {
        throw new ConnectorError('UNREACHABLE', 'health did not answer');
      },
      fetchRecords: async () => new Map(),
    };
    const federation = createFederation([down], { timeoutMs: 500, logger: silentLogger });
    try {
      const queue = defaultQueueSettings();
      const triage = createTriageService({ store: t.gateway.store, policy, abilities: createAbilityCache(policy), audit: t.gateway.audit, logger: silentLogger, matcher: createMatcher(), federation: t.gateway.federation, enquiries: {} as EnquiryService, now: () => clock, meetingTime: '09:30', calendar: queue.calendar, referralMaxAgeMs: queue.referralMaxAgeMs });
      const actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'demo' };
      const answer = await triage.list({ requestId: 'health-down', actor, federation: federation.forRequest('health-down') }, MEETING_DAY);
      const children = answer.households.flatMap((h) => h.children);
      expect(children).toHaveLength(3);
      for (const child of children) expect(child.search.agencies.map((a) => [a.agency, a.status])).toEqual([['health', 'UNAVAILABLE']]);
      const recorded = (await events()).filter((e) => e.requestId === 'health-down');
      expect(recorded.map((e) => e.outcome)).toEqual(['partial', 'partial', 'partial']);
      expect(recorded.every((e) => e.decisions.some((d) => d.agency === 'health' && d.decision === 'unavailable'))).toBe(true);
    } finally {
      await federation.close();
    }
  });

  it('records outcomes with a reason (not in the audit log), keeps their history, and lists a decided incident on its day only', async () => {
    clock = new Date('2026-12-02T10:00:00Z');
    const recorded = (await ok(RECORD, { incidentId: stored.B.id, outcome: 'MARAC_REFERRAL', reason: '  High risk, repeat victim: MARAC referral made by the IDVA  ' })).recordIncidentOutcome;
    expect(recorded).toMatchObject({ incidentId: stored.B.id, outcome: 'MARAC_REFERRAL', reason: 'High risk, repeat victim: MARAC referral made by the IDVA', enquiryId: null, recordedAt: '2026-12-02T10:00:00.000Z', recordedBy: { id: 'researcher-1' } });
    const event = (await events()).filter((e) => e.operation === 'recordIncidentOutcome').at(-1)!;
    expect(event).toMatchObject({ outcome: 'success' });
    expect(JSON.stringify(event)).not.toContain('IDVA');
    expect(event.reason).toContain(stored.B.id);

    clock = new Date('2026-12-02T10:05:00Z');
    await ok(RECORD, { incidentId: stored.B.id, outcome: 'ENCOMPASS_ONLY', reason: 'On review: the school notification is enough' }, tokens.manager);
    const history = await createOutcomeRepository(t.gateway.store).history(stored.B.id);
    expect(history.map((o) => o.outcome)).toEqual(['marac-referral', 'encompass-only']);
    // Append-only, by the database.
    await expect(t.gateway.store.query('UPDATE incident_outcome SET reason = $1', ['changed'])).rejects.toThrow(/append-only/);
    await expect(t.gateway.store.query('DELETE FROM incident_outcome')).rejects.toThrow(/append-only/);

    // Still on today's list (decided today), with its current outcome.
    const today = await list();
    const b = today.households.flatMap((h: any) => h.incidents).find((i: any) => i.id === stored.B.id);
    expect(b.outcome).toMatchObject({ outcome: 'ENCOMPASS_ONLY', reason: 'On review: the school notification is enough', recordedBy: { id: 'manager-1' } });
    expect(b.carriedOver).toBe(true);

    // Tomorrow: B is decided; A and A2 were listed today without an outcome, so they are carried over.
    clock = new Date('2026-12-03T08:00:00Z');
    const tomorrow = await list('2026-12-03');
    expect(tomorrow.households.flatMap((h: any) => h.incidents.map((i: any) => [i.reference, i.carriedOver]))).toEqual([
      ['OCC-A-1201', true],
      ['OCC-A2-1202', true],
    ]);
    expect(tomorrow.households[0].indicators).toContain('Carried over from an earlier meeting');
    clock = new Date('2026-12-02T10:10:00Z');
  });

  it('refuses a bad outcome: MASH_ENQUIRY here, no reason, too long a reason, an unknown incident, the wrong role', async () => {
    const attempt = (variables: Record<string, unknown>, token?: string) => refused(RECORD, { incidentId: stored.A.id, outcome: 'NO_FURTHER_ACTION', reason: 'No further action', ...variables }, token);
    expect((await attempt({ outcome: 'MASH_ENQUIRY' })).extensions).toMatchObject({ code: 'BAD_INPUT', field: 'outcome' });
    expect((await attempt({ reason: '   ' })).extensions).toMatchObject({ code: 'BAD_INPUT', field: 'reason' });
    // Refused at the edge (limits.input: free text is at most 2,000 characters) or by the service.
    expect((await attempt({ reason: 'x'.repeat(2001) })).extensions.code).toBe('BAD_INPUT');
    expect((await attempt({ incidentId: '00000000-0000-4000-8000-000000000000' })).extensions.code).toBe('NOT_FOUND');
    expect((await attempt({ incidentId: 'not-a-uuid' })).extensions.code).toBe('NOT_FOUND');
    for (const role of ['school', 'reviewer', 'ig'] as const) expect((await attempt({}, tokens[role])).extensions.code).toBe('FORBIDDEN');
    expect((await createOutcomeRepository(t.gateway.store).history(stored.A.id))).toEqual([]);
    const refusals = (await events()).filter((e) => e.operation === 'recordIncidentOutcome' && e.outcome === 'refused');
    expect(refusals.length).toBeGreaterThanOrEqual(8);
  });

  it('opens an enquiry from an incident: the referral carried over, the outcome MASH_ENQUIRY in the same transaction, nobody linked', async () => {
    const input = { referralReference: 'DA-OCC-A-1201', purpose: 's47', consentRecorded: false, rag: 'RED', concernCategories: ['neglect'] };
    // The triage purpose opens no enquiry.
    expect((await refused(OPEN_FROM, { incidentId: stored.A.id, input: { ...input, purpose: 'domestic-abuse-triage' }, reason: 'Strategy discussion needed' })).extensions).toMatchObject({ code: 'BAD_INPUT', field: 'purpose' });
    expect((await refused(OPEN_FROM, { incidentId: stored.A.id, input, reason: 'Strategy discussion needed' }, tokens.school)).extensions.code).toBe('FORBIDDEN');
    expect(await createOutcomeRepository(t.gateway.store).history(stored.A.id)).toEqual([]);

    const enquiry = (await ok(OPEN_FROM, { incidentId: stored.A.id, input, reason: 'Toddler in the household, repeat incidents: strategy discussion' })).openEnquiryFromIncident;
    expect(enquiry).toMatchObject({ purpose: 's47', receivedAt: '2026-12-01T22:30:00.000Z', subjects: [] });
    expect(enquiry.concernCategories.map((c: { id: string }) => c.id)).toEqual(['neglect', 'domestic-abuse']);
    expect(enquiry.sourceIncident).toMatchObject({
      id: stored.A.id,
      agency: 'police',
      reference: 'OCC-A-1201',
      occurredAt: '2026-12-01T22:10:00.000Z',
      risk: 'MEDIUM',
      childrenPresent: true,
      outcome: { outcome: 'MASH_ENQUIRY', enquiryId: enquiry.id, reason: 'Toddler in the household, repeat incidents: strategy discussion' },
    });
    // Under s47 police flags are disclosed: where it happened and the officer come with it.
    expect(enquiry.sourceIncident.location).toBe('14 Test Row, Marlbridge, MH1 1AA');
    expect(enquiry.sourceIncident.officer).toEqual({ name: 'PC Alex Ward' });

    const referral = (await ok('query($e: ID!) { referral(enquiryId: $e) { receivedAt source { kind organisation referrerName referrerRole } } }', { e: enquiry.id })).referral;
    expect(referral).toEqual({ receivedAt: '2026-12-01T22:30:00.000Z', source: { kind: 'AGENCY', organisation: 'Marlshire Police', referrerName: 'PC Alex Ward', referrerRole: 'Attending officer' } });
    const opened = (await events()).filter((e) => e.operation === 'openEnquiryFromIncident').at(-1)!;
    expect(opened).toMatchObject({ outcome: 'success', enquiry: { id: enquiry.id, purpose: 's47' } });
    expect(JSON.stringify(opened)).not.toContain('Toddler in the household');

    // Once only; the list shows the outcome today.
    expect((await refused(OPEN_FROM, { incidentId: stored.A.id, input, reason: 'again' })).extensions.code).toBe('CONFLICT');
    const a = (await list()).households.flatMap((h: any) => h.incidents).find((i: any) => i.id === stored.A.id);
    expect(a.outcome).toMatchObject({ outcome: 'MASH_ENQUIRY', enquiryId: enquiry.id });

    // Not a member: the enquiry's source incident is not shown through another's enquiry.
    const other = await ok('query($id: ID!) { enquiry(id: $id) { id sourceIncident { id } } }', { id: enquiry.id });
    expect(other.enquiry.sourceIncident.id).toBe(stored.A.id);
    const outsider = await t.graphql('query($id: ID!) { enquiry(id: $id) { id sourceIncident { id } } }', { id: enquiry.id }, tokens.manager);
    expect(outsider.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
  });

  it('opens an enquiry received now when the incident is older than the intake allows', async () => {
    const old = await createOutcomeRepository(t.gateway.store).history(stored.R.id);
    expect(old).toHaveLength(1);
    const enquiry = (await ok(OPEN_FROM, { incidentId: stored.R.id, input: { referralReference: 'DA-OCC-R', purpose: 'early-help', consentRecorded: false, rag: 'GREEN' }, reason: 'Reviewed with the later incidents' })).openEnquiryFromIncident;
    expect(enquiry.receivedAt).toBe(clock.toISOString());
    expect(enquiry.sourceIncident).toMatchObject({ reference: 'OCC-R-0915', risk: 'STANDARD', location: null, officer: null, outcome: { outcome: 'MASH_ENQUIRY' } });
  });
});
