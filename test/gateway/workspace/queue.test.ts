import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import { configFromDocument } from '../../../gateway/config.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService } from '../../../gateway/enquiries/index.js';
import { isGatewayError } from '../../../gateway/errors.js';
import type { Store } from '../../../gateway/store/index.js';
import {
  addWorkingTime,
  computedDeadline,
  createQueueRepository,
  createQueueService,
  createReferralIntake,
  defaultQueueSettings,
  queueConfigSchema,
  queueSettings,
  type QueueService,
} from '../../../gateway/workspace/queue/index.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { signedOffDecision } from '../../helpers/decision.js';
import { storeKinds } from '../../helpers/stores.js';

const settings = defaultQueueSettings();
const HOUR = 3_600_000;

/** Expects a GatewayError with this code (and a message matching, when given). */
async function refused(promise: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(isGatewayError(error), `expected ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

describe('working-hours deadlines', () => {
  it('a Friday 16:00 RED referral is due Monday 12:00 (4 working hours, 09:00-17:00 Europe/London)', () => {
    expect(computedDeadline('RED', new Date('2026-11-27T16:00:00Z'), settings).toISOString()).toBe('2026-11-30T12:00:00.000Z');
  });

  it('skips bank holidays: a Christmas Eve 16:00 RED referral is due on the Tuesday after Christmas (25th and the Boxing Day substitute, 28th)', () => {
    expect(computedDeadline('RED', new Date('2026-12-24T16:00:00Z'), settings).toISOString()).toBe('2026-12-29T12:00:00.000Z');
  });

  it('counts London wall-clock hours in summer time: Friday 16:00 BST before the spring bank holiday is due Tuesday 12:00 BST', () => {
    expect(computedDeadline('RED', new Date('2027-05-28T15:00:00Z'), settings).toISOString()).toBe('2027-06-01T11:00:00.000Z');
  });

  it('keeps wall-clock working hours across the autumn clock change', () => {
    // Friday 23 October 2026 16:00 BST (15:00Z); clocks go back on Sunday 25th: due Monday 12:00 GMT.
    expect(computedDeadline('RED', new Date('2026-10-23T15:00:00Z'), settings).toISOString()).toBe('2026-10-26T12:00:00.000Z');
  });

  it('starts a referral received out of hours at the next working start', () => {
    expect(computedDeadline('RED', new Date('2026-11-28T10:00:00Z'), settings).toISOString()).toBe('2026-11-30T13:00:00.000Z'); // a Saturday
    expect(computedDeadline('RED', new Date('2026-11-26T19:30:00Z'), settings).toISOString()).toBe('2026-11-27T13:00:00.000Z'); // Thursday evening
  });

  it('counts AMBER and GREEN in clock hours by default', () => {
    const at = new Date('2026-11-27T16:00:00Z');
    expect(computedDeadline('AMBER', at, settings).getTime() - at.getTime()).toBe(24 * HOUR);
    expect(computedDeadline('GREEN', at, settings).getTime() - at.getTime()).toBe(72 * HOUR);
  });

  it('follows configured working hours, days and timescales', () => {
    const custom = queueSettings(
      queueConfigSchema.parse({ timescales: { AMBER: { workingHours: 10 } }, workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '08:00', end: '18:00', holidays: [] } }),
    );
    // Saturday is a working day here: Friday 17:00 + 4 working hours (1 on Friday, 3 on Saturday) is Saturday 11:00.
    expect(computedDeadline('RED', new Date('2026-11-27T17:00:00Z'), custom).toISOString()).toBe('2026-11-28T11:00:00.000Z');
    expect(computedDeadline('AMBER', new Date('2026-11-27T17:00:00Z'), custom).toISOString()).toBe('2026-11-28T17:00:00.000Z');
    // No holidays listed: Christmas Day is a working Friday.
    expect(addWorkingTime(new Date('2026-12-24T17:00:00Z'), 2 * HOUR, custom.calendar).toISOString()).toBe('2026-12-25T09:00:00.000Z');
  });

  it('refuses a bad queue configuration at start, naming the key', () => {
    const load = (queue: unknown) => () => configFromDocument({ connectors: [{ kind: 'health', baseUrl: 'http://x.test' }], auth: { demoIssuer: true }, queue }, '/etc/mash.yaml');
    const problem = (queue: unknown): string => {
      try {
        load(queue)();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problem({ workingHours: { timeZone: 'Mars/Olympus' } })).toMatch(/queue\.workingHours\.timeZone: must be an IANA time zone/);
    expect(problem({ workingHours: { start: '17:00', end: '09:00' } })).toMatch(/queue\.workingHours\.end: end must be after start/);
    expect(problem({ workingHours: { start: '9am' } })).toMatch(/queue\.workingHours\.start: must be a time of day as HH:MM/);
    expect(problem({ timescales: { RED: { minutes: 30 } } })).toMatch(/queue\.timescales\.RED/);
    expect(problem({ workingHours: { holidays: ['Christmas'] } })).toMatch(/queue\.workingHours\.holidays\.0: must be an ISO date/);
    expect(problem({ grace: 3 })).toMatch(/queue: Unrecognized key/i);
    expect(load({ accessGrace: { workingDays: 3 } })().queue.accessGraceWorkingDays).toBe(3);
    expect(load(undefined)().queue.timescales.RED).toMatchObject({ working: true, amountMs: 4 * HOUR });
  });
});

describe('referral intake', () => {
  const intake = createReferralIntake(settings);
  const now = new Date('2026-11-27T10:00:00Z');
  const researcher = { manager: false };
  const manager = { manager: true };

  it('defaults what existing callers do not send: received now, no categories, no referral record, the RAG deadline', () => {
    const plan = intake.plan({ rag: 'RED' }, researcher, now);
    expect(plan).toMatchObject({ receivedAt: now, concernCategories: [], referral: null });
    expect(plan.deadline.toISOString()).toBe('2026-11-27T14:00:00.000Z');
    expect(plan.accessEndsAt.toISOString()).toBe('2026-12-04T14:00:00.000Z'); // 5 working days later
  });

  it('records the source, the categories (known ids, each once) and the text', () => {
    const plan = intake.plan(
      {
        rag: 'AMBER',
        receivedAt: '2026-11-27T08:15:00Z',
        source: { kind: 'AGENCY', organisation: ' Northfield Primary School ', referrerName: 'Dana Lead', referrerRole: 'DSL' },
        concernCategories: ['neglect', 'Domestic-Abuse', 'neglect'],
        referralText: '  Child arrived hungry and with bruising.  ',
      },
      researcher,
      now,
    );
    expect(plan.receivedAt.toISOString()).toBe('2026-11-27T08:15:00.000Z');
    expect(plan.concernCategories).toEqual(['neglect', 'domestic-abuse']);
    expect(plan.referral).toEqual({ source: { kind: 'agency', organisation: 'Northfield Primary School', referrerName: 'Dana Lead', referrerRole: 'DSL' }, text: 'Child arrived hungry and with bruising.' });
    expect(plan.deadline.toISOString()).toBe('2026-11-28T08:15:00.000Z');
  });

  it.each([
    [{ concernCategories: ['neglect', 'witchcraft'] }, 'concernCategories', /Unknown concern category "witchcraft"/],
    [{ receivedAt: '2026-11-27T11:00:00Z' }, 'receivedAt', /in the future/],
    [{ receivedAt: '2026-09-01T09:00:00Z' }, 'receivedAt', /more than 30 days ago/],
    [{ receivedAt: 'yesterday' }, 'receivedAt', /ISO 8601/],
    [{ source: { kind: 'ANONYMOUS', referrerName: 'A Neighbour' } }, 'source', /anonymous referral records no referrer/],
    [{ source: { kind: 'PROFESSIONAL', referrerName: 'Dr Who' } }, 'source.organisation', /organisation/],
    [{ source: { kind: 'PUBLIC' } }, 'source.referrerName', /Name the referrer/],
    [{ source: { kind: 'ALIEN', referrerName: 'X' } }, 'source.kind', /AGENCY, PROFESSIONAL, PUBLIC or ANONYMOUS/],
    [{ referralText: 'x'.repeat(20_001) }, 'referralText', /at most 20000 characters/],
    [{ referralText: '   ' }, 'referralText', /must not be empty/],
  ])('refuses %j as BAD_INPUT naming the field', (change, field, message) => {
    let error: unknown;
    try {
      intake.plan({ rag: 'RED', ...change }, researcher, now);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'BAD_INPUT', details: { field } });
    expect((error as Error).message).toMatch(message);
  });

  it('never quotes the referral text back in its refusal', () => {
    const secret = 'Mother disclosed that ';
    try {
      intake.plan({ rag: 'RED', referralText: secret.repeat(2000) }, researcher, now);
    } catch (error) {
      expect((error as Error).message).not.toContain('Mother');
    }
  });

  it('lets a researcher bring the deadline forward but not push it past the RAG timescale', async () => {
    expect(intake.plan({ rag: 'RED', deadline: '2026-11-27T12:00:00Z' }, researcher, now).deadline.toISOString()).toBe('2026-11-27T12:00:00.000Z');
    await refused(() => intake.plan({ rag: 'RED', deadline: '2026-11-27T18:00:00Z' }, researcher, now), 'FORBIDDEN', /only a MASH manager may set a later one/);
  });

  it('lets a manager set a later deadline within the maximum extension, and refuses a RED three years out with why', async () => {
    // 10 working days after the RED deadline (Friday 14:00) is Friday 11 December 14:00.
    expect(intake.plan({ rag: 'RED', deadline: '2026-12-11T14:00:00Z' }, manager, now).deadline.toISOString()).toBe('2026-12-11T14:00:00.000Z');
    await refused(() => intake.plan({ rag: 'RED', deadline: '2026-12-11T14:00:01Z' }, manager, now), 'BAD_INPUT', /extended by at most 10 working days, to 2026-12-11T14:00:00.000Z/);
    await refused(() => intake.plan({ rag: 'RED', deadline: '2029-11-27T14:00:00Z' }, manager, now), 'BAD_INPUT', /further out than a RED \(4 working hours from receipt\) referral allows/);
    await refused(() => intake.plan({ rag: 'RED', deadline: '2029-11-27T14:00:00Z' }, researcher, now), 'BAD_INPUT', /further out/);
  });

  it('opens an old referral overdue, with access counted from the opening', () => {
    const plan = intake.plan({ rag: 'RED', receivedAt: '2026-11-20T10:00:00Z' }, researcher, now);
    expect(plan.deadline.toISOString()).toBe('2026-11-20T14:00:00.000Z');
    expect(plan.accessEndsAt.toISOString()).toBe('2026-12-04T10:00:00.000Z');
  });
});

const policy = loadPolicyFile();
const ISSUER = 'https://idp.test';
const actor = (id: string, agency: string, roles: string[]): Actor => ({ id, name: `Name of ${id}`, agency, roles, issuer: ISSUER });
const riley = actor('riley', 'social-care', ['mash-researcher']);
const sam = actor('sam', 'social-care', ['mash-researcher']);
const morgan = actor('morgan', 'social-care', ['mash-manager']);
const policeManager = actor('pm', 'police', ['mash-manager']);
const policeResearcher = actor('pr', 'police', ['mash-researcher']);
const reviewer = actor('rev', 'social-care', ['agency-reviewer']);
const T0 = new Date('2026-11-30T09:30:00Z'); // a Monday morning
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

describe.each(storeKinds())('the triage queue on $name', (kind) => {
  let store: Store;
  let enquiries: EnquiryService;
  let queue: QueueService;

  beforeAll(async () => {
    store = await kind.open();
    const repository = createEnquiryRepository(store);
    const knownActors = createKnownActors(store);
    for (const a of [riley, sam, morgan, policeManager, policeResearcher]) await knownActors.record(a, T0);
    enquiries = createEnquiryService({ repository, reviews: createReviewRepository(store), shown: createSearchShownRepository(store), policy, agencies: () => ['health'], knownActors, intake: createReferralIntake(settings) });
    queue = createQueueService({ enquiries: repository, repository: createQueueRepository(store), knownActors, settings });
  });
  afterAll(async () => store?.close());

  const open = (by: Actor, reference: string, rag: string, more: Record<string, unknown> = {}, now = T0) =>
    enquiries.open(by, { referralReference: reference, purpose: 's47', consentRecorded: false, rag, ...more }, now);

  it('orders a mixed set: RAG first, then least time left (overdue first), then unassigned first', async () => {
    const greenOld = await open(riley, 'Q-GREEN', 'GREEN', { receivedAt: at(-48).toISOString() });
    const redOk = await open(riley, 'Q-RED', 'RED');
    const redOverdue = await open(riley, 'Q-RED-OVERDUE', 'RED', { receivedAt: at(-30).toISOString() }); // Saturday 03:30: due Monday 13:00
    const amberAssigned = await open(riley, 'Q-AMBER-ASSIGNED', 'AMBER');
    const amberUnassigned = await open(riley, 'Q-AMBER-UNASSIGNED', 'AMBER');
    await queue.assign(morgan, amberAssigned.id, { actorId: sam.id, issuer: ISSUER }, T0);
    await open(policeResearcher, 'Q-POLICE', 'RED'); // another team's: never in this queue
    const closed = await open(riley, 'Q-CLOSED', 'RED');
    await signedOffDecision(store, closed.id, riley, T0);
    await enquiries.close(riley, closed.id, 'NFA', T0);

    const now = at(3.75); // 13:15: the RED received on Saturday was due at 13:00; the one received at 09:30 is due at 13:30
    const page = await queue.queue(sam, 'social-care', {}, {}, now);
    expect(page.entries.map((e) => e.referralReference)).toEqual(['Q-RED-OVERDUE', 'Q-RED', 'Q-AMBER-UNASSIGNED', 'Q-AMBER-ASSIGNED', 'Q-GREEN']);
    expect(page.totalCount).toBe(5);
    const [overdue, red] = page.entries;
    expect(overdue).toMatchObject({ enquiryId: redOverdue.id, overdue: true, rag: 'RED', memberCount: 1, member: false, assignee: null });
    expect(overdue!.timeLeftSeconds).toBe(-900);
    expect(red).toMatchObject({ enquiryId: redOk.id, overdue: false, timeLeftSeconds: 900 });
    expect(page.entries[3]).toMatchObject({ enquiryId: amberAssigned.id, assignee: { issuer: ISSUER, id: 'sam', name: 'Name of sam' }, memberCount: 2, member: true });
    expect(page.entries[4]).toMatchObject({ enquiryId: greenOld.id, overdue: false });
    expect(page.entries[2]!.enquiryId).toBe(amberUnassigned.id);
    // Entries carry no referral text and no subjects (risk indicator counts only, and only for members and managers).
    expect(Object.keys(overdue!).sort()).toEqual(['accessEndsAt', 'assignee', 'concernCategories', 'deadline', 'enquiryId', 'member', 'memberCount', 'overdue', 'purpose', 'rag', 'receivedAt', 'referralReference', 'riskIndicators', 'timeLeftSeconds']);
    expect(overdue!.riskIndicators).toBeNull();

    // Filters.
    const refs = async (filter: Parameters<QueueService['queue']>[2], who: Actor = sam) => (await queue.queue(who, 'social-care', filter, {}, now)).entries.map((e) => e.referralReference);
    expect(await refs({ rag: 'AMBER' })).toEqual(['Q-AMBER-UNASSIGNED', 'Q-AMBER-ASSIGNED']);
    expect(await refs({ assignment: 'mine' })).toEqual(['Q-AMBER-ASSIGNED']);
    expect(await refs({ assignment: 'mine' }, riley)).toEqual([]);
    expect(await refs({ assignment: 'unassigned', rag: 'RED' })).toEqual(['Q-RED-OVERDUE', 'Q-RED']);
    expect(await refs({ overdue: true })).toEqual(['Q-RED-OVERDUE']);
    expect(await refs({ overdue: false, purpose: 's47' })).toEqual(['Q-RED', 'Q-AMBER-UNASSIGNED', 'Q-AMBER-ASSIGNED', 'Q-GREEN']);
    expect(await refs({ purpose: 'early-help' })).toEqual([]);

    // Pages of two, no overlap, no gap.
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const p: Awaited<ReturnType<QueueService['queue']>> = await queue.queue(morgan, 'social-care', {}, { first: 2, after }, now);
      expect(p.entries.length).toBeLessThanOrEqual(2);
      seen.push(...p.entries.map((e) => e.referralReference));
      after = p.nextCursor;
    } while (after !== null);
    expect(seen).toEqual(page.entries.map((e) => e.referralReference));
  });

  it('refuses the queue to anyone not of the team or not working a queue, and bad paging', async () => {
    await refused(queue.queue(policeResearcher, 'social-care', {}, {}, T0), 'FORBIDDEN', /only your own team's queue/);
    await refused(queue.queue(policeManager, 'social-care', {}, {}, T0), 'FORBIDDEN');
    await refused(queue.queue(reviewer, 'social-care', {}, {}, T0), 'FORBIDDEN', /MASH researchers and managers/);
    await refused(queue.queue(sam, 'social-care', {}, { first: 201 }, T0), 'BAD_INPUT', /first must be between 1 and 200/);
    await refused(queue.queue(sam, 'social-care', {}, { first: 0 }, T0), 'BAD_INPUT');
    await refused(queue.queue(sam, 'social-care', {}, { after: 'bm90LWEtY3Vyc29y' }, T0), 'BAD_INPUT', /not a cursor/);
  });

  it('leaves enquiries whose access has ended out of the queue', async () => {
    const e = await open(riley, 'Q-ENDED', 'GREEN', {}, at(-2000));
    const page = await queue.queue(riley, 'social-care', {}, { first: 200 }, T0);
    expect(page.entries.map((x) => x.enquiryId)).not.toContain(e.id);
  });

  describe('assigning', () => {
    it('a manager of the owning team assigns; the assignee becomes a member; a handover needs a note', async () => {
      const e = await open(riley, 'A-1', 'RED');
      const first = await queue.assign(morgan, e.id, { actorId: 'sam', issuer: ISSUER }, at(0.1));
      expect(first.reassigned).toBe(false);
      expect(first.enquiry.assignee).toEqual({ issuer: ISSUER, id: 'sam', name: 'Name of sam' });
      expect(first.enquiry.members.map((m) => m.actorId)).toEqual(['riley', 'sam']);
      await refused(queue.assign(morgan, e.id, { actorId: 'riley', issuer: ISSUER }, at(0.2)), 'BAD_INPUT', /handover note/);
      await refused(queue.assign(morgan, e.id, { actorId: 'sam', issuer: ISSUER, note: 'again' }, at(0.2)), 'CONFLICT');
      // The current assignee hands over (out of hours to the day service) with a note.
      const handover = await queue.assign(sam, e.id, { actorId: 'riley', issuer: ISSUER, note: 'Police checks done; health visitor to call back.' }, at(0.3));
      expect(handover.reassigned).toBe(true);
      const history = await queue.assignments(e.id);
      expect(history).toEqual([
        { assignee: { issuer: ISSUER, id: 'sam', name: 'Name of sam' }, previous: null, note: null, assignedAt: at(0.1).toISOString(), assignedBy: { issuer: ISSUER, id: 'morgan' } },
        { assignee: { issuer: ISSUER, id: 'riley', name: 'Name of riley' }, previous: { issuer: ISSUER, id: 'sam' }, note: 'Police checks done; health visitor to call back.', assignedAt: at(0.3).toISOString(), assignedBy: { issuer: ISSUER, id: 'sam' } },
      ]);
      // Riley was already a member: no second membership.
      expect(handover.enquiry.members.map((m) => m.actorId)).toEqual(['riley', 'sam']);
    });

    it('keeps assignments, extensions and removals in the order they were made within one instant', async () => {
      const e = await open(riley, 'A-3', 'RED');
      await enquiries.addMember(riley, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Second researcher' }, T0);
      const chain = ['sam', 'riley', 'sam', 'riley', 'sam'];
      for (const [i, who] of chain.entries()) {
        const { assignment } = await queue.assign(morgan, e.id, { actorId: who, issuer: ISSUER, note: i === 0 ? null : `handover ${i}` }, T0);
        expect(assignment).toMatchObject({ assignee: { id: who }, previous: i === 0 ? null : { id: chain[i - 1] } });
      }
      expect((await queue.assignments(e.id)).map((a) => a.note)).toEqual([null, 'handover 1', 'handover 2', 'handover 3', 'handover 4']);
      for (const hour of [5, 6, 7]) await queue.extendDeadline(morgan, e.id, { deadline: at(hour).toISOString(), reason: `to ${hour}` }, T0);
      expect((await queue.deadlineChanges(e.id)).map((c) => c.reason)).toEqual(['to 5', 'to 6', 'to 7']);
    });

    it('refuses anyone else, an assignee of another team or never seen, and a closed enquiry', async () => {
      const e = await open(riley, 'A-2', 'RED');
      await refused(queue.assign(riley, e.id, { actorId: 'sam', issuer: ISSUER }, T0), 'FORBIDDEN', /manager of the owning team \(social-care\) or the current assignee/);
      await refused(queue.assign(policeManager, e.id, { actorId: 'sam', issuer: ISSUER }, T0), 'FORBIDDEN');
      await refused(queue.assign(morgan, e.id, { actorId: 'pr', issuer: ISSUER }, T0), 'BAD_INPUT', /of the owning team \(social-care\)/);
      await refused(queue.assign(morgan, e.id, { actorId: 'sam', issuer: 'https://other.test' }, T0), 'UNKNOWN_ACTOR');
      await refused(queue.assign(morgan, 'no-such-enquiry', { actorId: 'sam', issuer: ISSUER }, T0), 'FORBIDDEN_NO_ENQUIRY');
      await signedOffDecision(store, e.id, riley, T0);
      await enquiries.close(riley, e.id, 'NFA', T0);
      await refused(queue.assign(morgan, e.id, { actorId: 'sam', issuer: ISSUER }, T0), 'FORBIDDEN_ENQUIRY_CLOSED');
      expect(await queue.assignments(e.id)).toEqual([]);
    });
  });

  describe('extending a deadline', () => {
    it('a manager of the owning team extends with a reason, within the maximum extension; access follows; history is kept', async () => {
      const e = await open(riley, 'D-1', 'RED'); // due Monday 13:30
      expect(e.deadline).toBe('2026-11-30T13:30:00.000Z');
      const { enquiry, change } = await queue.extendDeadline(morgan, e.id, { deadline: '2026-12-01T13:30:00Z', reason: 'Awaiting the school nurse' }, at(1));
      expect(enquiry.deadline).toBe('2026-12-01T13:30:00.000Z');
      expect(enquiry.computedDeadline).toBe('2026-11-30T13:30:00.000Z');
      expect(enquiry.accessEndsAt).toBe('2026-12-08T13:30:00.000Z');
      expect(change).toEqual({ from: '2026-11-30T13:30:00.000Z', to: '2026-12-01T13:30:00.000Z', accessEndsAt: '2026-12-08T13:30:00.000Z', reason: 'Awaiting the school nurse', changedAt: at(1).toISOString(), changedBy: { issuer: ISSUER, id: 'morgan' } });
      expect(await queue.deadlineChanges(e.id)).toEqual([change]);
    });

    it('refuses a non-manager, another team, no reason, an earlier date, a RED years out, a closed enquiry', async () => {
      const e = await open(riley, 'D-2', 'RED');
      await refused(queue.extendDeadline(riley, e.id, { deadline: '2026-12-01T13:30:00Z', reason: 'More time' }, T0), 'FORBIDDEN', /Only a MASH manager of the owning team/);
      await refused(queue.extendDeadline(policeManager, e.id, { deadline: '2026-12-01T13:30:00Z', reason: 'More time' }, T0), 'FORBIDDEN');
      await refused(queue.extendDeadline(morgan, e.id, { deadline: '2026-12-01T13:30:00Z', reason: '  ' }, T0), 'BAD_INPUT', /reason/);
      await refused(queue.extendDeadline(morgan, e.id, { deadline: '2026-11-30T12:00:00Z', reason: 'Sooner' }, T0), 'BAD_INPUT', /not later than the current deadline/);
      await refused(queue.extendDeadline(morgan, e.id, { deadline: '2029-11-30T13:30:00Z', reason: 'Later' }, T0), 'BAD_INPUT', /further out than a RED .* may be extended by at most 10 working days/);
      await signedOffDecision(store, e.id, riley, T0);
      await enquiries.close(riley, e.id, 'NFA', T0);
      await refused(queue.extendDeadline(morgan, e.id, { deadline: '2026-12-01T13:30:00Z', reason: 'More time' }, T0), 'FORBIDDEN_ENQUIRY_CLOSED');
      expect(await queue.deadlineChanges(e.id)).toEqual([]);
    });
  });

  describe('removing a member', () => {
    it('removes a member (by a manager, or themselves); their reads are refused from then on; history is kept', async () => {
      const e = await open(riley, 'M-1', 'RED');
      await queue.assign(morgan, e.id, { actorId: 'riley', issuer: ISSUER }, T0);
      await enquiries.addMember(riley, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Second researcher' }, T0);
      await enquiries.authoriseSearch(sam, e.id, at(0.1)); // Sam may read
      const removal = await queue.removeMember(sam, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Not needed' }, at(0.2));
      expect(removal.enquiry.members.map((m) => m.actorId)).toEqual(['riley']);
      await refused(enquiries.authoriseSearch(sam, e.id, at(0.3)), 'FORBIDDEN_NOT_MEMBER');
      await refused(enquiries.get(sam, e.id), 'FORBIDDEN_NOT_MEMBER');
      await refused(queue.readReferral(sam, e.id, at(0.3)), 'FORBIDDEN_NOT_MEMBER');
      expect(await queue.removedMembers(e.id)).toEqual([
        { actor: { issuer: ISSUER, id: 'sam', name: 'Name of sam', agency: 'social-care' }, addedAt: T0.toISOString(), removedAt: at(0.2).toISOString(), removedBy: { issuer: ISSUER, id: 'sam' }, reason: 'Not needed' },
      ]);
      // Re-adding is a fresh, explicit act.
      await enquiries.addMember(riley, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Back for the strategy discussion' }, at(0.4));
      await queue.removeMember(morgan, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Left the team' }, at(0.5));
      expect((await queue.removedMembers(e.id)).map((r) => r.removedBy.id)).toEqual(['sam', 'morgan']);
    });

    it('never removes the last member, the assignee before a reassignment, or on behalf of someone else', async () => {
      const e = await open(riley, 'M-2', 'RED');
      await refused(queue.removeMember(morgan, e.id, { actorId: 'riley', issuer: ISSUER, reason: 'x' }, T0), 'CONFLICT', /only member/);
      await queue.assign(morgan, e.id, { actorId: 'sam', issuer: ISSUER }, T0);
      await refused(queue.removeMember(morgan, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'x' }, T0), 'CONFLICT', /reassign the enquiry/);
      await refused(queue.removeMember(riley, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'x' }, T0), 'FORBIDDEN');
      await refused(queue.removeMember(policeManager, e.id, { actorId: 'riley', issuer: ISSUER, reason: 'x' }, T0), 'FORBIDDEN');
      await refused(queue.removeMember(morgan, e.id, { actorId: 'nobody', issuer: ISSUER, reason: 'x' }, T0), 'NOT_FOUND');
      await refused(queue.removeMember(morgan, e.id, { actorId: 'riley', issuer: ISSUER, reason: ' ' }, T0), 'BAD_INPUT');
      // After handing over to Riley, Sam (no longer the assignee) may leave.
      await queue.assign(sam, e.id, { actorId: 'riley', issuer: ISSUER, note: 'Handing back' }, T0);
      await queue.removeMember(sam, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Handed back' }, T0);
      await signedOffDecision(store, e.id, riley, T0);
      await enquiries.close(riley, e.id, 'NFA', T0);
      await refused(queue.removeMember(riley, e.id, { actorId: 'riley', issuer: ISSUER, reason: 'x' }, T0), 'FORBIDDEN_ENQUIRY_CLOSED');
    });
  });

  describe('at the same time', () => {
    it('two members leaving at once cannot leave the enquiry without a member', async () => {
      const e = await open(riley, 'C-1', 'RED');
      await enquiries.addMember(riley, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Second researcher' }, T0);
      const outcomes = await Promise.allSettled([
        queue.removeMember(riley, e.id, { actorId: 'riley', issuer: ISSUER, reason: 'Leaving' }, T0),
        queue.removeMember(sam, e.id, { actorId: 'sam', issuer: ISSUER, reason: 'Leaving' }, T0),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
      const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM enquiry_member WHERE enquiry_id = $1', [e.id]);
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('two managers assigning an unassigned enquiry at once: one assignment, the other told', async () => {
      const e = await open(riley, 'C-2', 'RED');
      const morgan2 = actor('morgan-2', 'social-care', ['mash-manager']);
      const outcomes = await Promise.allSettled([
        queue.assign(morgan, e.id, { actorId: 'sam', issuer: ISSUER }, T0),
        queue.assign(morgan2, e.id, { actorId: 'riley', issuer: ISSUER }, T0),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: expect.stringMatching(/^(CONFLICT|BAD_INPUT)$/) } });
      expect(await queue.assignments(e.id)).toHaveLength(1);
    });
  });

  describe('the referral', () => {
    it('is read by members and the owning team’s managers only, while the enquiry is open', async () => {
      const e = await open(riley, 'R-1', 'AMBER', { source: { kind: 'PUBLIC', referrerName: 'A Neighbour' }, concernCategories: ['neglect'], referralText: 'Children left alone overnight.' });
      expect(e.concernCategories).toEqual(['neglect']);
      const read = await queue.readReferral(riley, e.id, T0);
      expect(read).toMatchObject({ managerNotMember: false, referral: { source: { kind: 'public', referrerName: 'A Neighbour', organisation: null, referrerRole: null }, text: 'Children left alone overnight.' } });
      expect((await queue.readReferral(morgan, e.id, T0)).managerNotMember).toBe(true);
      await refused(queue.readReferral(sam, e.id, T0), 'FORBIDDEN_NOT_MEMBER');
      await refused(queue.readReferral(policeManager, e.id, T0), 'FORBIDDEN_NOT_MEMBER');
      await signedOffDecision(store, e.id, riley, T0);
      await enquiries.close(riley, e.id, 'Strategy discussion', T0);
      await refused(queue.readReferral(riley, e.id, T0), 'FORBIDDEN_ENQUIRY_CLOSED');
    });

    it('an enquiry opened without one reads as none recorded; the enquiry row never holds the text', async () => {
      const e = await open(riley, 'R-2', 'RED');
      expect((await queue.readReferral(riley, e.id, T0)).referral).toBeNull();
      const withText = await open(riley, 'R-3', 'RED', { referralText: 'A secret account' });
      const { rows } = await store.query<Record<string, unknown>>('SELECT * FROM enquiry WHERE id = $1', [withText.id]);
      expect(JSON.stringify(rows)).not.toContain('secret account');
      expect(JSON.stringify(withText)).not.toContain('secret account');
    });
  });
});

describe('the 009_referral_queue migration on an existing store', () => {
  it('keeps access of enquiries opened before it ending at their deadline, received at their opening, unassigned', async () => {
    const { copyFile, mkdtemp, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { pathToFileURL } = await import('node:url');
    const { applyMigrations, MIGRATIONS_DIR } = await import('../../../gateway/store/migrate.js');
    const { openPglite } = await import('../../../gateway/store/pglite.js');
    const { silentLogger } = await import('../../../gateway/log.js');
    const before = await mkdtemp(join(tmpdir(), 'mash-migrations-'));
    const driver = await openPglite({});
    try {
      for (const file of (await readdir(MIGRATIONS_DIR)).filter((f) => f < '009')) await copyFile(new URL(file, MIGRATIONS_DIR), join(before, file));
      await applyMigrations(driver, silentLogger, pathToFileURL(`${before}/`));
      const store = driver.store;
      await store.query(
        `INSERT INTO enquiry (id, referral_reference, purpose, legal_basis, rag, deadline, opened_at, opened_by, opened_by_issuer, owner_agency)
         VALUES ('e1', 'REF-OLD', 's47', 'https://example.test', 'RED', '2026-11-27T17:00:00Z', '2026-11-26T09:00:00Z', 'riley', $1, 'social-care')`,
        [ISSUER],
      );
      await store.query(`INSERT INTO enquiry_member (enquiry_id, actor_issuer, actor_id, added_at, added_by, added_by_issuer) VALUES ('e1', $1, 'riley', '2026-11-26T09:00:00Z', 'riley', $1)`, [ISSUER]);
      expect(await applyMigrations(driver, silentLogger)).toContain('009_referral_queue');
      const old = (await createEnquiryRepository(store).get('e1'))!;
      expect(old).toMatchObject({ deadline: '2026-11-27T17:00:00.000Z', accessEndsAt: '2026-11-27T17:00:00.000Z', computedDeadline: '2026-11-27T17:00:00.000Z', receivedAt: '2026-11-26T09:00:00.000Z', concernCategories: [], assignee: null });
      const q = createQueueService({ enquiries: createEnquiryRepository(store), repository: createQueueRepository(store), knownActors: createKnownActors(store), settings });
      expect((await q.readReferral(riley, 'e1', new Date('2026-11-27T16:00:00Z'))).referral).toBeNull();
      await refused(q.readReferral(riley, 'e1', new Date('2026-11-27T17:00:00Z')), 'FORBIDDEN_ENQUIRY_CLOSED');
    } finally {
      await driver.store.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});

/** The resolvers on each store: every operation of the area leaves an event, refusals too, and the chain verifies. */
describe.each(storeKinds())('audit events of the queue operations on $name', (kind) => {
  let store: Store;
  let services: Record<string, unknown>;
  let schema: import('graphql').GraphQLSchema;
  let audit: import('../../../gateway/audit/index.js').AuditLog;

  beforeAll(async () => {
    const { createSchema } = await import('../../../gateway/resolvers/index.js');
    const { createAuditLog } = await import('../../../gateway/audit/index.js');
    const { silentLogger } = await import('../../../gateway/log.js');
    store = await kind.open();
    const repository = createEnquiryRepository(store);
    const knownActors = createKnownActors(store);
    for (const a of [riley, sam, morgan, policeResearcher]) await knownActors.record(a, T0);
    audit = createAuditLog(store);
    const enquiries = createEnquiryService({ repository, reviews: createReviewRepository(store), shown: createSearchShownRepository(store), policy, agencies: () => ['health'], knownActors, intake: createReferralIntake(settings) });
    const queue = createQueueService({ enquiries: repository, repository: createQueueRepository(store), knownActors, settings });
    services = { enquiries, queue, audit, policy, store, logger: silentLogger, now: () => T0 };
    schema = createSchema();
  });
  afterAll(async () => {
    await audit?.close();
    await store?.close();
  });

  const codeOf = (result: { errors?: readonly { originalError?: unknown }[] }) => (result.errors?.[0]?.originalError as { code?: string } | undefined)?.code;

  async function run(who: Actor, source: string, variableValues: Record<string, unknown> = {}) {
    const { graphql } = await import('graphql');
    return graphql({ schema, source, variableValues, contextValue: { requestId: `req-${Math.random()}`, actor: who, federation: undefined, services } });
  }

  it('records openEnquiry, readReferral, enquiryQueue, assignEnquiry, extendDeadline and removeEnquiryMember, and their refusals, without the free text', async () => {
    const opened = await run(riley, `mutation($i: OpenEnquiryInput!) { openEnquiry(input: $i) { id } }`, {
      i: { referralReference: 'AUD-1', purpose: 's47', consentRecorded: false, rag: 'RED', source: { kind: 'PROFESSIONAL', organisation: 'Elm GP', referrerName: 'Dr Xanthe' }, concernCategories: ['neglect'], referralText: 'Xanthe reports the child is unkempt' },
    });
    expect(opened.errors).toBeUndefined();
    const id = (opened.data as { openEnquiry: { id: string } }).openEnquiry.id;
    const read = await run(riley, `query($id: ID!) { enquiry(id: $id) { referral { text auditEventId } } }`, { id });
    expect(read.errors).toBeUndefined();
    expect((await run(sam, `query { enquiryQueue(team: "social-care") { totalCount } }`)).errors).toBeUndefined();
    expect(codeOf(await run(policeResearcher, `query { enquiryQueue(team: "social-care") { totalCount } }`))).toBe('FORBIDDEN');
    const assign = (who: Actor, actorId: string, note?: string) => run(who, `mutation($id: ID!, $a: ID!, $n: String) { assignEnquiry(enquiryId: $id, actorId: $a, issuer: "${ISSUER}", note: $n) { id } }`, { id, a: actorId, n: note });
    expect(codeOf(await assign(sam, 'sam'))).toBe('FORBIDDEN');
    expect((await assign(morgan, 'sam')).errors).toBeUndefined();
    expect((await assign(sam, 'riley', 'Xanthe to be called back')).errors).toBeUndefined();
    const extend = (who: Actor, deadline: string) => run(who, `mutation($id: ID!, $d: DateTime!) { extendDeadline(enquiryId: $id, deadline: $d, reason: "Xanthe away") { id } }`, { id, d: deadline });
    expect(codeOf(await extend(riley, '2026-12-01T13:30:00Z'))).toBe('FORBIDDEN');
    expect(codeOf(await extend(morgan, '2029-12-01T13:30:00Z'))).toBe('BAD_INPUT');
    expect((await extend(morgan, '2026-12-01T13:30:00Z')).errors).toBeUndefined();
    const remove = (who: Actor, actorId: string) => run(who, `mutation($id: ID!, $a: ID!) { removeEnquiryMember(enquiryId: $id, actorId: $a, issuer: "${ISSUER}", reason: "Xanthe case moved") { actorId } }`, { id, a: actorId });
    expect(codeOf(await remove(morgan, 'riley'))).toBe('CONFLICT'); // the assignee
    expect((await remove(sam, 'sam')).errors).toBeUndefined();
    expect(codeOf(await remove(riley, 'riley'))).toBe('CONFLICT'); // the assignee, and the last member
    expect(codeOf(await run(sam, `query($id: ID!) { enquiry(id: $id) { referral { text } } }`, { id }))).toBe('FORBIDDEN_NOT_MEMBER');

    const { readEvents, verifyChain } = await import('../../../gateway/audit/index.js');
    const events = (await readEvents(store, { limit: 1000 })).filter((e) => e.operation !== 'readEnquiry');
    expect(events.map((e) => `${e.operation} ${e.outcome}${e.outcomeCode ? ` ${e.outcomeCode}` : ''}`)).toEqual([
      'openEnquiry success',
      'readReferral success',
      'enquiryQueue success',
      'enquiryQueue refused FORBIDDEN',
      'assignEnquiry refused FORBIDDEN',
      'assignEnquiry success',
      'assignEnquiry success',
      'extendDeadline refused FORBIDDEN',
      'extendDeadline refused BAD_INPUT',
      'extendDeadline success',
      'removeEnquiryMember refused CONFLICT',
      'removeEnquiryMember success',
      'removeEnquiryMember refused CONFLICT',
    ]);
    expect(events.find((e) => e.operation === 'readReferral')!.id).toBe((read.data as { enquiry: { referral: { auditEventId: string } } }).enquiry.referral.auditEventId);
    expect(JSON.stringify(events)).not.toContain('Xanthe');
    expect((await verifyChain(store)).ok).toBe(true);
  });
});
