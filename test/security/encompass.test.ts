import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createEducationConnector } from '../../connectors/education/index.js';
import { ORGANISATION_SYSTEMS, type SourceRecord } from '../../connectors/sdk/index.js';
import { readEvents } from '../../gateway/audit/index.js';
import { createAuthenticator, DEMO_ISSUER } from '../../gateway/auth/index.js';
import { auditDecisions, discloseRecords, type AgencyAnswer } from '../../gateway/disclosure/index.js';
import {
  compileAbility,
  DEFAULT_POLICY_PATH,
  explain,
  inScope,
  loadPolicyFile,
  loadPolicyText,
  PolicyError,
  previousSchoolDay,
  runPolicyCommand,
  scopeStart,
  startOfLondonDay,
} from '../../policies/index.js';
import { AUDIENCE, ISSUER, issuerConfig, makeSigningKey, refusalOf, signToken, type SigningKey } from '../gateway/auth/fixtures.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Operation Encompass (ENC): a school's designated safeguarding lead is told, before the next
 * school day, of the police domestic-abuse incidents since the start of the previous school day,
 * with the fixed Operation Encompass fields only, and only about a child on that school's roll.
 */

describe('the previous school day (Europe/London)', () => {
  it.each([
    ['Monday', '2026-12-07T08:00:00Z', '2026-12-04'],
    ['Tuesday', '2026-12-08T08:00:00Z', '2026-12-07'],
    ['Friday', '2026-12-04T08:00:00Z', '2026-12-03'],
    ['Saturday', '2026-12-05T08:00:00Z', '2026-12-04'],
    ['Sunday', '2026-12-06T20:00:00Z', '2026-12-04'],
  ])('on a %s it is the school day before, skipping the weekend', (_day, now, expected) => {
    expect(previousSchoolDay(new Date(now))).toBe(expected);
  });

  it('skips the non-school days the calendar lists (bank holidays)', () => {
    const easter = { nonSchoolDays: ['2027-03-26', '2027-03-29'] };
    // Tuesday after Easter Monday: Good Friday and Easter Monday are not school days.
    expect(previousSchoolDay(new Date('2027-03-30T08:00:00Z'), easter)).toBe('2027-03-25');
  });

  it('counts the day in London: 00:30 on a Monday in summer time is Monday, though UTC still says Sunday', () => {
    // 2025-08-17T23:30Z is 00:30 BST on Monday 18 August.
    expect(previousSchoolDay(new Date('2025-08-17T23:30:00Z'))).toBe('2025-08-15');
    // An hour earlier it is still Sunday in London, whose previous school day is also Friday.
    expect(previousSchoolDay(new Date('2025-08-17T22:30:00Z'))).toBe('2025-08-15');
    // 23:30 UTC on a Monday in summer is already Tuesday in London.
    expect(previousSchoolDay(new Date('2025-08-18T23:30:00Z'))).toBe('2025-08-18');
  });

  it('starts a London day at local midnight: 23:00 UTC the day before in summer, 00:00 UTC in winter', () => {
    expect(startOfLondonDay('2025-08-15').toISOString()).toBe('2025-08-14T23:00:00.000Z');
    expect(startOfLondonDay('2026-12-04').toISOString()).toBe('2026-12-04T00:00:00.000Z');
    // The days the clocks change (at 01:00 UTC) begin at the previous day's offset.
    expect(startOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(startOfLondonDay('2026-03-30').toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(startOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(startOfLondonDay('2026-10-26').toISOString()).toBe('2026-10-26T00:00:00.000Z');
  });

  it('on a Monday morning the scope reaches back to the start of Friday, so the weekend’s incidents are in it', () => {
    const scope = { types: ['domestic-abuse-incident'], since: 'previous-school-day' as const };
    const from = scopeStart(scope, new Date('2025-08-18T07:30:00Z'));
    expect(from?.toISOString()).toBe('2025-08-14T23:00:00.000Z');
    const incident = (start: string, type = 'domestic-abuse-incident') => ({ fields: { type, start } });
    expect(inScope(incident('2025-08-16T00:12:00+00:00'), scope, from)).toBe(true); // Saturday, 01:12 BST
    expect(inScope(incident('2025-08-14T23:30:00Z'), scope, from)).toBe(true); // Friday, 00:30 BST
    expect(inScope(incident('2025-08-14T22:30:00Z'), scope, from)).toBe(false); // Thursday, 23:30 BST
    expect(inScope(incident('2025-08-15'), scope, from)).toBe(true); // a date alone: Friday
    expect(inScope(incident('2025-08-14'), scope, from)).toBe(false);
    expect(inScope(incident('2025-08-16T00:12:00Z', 'missing-episode'), scope, from)).toBe(false);
    expect(inScope({ fields: { type: 'domestic-abuse-incident' } }, scope, from)).toBe(false); // no start: cannot be placed
  });
});

describe('record scope in the policy', () => {
  const policy = loadPolicyFile();

  function problemsOf(change: (doc: any) => void): string {
    const doc = parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
    change(doc);
    try {
      loadPolicyText(stringify(doc), 'test.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      return (error as PolicyError).problems.join('\n');
    }
    throw new Error('policy loaded but should have been refused');
  }
  const encompass = (doc: any) => doc.matrix.find((row: any) => row.row === 'operation-encompass').cells;

  it('explain shows the Operation Encompass scope: types, since and where it starts now', () => {
    const answer = explain(policy, { purpose: 'operation-encompass', category: 'police.flags', role: 'school-dsl', now: new Date('2025-08-18T07:30:00Z') });
    expect(answer.records).toEqual({
      types: ['domestic-abuse-incident'],
      since: 'previous-school-day',
      from: '2025-08-14T23:00:00.000Z',
      description: expect.stringContaining('domestic-abuse-incident since the start of the previous school day'),
    });
    expect([...answer.fields].sort()).toEqual(['contactEmail', 'contactName', 'contactPhone', 'contactRole', 'location', 'start', 'title', 'type']);
    expect(explain(policy, { purpose: 's47', category: 'police.flags' }).records).toBeUndefined();
  });

  it('policy explain on the command line prints the scope', async () => {
    let out = '';
    const code = await runPolicyCommand(['explain', '--purpose', 'operation-encompass', '--category', 'police.flags', '--role', 'school-dsl'], {
      stdout: (s) => (out += s),
      stderr: () => undefined,
      now: () => new Date('2025-08-18T07:30:00Z'),
    });
    expect(code).toBe(0);
    expect(out).toMatch(/Records: only records of type domestic-abuse-incident since the start of the previous school day \(Europe\/London\), from 2025-08-14T23:00:00.000Z/);
  });

  it('refuses an unknown "since", naming the values it accepts', () => {
    expect(problemsOf((doc) => (encompass(doc)['police.flags'].records.since = 'last-week'))).toMatch(/records\.since: since must be one of: previous-school-day/);
  });

  it('refuses a scope on an identity category, an empty scope, a scope on deny and a scope without a fixed field list', () => {
    expect(problemsOf((doc) => (encompass(doc)['police.identity'].records = { since: 'previous-school-day' }))).toContain('an identity category has no records to scope');
    expect(problemsOf((doc) => (encompass(doc)['police.flags'].records = {}))).toContain('name types, since, or both');
    expect(
      problemsOf((doc) => {
        encompass(doc)['police.detail'].records = { since: 'previous-school-day' };
        encompass(doc)['police.detail'].fields = ['type'];
      }),
    ).toContain('a denied category discloses nothing, so a record scope has no effect');
    expect(problemsOf((doc) => delete encompass(doc)['police.flags'].fields)).toContain('a scoped cell must list its fields');
  });

  it('refuses a school-roll rule naming an unknown role', () => {
    expect(problemsOf((doc) => (doc.crossCutting.schoolRoll.roles = ['head-teacher']))).toContain('crossCutting.schoolRoll.roles: unknown role "head-teacher"');
  });

  it('refuses a non-school day that is not a date', () => {
    expect(problemsOf((doc) => (doc.schoolCalendar.nonSchoolDays = ['Christmas']))).toMatch(/schoolCalendar\.nonSchoolDays\.0: must be an ISO date/);
  });
});

describe('the school claim', () => {
  it('a DfE LAESTAB in the "school" claim becomes the actor’s school; a malformed one is refused with INVALID_CLAIM', async () => {
    const key = await makeSigningKey();
    const authenticator = createAuthenticator([issuerConfig({ keys: [key.publicJwk], agencies: ['education'], roles: ['school-dsl'] })]);
    const dsl = { agency: 'education', roles: ['school-dsl'] };
    const actor = await authenticator.authenticate(`Bearer ${await signToken({ key, claims: { ...dsl, school: '9804001' } })}`);
    expect(actor.school).toBe('9804001');
    for (const school of ['98040', '9804001X', 9804001, '', ['9804001']]) {
      const error = await refusalOf(authenticator.authenticate(`Bearer ${await signToken({ key, claims: { ...dsl, school } as never })}`));
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.details?.reason).toBe('INVALID_CLAIM');
      expect(error.message).toContain('LAESTAB');
    }
  });
});

/**
 * Against the sandbox county. Its "today" is 2025-09-30; the featured child (on the roll of
 * Marlbridge High School) was present at domestic-abuse incidents on 2024-12-04, 2025-04-13 and
 * 2025-08-16 (00:12 UTC, a Saturday) and went missing on 2025-06-22. The gateway's clock is set
 * to Monday 2025-08-18, 08:30 in London, and the policy is the shipped one made effective then.
 */
describe('Operation Encompass against the sandbox', () => {
  const MONDAY = new Date('2025-08-18T07:30:00Z');
  let t: TestGateway;
  let policyDir: string;
  let school: string;
  let otherSchool: string;
  let child: { family: string; given: string; birthDate: string };
  let schoolIdp: SigningKey;

  beforeAll(async () => {
    schoolIdp = await makeSigningKey();
    policyDir = mkdtempSync(join(tmpdir(), 'mash-encompass-policy-'));
    const doc = parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
    doc.effective.from = '2025-01-01';
    const policyPath = join(policyDir, 'policy.yaml');
    writeFileSync(policyPath, stringify(doc));
    t = await startTestGateway({
      agencies: ['police', 'education'],
      households: 20,
      policy: policyPath,
      now: () => MONDAY,
      issuers: [{ issuer: ISSUER, audience: AUDIENCE, keys: [schoolIdp.publicJwk], agencies: ['education'], roles: ['school-dsl'] }],
    });
    const featured = t.gateway.sandbox!.county.featured.child;
    child = { family: featured.family, given: featured.given[0]!, birthDate: featured.birthDate };
    // The roll as the education connector reports it: the pupil's school is their provenance organisation.
    const education = createEducationConnector({ dir: t.gateway.sandbox!.education.dir });
    const ctx = { signal: new AbortController().signal, requestId: 'encompass-test' };
    const [pupil] = await education.searchPersons(child, ctx);
    expect(pupil?.provenance.organisation?.system).toBe(ORGANISATION_SYSTEMS.laestab);
    school = pupil!.provenance.organisation!.value;
    expect(school).toMatch(/^\d{7}$/);
    const records = await education.fetchRecords([pupil!.personId], ctx);
    otherSchool = [...records.values()].flat().find((r) => r.provenance.organisation && r.provenance.organisation.value !== school)!.provenance.organisation!.value;
  });
  afterAll(async () => {
    await t?.close();
    if (policyDir) rmSync(policyDir, { recursive: true, force: true });
  });

  const dslToken = (claims: Record<string, unknown> = {}) => t.token({ sub: 'dsl-1', name: 'Dana Lead', agency: 'education', roles: ['school-dsl'], ...claims });

  const SEARCH_PEOPLE = /* GraphQL */ `
    query Search($enquiryId: ID!, $query: PersonSearchInput!) {
      searchPeople(enquiryId: $enquiryId, query: $query) {
        auditEventId
        people { key records { agency personId } }
        agencies { agency status people { personId } }
      }
    }
  `;

  async function openEncompass(token: string): Promise<string> {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 'operation-encompass', deadline: new Date(MONDAY.getTime() + 4 * 3600_000).toISOString() }) }, token);
    expect(opened.body.errors).toBeUndefined();
    return opened.body.data.openEnquiry.id as string;
  }

  /** The DSL of the child's school opens an enquiry, finds the child and links their police and education records. */
  async function linkedChild(token: string): Promise<{ enquiryId: string; subjectId: string }> {
    const enquiryId = await openEncompass(token);
    const search = await t.graphql(SEARCH_PEOPLE, { enquiryId, query: child }, token);
    expect(search.body.errors).toBeUndefined();
    const records = search.body.data.searchPeople.people[0].records as { agency: string; personId: string }[];
    const education = records.find((r) => r.agency === 'education')!;
    const police = records.find((r) => r.agency === 'police')!;
    const first = await t.graphql(LINK, { input: { enquiryId, agency: 'education', personId: education.personId } }, token);
    const subjectId = first.body.data.linkSubject.id as string;
    await t.graphql(LINK, { input: { enquiryId, subjectId, agency: 'police', personId: police.personId } }, token);
    return { enquiryId, subjectId };
  }

  async function profileEvent(auditEventId: string) {
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    return events.find((e) => e.id === auditEventId)!;
  }

  it('shows only the domestic-abuse incident since the start of the previous school day (Friday, over the weekend)', async () => {
    const token = await dslToken({ school });
    const { enquiryId, subjectId } = await linkedChild(token);
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(profile.body.errors).toBeUndefined();
    const police = profile.body.data.profile.agencies.find((a: any) => a.agency === 'police');
    const shown = [...police.events, ...police.states, ...police.involvements];
    expect(shown.map((r: any) => [r.type, r.start])).toEqual([['domestic-abuse-incident', '2025-08-16T00:12:00+00:00']]);
    // Older incidents and the missing episode leave no marker behind.
    expect(police.withheld).toEqual([]);
    expect(profile.text).not.toContain('2024-12-04');
    expect(profile.text).not.toContain('2025-04-13');
    expect(profile.text).not.toContain('missing');
  });

  it('leaves out non-domestic-abuse flags and older incidents as an audited deny with reason out-of-scope', async () => {
    const token = await dslToken({ school });
    const { enquiryId, subjectId } = await linkedChild(token);
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    const event = await profileEvent(profile.body.data.profile.auditEventId);
    const outOfScope = event.decisions?.filter((d) => d.agency === 'police' && d.reason?.startsWith('out-of-scope'));
    expect(outOfScope).toHaveLength(1);
    expect(outOfScope![0]).toMatchObject({ category: 'police.flags', decision: 'deny', markers: 0, fields: [] });
    expect(outOfScope![0]!.ruleId).toBe('operation-encompass/police.flags+out-of-scope');
    // Two older incidents and the missing episode.
    expect(outOfScope![0]!.recordIds).toHaveLength(3);
    const disclosed = event.decisions?.find((d) => d.agency === 'police' && d.category === 'police.flags' && d.decision === 'summarise');
    expect(disclosed?.recordIds).toHaveLength(1);
  });

  it('discloses only the fixed Operation Encompass fields: no narrative, outcome, risk grading or status', async () => {
    const token = await dslToken({ school });
    const { enquiryId, subjectId } = await linkedChild(token);
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    const police = profile.body.data.profile.agencies.find((a: any) => a.agency === 'police');
    const incident = police.events[0];
    expect(incident.title).toMatch(/^Domestic abuse incident \(child present/);
    expect(incident.start).toBe('2025-08-16T00:12:00+00:00');
    expect(incident.location).toBeTruthy();
    expect(incident.narrative).toBeNull();
    expect(incident.outcome).toBeNull();
    expect(incident.status).toBeNull();
    expect(profile.text).not.toContain('DASH');
    expect(incident.withheldFields).toEqual(expect.arrayContaining(['outcome', 'status']));
    // Nothing else of the child's records: police detail and the education record are denied.
    expect(police.events).toHaveLength(1);
    const education = profile.body.data.profile.agencies.find((a: any) => a.agency === 'education');
    expect([...education.events, ...education.states, ...education.involvements]).toEqual([]);
  });

  it('refuses a DSL of another school: the child is not on their roll (FORBIDDEN_NOT_ON_ROLL, audited)', async () => {
    const own = await dslToken({ school });
    const { enquiryId, subjectId } = await linkedChild(own);
    // A DSL of the child's previous school, added to the enquiry.
    const other = await t.token({ sub: 'dsl-2', name: 'Other Lead', agency: 'education', roles: ['school-dsl'], school: otherSchool });
    await t.graphql('{ me { id } }', {}, other); // only someone who has signed in can be added
    const added = await t.graphql(`mutation { addEnquiryMember(enquiryId: "${enquiryId}", actorId: "dsl-2", issuer: "${DEMO_ISSUER}", reason: "Previous school's lead") { id } }`, {}, own);
    expect(added.body.errors).toBeUndefined();
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, other);
    expect(profile.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_NOT_ON_ROLL');
    expect(profile.body.errors[0].message).toContain('roll');
    expect(profile.body.data?.profile ?? null).toBeNull();
    expect(profile.text).not.toContain('domestic-abuse-incident');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const refused = events.filter((e) => e.operation === 'profile' && e.outcomeCode === 'FORBIDDEN_NOT_ON_ROLL');
    expect(refused.at(-1)).toMatchObject({ outcome: 'refused', actor: { id: 'dsl-2', school: otherSchool } });
    expect(refused.at(-1)!.decisions ?? []).toEqual([]);
  });

  it('narrows a DSL’s search to pupils on their school’s roll', async () => {
    const token = await dslToken({ school: otherSchool });
    const enquiryId = await openEncompass(token);
    const search = await t.graphql(SEARCH_PEOPLE, { enquiryId, query: child }, token);
    expect(search.body.errors).toBeUndefined();
    expect(search.body.data.searchPeople.people).toEqual([]);
    for (const agency of search.body.data.searchPeople.agencies) expect(agency.people).toEqual([]);
    expect(search.text).not.toContain(child.family);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const event = events.find((e) => e.id === search.body.data.searchPeople.auditEventId)!;
    expect(event.reason).toMatch(new RegExp(`Narrowed to pupils on the roll of school ${otherSchool}: [1-9]\\d* candidates? not on the roll left out`));
  });

  it('refuses a DSL whose token names no school (FORBIDDEN_NO_SCHOOL, audited)', async () => {
    const own = await dslToken({ school });
    const { enquiryId, subjectId } = await linkedChild(own);
    const noSchool = await t.token({ sub: 'dsl-3', name: 'Schoolless Lead', agency: 'education', roles: ['school-dsl'] });
    await t.graphql('{ me { id } }', {}, noSchool); // only someone who has signed in can be added
    const added = await t.graphql(`mutation { addEnquiryMember(enquiryId: "${enquiryId}", actorId: "dsl-3", issuer: "${DEMO_ISSUER}", reason: "Second lead at the school") { id } }`, {}, own);
    expect(added.body.errors).toBeUndefined();
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, noSchool);
    expect(profile.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_NO_SCHOOL');
    expect(profile.body.errors[0].message).toContain('"school" claim');
    const search = await t.graphql(SEARCH_PEOPLE, { enquiryId, query: child }, noSchool);
    expect(search.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_NO_SCHOOL');
    expect(search.text).not.toContain(child.family);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const refused = events.filter((e) => e.outcomeCode === 'FORBIDDEN_NO_SCHOOL');
    expect(refused.map((e) => e.operation).sort()).toEqual(['profile', 'searchPeople']);
    for (const e of refused) expect(e.outcome).toBe('refused');
  });

  it('explainAccess (IG) shows the scope and where it starts at the gateway’s time', async () => {
    const ig = await t.token({ sub: 'ig-1', name: 'Ida Governance', agency: 'social-care', roles: ['ig-officer'] });
    const response = await t.graphql(
      '{ explainAccess(question: { purpose: "operation-encompass", category: "police.flags", role: "school-dsl" }) { decision fields records { types since from description } } }',
      {},
      ig,
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.explainAccess.records).toEqual({
      types: ['domestic-abuse-incident'],
      since: 'previous-school-day',
      from: '2025-08-14T23:00:00.000Z',
      description: expect.stringContaining('since the start of the previous school day'),
    });
  });

  it('refuses a token whose school claim is malformed (401 INVALID_CLAIM), and shows a well-formed one as the actor’s school', async () => {
    const malformed = await signToken({ key: schoolIdp, claims: { sub: 'dsl-4', name: 'Lead', agency: 'education', roles: ['school-dsl'], school: '98-04001' } });
    const refused = await t.graphql('{ me { id } }', {}, malformed);
    expect(refused.status).toBe(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(refused.body.errors[0].message).toContain('"school" claim');
    await expect(t.gateway.demoIssuer!.sign({ sub: 'dsl-4', name: 'Lead', agency: 'education', roles: ['school-dsl'], school: '98-04001' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const response = await t.graphql('{ me { id school } }', {}, await dslToken({ school }));
    expect(response.body.data.me.school).toBe(school);
  });
});

describe('the gate with a record scope', () => {
  const base = parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  const policyWith = (change: (doc: any) => void) => {
    const doc = structuredClone(base);
    change(doc);
    return loadPolicyText(stringify(doc), 'test.yaml');
  };
  const dsl = { roles: ['school-dsl'], purpose: 'operation-encompass', consent: false, relation: 'child' as const, relevance: false };
  const contact = { name: 'MASH police desk' };
  let serial = 0;
  const incident = (type: string, start: string): SourceRecord => ({
    kind: 'event',
    agency: 'police',
    category: 'police.flags',
    tier: 'T1',
    personId: 'NOM1',
    provenance: { system: 'https://police.test', recordId: `events/${++serial}`, asOf: '2025-08-18T06:00:00Z' },
    fields: { type, title: 'Domestic abuse incident (child present)', start, status: 'closed', outcome: 'DASH risk: high' },
  });
  const answers = (): AgencyAnswer[] => [
    { agency: 'police', status: 'answered', contact, records: [incident('domestic-abuse-incident', '2025-08-16T00:12:00Z'), incident('domestic-abuse-incident', '2025-04-13T20:52:00Z'), incident('missing-episode', '2025-08-17T10:00:00Z')] },
  ];

  it('denies every age-scoped record when the time of the request is not given (fail closed)', () => {
    const compiled = compileAbility(loadPolicyFile(), dsl);
    const disclosure = discloseRecords(compiled, answers());
    expect(disclosure.agencies[0]!.records).toEqual([]);
    expect(disclosure.agencies[0]!.status).toBe('NO_RECORD');
    expect(auditDecisions(disclosure)).toEqual([expect.objectContaining({ decision: 'deny', recordIds: expect.any(Array), reason: expect.stringMatching(/^out-of-scope: .*time of the request was not known/) })]);
  });

  it('a withheld scoped category marks only the records in scope, and none when every record is out of scope', () => {
    const withheld = policyWith((doc) => {
      const cell = doc.matrix.find((row: any) => row.row === 'operation-encompass').cells['police.flags'];
      cell.decision = 'withhold';
    });
    const compiled = compileAbility(withheld, dsl);
    const monday = new Date('2025-08-18T07:30:00Z');
    const marked = discloseRecords(compiled, answers(), undefined, monday);
    expect(marked.agencies[0]!.withheld).toEqual([expect.objectContaining({ count: 1 })]);
    const older = [{ ...answers()[0]!, records: [incident('domestic-abuse-incident', '2025-04-13T20:52:00Z')] } as AgencyAnswer];
    const none = discloseRecords(compiled, older, undefined, monday);
    expect(none.agencies[0]!.withheld).toEqual([]);
    expect(none.agencies[0]!.status).toBe('NO_RECORD');
    expect(auditDecisions(none)).toEqual([expect.objectContaining({ decision: 'deny', markers: 0, reason: expect.stringMatching(/^out-of-scope/) })]);
  });
});
