import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../gateway/audit/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 11, items 10 and 11: oversight that cannot be blinded. Anomaly review reads the whole
 * window, however many events it holds; bulk browsing by search counts toward "many subjects an
 * hour"; a subject access report lists every search that showed the person as well as reads, and
 * can start from an NHS number.
 */
describe('oversight that cannot be blinded', () => {
  let t: TestGateway;
  let researcher: string;
  let ig: string;
  const started = new Date(Date.now() - 60_000).toISOString();
  const window = () => `from: "${started}", to: "${new Date(Date.now() + 60_000).toISOString()}"`;
  const ANOMALIES = (args: string) => `{ auditAnomalies(${window()}${args}) { kind actorId actorIssuer eventIds detail } }`;
  /** The newest event of an operation (the log holds more events than one read returns). */
  const lastEvent = async (operation: string): Promise<AccessEvent> =>
    (await t.gateway.store.query<{ body: AccessEvent }>(`SELECT body FROM audit_event WHERE body->>'operation' = $1 ORDER BY seq DESC LIMIT 1`, [operation])).rows[0]!.body;
  const open = async (token: string) => (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id as string;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'police'] });
    researcher = await t.token();
    ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
  });
  afterAll(async () => t?.close());

  it('reads every event of the window, beyond the first 10,000, when looking for anomalies', async () => {
    // Over 10,000 ordinary events, written cheaply through the audit log, then one break-glass opening.
    const filler = { requestId: 'filler', operation: 'readEnquiry', outcome: 'success' as const, actor: { id: 'filler-1', roles: ['mash-researcher'], issuer: 'test-issuer' } };
    for (let i = 0; i < 10_100; i += 1_000) await Promise.all(Array.from({ length: 1_000 }, () => t.gateway.audit.append(filler)));
    const late = await t.gateway.audit.append({ requestId: 'late', operation: 'openEnquiry', outcome: 'success', breakGlass: true, enquiry: { id: 'enquiry-after-the-flood' }, actor: { id: 'duty-9', roles: ['out-of-hours'], issuer: 'test-issuer' } });

    const response = await t.graphql(ANOMALIES(''), {}, ig);
    expect(response.body.errors).toBeUndefined();
    const flagged = response.body.data.auditAnomalies.find((a: any) => a.eventIds.includes(late.id));
    expect(flagged).toMatchObject({ kind: 'break-glass', actorId: 'duty-9', actorIssuer: 'test-issuer' });
    // The IG read itself says how much it read.
    const read = await lastEvent('auditAnomalies');
    expect(Number(/(\d+) events read/.exec(read.reason ?? '')?.[1])).toBeGreaterThan(10_000);
  }, 120_000);

  it('flags bulk browsing by search: each distinct person a search showed counts toward many subjects an hour', async () => {
    const browser = await t.token({ sub: 'browser-1', name: 'Bea Browser' });
    const enquiryId = await open(browser);
    const { child, parent, partner } = t.gateway.sandbox!.county.featured;
    for (const person of [child, parent, partner]) {
      const searched = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: person.nhsNumber } }, browser);
      expect(searched.body.errors).toBeUndefined();
    }
    const anomalies = (await t.graphql(ANOMALIES(', subjectsPerHour: 2'), {}, ig)).body.data.auditAnomalies;
    const flagged = anomalies.find((a: any) => a.kind === 'many-subjects' && a.actorId === 'browser-1');
    expect(flagged).toBeDefined();
    expect(flagged.eventIds).toHaveLength(3);
    expect(flagged.actorIssuer).toEqual(expect.any(String));
  });

  it('keeps one actor per (issuer, subject): the same subject at two issuers is counted apart', async () => {
    const events = Array.from({ length: 6 }, (_, i) => ({
      requestId: `r${i}`,
      operation: 'profile',
      outcome: 'refused' as const,
      outcomeCode: 'FORBIDDEN_NOT_MEMBER',
      actor: { id: 'same-sub', roles: ['mash-researcher'], issuer: i % 2 === 0 ? 'https://idp-a.test' : 'https://idp-b.test' },
    }));
    for (const e of events) await t.gateway.audit.append(e);
    const anomalies = (await t.graphql(ANOMALIES(', refusalBurst: 4'), {}, ig)).body.data.auditAnomalies;
    // Three refusals at each issuer: neither actor reaches four.
    expect(anomalies.filter((a: any) => a.kind === 'refusal-burst' && a.actorId === 'same-sub')).toEqual([]);
    const four = (await t.graphql(ANOMALIES(', refusalBurst: 3'), {}, ig)).body.data.auditAnomalies.filter((a: any) => a.kind === 'refusal-burst' && a.actorId === 'same-sub');
    expect(four.map((a: any) => a.actorIssuer).sort()).toEqual(['https://idp-a.test', 'https://idp-b.test']);
  });

  it('lists every search that showed the person in a subject access report, as well as reads', async () => {
    const enquiryId = await open(researcher);
    const { parent } = t.gateway.sandbox!.county.featured;
    const search = (await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: parent.nhsNumber } }, researcher)).body.data.searchPeople;
    const personId = search.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const report = await t.graphql(`{ whoAccessed(agency: "health", personId: "${personId}") { eventId operation actorId persons { agency personId } } }`, {}, ig);
    expect(report.body.errors).toBeUndefined();
    const entry = report.body.data.whoAccessed.find((e: any) => e.eventId === search.auditEventId);
    expect(entry).toMatchObject({ operation: 'searchPeople', actorId: 'researcher-1', persons: [{ agency: 'health', personId }] });
  });

  it('answers a subject access request from an NHS number with every agency’s accesses of that person, and audits the lookup', async () => {
    const { child } = t.gateway.sandbox!.county.featured;
    const enquiryId = await open(researcher);
    const search = (await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } }, researcher)).body.data.searchPeople;
    const ids = Object.fromEntries(search.agencies.map((a: any) => [a.agency, a.people[0]?.personId]));
    expect(ids.police).toEqual(expect.any(String));
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'police', personId: ids.police } }, researcher)).body.data.linkSubject.id;
    const profile = (await t.graphql(PROFILE, { enquiryId, subjectId }, researcher)).body.data.profile;

    const QUERY = `query($kind: PersonIdentifierKind!, $value: String!) { whoAccessedByIdentifier(kind: $kind, value: $value) {
      persons { agency personId via } unavailable { agency reason } accesses { eventId operation actorId persons { agency personId } } } }`;
    const answer = await t.graphql(QUERY, { kind: 'NHS_NUMBER', value: child.nhsNumber.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3') }, ig);
    expect(answer.body.errors).toBeUndefined();
    const report = answer.body.data.whoAccessedByIdentifier;
    expect(report.persons).toEqual(expect.arrayContaining([expect.objectContaining({ agency: 'health', personId: ids.health, via: 'identifier' }), expect.objectContaining({ agency: 'police', personId: ids.police })]));
    // The police read is reached from the NHS number (the police record is tied to it by matching or by the confirmed link).
    expect(report.accesses.find((e: any) => e.eventId === profile.auditEventId)).toMatchObject({ operation: 'profile', persons: [{ agency: 'police', personId: ids.police }] });
    expect(report.accesses.find((e: any) => e.eventId === search.auditEventId)?.operation).toBe('searchPeople');

    const lookup = await lastEvent('whoAccessedByIdentifier');
    expect(lookup).toMatchObject({ outcome: 'success', actor: { id: 'ig-1' } });
    expect(lookup.decisions.find((d) => d.agency === 'police')?.personIds).toEqual([ids.police]);
    expect(JSON.stringify(lookup)).not.toContain(child.nhsNumber);

    const refused = await t.graphql(QUERY, { kind: 'NHS_NUMBER', value: child.nhsNumber }, researcher);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const invalid = await t.graphql(QUERY, { kind: 'NHS_NUMBER', value: '1234567890' }, ig);
    expect(invalid.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'value' } });
  });
});

describe('subject access from a UPN', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'education'] });
  });
  afterAll(async () => t?.close());

  it("answers from the child's UPN with the search that showed them at the school's records, and refuses a malformed UPN", async () => {
    const researcher = await t.token();
    const ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
    const { county } = t.gateway.sandbox!;
    const child = county.featured.child;
    const upn = [...county.truth.education].find(([, personId]) => personId === child.id)?.[0];
    expect(upn).toEqual(expect.any(String));
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, researcher)).body.data.openEnquiry.id;
    const search = (await t.graphql(SEARCH, { enquiryId, query: { family: child.family, given: child.given[0], birthDate: child.birthDate } }, researcher)).body.data.searchPeople;
    const shownAtSchool = search.agencies.find((a: any) => a.agency === 'education').people.map((p: any) => p.personId);
    expect(shownAtSchool.length).toBeGreaterThan(0);

    const QUERY = `query($kind: PersonIdentifierKind!, $value: String!) { whoAccessedByIdentifier(kind: $kind, value: $value) {
      persons { agency personId via } accesses { eventId operation persons { agency personId } } } }`;
    const answer = await t.graphql(QUERY, { kind: 'UPN', value: upn }, ig);
    expect(answer.body.errors).toBeUndefined();
    const report = answer.body.data.whoAccessedByIdentifier;
    const atSchool = report.persons.filter((p: any) => p.agency === 'education');
    expect(atSchool).toEqual([expect.objectContaining({ via: 'identifier' })]);
    expect(shownAtSchool).toContain(atSchool[0].personId);
    expect(report.accesses.find((e: any) => e.eventId === search.auditEventId)?.operation).toBe('searchPeople');

    const malformed = await t.graphql(QUERY, { kind: 'UPN', value: 'X123' }, ig);
    expect(malformed.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'value' } });
  });
});
