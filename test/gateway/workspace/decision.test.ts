import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../gateway/auth/index.js';
import { createKnownActors } from '../../../gateway/auth/index.js';
import { configFromDocument } from '../../../gateway/config.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService } from '../../../gateway/enquiries/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { createDecisionRepository, createDecisionService, DEFAULT_THRESHOLD_LEVELS, type DecisionService, type RecordDecisionInput } from '../../../gateway/workspace/decision/index.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { storeKinds } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'idp-a' };
const manager: Actor = { id: 'manager-1', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'], issuer: 'idp-a' };
const secondManager: Actor = { id: 'manager-2', name: 'Mo Manager', agency: 'social-care', roles: ['mash-manager'], issuer: 'idp-a' };
/** The same subject as `manager` from another issuer: someone else. */
const managerElsewhere: Actor = { ...manager, issuer: 'idp-b' };
const policeManager: Actor = { id: 'manager-3', name: 'Pat Police', agency: 'police', roles: ['mash-manager'], issuer: 'idp-a' };
const outsider: Actor = { id: 'researcher-9', name: 'Olu Outsider', agency: 'social-care', roles: ['mash-researcher'], issuer: 'idp-a' };
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 9, minutes));
const due = '2026-11-30';

const step = { action: 'Convene the strategy discussion', owner: { teamName: 'MASH social work team' }, due };
const decisionAt = (level: string, outcome: string, extra: Partial<RecordDecisionInput> = {}): RecordDecisionInput => ({
  level,
  outcome,
  rationale: 'Two DA call-outs with the child present in a month and a CAMHS referral: reasonable cause to suspect significant harm.',
  nextSteps: outcome === 'nfa' ? [] : [step],
  ...extra,
});

/**
 * Which outcome is consistent with which default level: the specification of
 * DEFAULT_THRESHOLD_LEVELS (a universal need is never a strategy discussion; a child protection
 * concern is never no further action).
 */
const CONSISTENT: Record<string, string[]> = {
  '1': ['nfa', 'signpost'],
  '2': ['signpost', 'early-help'],
  '3': ['s17-assessment', 'police-action'],
  '4': ['strategy-discussion', 'police-action'],
};
const OUTCOMES = ['nfa', 'signpost', 'early-help', 's17-assessment', 'strategy-discussion', 'police-action'];
const TABLE = Object.keys(CONSISTENT).flatMap((level) => OUTCOMES.map((outcome) => ({ level, outcome, ok: CONSISTENT[level]!.includes(outcome) })));

describe.each(storeKinds())('MASH decision on $name', (kind) => {
  let store: Store;
  let enquiries: EnquiryService;
  let decisions: DecisionService;
  let minute = 0;
  const tick = () => at(++minute);

  async function openEnquiry(): Promise<string> {
    return (await enquiries.open(researcher, { referralReference: `REF-${minute}`, purpose: 's47', consentRecorded: false, rag: 'RED' }, tick())).id;
  }

  beforeAll(async () => {
    store = await kind.open();
    const repository = createEnquiryRepository(store);
    enquiries = createEnquiryService({ repository, reviews: createReviewRepository(store), shown: createSearchShownRepository(store), policy, agencies: () => ['health'], knownActors: createKnownActors(store) });
    decisions = createDecisionService({ repository: createDecisionRepository(store), enquiries: repository, levels: DEFAULT_THRESHOLD_LEVELS });
  });
  afterAll(async () => store?.close());

  describe('level and outcome must be consistent', () => {
    let enquiryId: string;
    beforeAll(async () => {
      enquiryId = await openEnquiry();
    });
    it.each(TABLE)('level $level, outcome $outcome: $ok', async ({ level, outcome, ok }) => {
      const recording = decisions.record(researcher, enquiryId, decisionAt(level, outcome), tick());
      if (ok) {
        const { decision } = await recording;
        expect(decision).toMatchObject({ level, outcome, status: 'recorded', supersededBy: null });
      } else {
        await expect(recording).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'outcome', level, outcome } });
      }
    });

    it('takes the GraphQL outcome names as well (STRATEGY_DISCUSSION)', async () => {
      const { decision } = await decisions.record(researcher, enquiryId, decisionAt('4', 'STRATEGY_DISCUSSION'), tick());
      expect(decision.outcome).toBe('strategy-discussion');
    });

    it('says which level an outcome fits when it does not fit the one given', async () => {
      await expect(decisions.record(researcher, enquiryId, decisionAt('4', 'nfa'), tick())).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/not consistent with Level 4.*nfa fits level 1/),
      });
    });
  });

  describe('refuses bad input, naming the field, and writes nothing', () => {
    let enquiryId: string;
    beforeAll(async () => {
      enquiryId = await openEnquiry();
    });
    const far = '2028-01-01';
    it.each([
      ['an unknown level', decisionAt('5', 'nfa'), 'level'],
      ['an unknown outcome', decisionAt('1', 'adoption'), 'outcome'],
      ['an empty rationale', decisionAt('1', 'nfa', { rationale: '   ' }), 'rationale'],
      ['a rationale over 4000 characters', decisionAt('1', 'nfa', { rationale: 'x'.repeat(4001) }), 'rationale'],
      ['an outcome other than NFA with no next step', decisionAt('4', 'strategy-discussion', { nextSteps: [] }), 'nextSteps'],
      ['more than 20 next steps', decisionAt('4', 'strategy-discussion', { nextSteps: Array.from({ length: 21 }, () => step) }), 'nextSteps'],
      ['a next step with no owner', decisionAt('4', 'strategy-discussion', { nextSteps: [{ ...step, owner: { name: ' ' } }] }), 'nextSteps[0].owner'],
      ['a next step due in the past', decisionAt('4', 'strategy-discussion', { nextSteps: [step, { ...step, due: '2026-11-25' }] }), 'nextSteps[1].due'],
      ['a next step due more than a year ahead', decisionAt('4', 'strategy-discussion', { nextSteps: [{ ...step, due: far }] }), 'nextSteps[0].due'],
      ['a due date that does not exist', decisionAt('4', 'strategy-discussion', { nextSteps: [{ ...step, due: '2026-11-31' }] }), 'nextSteps[0].due'],
      ['a next step action over 500 characters', decisionAt('4', 'strategy-discussion', { nextSteps: [{ ...step, action: 'a'.repeat(501) }] }), 'nextSteps[0].action'],
    ])('%s', async (_, input, field) => {
      await expect(decisions.record(researcher, enquiryId, input, at(30))).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field } });
      expect((await decisions.list(researcher, enquiryId)).decisions).toEqual([]);
    });

    it('never echoes the rationale in an error', async () => {
      const secret = 'Mother disclosed a relapse to the GP';
      const error = await decisions.record(researcher, enquiryId, decisionAt('9', 'nfa', { rationale: secret }), tick()).catch((e: Error) => e);
      expect(String((error as Error).message)).not.toContain('relapse');
    });
  });

  describe('who records', () => {
    it('refuses a non-member (FORBIDDEN_NOT_MEMBER) and a member without a MASH role (FORBIDDEN)', async () => {
      const enquiryId = await openEnquiry();
      await expect(decisions.record(outsider, enquiryId, decisionAt('1', 'nfa'), tick())).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
      const reviewer: Actor = { id: 'reviewer-1', name: 'Rae Reviewer', agency: 'police', roles: ['agency-reviewer'], issuer: 'idp-a' };
      await createKnownActors(store).record(reviewer, tick());
      await enquiries.addMember(researcher, enquiryId, { actorId: reviewer.id, issuer: reviewer.issuer, reason: 'Police reviewer joins' }, tick());
      await expect(decisions.record(reviewer, enquiryId, decisionAt('1', 'nfa'), tick())).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(decisions.record(researcher, 'no-such-enquiry', decisionAt('1', 'nfa'), tick())).rejects.toMatchObject({ code: 'FORBIDDEN_NO_ENQUIRY' });
    });
  });

  describe('manager sign-off (four eyes)', () => {
    it('is for a MASH manager of the owning team who did not record the decision', async () => {
      const enquiryId = await openEnquiry();
      await createKnownActors(store).record(manager, tick());
      await enquiries.addMember(researcher, enquiryId, { actorId: manager.id, issuer: manager.issuer, reason: 'Manager reviews the decision' }, tick());
      const { decision } = await decisions.record(manager, enquiryId, decisionAt('4', 'strategy-discussion'), tick());
      // The recorder, though a manager of the owning team: four eyes.
      await expect(decisions.signOff(manager, enquiryId, decision.id, null, tick())).rejects.toMatchObject({ code: 'FORBIDDEN', details: { rule: 'four-eyes' } });
      // A researcher, and a manager of another team (police), may not.
      await expect(decisions.signOff(researcher, enquiryId, decision.id, null, tick())).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(decisions.signOff(policeManager, enquiryId, decision.id, null, tick())).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(decisions.return(policeManager, enquiryId, decision.id, 'No', tick())).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // An actor is (issuer, subject): the same sub at another issuer is not the recorder.
      const signed = await decisions.signOff(managerElsewhere, enquiryId, decision.id, 'Agreed: strategy discussion today.', tick());
      expect(signed.decision).toMatchObject({ status: 'signed-off', decidedBy: { id: manager.id, issuer: 'idp-b' }, decisionNote: 'Agreed: strategy discussion today.' });
    });

    it('needs no membership, and a signed-off decision never changes', async () => {
      const enquiryId = await openEnquiry();
      const { decision } = await decisions.record(researcher, enquiryId, decisionAt('3', 's17-assessment'), tick());
      const signedAt = tick();
      await decisions.signOff(manager, enquiryId, decision.id, null, signedAt);
      await expect(decisions.signOff(secondManager, enquiryId, decision.id, null, tick())).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(decisions.return(secondManager, enquiryId, decision.id, 'Changed my mind', tick())).rejects.toMatchObject({ code: 'CONFLICT' });
      // The database itself refuses to change or delete it.
      await expect(store.query("UPDATE mash_decision SET rationale = 'edited' WHERE id = $1", [decision.id])).rejects.toThrow();
      await expect(store.query("UPDATE mash_decision SET status = 'returned' WHERE id = $1", [decision.id])).rejects.toThrow();
      await expect(store.query('DELETE FROM mash_decision WHERE id = $1', [decision.id])).rejects.toThrow();
      const [read] = (await decisions.list(researcher, enquiryId)).decisions;
      expect(read).toMatchObject({ status: 'signed-off', rationale: decision.rationale, decidedAt: signedAt.toISOString(), decidedBy: { id: manager.id } });
      // Even a decision awaiting sign-off keeps what it records.
      const { decision: pending } = await decisions.record(researcher, enquiryId, decisionAt('3', 's17-assessment'), tick());
      await expect(store.query("UPDATE mash_decision SET outcome = 'nfa' WHERE id = $1", [pending.id])).rejects.toThrow();
    });

    it('returns a decision with a reason; it can then be neither signed off nor returned again', async () => {
      const enquiryId = await openEnquiry();
      const { decision } = await decisions.record(researcher, enquiryId, decisionAt('2', 'early-help'), tick());
      await expect(decisions.return(manager, enquiryId, decision.id, '  ', tick())).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'reason' } });
      const returned = await decisions.return(manager, enquiryId, decision.id, 'Police intelligence not yet considered', tick());
      expect(returned.decision).toMatchObject({ status: 'returned', decisionNote: 'Police intelligence not yet considered', supersededBy: null });
      await expect(decisions.signOff(secondManager, enquiryId, decision.id, null, tick())).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(enquiries.close(researcher, enquiryId, 'Early help', tick())).rejects.toMatchObject({ code: 'DECISION_REQUIRED' });
    });

    it('refuses a decision id of another enquiry (NOT_FOUND)', async () => {
      const first = await openEnquiry();
      const second = await openEnquiry();
      const { decision } = await decisions.record(researcher, first, decisionAt('1', 'nfa'), tick());
      await expect(decisions.signOff(manager, second, decision.id, null, tick())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('supersession and closure', () => {
    it('keeps history: a new decision supersedes the current one, which can no longer be signed off', async () => {
      const enquiryId = await openEnquiry();
      const first = (await decisions.record(researcher, enquiryId, decisionAt('2', 'early-help'), tick())).decision;
      const { decision: second, supersedes } = await decisions.record(researcher, enquiryId, decisionAt('4', 'strategy-discussion'), tick());
      expect(supersedes).toBe(first.id);
      await expect(decisions.signOff(manager, enquiryId, first.id, null, tick())).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('superseded') });
      await decisions.signOff(manager, enquiryId, second.id, null, tick());
      // A signed-off decision is superseded too by a newer one (it stays signed off, as history).
      const { decision: third } = await decisions.record(researcher, enquiryId, decisionAt('4', 'police-action'), tick());
      const history = (await decisions.list(researcher, enquiryId)).decisions;
      expect(history.map((d) => [d.seq, d.status, d.supersededBy])).toEqual([
        [1, 'recorded', second.id],
        [2, 'signed-off', third.id],
        [3, 'recorded', null],
      ]);
      // The enquiry closes on its current decision only: the newest is not signed off yet.
      await expect(enquiries.close(researcher, enquiryId, 'Strategy discussion', tick())).rejects.toMatchObject({ code: 'DECISION_REQUIRED' });
      await decisions.signOff(manager, enquiryId, third.id, null, tick());
      const closed = await enquiries.close(researcher, enquiryId, 'Strategy discussion', tick());
      expect(closed).toMatchObject({ closureDecisionId: third.id, closureDecision: 'Strategy discussion' });
    });

    it('refuses closure without a decision, and with one awaiting sign-off; allows it once signed off; then nothing changes', async () => {
      const enquiryId = await openEnquiry();
      await expect(enquiries.close(researcher, enquiryId, 'NFA', tick())).rejects.toMatchObject({ code: 'DECISION_REQUIRED' });
      const { decision } = await decisions.record(researcher, enquiryId, decisionAt('1', 'nfa'), tick());
      await expect(enquiries.close(researcher, enquiryId, 'NFA', tick())).rejects.toMatchObject({ code: 'DECISION_REQUIRED' });
      expect((await enquiries.get(researcher, enquiryId)).closedAt).toBeNull();
      await decisions.signOff(manager, enquiryId, decision.id, null, tick());
      const closed = await enquiries.close(researcher, enquiryId, 'NFA', tick());
      expect(closed.closureDecisionId).toBe(decision.id);
      await expect(enquiries.close(researcher, enquiryId, 'NFA', tick())).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(decisions.record(researcher, enquiryId, decisionAt('4', 'strategy-discussion'), tick())).rejects.toMatchObject({ code: 'FORBIDDEN_ENQUIRY_CLOSED' });
      // Readable after closure by members and the owning team's managers; not by others.
      expect((await decisions.list(researcher, enquiryId)).decisions).toHaveLength(1);
      expect((await decisions.list(manager, enquiryId)).decisions).toHaveLength(1);
      await expect(decisions.list(outsider, enquiryId)).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
      await expect(decisions.list(policeManager, enquiryId)).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
    });

    it('lets one of two decisions recorded at the same moment win, never both as current', async () => {
      const enquiryId = await openEnquiry();
      const now = tick();
      const results = await Promise.allSettled([
        decisions.record(researcher, enquiryId, decisionAt('1', 'nfa'), now),
        decisions.record(researcher, enquiryId, decisionAt('1', 'signpost'), now),
      ]);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      const history = (await decisions.list(researcher, enquiryId)).decisions;
      expect(history.filter((d) => d.supersededBy === null)).toHaveLength(1);
      expect(history.map((d) => d.seq)).toEqual(history.map((_, i) => i + 1));
    });
  });
});

describe('decision levels in the configuration', () => {
  const base = { auth: { demoIssuer: true }, connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:1/fhir' }] };
  const load = (decision: unknown) => configFromDocument({ ...base, decision }, '/etc/mash/config.yaml');

  it('defaults to Levels 1-4', () => {
    expect(configFromDocument(base, '/etc/mash/config.yaml').decision.levels.map((l) => l.id)).toEqual(['1', '2', '3', '4']);
  });

  it('takes local levels', () => {
    const levels = [
      { id: 'A', label: 'Universal', outcomes: ['nfa', 'signpost'] },
      { id: 'B', label: 'Targeted', outcomes: ['early-help', 's17-assessment'] },
    ];
    expect(load({ levels }).decision.levels).toEqual(levels);
  });

  it.each([
    [{ levels: [] }, /decision\.levels: at least one threshold level/],
    [{ levels: [{ id: '1', label: 'One', outcomes: ['adopt'] }] }, /decision\.levels\.0\.outcomes\.0: must be one of nfa/],
    [{ levels: [{ id: '1', label: 'One', outcomes: [] }] }, /decision\.levels\.0\.outcomes: a level needs at least one outcome/],
    [{ levels: [{ id: '1', label: 'One', outcomes: ['nfa'] }, { id: '1', label: 'Again', outcomes: ['nfa'] }] }, /decision\.levels\.1\.id: level 1 is defined twice/],
    [{ levels: [{ id: 'level one!', label: 'One', outcomes: ['nfa'] }] }, /decision\.levels\.0\.id: must be a short id/],
    [{ levels: [{ id: '1', label: 'One', outcomes: ['nfa'], colour: 'red' }] }, /decision\.levels\.0/],
  ])('refuses %j, naming the key', (decision, message) => {
    expect(() => load(decision)).toThrow(message);
  });
});
