import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const LIST = /* GraphQL */ `
  query List($status: BreakGlassReviewStatus) {
    breakGlassReviews(status: $status) {
      enquiryId referralReference purpose ownerAgency openedAt justification closedAt status
      openedBy { id issuer name }
      review { outcome note reviewedAt reviewedBy { id issuer name } }
    }
  }
`;
const REVIEW = /* GraphQL */ `
  mutation Review($enquiryId: ID!, $outcome: BreakGlassOutcome!, $note: String) {
    reviewBreakGlass(enquiryId: $enquiryId, outcome: $outcome, note: $note) {
      enquiryId status review { outcome note reviewedBy { id issuer name } }
    }
  }
`;

const NOTIFICATIONS = /* GraphQL */ `
  query { notifications(first: 100) { notifications { kind enquiryId referralReference text addressedTo } } }
`;

const JUSTIFICATION = 'Child found alone at 02:00; police protection considered; need health history now.';

/** A manager reviews break-glass enquiries of their own team; IG reads them; refusals are audited. */
describe('break-glass review, over HTTP', () => {
  let t: TestGateway;
  let duty: string;
  let manager: string;
  let otherManager: string;
  let healthManager: string;
  let ig: string;
  let researcher: string;
  let first: string;
  let second: string;
  let ordinary: string;

  beforeAll(async () => {
    t = await startTestGateway({ households: 20 });
    duty = await t.token({ sub: 'edt-1', name: 'Eden Duty', roles: ['out-of-hours'] });
    manager = await t.token({ sub: 'mgr-1', name: 'Morgan Manager', roles: ['mash-manager'] });
    otherManager = await t.token({ sub: 'mgr-2', name: 'Max Manager', roles: ['mash-manager'] });
    healthManager = await t.token({ sub: 'mgr-h', name: 'Hana Manager', agency: 'health', roles: ['mash-manager'] });
    ig = await t.token({ sub: 'ig-1', name: 'Iris Governance', agency: 'local-authority', roles: ['ig-officer'] });
    researcher = await t.token();
    const open = async (reference: string, input: Record<string, unknown>, token: string) => {
      const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: reference, ...input }) }, token);
      expect(opened.body.errors).toBeUndefined();
      return opened.body.data.openEnquiry.id as string;
    };
    first = await open('REF-BG-1', { purpose: 'emergency', justification: JUSTIFICATION }, duty);
    second = await open('REF-BG-2', { purpose: 'emergency', justification: `${JUSTIFICATION} Second night.` }, duty);
    ordinary = await open('REF-ORD-1', {}, researcher);
  }, 120_000);
  afterAll(async () => t?.close());

  it("lists the team's break-glass enquiries, awaiting review, with who opened them and why", async () => {
    const answer = await t.graphql(LIST, {}, manager);
    expect(answer.body.errors).toBeUndefined();
    const list = answer.body.data.breakGlassReviews;
    expect(list.map((e: any) => e.enquiryId).sort()).toEqual([first, second].sort());
    expect(list.find((e: any) => e.enquiryId === first)).toMatchObject({
      referralReference: 'REF-BG-1',
      purpose: 'emergency',
      ownerAgency: 'social-care',
      justification: JUSTIFICATION,
      status: 'AWAITING_REVIEW',
      review: null,
      openedBy: { id: 'edt-1', issuer: DEMO_ISSUER, name: 'Eden Duty' },
    });
    // Another team's manager sees none of them; IG sees both.
    expect((await t.graphql(LIST, {}, healthManager)).body.data.breakGlassReviews).toEqual([]);
    expect((await t.graphql(LIST, {}, ig)).body.data.breakGlassReviews.map((e: any) => e.enquiryId).sort()).toEqual([first, second].sort());
  });

  it('tells the owning team’s managers that a review is due, and IG that one was opened; not another team’s manager, nor a researcher', async () => {
    const inbox = async (token: string) => {
      const answer = await t.graphql(NOTIFICATIONS, {}, token);
      expect(answer.body.errors).toBeUndefined();
      return answer.body.data.notifications.notifications as { kind: string; enquiryId: string; referralReference: string; text: string; addressedTo: string }[];
    };
    for (const token of [manager, otherManager]) {
      const due = (await inbox(token)).filter((n) => n.kind === 'BREAK_GLASS_REVIEW_DUE');
      expect(due.map((n) => n.enquiryId).sort()).toEqual([first, second].sort());
      expect(due.find((n) => n.enquiryId === first)).toEqual({
        kind: 'BREAK_GLASS_REVIEW_DUE',
        enquiryId: first,
        referralReference: 'REF-BG-1',
        text: "Break-glass enquiry REF-BG-1 was opened by your team and is waiting for a manager's review.",
        addressedTo: 'TEAM',
      });
    }
    expect((await inbox(ig)).filter((n) => n.kind === 'BREAK_GLASS').map((n) => n.enquiryId).sort()).toEqual([first, second].sort());
    expect((await inbox(ig)).some((n) => n.kind === 'BREAK_GLASS_REVIEW_DUE')).toBe(false);
    expect(await inbox(healthManager)).toEqual([]);
    expect((await inbox(researcher)).some((n) => n.kind.startsWith('BREAK_GLASS'))).toBe(false);
    expect((await inbox(duty)).some((n) => n.kind.startsWith('BREAK_GLASS'))).toBe(false);
  });

  it('records a manager’s review once, with who and the outcome; the note stays out of the audit log', async () => {
    const note = 'Confirmed with the duty senior: immediate risk, records needed that night.';
    const reviewed = await t.graphql(REVIEW, { enquiryId: first, outcome: 'JUSTIFIED', note }, manager);
    expect(reviewed.body.errors).toBeUndefined();
    expect(reviewed.body.data.reviewBreakGlass).toEqual({ enquiryId: first, status: 'REVIEWED', review: { outcome: 'JUSTIFIED', note, reviewedBy: { id: 'mgr-1', issuer: DEMO_ISSUER, name: 'Morgan Manager' } } });
    const again = await t.graphql(REVIEW, { enquiryId: first, outcome: 'NOT_JUSTIFIED', note: 'Changed my mind' }, otherManager);
    expect(again.body.errors[0].extensions.code).toBe('CONFLICT');
    // The filters split reviewed from awaiting.
    expect((await t.graphql(LIST, { status: 'AWAITING_REVIEW' }, manager)).body.data.breakGlassReviews.map((e: any) => e.enquiryId)).toEqual([second]);
    const done = (await t.graphql(LIST, { status: 'REVIEWED' }, ig)).body.data.breakGlassReviews;
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ enquiryId: first, review: { outcome: 'JUSTIFIED', note, reviewedBy: { id: 'mgr-1' } } });

    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const recorded = events.filter((e) => e.operation === 'reviewBreakGlass' && e.outcome === 'success');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ actor: { id: 'mgr-1', issuer: DEMO_ISSUER }, enquiry: { id: first, purpose: 'emergency' }, reason: 'break-glass review recorded: justified, with a note' });
    expect(JSON.stringify(events.filter((e) => e.operation === 'reviewBreakGlass' || e.operation === 'breakGlassReviews'))).not.toContain('duty senior');
    expect(events.some((e) => e.operation === 'breakGlassReviews' && e.actor?.id === 'ig-1' && e.outcome === 'success')).toBe(true);
  });

  it('requires a note when the access was not justified, naming the field', async () => {
    const bare = await t.graphql(REVIEW, { enquiryId: second, outcome: 'NOT_JUSTIFIED', note: '  ' }, manager);
    expect(bare.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT', field: 'note' });
    expect(bare.body.errors[0].message).toMatch(/not justified: a note is required/);
    const notBreakGlass = await t.graphql(REVIEW, { enquiryId: ordinary, outcome: 'JUSTIFIED' }, manager);
    expect(notBreakGlass.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT', field: 'enquiryId' });
    const unknown = await t.graphql(REVIEW, { enquiryId: 'no-such-enquiry', outcome: 'JUSTIFIED' }, manager);
    expect(unknown.body.errors[0].extensions.code).toBe('FORBIDDEN_NO_ENQUIRY');
    const ok = await t.graphql(REVIEW, { enquiryId: second, outcome: 'NOT_JUSTIFIED', note: 'Could have waited for the morning.' }, otherManager);
    expect(ok.body.data.reviewBreakGlass.review).toMatchObject({ outcome: 'NOT_JUSTIFIED', note: 'Could have waited for the morning.' });
  });

  it('refuses, and audits the refusal of, anyone but a manager of the owning team', async () => {
    const third = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-BG-3', purpose: 'emergency', justification: JUSTIFICATION }) }, duty)).body.data.openEnquiry.id;
    for (const [token, message] of [
      [healthManager, /owning team \(social-care\)/],
      [ig, /information-governance officers may read reviews/],
      [researcher, /Only a MASH manager/],
      [duty, /Only a MASH manager/],
    ] as const) {
      const refused = await t.graphql(REVIEW, { enquiryId: third, outcome: 'JUSTIFIED' }, token);
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(refused.body.errors[0].message).toMatch(message);
    }
    const listRefused = await t.graphql(LIST, {}, researcher);
    expect(listRefused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.filter((e) => e.operation === 'reviewBreakGlass' && e.enquiry?.id === third).map((e) => e.outcome)).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect(events.some((e) => e.operation === 'breakGlassReviews' && e.outcome === 'refused' && e.actor?.id === 'researcher-1')).toBe(true);
    // Still awaiting review.
    expect((await t.graphql(LIST, { status: 'AWAITING_REVIEW' }, manager)).body.data.breakGlassReviews.map((e: any) => e.enquiryId)).toEqual([third]);
  });

  it('refuses a manager who opened the enquiry themselves (another manager must review it)', async () => {
    const both = await t.token({ sub: 'mgr-3', name: 'Duty Manager', roles: ['mash-manager', 'out-of-hours'] });
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-BG-4', purpose: 'emergency', justification: JUSTIFICATION }) }, both);
    expect(opened.body.errors).toBeUndefined();
    const own = await t.graphql(REVIEW, { enquiryId: opened.body.data.openEnquiry.id, outcome: 'JUSTIFIED' }, both);
    expect(own.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/another manager of the team must review it/) });
  });
});
