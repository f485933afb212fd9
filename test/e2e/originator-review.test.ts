import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { createSearchShownRepository } from '../../gateway/enquiries/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { police, POLICE_PERSON } from '../helpers/test-police.js';

const REQUESTS = /* GraphQL */ `
  {
    reviewRequests(status: PENDING) {
      id enquiryId referralReference subjectId agency category categoryLabel purpose legalBasis status requestedAt
      requester { id issuer name agency }
      personIds
    }
  }
`;
const SUMMARY = /* GraphQL */ `
  query Summary($id: ID!) {
    reviewRequestSummary(id: $id) {
      auditEventId status detail
      request { id category legalBasis requester { id name agency } personIds }
      records { kind type title status start end withheldFields provenance { system recordId asOf } }
    }
  }
`;
const INBOX = /* GraphQL */ `
  query Inbox($unreadOnly: Boolean, $first: Int, $after: String) {
    notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
      notifications { id kind text enquiryId referralReference reviewRequestId createdAt readAt addressedTo }
      endCursor hasNextPage
    }
  }
`;
const MARK = /* GraphQL */ `mutation Mark($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`;

/** Originator review, usable: the reviewer sees what they approve, and both sides are told. */
describe('originator review with notifications, over HTTP', () => {
  let t: TestGateway;
  let researcher: string;
  let policeReviewer: string;
  let healthReviewer: string;
  let enquiryId: string;
  let subjectId: string;
  const reference = 'REF-2026-0412';

  beforeAll(async () => {
    t = await startTestGateway({ extraConnectors: [police], households: 20 });
    researcher = await t.token();
    policeReviewer = await t.token({ sub: 'ppu-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'] });
    healthReviewer = await t.token({ sub: 'hv-1', name: 'Hal Reviewer', agency: 'health', roles: ['agency-reviewer'] });
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: reference }) }, researcher);
    enquiryId = opened.body.data.openEnquiry.id;
    const nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, researcher);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, researcher)).body.data.linkSubject.id;
    // The test force's search finds no one: its person is recorded as shown by the search directly.
    await createSearchShownRepository(t.gateway.store).record(enquiryId, [{ agency: 'police', personId: POLICE_PERSON }], { auditEventId: search.body.data.searchPeople.auditEventId, actorId: 'researcher-1', issuer: DEMO_ISSUER }, new Date());
    await t.graphql(LINK, { input: { enquiryId, subjectId, agency: 'police', personId: POLICE_PERSON } }, researcher);
    // Under s47 police detail waits for the force's approval: this read asks for it.
    await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
  });
  afterAll(async () => t?.close());

  it('tells the force’s reviewers a review waits, and no one else', async () => {
    const inbox = (await t.graphql(INBOX, {}, policeReviewer)).body.data.notifications.notifications;
    expect(inbox).toContainEqual(expect.objectContaining({ kind: 'REVIEW_REQUESTED', text: `A review of police.detail about Child 1 in enquiry ${reference} is waiting.`, addressedTo: 'TEAM', enquiryId, readAt: null }));
    expect((await t.graphql(INBOX, {}, healthReviewer)).body.data.notifications.notifications).toEqual([]);
    expect((await t.graphql(INBOX, {}, researcher)).body.data.notifications.notifications).toEqual([]);
  });

  it('shows the reviewer the request: category, purpose, legal basis, requester and their own person ids', async () => {
    const list = await t.graphql(REQUESTS, {}, policeReviewer);
    expect(list.body.errors).toBeUndefined();
    const request = list.body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId);
    expect(request).toMatchObject({
      referralReference: reference,
      agency: 'police',
      category: 'police.detail',
      categoryLabel: 'Police detail (incident narratives, intelligence, investigations)',
      purpose: 's47',
      legalBasis: 'https://www.legislation.gov.uk/ukpga/1989/41/section/47',
      requester: { id: 'researcher-1', issuer: DEMO_ISSUER, name: 'Riley Researcher', agency: 'social-care' },
      personIds: [POLICE_PERSON],
    });
    // Only police person ids: never the subject's health record.
    expect(JSON.stringify(request)).not.toMatch(/health/);
  });

  it('shows the reviewer their own records of that category through the gate, summary fields only, and audits it first', async () => {
    const id = (await t.graphql(REQUESTS, {}, policeReviewer)).body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId).id;
    const summary = await t.graphql(SUMMARY, { id }, policeReviewer);
    expect(summary.body.errors).toBeUndefined();
    const answer = summary.body.data.reviewRequestSummary;
    expect(answer.status).toBe('RECORDS');
    expect(answer.records).toEqual([
      {
        kind: 'event',
        type: 'incident-narrative',
        title: 'Incident narrative',
        status: null,
        start: '2026-10-12',
        end: null,
        withheldFields: ['narrative'],
        provenance: { system: 'https://police.test/api', recordId: 'OCC-1-N', asOf: '2026-11-01T00:00:00Z' },
      },
    ]);
    // Not the narrative, not the flags (another category), nothing of health.
    expect(summary.text).not.toContain('neighbour reported shouting');
    expect(summary.text).not.toContain('OCC-1"');
    expect(summary.text).not.toMatch(/health/);

    const event = (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.id === answer.auditEventId)!;
    expect(event).toMatchObject({ operation: 'reviewRequestSummary', outcome: 'success', actor: { id: 'ppu-1', agency: 'police' }, enquiry: { id: enquiryId, purpose: 's47' } });
    expect(event.decisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agency: 'police', category: 'police.detail', decision: 'summarise', recordIds: ['OCC-1-N'], fields: ['type', 'title', 'status', 'start', 'end'] }),
        expect.objectContaining({ agency: 'police', decision: 'deny', recordIds: ['OCC-1'] }),
      ]),
    );
  });

  it('shows another agency’s reviewer nothing, not even that the request exists, and refuses a researcher; both audited', async () => {
    const id = (await t.graphql(REQUESTS, {}, policeReviewer)).body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId).id;
    const attacker = await t.graphql(SUMMARY, { id }, healthReviewer);
    expect(attacker.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(attacker.body.data).toBeNull();
    expect(attacker.text).not.toMatch(/police|OCC-1|Incident/);
    expect((await t.graphql(REQUESTS, {}, healthReviewer)).body.data.reviewRequests.find((r: any) => r.id === id)).toBeUndefined();
    const notReviewer = await t.graphql(SUMMARY, { id }, researcher);
    expect(notReviewer.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const refused = events.filter((e) => e.operation === 'reviewRequestSummary' && e.outcome === 'refused');
    expect(refused.map((e) => [e.actor?.id, e.outcomeCode])).toEqual(expect.arrayContaining([['hv-1', 'NOT_FOUND'], ['researcher-1', 'FORBIDDEN']]));
  });

  it('tells the researcher the decision once the force approves; marking read is the reader’s own', async () => {
    const id = (await t.graphql(REQUESTS, {}, policeReviewer)).body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId).id;
    const approved = await t.graphql(`mutation { approveReview(id: "${id}", reason: "Relevant to the strategy discussion") { status } }`, {}, policeReviewer);
    expect(approved.body.data.approveReview.status).toBe('APPROVED');
    const inbox = (await t.graphql(INBOX, { unreadOnly: true }, researcher)).body.data.notifications.notifications;
    expect(inbox).toEqual([expect.objectContaining({ kind: 'REVIEW_DECIDED', reviewRequestId: id, addressedTo: 'ACTOR', text: `Your review request for police.detail about Child 1 in enquiry ${reference} was approved.` })]);
    expect(JSON.stringify(inbox)).not.toContain('strategy discussion');

    // The reviewer cannot mark the researcher's notification read; the researcher can.
    expect((await t.graphql(MARK, { ids: [inbox[0].id] }, policeReviewer)).body.data.markNotificationsRead).toEqual([]);
    expect((await t.graphql(MARK, { ids: [inbox[0].id] }, researcher)).body.data.markNotificationsRead).toEqual([inbox[0].id]);
    expect((await t.graphql(INBOX, { unreadOnly: true }, researcher)).body.data.notifications.notifications).toEqual([]);
    const bad = await t.graphql(MARK, { ids: ['1 OR 1=1'] }, researcher);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_INPUT');

    // A decided request has nothing left to review.
    expect((await t.graphql(SUMMARY, { id }, policeReviewer)).body.errors[0].extensions.code).toBe('CONFLICT');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.filter((e) => e.operation === 'markNotificationsRead').map((e) => e.outcome)).toEqual(['success', 'success', 'refused']);
    expect(events.some((e) => e.operation === 'notifications' && e.actor?.id === 'researcher-1')).toBe(true);
  });

  it('tells the assignee when a manager assigns them the enquiry, and no one else', async () => {
    const manager = await t.token({ sub: 'mgr-1', name: 'Morgan Manager', roles: ['mash-manager'] });
    const colleague = await t.token({ sub: 'researcher-2', name: 'Sam Second' });
    await t.graphql('{ me { id } }', {}, colleague); // signed in once: a known actor
    const assigned = await t.graphql(
      `mutation($id: ID!, $actorId: ID!, $issuer: String!) { assignEnquiry(enquiryId: $id, actorId: $actorId, issuer: $issuer) { id } }`,
      { id: enquiryId, actorId: 'researcher-2', issuer: DEMO_ISSUER },
      manager,
    );
    expect(assigned.body.errors).toBeUndefined();
    const inbox = (await t.graphql(INBOX, {}, colleague)).body.data.notifications.notifications;
    expect(inbox).toEqual([expect.objectContaining({ kind: 'ENQUIRY_ASSIGNED', enquiryId, addressedTo: 'ACTOR', text: `Enquiry ${reference} has been assigned to you.` })]);
    expect((await t.graphql(INBOX, {}, manager)).body.data.notifications.notifications).toEqual([]);
  });

  it('tells information governance of a break-glass enquiry', async () => {
    const outOfHours = await t.token({ sub: 'edt-1', name: 'Eve Duty', agency: 'social-care', roles: ['out-of-hours'] });
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-EDT-7', purpose: 'emergency', justification: 'Child found alone at 02:00; police at the address now.' }) }, outOfHours);
    expect(opened.body.errors).toBeUndefined();
    const ig = await t.token({ sub: 'ig-1', name: 'Ida Governance', agency: 'local-authority', roles: ['ig-officer'] });
    const inbox = (await t.graphql(INBOX, {}, ig)).body.data.notifications.notifications;
    expect(inbox).toEqual([expect.objectContaining({ kind: 'BREAK_GLASS', referralReference: 'REF-EDT-7', addressedTo: 'TEAM', text: 'Break-glass enquiry REF-EDT-7 was opened and is waiting for information-governance review.' })]);
    expect(JSON.stringify(inbox)).not.toContain('02:00');
    expect((await t.graphql(INBOX, {}, outOfHours)).body.data.notifications.notifications).toEqual([]);
  });
});
