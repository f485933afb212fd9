import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, verifyChain, type RecordedEvent } from '../../gateway/audit/index.js';
import { RECORD_DECISION, SIGN_OFF_DECISION } from '../helpers/decision.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The MASH decision over HTTP: recorded by a member, refused when the level and outcome disagree,
 * signed off by another MASH manager of the owning team (four eyes), and the enquiry closes only
 * on it. Every step, refusals included, is audited, and no rationale reaches the audit log.
 */
describe('MASH decision over HTTP', () => {
  let t: TestGateway;
  let researcher: string;
  let manager: string;
  let otherTeamManager: string;
  let outsider: string;
  const RATIONALE = 'Mother told the GP of a relapse; two DA call-outs with the child present this month.';
  const due = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    t = await startTestGateway();
    researcher = await t.token();
    manager = await t.token({ sub: 'manager-1', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'] });
    otherTeamManager = await t.token({ sub: 'manager-2', name: 'Pat Police', agency: 'police', roles: ['mash-manager'] });
    outsider = await t.token({ sub: 'researcher-2', name: 'Other Researcher' });
  });
  afterAll(async () => t?.close());

  const events = async (enquiryId: string): Promise<RecordedEvent[]> => (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.enquiry?.id === enquiryId);
  const open = async () => (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, researcher)).body.data.openEnquiry.id as string;
  const CLOSE = 'mutation($e: ID!) { closeEnquiry(enquiryId: $e, decision: "Strategy discussion convened") { status closureDecision closureDecisionId } }';
  const DECISIONS = 'query($e: ID!) { mashDecisions(enquiryId: $e) { id sequence level levelLabel outcome rationale nextSteps { action owner { name teamName agencyName } due } status current supersededBy recordedBy decidedBy signOffComment returnReason } }';
  const RETURN = 'mutation($e: ID!, $d: ID!, $r: String!) { returnDecision(enquiryId: $e, decisionId: $d, reason: $r) { id status returnReason } }';

  it('lists the local threshold levels with their outcomes', async () => {
    const levels = await t.graphql('{ thresholdLevels { id label outcomes } }', {}, researcher);
    expect(levels.body.data.thresholdLevels).toEqual([
      { id: '1', label: 'Level 1: universal', outcomes: ['NFA', 'SIGNPOST'] },
      { id: '2', label: 'Level 2: early help', outcomes: ['SIGNPOST', 'EARLY_HELP'] },
      { id: '3', label: 'Level 3: child in need (s17)', outcomes: ['S17_ASSESSMENT', 'POLICE_ACTION'] },
      { id: '4', label: 'Level 4: child protection (s47)', outcomes: ['STRATEGY_DISCUSSION', 'POLICE_ACTION'] },
    ]);
  });

  it('records, refuses an inconsistent outcome and a self sign-off, signs off, and closes only then', async () => {
    const enquiryId = await open();

    const closedEarly = await t.graphql(CLOSE, { e: enquiryId }, researcher);
    expect(closedEarly.body.errors[0].extensions.code).toBe('DECISION_REQUIRED');

    const nfaAt4 = await t.graphql(RECORD_DECISION, { enquiryId, input: { level: '4', outcome: 'NFA', rationale: RATIONALE } }, researcher);
    expect(nfaAt4.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT' });
    expect(nfaAt4.body.errors[0].message).toMatch(/not consistent with Level 4/);

    const input = { level: '4', outcome: 'STRATEGY_DISCUSSION', rationale: RATIONALE, nextSteps: [{ action: 'Strategy discussion with police and health', owner: { name: 'Sam Social Worker', teamName: 'Assessment team 2' }, due }] };
    const recorded = await t.graphql(RECORD_DECISION, { enquiryId, input }, researcher);
    expect(recorded.body.errors).toBeUndefined();
    const decisionId = recorded.body.data.recordDecision.id;
    expect(recorded.body.data.recordDecision).toMatchObject({ sequence: 1, level: '4', outcome: 'STRATEGY_DISCUSSION', status: 'AWAITING_SIGN_OFF', current: true, recordedBy: 'researcher-1' });

    const closedUnsigned = await t.graphql(CLOSE, { e: enquiryId }, researcher);
    expect(closedUnsigned.body.errors[0].extensions.code).toBe('DECISION_REQUIRED');
    const byResearcher = await t.graphql(SIGN_OFF_DECISION, { enquiryId, decisionId }, researcher);
    expect(byResearcher.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const byOtherTeam = await t.graphql(SIGN_OFF_DECISION, { enquiryId, decisionId }, otherTeamManager);
    expect(byOtherTeam.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const readByOther = await t.graphql(DECISIONS, { e: enquiryId }, outsider);
    expect(readByOther.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    expect(readByOther.text).not.toContain('relapse');

    // The owning team's manager reads the decision without being a member, and signs it off.
    const read = await t.graphql(DECISIONS, { e: enquiryId }, manager);
    expect(read.body.data.mashDecisions).toEqual([
      expect.objectContaining({ id: decisionId, rationale: RATIONALE, nextSteps: [{ action: input.nextSteps[0]!.action, owner: { name: 'Sam Social Worker', teamName: 'Assessment team 2', agencyName: null }, due }] }),
    ]);
    const signed = await t.graphql(SIGN_OFF_DECISION, { enquiryId, decisionId, comment: 'Agreed; the strategy discussion is today.' }, manager);
    expect(signed.body.data.signOffDecision).toMatchObject({ status: 'SIGNED_OFF', decidedBy: 'manager-1', signOffComment: 'Agreed; the strategy discussion is today.', current: true });
    const again = await t.graphql(SIGN_OFF_DECISION, { enquiryId, decisionId }, manager);
    expect(again.body.errors[0].extensions.code).toBe('CONFLICT');

    const closed = await t.graphql(CLOSE, { e: enquiryId }, researcher);
    expect(closed.body.errors).toBeUndefined();
    expect(closed.body.data.closeEnquiry).toEqual({ status: 'CLOSED', closureDecision: 'Strategy discussion convened', closureDecisionId: decisionId });
    const after = await t.graphql(RECORD_DECISION, { enquiryId, input }, researcher);
    expect(after.body.errors[0].extensions.code).toBe('FORBIDDEN_ENQUIRY_CLOSED');

    // Every step is in the log, refusals with their codes, and the rationale and comment nowhere in it.
    const log = await events(enquiryId);
    const steps = log.map((e) => [e.operation, e.outcome, e.outcomeCode ?? null]);
    expect(steps).toEqual(
      expect.arrayContaining([
        ['closeEnquiry', 'refused', 'DECISION_REQUIRED'],
        ['recordDecision', 'refused', 'BAD_INPUT'],
        ['recordDecision', 'success', null],
        ['signOffDecision', 'refused', 'FORBIDDEN'],
        ['mashDecisions', 'refused', 'FORBIDDEN_NOT_MEMBER'],
        ['mashDecisions', 'success', null],
        ['signOffDecision', 'success', null],
        ['signOffDecision', 'refused', 'CONFLICT'],
        ['closeEnquiry', 'success', null],
        ['recordDecision', 'refused', 'FORBIDDEN_ENQUIRY_CLOSED'],
      ]),
    );
    expect(log.find((e) => e.operation === 'closeEnquiry' && e.outcome === 'success')!.reason).toBe(`closed on MASH decision ${decisionId}`);
    expect(log.find((e) => e.operation === 'recordDecision' && e.outcome === 'success')!.reason).toContain(`recorded MASH decision ${decisionId}: level 4, outcome strategy-discussion`);
    expect(JSON.stringify(log)).not.toMatch(/relapse|strategy discussion is today/);
    expect(t.logLines.join('\n')).not.toMatch(/relapse|strategy discussion is today/);
    expect((await verifyChain(t.gateway.store)).ok).toBe(true);
  });

  it('takes a rationale over several lines, and never quotes one it refuses back or into the log', async () => {
    const enquiryId = await open();
    const lines = await t.graphql(RECORD_DECISION, { enquiryId, input: { level: '1', outcome: 'NFA', rationale: `First line.\nSecond line: ${RATIONALE}` } }, researcher);
    expect(lines.body.errors).toBeUndefined();
    const refused = await t.graphql(RECORD_DECISION, { enquiryId, input: { level: '1', outcome: 'NFA', rationale: `Relapse disclosed\u0000 to the GP` } }, researcher);
    expect(refused.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(refused.text).not.toMatch(/Relapse disclosed/);
    // Refused at the edge, before the enquiry is read: the event is the last recordDecision of all.
    const event = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'recordDecision').at(-1)!;
    expect(event).toMatchObject({ outcome: 'refused', outcomeCode: 'BAD_INPUT' });
    expect(JSON.stringify(event)).not.toMatch(/Relapse disclosed|relapse/);
  });

  it('returns a decision with a reason, and a new decision supersedes it (history kept)', async () => {
    const enquiryId = await open();
    const first = (await t.graphql(RECORD_DECISION, { enquiryId, input: { level: '1', outcome: 'NFA', rationale: RATIONALE } }, researcher)).body.data.recordDecision.id;
    const returned = await t.graphql(RETURN, { e: enquiryId, d: first, r: 'Police intelligence not yet considered' }, manager);
    expect(returned.body.data.returnDecision).toEqual({ id: first, status: 'RETURNED', returnReason: 'Police intelligence not yet considered' });
    const second = (await t.graphql(RECORD_DECISION, { enquiryId, input: { level: '2', outcome: 'EARLY_HELP', rationale: RATIONALE, nextSteps: [{ action: 'Early help assessment', owner: { teamName: 'Early help hub' }, due }] } }, researcher)).body.data.recordDecision.id;
    const history = (await t.graphql(DECISIONS, { e: enquiryId }, researcher)).body.data.mashDecisions;
    expect(history.map((d: any) => [d.sequence, d.status, d.current, d.supersededBy])).toEqual([
      [1, 'RETURNED', false, second],
      [2, 'AWAITING_SIGN_OFF', true, null],
    ]);
    const log = await events(enquiryId);
    expect(log.find((e) => e.operation === 'returnDecision')).toMatchObject({ outcome: 'success', reason: `returned MASH decision ${first}` });
    expect(log.find((e) => e.operation === 'recordDecision' && e.reason?.includes(second))!.reason).toContain(`supersedes ${first}`);
    expect(JSON.stringify(log)).not.toContain('Police intelligence not yet considered');
  });
});
