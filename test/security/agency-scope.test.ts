import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 11, item 6 (audit side): an agency reviewer sees the audit log only where it concerns their
 * own agency. auditProof proves only events about that agency (others refused, FORBIDDEN, audited);
 * accessNotifications tells the agency about its own categories and person ids, never that another
 * agency's category (health.clinical) was read.
 */
describe('what an agency reviewer may learn from the audit log', () => {
  let t: TestGateway;
  let researcher: string;
  let policeReviewer: string;
  let healthOnlyProfile: string;
  let bothProfile: string;
  let healthId: string;
  let policeId: string;
  const started = new Date(Date.now() - 60_000).toISOString();
  const PROOF = (id: string) => `{ auditProof(eventId: "${id}") { eventId seq } }`;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'police'] });
    researcher = await t.token();
    policeReviewer = await t.token({ sub: 'police-reviewer-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'] });
    const child = t.gateway.sandbox!.county.featured.child;
    const open = async () => (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, researcher)).body.data.openEnquiry.id as string;

    // One enquiry reads the child's health records only; another reads health and police.
    const healthOnly = await open();
    let answer = (await t.graphql(SEARCH, { enquiryId: healthOnly, query: { nhsNumber: child.nhsNumber } }, researcher)).body.data.searchPeople;
    healthId = answer.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    let subjectId = (await t.graphql(LINK, { input: { enquiryId: healthOnly, agency: 'health', personId: healthId } }, researcher)).body.data.linkSubject.id;
    healthOnlyProfile = (await t.graphql(PROFILE, { enquiryId: healthOnly, subjectId }, researcher)).body.data.profile.auditEventId;

    const both = await open();
    answer = (await t.graphql(SEARCH, { enquiryId: both, query: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } }, researcher)).body.data.searchPeople;
    policeId = answer.agencies.find((a: any) => a.agency === 'police').people[0].personId;
    subjectId = (await t.graphql(LINK, { input: { enquiryId: both, agency: 'health', personId: healthId } }, researcher)).body.data.linkSubject.id;
    await t.graphql(LINK, { input: { enquiryId: both, subjectId, agency: 'police', personId: policeId } }, researcher);
    const profile = await t.graphql(PROFILE, { enquiryId: both, subjectId }, researcher);
    expect(profile.body.errors).toBeUndefined();
    bothProfile = profile.body.data.profile.auditEventId;
  });
  afterAll(async () => t?.close());

  it('refuses a police reviewer a proof of an event that only read health records, saying why, and audits the refusal', async () => {
    const refused = await t.graphql(PROOF(healthOnlyProfile), {}, policeReviewer);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN', reason: 'EVENT_OF_ANOTHER_AGENCY' },
      message: expect.stringContaining('does not concern police'),
    });
    const recorded = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'auditProof' && e.actor?.id === 'police-reviewer-1');
    expect(recorded.at(-1)).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN', reason: `event ${healthOnlyProfile}` });

    // An event that read police records is the force's to prove.
    const allowed = await t.graphql(PROOF(bothProfile), {}, policeReviewer);
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.data.auditProof.eventId).toBe(bothProfile);
  });

  it('tells the police only about police categories and police person ids, never that health.clinical was read', async () => {
    const feed = await t.graphql(`{ accessNotifications(since: "${started}") { eventId categories personIds } }`, {}, policeReviewer);
    expect(feed.body.errors).toBeUndefined();
    const notes = feed.body.data.accessNotifications as { eventId: string; categories: string[]; personIds: string[] }[];
    const read = notes.find((n) => n.eventId === bothProfile)!;
    expect(read).toBeDefined();
    expect(read.personIds).toEqual([policeId]);
    for (const note of notes) {
      expect(note.categories.every((c) => c.startsWith('police.')), note.categories.join()).toBe(true);
      expect(note.personIds).not.toContain(healthId);
    }
    expect(notes.some((n) => n.eventId === healthOnlyProfile)).toBe(false);
    expect(JSON.stringify(feed.body)).not.toContain('health.clinical');
  });
});
