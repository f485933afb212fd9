import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { recordAndSignOff } from '../helpers/decision.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** Information governance reads the audit log: filtered, paged, per person, anomalies, notifications. */
describe('information-governance queries', () => {
  let t: TestGateway;
  let researcher: string;
  let ig: string;
  let enquiryId: string;
  let personId: string;
  const started = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    t = await startTestGateway();
    researcher = await t.token();
    ig = await t.token({ sub: 'ig-1', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] });
    enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, researcher)).body.data.openEnquiry.id;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: t.gateway.sandbox!.county.featured.child.nhsNumber } }, researcher);
    personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, researcher)).body.data.linkSubject.id;
    for (let i = 0; i < 3; i++) await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    await recordAndSignOff(t, enquiryId, researcher);
    await t.graphql(`mutation { closeEnquiry(enquiryId: "${enquiryId}", decision: "Strategy discussion held") { status } }`, {}, researcher);
    for (let i = 0; i < 3; i++) await t.graphql(PROFILE, { enquiryId, subjectId }, researcher); // refused: closed
  });
  afterAll(async () => t?.close());

  const LOG = `query($filter: AccessLogFilter, $first: Int, $after: String) {
    accessLog(filter: $filter, first: $first, after: $after) { endCursor hasNextPage events { seq operation outcome outcomeCode actor { id } enquiryId purpose decisions { agency category decision } } } }`;

  it('filters the log by enquiry and pages through it with a cursor', async () => {
    const first = await t.graphql(LOG, { filter: { enquiryId }, first: 4 }, ig);
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data.accessLog;
    expect(page1.events).toHaveLength(4);
    expect(page1.hasNextPage).toBe(true);
    const second = await t.graphql(LOG, { filter: { enquiryId }, first: 100, after: page1.endCursor }, ig);
    const page2 = second.body.data.accessLog;
    expect(page2.hasNextPage).toBe(false);
    const seqs = [...page1.events, ...page2.events].map((e: any) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...page1.events, ...page2.events].every((e: any) => e.enquiryId === enquiryId)).toBe(true);
  });

  it('filters by agency and decision, and by outcome', async () => {
    const disclosed = await t.graphql(LOG, { filter: { agency: 'health', decision: 'disclose', outcome: 'success' } }, ig);
    const events = disclosed.body.data.accessLog.events;
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const e of events) expect(e.decisions.some((d: any) => d.agency === 'health' && d.decision === 'disclose')).toBe(true);
    const refused = await t.graphql(LOG, { filter: { outcome: 'refused', actorId: 'researcher-1' } }, ig);
    expect(refused.body.data.accessLog.events.filter((e: any) => e.outcomeCode === 'FORBIDDEN_ENQUIRY_CLOSED')).toHaveLength(3);
  });

  it('answers a subject access request: who saw this person, when, why, which categories, not the content', async () => {
    const report = await t.graphql(`{ whoAccessed(agency: "health", personId: "${personId}") { actorId actorName actorAgency roles purpose categories operation at } }`, {}, ig);
    const entries = report.body.data.whoAccessed;
    // The search that showed the person comes first, then the three reads.
    expect(entries.map((e: any) => e.operation)).toEqual(['searchPeople', 'profile', 'profile', 'profile']);
    const read = entries.find((e: any) => e.operation === 'profile');
    expect(read).toMatchObject({ actorId: 'researcher-1', actorAgency: 'social-care', purpose: 's47', roles: ['mash-researcher'] });
    expect(read.categories).toEqual(expect.arrayContaining(['health.summary', 'health.clinical']));
    expect(JSON.stringify(entries)).not.toMatch(/narrative|A&E attendance/);
  });

  it('flags attempts after closure and bursts of refusals', async () => {
    const response = await t.graphql(`{ auditAnomalies(from: "${started}", to: "${new Date(Date.now() + 60_000).toISOString()}", refusalBurst: 3) { kind actorId eventIds detail } }`, {}, ig);
    const kinds = response.body.data.auditAnomalies.map((a: any) => a.kind);
    expect(kinds.filter((k: string) => k === 'after-closure')).toHaveLength(3);
    expect(kinds).toContain('refusal-burst');
  });

  it('flags a search by someone who shares the family name searched for, keeping only the flag', async () => {
    const { child } = t.gateway.sandbox!.county.featured;
    const namesake = await t.token({ sub: 'researcher-2', name: `Sam ${child.family}` });
    const own = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, namesake)).body.data.openEnquiry.id;
    const search = await t.graphql(SEARCH, { enquiryId: own, query: { family: child.family, given: child.given[0], birthDate: child.birthDate } }, namesake);
    expect(search.body.errors).toBeUndefined();
    const eventId = search.body.data.searchPeople.auditEventId;
    const window = `from: "${started}", to: "${new Date(Date.now() + 60_000).toISOString()}"`;
    const anomalies = (await t.graphql(`{ auditAnomalies(${window}) { kind actorId eventIds detail } }`, {}, ig)).body.data.auditAnomalies;
    const flagged = anomalies.filter((a: any) => a.kind === 'shared-surname');
    expect(flagged).toEqual([expect.objectContaining({ actorId: 'researcher-2', eventIds: [eventId] })]);
    expect(flagged[0].detail).not.toContain(child.family);
    const log = (await t.graphql(`{ accessLog(filter: { actorId: "researcher-2" }) { events { id operation sharedSurname } } }`, {}, ig)).body.data.accessLog.events;
    expect(log.find((e: any) => e.id === eventId)).toMatchObject({ operation: 'searchPeople', sharedSurname: true });
    // Riley Researcher's searches for the same child are not flagged.
    expect(anomalies.filter((a: any) => a.kind === 'shared-surname' && a.actorId === 'researcher-1')).toEqual([]);
  });

  it('tells the owning agency who has seen its information', async () => {
    const reviewer = await t.token({ sub: 'hv-lead', agency: 'health', roles: ['agency-reviewer'] });
    const feed = await t.graphql(`{ accessNotifications(since: "${started}") { actorId actorName purpose categories personIds } }`, {}, reviewer);
    const seen = feed.body.data.accessNotifications.filter((n: any) => n.personIds.includes(personId));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]).toMatchObject({ actorId: 'researcher-1', actorName: 'Riley Researcher', purpose: 's47' });
  });

  it('gives clear errors for a bad filter, a wrong-way range and a forged cursor', async () => {
    const wrongWay = await t.graphql(LOG, { filter: { from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' } }, ig);
    expect(wrongWay.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT' }, message: expect.stringContaining('wrong way round') });
    const badDecision = await t.graphql(LOG, { filter: { decision: 'maybe' } }, ig);
    expect(badDecision.body.errors[0].extensions.code).toBe('BAD_INPUT');
    const forged = await t.graphql(LOG, { after: 'bm90LWEtY3Vyc29y' }, ig);
    expect(forged.body.errors[0].message).toMatch(/not a cursor/);
  });

  it('refuses anyone but IG, and audits IG’s own reads and the refusals', async () => {
    const refused = await t.graphql(LOG, {}, researcher);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const logReads = events.filter((e) => e.operation === 'accessLog');
    expect(logReads.some((e) => e.outcome === 'refused' && e.actor?.id === 'researcher-1')).toBe(true);
    expect(logReads.some((e) => e.outcome === 'success' && e.actor?.id === 'ig-1')).toBe(true);
  });
});

describe('inclusion proofs over GraphQL', () => {
  it('proves an event with a path to a signed checkpoint that the public key alone verifies', async () => {
    const t = await startTestGateway();
    try {
      const token = await t.token();
      const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token);
      const events = await readEvents(t.gateway.store, { limit: 100 });
      const eventId = events.find((e) => e.operation === 'openEnquiry' && e.enquiry?.id === opened.body.data.openEnquiry.id)!.id;
      const ig = await t.token({ sub: 'ig-1', roles: ['ig-officer'] });
      const response = await t.graphql(`{ auditProof(eventId: "${eventId}") { eventId seq treeSize checkpointJws publicKey proof } }`, {}, ig);
      expect(response.body.errors).toBeUndefined();
      const answer = response.body.data.auditProof;
      expect(answer.eventId).toBe(eventId);
      const { verifyProof } = await import('../../gateway/audit/verify-proof.js');
      const verdict = await verifyProof(JSON.parse(answer.proof), JSON.parse(answer.publicKey));
      expect(verdict.ok).toBe(true);
      const refused = await t.graphql(`{ auditProof(eventId: "${eventId}") { eventId } }`, {}, token);
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const unknown = await t.graphql('{ auditProof(eventId: "00000000-0000-4000-8000-000000000000") { eventId } }', {}, ig);
      expect(unknown.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT' }, message: expect.stringContaining('No audit event has id') });
    } finally {
      await t.close();
    }
  });
});
