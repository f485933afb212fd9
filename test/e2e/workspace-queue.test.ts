import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, type RecordedEvent } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { enquiryInput, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { recordAndSignOff } from '../helpers/decision.js';

/**
 * Referral intake and the triage queue over HTTP: the referral is recorded at opening and read only
 * through an audited access; the queue and every mutation on it are audited, refusals too; free
 * text (referral text, referrer, handover notes, reasons) never reaches the audit log or the logs.
 */
describe('referral intake and the triage queue', () => {
  let t: TestGateway;
  const clock = Date.parse('2026-11-30T09:30:00Z'); // a Monday morning
  const tokens: Record<string, string> = {};
  const REFERRAL_TEXT = 'Neighbour heard shouting and a child crying late at night; Zebedee was seen with a bruise.';
  const REFERRER = 'Quentin Quill';
  const NOTE = 'Handover: Zebedee police checks done, awaiting health visitor.';
  const EXTENSION_REASON = 'Waiting for Zebedee health visitor call-back';

  const ENQUIRY = `query($id: ID!) { enquiry(id: $id) {
    id deadline computedDeadline accessEndsAt receivedAt overdue status
    concernCategories { id label } assignee { id issuer name }
    assignments { assignee { id } previous { id } note assignedBy { id } }
    deadlineChanges { from to reason changedBy { id } }
    removedMembers { actorId reason removedBy { id } }
    members { actorId }
  } }`;
  const REFERRAL = `query($id: ID!) { enquiry(id: $id) { referral { enquiryId receivedAt text source { kind organisation referrerName referrerRole } concernCategories { id } auditEventId } } }`;
  const QUEUE = `query($team: String!, $filter: EnquiryQueueFilter, $first: Int) { enquiryQueue(team: $team, filter: $filter, first: $first) {
    team totalCount nextCursor auditEventId
    entries { enquiryId referralReference rag overdue timeLeftSeconds member memberCount assignee { id } concernCategories { id } }
  } }`;

  const events = async (): Promise<RecordedEvent[]> => readEvents(t.gateway.store, { limit: 10_000 });
  const lastOf = async (operation: string) => (await events()).filter((e) => e.operation === operation).at(-1)!;

  beforeAll(async () => {
    t = await startTestGateway({ now: () => new Date(clock), households: 20 });
    const people = {
      riley: { sub: 'riley', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'] },
      sam: { sub: 'sam', name: 'Sam Second', agency: 'social-care', roles: ['mash-researcher'] },
      morgan: { sub: 'morgan', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'] },
      pat: { sub: 'pat', name: 'Pat Police', agency: 'police', roles: ['mash-researcher'] },
    };
    for (const [key, claims] of Object.entries(people)) {
      tokens[key] = await t.token(claims);
      await t.graphql('{ me { id } }', {}, tokens[key]); // signed in once: a known actor
    }
  });
  afterAll(async () => t?.close());

  async function openReferral(extra: Record<string, unknown> = {}, who = 'riley'): Promise<string> {
    const response = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput(extra) }, tokens[who]);
    expect(response.body.errors).toBeUndefined();
    return response.body.data.openEnquiry.id;
  }

  it('records the referral at opening; the deadline follows from receipt and RAG; the text is read only through an audited access', async () => {
    const id = await openReferral({
      referralReference: 'REF-INTAKE-1',
      receivedAt: '2026-11-27T16:00:00Z', // Friday 16:00: RED due Monday 12:00
      source: { kind: 'PUBLIC', referrerName: REFERRER },
      concernCategories: ['domestic-abuse', 'physical-abuse'],
      referralText: REFERRAL_TEXT,
    });
    const opened = await lastOf('openEnquiry');
    const enquiry = (await t.graphql(ENQUIRY, { id }, tokens.riley)).body.data.enquiry;
    expect(enquiry).toMatchObject({
      receivedAt: '2026-11-27T16:00:00.000Z',
      deadline: '2026-11-30T12:00:00.000Z',
      computedDeadline: '2026-11-30T12:00:00.000Z',
      accessEndsAt: '2026-12-07T12:00:00.000Z',
      overdue: false,
      status: 'OPEN',
      concernCategories: [{ id: 'domestic-abuse', label: 'Domestic abuse' }, { id: 'physical-abuse', label: 'Physical abuse' }],
      assignee: null,
    });

    const read = await t.graphql(REFERRAL, { id }, tokens.riley);
    expect(read.body.errors).toBeUndefined();
    const referral = read.body.data.enquiry.referral;
    expect(referral).toMatchObject({ enquiryId: id, text: REFERRAL_TEXT, source: { kind: 'PUBLIC', referrerName: REFERRER, organisation: null }, concernCategories: [{ id: 'domestic-abuse' }, { id: 'physical-abuse' }] });
    const event = (await events()).find((e) => e.id === referral.auditEventId)!;
    expect(event).toMatchObject({ operation: 'readReferral', outcome: 'success', enquiry: { id }, actor: { id: 'riley' } });
    expect(event.managerJoin).toBeUndefined();
    // Neither the opening nor the read put the referral's words or its referrer into the log.
    for (const e of [opened, event]) expect(JSON.stringify(e)).not.toMatch(/Zebedee|Quentin|shouting/);
  });

  it('lists the vocabulary and refuses an unknown category, naming it; refuses overlong text without quoting it', async () => {
    const vocabulary = (await t.graphql('{ referralConcernCategories { id label } }', {}, tokens.riley)).body.data.referralConcernCategories;
    expect(vocabulary.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['neglect', 'child-sexual-exploitation', 'fgm', 'other']));
    const unknown = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ concernCategories: ['neglect', 'curiosity'] }) }, tokens.riley);
    expect(unknown.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'concernCategories' } });
    expect(unknown.body.errors[0].message).toMatch(/Unknown concern category "curiosity"/);
    const long = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralText: `Zebedee ${'x'.repeat(20_000)}` }) }, tokens.riley);
    expect(long.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(long.body.errors[0].message).toMatch(/referralText must be at most 20000 characters/);
    expect(long.text).not.toContain('Zebedee');
    const refusal = await lastOf('openEnquiry');
    expect(refusal).toMatchObject({ outcome: 'refused', outcomeCode: 'BAD_INPUT' });
    expect(JSON.stringify(refusal)).not.toContain('Zebedee');
    const researcherLater = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ deadline: '2026-11-30T17:00:00Z' }) }, tokens.riley);
    expect(researcherLater.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const redYearsOut = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ deadline: '2029-11-30T12:00:00Z' }) }, tokens.morgan);
    expect(redYearsOut.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'deadline' } });
    expect(redYearsOut.body.errors[0].message).toMatch(/further out than a RED/);
  });

  it('shows the team its queue, audited; refuses anyone else, audited; the referral in an entry only to members and managers', async () => {
    const mine = await openReferral({ referralReference: 'REF-QUEUE-RED', referralText: REFERRAL_TEXT });
    await openReferral({ referralReference: 'REF-QUEUE-GREEN', rag: 'GREEN' });
    const queue = await t.graphql(QUEUE, { team: 'social-care', first: 100 }, tokens.sam);
    expect(queue.body.errors).toBeUndefined();
    const page = queue.body.data.enquiryQueue;
    const rags = page.entries.map((e: { rag: string }) => e.rag);
    expect(rags).toEqual([...rags].sort((a: string, b: string) => ['RED', 'AMBER', 'GREEN'].indexOf(a) - ['RED', 'AMBER', 'GREEN'].indexOf(b)));
    expect(page.entries.find((e: { enquiryId: string }) => e.enquiryId === mine)).toMatchObject({ member: false, memberCount: 1, assignee: null });
    expect(queue.text).not.toMatch(/Zebedee|subjects/);
    const listed = (await events()).find((e) => e.id === page.auditEventId)!;
    expect(listed).toMatchObject({ operation: 'enquiryQueue', outcome: 'success', actor: { id: 'sam' } });
    expect(listed.reason).toMatch(/^queue of team social-care: \d+ of \d+ open enquiries listed$/);

    const other = await t.graphql(QUEUE, { team: 'social-care' }, tokens.pat);
    expect(other.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(other.body.data).toBeNull();
    expect(await lastOf('enquiryQueue')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN', actor: { id: 'pat' } });

    // The referral through the queue: Sam (not a member) is refused, audited; Morgan (a manager of the team) reads it, flagged.
    const withReferral = `query { enquiryQueue(team: "social-care", filter: { rag: RED }, first: 1) { entries { enquiryId referral { text auditEventId } } } }`;
    const samRead = await t.graphql(withReferral, {}, tokens.sam);
    expect(samRead.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN_NOT_MEMBER' }, path: ['enquiryQueue', 'entries', 0, 'referral'] });
    expect(samRead.text).not.toContain('Zebedee');
    expect(await lastOf('readReferral')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_NOT_MEMBER', actor: { id: 'sam' } });
    const morganRead = await t.graphql(withReferral, {}, tokens.morgan);
    expect(morganRead.body.errors).toBeUndefined();
    const managerEvent = (await events()).find((e) => e.id === morganRead.body.data.enquiryQueue.entries[0].referral.auditEventId)!;
    expect(managerEvent).toMatchObject({ operation: 'readReferral', outcome: 'success', managerJoin: true, actor: { id: 'morgan' } });

    // Each entry's referral is a read of its own: asking for a page of them costs one point per entry.
    const before = (await events()).filter((e) => e.operation === 'readReferral').length;
    const bulk = await t.graphql(`query { enquiryQueue(team: "social-care", first: 60) { entries { referral { text } } } }`, {}, tokens.morgan);
    expect(bulk.body.errors[0].extensions.code).toBe('COST_LIMIT');
    expect((await events()).filter((e) => e.operation === 'readReferral').length).toBe(before);
    const cheap = await t.graphql(`query { enquiryQueue(team: "social-care", first: 60) { totalCount entries { enquiryId } } }`, {}, tokens.morgan);
    expect(cheap.body.errors).toBeUndefined();
  });

  it("reads one enquiry's referral by its id: a member or a manager of the team (flagged), audited; anyone else refused, audited", async () => {
    const id = await openReferral({ referralReference: 'REF-ONE-READ', referralText: REFERRAL_TEXT });
    const ONE = `query($id: ID!) { referral(enquiryId: $id) { enquiryId text auditEventId } }`;
    const morgan = await t.graphql(ONE, { id }, tokens.morgan);
    expect(morgan.body.errors).toBeUndefined();
    expect(morgan.body.data.referral).toMatchObject({ enquiryId: id, text: REFERRAL_TEXT });
    expect((await events()).find((e) => e.id === morgan.body.data.referral.auditEventId)).toMatchObject({ operation: 'readReferral', outcome: 'success', managerJoin: true, actor: { id: 'morgan' }, enquiry: { id } });
    const riley = await t.graphql(ONE, { id }, tokens.riley);
    expect(riley.body.data.referral.text).toBe(REFERRAL_TEXT);
    const sam = await t.graphql(ONE, { id }, tokens.sam);
    expect(sam.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    expect(sam.text).not.toContain('Zebedee');
    expect(await lastOf('readReferral')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_NOT_MEMBER', actor: { id: 'sam' } });
  });

  it('assigns, hands over, extends and removes, each audited (refusals too), keeping history on the enquiry; a removed member reads nothing', async () => {
    const id = await openReferral({ referralReference: 'REF-WORK-1' });
    const assign = (who: string, actorId: string, note?: string) =>
      t.graphql(`mutation($id: ID!, $actorId: ID!, $issuer: String!, $note: String) { assignEnquiry(enquiryId: $id, actorId: $actorId, issuer: $issuer, note: $note) { assignee { id name } } }`, { id, actorId, issuer: DEMO_ISSUER, note }, tokens[who]);

    // Refused: a researcher who is not the assignee.
    const byResearcher = await assign('riley', 'sam');
    expect(byResearcher.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await lastOf('assignEnquiry')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN', enquiry: { id } });

    expect((await assign('morgan', 'sam')).body.data.assignEnquiry.assignee).toEqual({ id: 'sam', name: 'Sam Second' });
    // Morgan is a manager of the team but not a member: the assignment is flagged for IG review.
    expect(await lastOf('assignEnquiry')).toMatchObject({ outcome: 'success', reason: `assigned to ${DEMO_ISSUER} sam by a manager of the owning team who is not a member`, managerJoin: true, enquiry: { id, purpose: 's47' } });
    const noNote = await assign('sam', 'riley');
    expect(noNote.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'note' } });
    // The gateway's clock stands still here: the handover has the same timestamp as the first assignment.
    expect((await assign('sam', 'riley', NOTE)).body.errors).toBeUndefined();
    const handover = await lastOf('assignEnquiry');
    expect(handover.reason).toBe(`reassigned from ${DEMO_ISSUER} sam to ${DEMO_ISSUER} riley with a handover note`);
    expect(handover.managerJoin).toBeUndefined();

    const extend = (who: string, deadline: string) =>
      t.graphql(`mutation($id: ID!, $deadline: DateTime!, $reason: String!) { extendDeadline(enquiryId: $id, deadline: $deadline, reason: $reason) { deadline accessEndsAt } }`, { id, deadline, reason: EXTENSION_REASON }, tokens[who]);
    // A reason with a control character is refused at the edge without quoting it, in the answer or the audit log.
    const badReason = await t.graphql(`mutation($id: ID!, $r: String!) { extendDeadline(enquiryId: $id, deadline: "2026-12-01T13:30:00Z", reason: $r) { deadline } }`, { id, r: 'Zebedee\u0000 away' }, tokens.morgan);
    expect(badReason.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(badReason.text).not.toContain('Zebedee');
    expect(await lastOf('extendDeadline')).toMatchObject({ outcome: 'refused', outcomeCode: 'BAD_INPUT' });
    const bySam = await extend('sam', '2026-12-01T13:30:00Z');
    expect(bySam.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await lastOf('extendDeadline')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN', actor: { id: 'sam' } });
    expect((await extend('morgan', '2026-12-01T13:30:00Z')).body.data.extendDeadline).toEqual({ deadline: '2026-12-01T13:30:00.000Z', accessEndsAt: '2026-12-08T13:30:00.000Z' });
    expect(await lastOf('extendDeadline')).toMatchObject({
      outcome: 'success',
      managerJoin: true,
      reason: 'deadline extended from 2026-11-30T13:30:00.000Z to 2026-12-01T13:30:00.000Z; access ends 2026-12-08T13:30:00.000Z by a manager of the owning team who is not a member',
    });

    const remove = (who: string, actorId: string) =>
      t.graphql(`mutation($id: ID!, $actorId: ID!, $issuer: String!) { removeEnquiryMember(enquiryId: $id, actorId: $actorId, issuer: $issuer, reason: "Zebedee case handed back") { actorId removedAt } }`, { id, actorId, issuer: DEMO_ISSUER }, tokens[who]);
    const assigneeRemoved = await remove('morgan', 'riley');
    expect(assigneeRemoved.body.errors[0].extensions.code).toBe('CONFLICT');
    expect(await lastOf('removeEnquiryMember')).toMatchObject({ outcome: 'refused', outcomeCode: 'CONFLICT' });
    expect((await remove('sam', 'sam')).body.data.removeEnquiryMember.actorId).toBe('sam');
    expect(await lastOf('removeEnquiryMember')).toMatchObject({ outcome: 'success', reason: `removed member ${DEMO_ISSUER} sam (themselves)`, actor: { id: 'sam' } });

    // Sam's reads are refused from now on.
    const samEnquiry = await t.graphql(ENQUIRY, { id }, tokens.sam);
    expect(samEnquiry.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const samSearch = await t.graphql(SEARCH, { enquiryId: id, query: { family: 'Smith', given: 'Alex' } }, tokens.sam);
    expect(samSearch.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    expect(await lastOf('searchPeople')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_NOT_MEMBER', actor: { id: 'sam' } });

    const history = (await t.graphql(ENQUIRY, { id }, tokens.riley)).body.data.enquiry;
    expect(history.assignee).toEqual({ id: 'riley', issuer: DEMO_ISSUER, name: 'Riley Researcher' });
    expect(history.assignments).toEqual([
      { assignee: { id: 'sam' }, previous: null, note: null, assignedBy: { id: 'morgan' } },
      { assignee: { id: 'riley' }, previous: { id: 'sam' }, note: NOTE, assignedBy: { id: 'sam' } },
    ]);
    expect(history.deadlineChanges).toEqual([{ from: '2026-11-30T13:30:00.000Z', to: '2026-12-01T13:30:00.000Z', reason: EXTENSION_REASON, changedBy: { id: 'morgan' } }]);
    expect(history.removedMembers).toEqual([{ actorId: 'sam', reason: 'Zebedee case handed back', removedBy: { id: 'sam' } }]);
    expect(history.members).toEqual([{ actorId: 'riley' }]);

    // The notes, reasons and referral text appear in no audit event and no log line.
    expect(JSON.stringify(await events())).not.toContain('Zebedee');
    expect(t.logLines.join('\n')).not.toContain('Zebedee');
  });

  it('refuses every mutation on a closed enquiry, audited', async () => {
    const id = await openReferral({ referralReference: 'REF-CLOSED' });
    await recordAndSignOff(t, id, tokens.riley!);
    await t.graphql(`mutation($id: ID!) { closeEnquiry(enquiryId: $id, decision: "NFA") { status } }`, { id }, tokens.riley);
    const assign = await t.graphql(`mutation($id: ID!) { assignEnquiry(enquiryId: $id, actorId: "sam", issuer: "${DEMO_ISSUER}") { id } }`, { id }, tokens.morgan);
    const extend = await t.graphql(`mutation($id: ID!) { extendDeadline(enquiryId: $id, deadline: "2026-12-01T12:00:00Z", reason: "r") { id } }`, { id }, tokens.morgan);
    const remove = await t.graphql(`mutation($id: ID!) { removeEnquiryMember(enquiryId: $id, actorId: "riley", issuer: "${DEMO_ISSUER}", reason: "r") { actorId } }`, { id }, tokens.morgan);
    for (const [response, operation] of [[assign, 'assignEnquiry'], [extend, 'extendDeadline'], [remove, 'removeEnquiryMember']] as const) {
      expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN_ENQUIRY_CLOSED');
      expect(await lastOf(operation)).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_ENQUIRY_CLOSED', enquiry: { id } });
    }
  });
});
