import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService, type ReviewRepository } from '../../../gateway/enquiries/index.js';
import { silentLogger } from '../../../gateway/log.js';
import type { Queryable, Store } from '../../../gateway/store/index.js';
import { createNotifications, defaultNotificationsConfig, type DeliveryChannel, type Notifications } from '../../../gateway/workspace/notifications/index.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { createQueueRepository } from '../../../gateway/workspace/queue/repository.js';
import { storeKinds } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const ISSUER = 'https://idp.county.example';
const OTHER_ISSUER = 'https://idp.other.example';
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: ISSUER };
const colleague: Actor = { id: 'researcher-2', name: 'Cam Colleague', agency: 'social-care', roles: ['mash-researcher'], issuer: ISSUER };
/** Same subject as the researcher, at another registered issuer: someone else. */
const twin: Actor = { ...researcher, issuer: OTHER_ISSUER };
const policeReviewer: Actor = { id: 'ppu-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'], issuer: ISSUER };
const policeReviewer2: Actor = { id: 'ppu-2', name: 'Pip Reviewer', agency: 'police', roles: ['agency-reviewer'], issuer: ISSUER };
const healthReviewer: Actor = { id: 'hv-1', name: 'Hal Reviewer', agency: 'health', roles: ['agency-reviewer'], issuer: ISSUER };
const policeResearcher: Actor = { id: 'pc-1', name: 'Pol Researcher', agency: 'police', roles: ['mash-researcher'], issuer: ISSUER };
const igOfficer: Actor = { id: 'ig-1', name: 'Ida Governance', agency: 'local-authority', roles: ['ig-officer'], issuer: ISSUER };
const dutyWorker: Actor = { id: 'edt-1', name: 'Eden Duty', agency: 'social-care', roles: ['out-of-hours'], issuer: ISSUER };
const manager: Actor = { id: 'mgr-1', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'], issuer: ISSUER };
const healthManager: Actor = { id: 'mgr-h', name: 'Hana Manager', agency: 'health', roles: ['mash-manager'], issuer: ISSUER };
const JUSTIFICATION = 'Child found alone at 02:00; police protection considered; need health history now.';
const reader = (a: Actor) => ({ issuer: a.issuer, id: a.id, agency: a.agency, roles: a.roles });
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 9, 0) + minutes * 60_000);
const SEARCH_EVENT = '00000000-0000-4000-8000-000000000001';

function setup(store: Store, channels: DeliveryChannel[] = [], delivery: Partial<ReturnType<typeof defaultNotificationsConfig>['delivery']> = {}) {
  const config = defaultNotificationsConfig();
  const notifications = createNotifications({
    store,
    config: { ...config, delivery: { ...config.delivery, backoffMs: 1000, maxBackoffMs: 60_000, ...delivery } },
    channels,
    reviewerRoles: policy.document.crossCutting.originatorReview.roles,
    now: () => at(0),
    logger: silentLogger,
  });
  const reviews = createReviewRepository(store, { requested: notifications.reviewRequested, decided: notifications.reviewDecided });
  const repository = createEnquiryRepository(store, { breakGlassOpened: notifications.breakGlassOpened });
  const enquiries = createEnquiryService({ repository, reviews, shown: createSearchShownRepository(store), policy, agencies: () => ['health', 'police', 'education'], knownActors: createKnownActors(store) });
  return { notifications, reviews, enquiries, repository };
}

/** An s47 enquiry (deadline from the RAG); `deadline` moves it, as a manager's extension would. */
async function openEnquiry(enquiries: EnquiryService, store: Store, deadline?: string, reference = 'REF-0012') {
  const opened = await enquiries.open(researcher, { referralReference: reference, purpose: 's47', consentRecorded: false, rag: 'RED' }, at(0));
  if (deadline !== undefined) {
    await store.query('UPDATE enquiry SET deadline = $2, access_ends_at = $3 WHERE id = $1', [opened.id, deadline, new Date(Date.parse(deadline) + 5 * 86_400_000).toISOString()]);
  }
  return opened;
}

describe.each(storeKinds())('notifications on $name', (kind) => {
  let store: Store;
  let notifications: Notifications;
  let reviews: ReviewRepository;
  let enquiries: EnquiryService;
  let repository: ReturnType<typeof createEnquiryRepository>;

  beforeEach(async () => {
    store = await kind.open();
    ({ notifications, reviews, enquiries, repository } = setup(store));
  });
  afterEach(async () => {
    await notifications.close();
    await store.close();
  });

  async function addColleague(enquiryId: string) {
    await store.query('INSERT INTO actor_seen (issuer, subject, name, agency, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING', [colleague.issuer, colleague.id, colleague.name, colleague.agency, at(0).toISOString()]);
    await enquiries.addMember(researcher, enquiryId, { actorId: colleague.id, issuer: colleague.issuer, reason: 'Second researcher' }, at(0));
  }

  async function requestReview(enquiryId: string, subjectId?: string) {
    subjectId ??= (await enquiries.get(researcher, enquiryId)).subjects[0]?.id ?? (await repository.addSubject(enquiryId, { relation: 'child' }, researcher, at(0)));
    await reviews.ensurePending({ enquiryId, subjectId, agency: 'police', category: 'police.detail', purpose: 's47', requestedBy: researcher }, at(1));
    return (await reviews.listForAgency('police', 'pending')).find((r) => r.enquiryId === enquiryId)!;
  }

  it('tells the owning agency’s reviewers a review waits, once, in a team inbox the other agencies and roles never see', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    await requestReview(enquiry.id);
    await requestReview(enquiry.id); // the same request again: no second notification
    const inbox = await notifications.inbox.list(reader(policeReviewer), {});
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({ kind: 'review-requested', enquiryId: enquiry.id, referralReference: 'REF-0012', to: { team: { role: 'agency-reviewer', agency: 'police' } } });
    expect(inbox.items[0]!.text).toBe('A review of police.detail about Child 1 in enquiry REF-0012 is waiting.');
    // Every police reviewer sees the team's notification; a health reviewer, a police researcher and the requester do not.
    expect((await notifications.inbox.list(reader(policeReviewer2), {})).items).toHaveLength(1);
    for (const other of [healthReviewer, policeResearcher, researcher]) expect((await notifications.inbox.list(reader(other), {})).items, other.id).toEqual([]);
  });

  it('says which subject each review is about, as Child 1 or Adult 2, so two requests of one enquiry read differently; never the typed label', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    const child = await repository.addSubject(enquiry.id, { relation: 'child', label: 'Jamie Featherstone' }, researcher, at(0));
    const mother = await repository.addSubject(enquiry.id, { relation: 'adult', label: 'Mother' }, researcher, at(0));
    const sibling = await repository.addSubject(enquiry.id, { relation: 'child' }, researcher, at(0));
    const partner = await repository.addSubject(enquiry.id, { relation: 'adult', label: 'Partner' }, researcher, at(0));
    for (const subjectId of [child, mother, sibling, partner]) await requestReview(enquiry.id, subjectId);
    const texts = (await notifications.inbox.list(reader(policeReviewer), {})).items.map((n) => n.text).sort();
    expect(texts).toEqual([
      'A review of police.detail about Adult 1 in enquiry REF-0012 is waiting.',
      'A review of police.detail about Adult 2 in enquiry REF-0012 is waiting.',
      'A review of police.detail about Child 1 in enquiry REF-0012 is waiting.',
      'A review of police.detail about Child 2 in enquiry REF-0012 is waiting.',
    ]);
    // Each notification is tied to its request: the mother's is Adult 1, the partner's Adult 2.
    const requests = (await reviews.listForAgency('police', 'pending')).filter((r) => r.enquiryId === enquiry.id);
    const byRequest = new Map((await notifications.inbox.list(reader(policeReviewer), {})).items.map((n) => [n.reviewRequestId, n.text]));
    expect(byRequest.get(requests.find((r) => r.subjectId === mother)!.id)).toContain('about Adult 1 ');
    expect(byRequest.get(requests.find((r) => r.subjectId === partner)!.id)).toContain('about Adult 2 ');
    expect(byRequest.get(requests.find((r) => r.subjectId === sibling)!.id)).toContain('about Child 2 ');
    // The decision tells the requester which subject's request it was.
    await enquiries.decideReview(policeReviewer, requests.find((r) => r.subjectId === mother)!.id, true, null, at(5));
    expect((await notifications.inbox.list(reader(researcher), {})).items.map((n) => n.text)).toEqual(['Your review request for police.detail about Adult 1 in enquiry REF-0012 was approved.']);
    // A typed label may hold a name: it never appears.
    const all = JSON.stringify([...(await notifications.inbox.list(reader(policeReviewer), {})).items, ...(await notifications.inbox.list(reader(researcher), {})).items]);
    for (const typed of ['Jamie', 'Featherstone', 'Mother', 'Partner']) expect(all).not.toContain(typed);
  });

  it('tells the requester of the decision, and only the requester: not a colleague, nor the same subject at another issuer', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    const request = await requestReview(enquiry.id);
    await enquiries.decideReview(policeReviewer, request.id, false, 'Live investigation', at(5));
    const mine = await notifications.inbox.list(reader(researcher), {});
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]).toMatchObject({ kind: 'review-decided', reviewRequestId: request.id, text: 'Your review request for police.detail about Child 1 in enquiry REF-0012 was refused.', to: { actor: true } });
    // The refusal's reason is the reviewer's free text: it stays out of the notification.
    expect(JSON.stringify(mine.items)).not.toContain('Live investigation');
    expect((await notifications.inbox.list(reader(colleague), {})).items).toEqual([]);
    expect((await notifications.inbox.list(reader(twin), {})).items).toEqual([]);
  });

  it('writes the notification in the decision’s transaction: when it cannot be written, the decision is not made either', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    const request = await requestReview(enquiry.id);
    const failing = createReviewRepository(store, {
      decided: async (tx: Queryable) => {
        await tx.query('SELECT 1');
        throw new Error('notification store full');
      },
    });
    await expect(failing.decide(request.id, 'approved', null, policeReviewer, at(5))).rejects.toThrow('notification store full');
    expect((await reviews.get(request.id))!.status).toBe('pending');
    expect((await notifications.inbox.list(reader(researcher), {})).items).toEqual([]);
  });

  it('tells every IG officer, whatever their agency, and the owning team’s managers of a break-glass opening, and no one else', async () => {
    const enquiry = await enquiries.open(dutyWorker, { referralReference: 'REF-BG-1', purpose: 'emergency', consentRecorded: false, rag: 'RED', justification: JUSTIFICATION }, at(0));
    await notifications.breakGlassOpened(store, enquiry, at(1)); // once per enquiry
    const ig = await notifications.inbox.list(reader(igOfficer), {});
    expect(ig.items).toEqual([expect.objectContaining({ kind: 'break-glass', enquiryId: enquiry.id, to: { team: { role: 'ig-officer', agency: null } } })]);
    expect((await notifications.inbox.list(reader({ ...igOfficer, agency: 'police' }), {})).items).toHaveLength(1);
    const managers = (await notifications.inbox.list(reader(manager), {})).items;
    expect(managers).toEqual([
      expect.objectContaining({
        kind: 'break-glass-review-due',
        enquiryId: enquiry.id,
        referralReference: 'REF-BG-1',
        text: "Break-glass enquiry REF-BG-1 was opened by your team and is waiting for a manager's review.",
        to: { team: { role: 'mash-manager', agency: 'social-care' } },
      }),
    ]);
    // Another team's manager, a researcher of the owning team and an ordinary enquiry's opening: nothing.
    expect((await notifications.inbox.list(reader(healthManager), {})).items).toEqual([]);
    expect((await notifications.inbox.list(reader(researcher), {})).items).toEqual([]);
    await openEnquiry(enquiries, store, undefined, 'REF-ORDINARY');
    expect((await notifications.inbox.list(reader(manager), {})).items.map((n) => n.referralReference)).toEqual(['REF-BG-1']);
    expect((await notifications.inbox.list(reader(igOfficer), {})).items.map((n) => n.referralReference)).toEqual(['REF-BG-1']);
  });

  it('writes the break-glass notifications in the opening’s transaction: when they cannot be written, no enquiry is opened', async () => {
    const failing = createEnquiryService({
      repository: createEnquiryRepository(store, {
        breakGlassOpened: async (tx, enquiry, now) => {
          await notifications.breakGlassOpened(tx, enquiry, now);
          throw new Error('notification store full');
        },
      }),
      reviews,
      shown: createSearchShownRepository(store),
      policy,
      agencies: () => ['health', 'police', 'education'],
      knownActors: createKnownActors(store),
    });
    await expect(failing.open(dutyWorker, { referralReference: 'REF-BG-2', purpose: 'emergency', consentRecorded: false, rag: 'RED', justification: JUSTIFICATION }, at(0))).rejects.toThrow('notification store full');
    expect((await store.query('SELECT id FROM enquiry WHERE referral_reference = $1', ['REF-BG-2'])).rows).toEqual([]);
    expect((await notifications.inbox.list(reader(igOfficer), {})).items).toEqual([]);
    expect((await notifications.inbox.list(reader(manager), {})).items).toEqual([]);
  });

  it('marks read for the reader alone; another reader’s notification ids are left alone and not returned', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    await requestReview(enquiry.id);
    const request = (await reviews.listForAgency('police', undefined))[0]!;
    await enquiries.decideReview(policeReviewer, request.id, true, null, at(3));
    const teamNote = (await notifications.inbox.list(reader(policeReviewer), {})).items[0]!;
    const researcherNote = (await notifications.inbox.list(reader(researcher), {})).items[0]!;

    // A police reviewer cannot mark the researcher's notification read.
    expect(await notifications.inbox.markRead(reader(policeReviewer), [teamNote.id, researcherNote.id], at(4))).toEqual([teamNote.id]);
    expect((await notifications.inbox.list(reader(researcher), { unreadOnly: true })).items.map((n) => n.id)).toEqual([researcherNote.id]);
    // Read by one team member is still unread for the other.
    expect((await notifications.inbox.list(reader(policeReviewer), { unreadOnly: true })).items).toEqual([]);
    expect((await notifications.inbox.list(reader(policeReviewer), {})).items[0]!.readAt).toBe(at(4).toISOString());
    expect((await notifications.inbox.list(reader(policeReviewer2), { unreadOnly: true })).items.map((n) => n.id)).toEqual([teamNote.id]);
    // The same subject at another issuer marks nothing.
    expect(await notifications.inbox.markRead(reader(twin), [researcherNote.id], at(5))).toEqual([]);
    expect((await notifications.inbox.list(reader(researcher), { unreadOnly: true })).items).toHaveLength(1);
  });

  it('refuses bad paging and marking input with BAD_INPUT naming the field', async () => {
    await expect(notifications.inbox.list(reader(researcher), { first: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'first' } });
    await expect(notifications.inbox.list(reader(researcher), { first: 101 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(notifications.inbox.list(reader(researcher), { after: "1' OR 1=1" })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'after' } });
    await expect(notifications.inbox.markRead(reader(researcher), ['not-a-uuid'], at(1))).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'ids' } });
    await expect(notifications.inbox.markRead(reader(researcher), Array.from({ length: 101 }, () => SEARCH_EVENT), at(1))).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('pages newest first, with a cursor to the older ones', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    for (let i = 1; i <= 5; i++) await requestReview(enquiry.id, await repository.addSubject(enquiry.id, { relation: 'child' }, researcher, at(0)));
    const first = await notifications.inbox.list(reader(policeReviewer), { first: 2 });
    expect(first.hasNextPage).toBe(true);
    const second = await notifications.inbox.list(reader(policeReviewer), { first: 2, after: first.endCursor });
    const third = await notifications.inbox.list(reader(policeReviewer), { first: 2, after: second.endCursor });
    const seqs = [...first.items, ...second.items, ...third.items].map((n) => n.seq);
    expect(seqs).toHaveLength(5);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
    expect(third.hasNextPage).toBe(false);
    expect(third.endCursor).toBeNull();
  });

  it('raises deadline near once per enquiry, member and deadline, however many scans or scanners; again when the deadline moves', async () => {
    const near = await openEnquiry(enquiries, store, at(90).toISOString(), 'REF-NEAR');
    await addColleague(near.id);
    await openEnquiry(enquiries, store, at(600).toISOString(), 'REF-LATER');
    const closed = await openEnquiry(enquiries, store, at(60).toISOString(), 'REF-CLOSED');
    // Closed (by a signed-off decision, which is not what this test is about): set directly.
    await store.query('UPDATE enquiry SET closed_at = $2 WHERE id = $1', [closed.id, at(1).toISOString()]);

    // Two gateway processes on one store, scanning at the same moment, then again later.
    const second = setup(store).notifications;
    const counts = await Promise.all([notifications.scanDeadlines(at(0)), second.scanDeadlines(at(0))]);
    expect(counts[0] + counts[1]).toBe(2);
    expect(await notifications.scanDeadlines(at(10))).toBe(0);
    for (const member of [researcher, colleague]) {
      const items = (await notifications.inbox.list(reader(member), {})).items.filter((n) => n.kind === 'deadline-near');
      expect(items.map((n) => n.referralReference), member.id).toEqual(['REF-NEAR']);
      expect(items[0]!.text).toBe(`Enquiry REF-NEAR reaches its deadline at ${at(90).toISOString()}.`);
    }
    expect((await notifications.inbox.list(reader(twin), {})).items).toEqual([]);

    // A new deadline is a new reminder.
    await store.query('UPDATE enquiry SET deadline = $2 WHERE id = $1', [near.id, at(100).toISOString()]);
    expect(await notifications.scanDeadlines(at(20))).toBe(2);
    await second.close();
  });

  it('tells the assignee in the assignment’s transaction, and from then on only the assignee that the deadline is near', async () => {
    const near = await openEnquiry(enquiries, store, at(90).toISOString(), 'REF-ASSIGNED');
    await addColleague(near.id);
    const queue = createQueueRepository(store, { assigned: notifications.enquiryAssigned });
    expect(await queue.assign(near.id, { expected: null, assignee: { ...colleague, name: colleague.name, agency: colleague.agency }, note: null, by: researcher, memberReason: 'Assigned' }, at(1))).toBe(true);
    const assigned = (await notifications.inbox.list(reader(colleague), {})).items;
    expect(assigned).toEqual([expect.objectContaining({ kind: 'enquiry-assigned', enquiryId: near.id, text: 'Enquiry REF-ASSIGNED has been assigned to you.', to: { actor: true } })]);
    expect((await notifications.inbox.list(reader(researcher), {})).items).toEqual([]);

    expect(await notifications.scanDeadlines(at(2))).toBe(1);
    expect((await notifications.inbox.list(reader(colleague), {})).items.map((n) => n.kind)).toEqual(['deadline-near', 'enquiry-assigned']);
    expect((await notifications.inbox.list(reader(researcher), {})).items).toEqual([]);
  });

  it('links every record of one likely person as one subject, all or nothing', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    const shown = createSearchShownRepository(store);
    await shown.record(
      enquiry.id,
      [
        { agency: 'health', personId: 'pat-1', matchKey: 'P1' },
        { agency: 'police', personId: 'NOM0000003', matchKey: 'P1' },
        { agency: 'education', personId: 'UPN-9', matchKey: 'P2' },
      ],
      { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer },
      at(0),
    );
    // A store that fails on the second link: nothing of the subject is left behind.
    let links = 0;
    const flaky: Store = {
      ...store,
      kind: store.kind,
      query: (sql, params) => store.query(sql, params),
      transaction: (fn) =>
        store.transaction((tx) =>
          fn({
            query: async (sql, params) => {
              if (sql.includes('INSERT INTO subject_link') && ++links === 2) throw new Error('connection lost');
              return tx.query(sql, params);
            },
          }),
        ),
      close: () => store.close(),
    };
    const broken = createEnquiryService({ repository: createEnquiryRepository(flaky), reviews, shown, policy, agencies: () => ['health', 'police', 'education'], knownActors: createKnownActors(store) });
    await expect(broken.linkPerson(researcher, { enquiryId: enquiry.id, searchEventId: SEARCH_EVENT, key: 'P1' }, at(1))).rejects.toThrow('connection lost');
    expect((await enquiries.get(researcher, enquiry.id)).subjects).toEqual([]);

    // Any member may link what a search in the enquiry showed, not only the one who searched.
    await addColleague(enquiry.id);
    const { subject } = await enquiries.linkPerson(colleague, { enquiryId: enquiry.id, searchEventId: SEARCH_EVENT, key: 'P1', label: 'Referred child' }, at(2));
    expect(subject.links.map((l) => `${l.agency}:${l.personId}`).sort()).toEqual(['health:pat-1', 'police:NOM0000003']);
    expect(subject).toMatchObject({ relation: 'child', label: 'Referred child' });

    // The same likely person again: already linked, nothing changes.
    await expect(enquiries.linkPerson(researcher, { enquiryId: enquiry.id, searchEventId: SEARCH_EVENT, key: 'P1' }, at(3))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await enquiries.get(researcher, enquiry.id)).subjects).toHaveLength(1);
  });

  it('refuses a key the search did not show, another enquiry’s search, a non-member and malformed input', async () => {
    const enquiry = await openEnquiry(enquiries, store);
    const other = await openEnquiry(enquiries, store, undefined, 'REF-OTHER');
    await createSearchShownRepository(store).record(other.id, [{ agency: 'health', personId: 'pat-1', matchKey: 'P1' }], { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer }, at(0));
    const link = (actor: Actor, input: Partial<{ enquiryId: string; searchEventId: string; key: string; relation: string }>) =>
      enquiries.linkPerson(actor, { enquiryId: enquiry.id, searchEventId: SEARCH_EVENT, key: 'P1', ...input }, at(1));
    await expect(link(researcher, {})).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_SHOWN' });
    await expect(link(researcher, { enquiryId: other.id, key: 'P2' })).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_SHOWN' });
    await expect(link(colleague, { enquiryId: other.id })).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
    await expect(link(twin, { enquiryId: other.id })).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
    await expect(link(researcher, { enquiryId: other.id, searchEventId: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'searchEventId' } });
    await expect(link(researcher, { enquiryId: other.id, key: 'P1; DROP' })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'key' } });
    await expect(link(researcher, { enquiryId: other.id, relation: 'cousin' })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'relation' } });
    expect((await enquiries.get(researcher, other.id)).subjects).toEqual([]);
    // The member of the enquiry whose search showed the key links it.
    expect((await link(researcher, { enquiryId: other.id })).subject.links).toHaveLength(1);
  });
});
