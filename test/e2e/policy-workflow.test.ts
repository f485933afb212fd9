import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { createSearchShownRepository } from '../../gateway/enquiries/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { police, POLICE_PERSON } from '../helpers/test-police.js';

describe('originator review, consent, purpose change and break-glass', () => {
  let t: TestGateway;
  let researcher: string;
  beforeAll(async () => {
    t = await startTestGateway({ extraConnectors: [police] });
    researcher = await t.token();
  });
  afterAll(async () => t?.close());

  async function openWithChild(input: Record<string, unknown>, token = researcher) {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput(input) }, token);
    expect(opened.body.errors).toBeUndefined();
    const enquiryId = opened.body.data.openEnquiry.id as string;
    const nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, token);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, token)).body.data.linkSubject.id as string;
    // This test force's search finds no one; these tests are about review, so the search that
    // showed its person is recorded directly (only a person a search showed may be linked).
    await createSearchShownRepository(t.gateway.store).record(enquiryId, [{ agency: 'police', personId: POLICE_PERSON }], { auditEventId: search.body.data.searchPeople.auditEventId, actorId: 'researcher-1' }, new Date());
    await t.graphql(LINK, { input: { enquiryId, subjectId, agency: 'police', personId: POLICE_PERSON } }, token);
    return { enquiryId, subjectId };
  }
  const agency = (profile: any, name: string) => profile.body.data.profile.agencies.find((a: any) => a.agency === name);
  const all = (result: any) => [...result.involvements, ...result.states, ...result.events];

  it('holds police detail for the force’s approval under s47, summarising it meanwhile; approval releases it', async () => {
    const { enquiryId, subjectId } = await openWithChild({ purpose: 's47' });
    const before = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    const policeBefore = agency(before, 'police');
    const detail = all(policeBefore).find((r: any) => r.category === 'police.detail');
    expect(detail).toMatchObject({ decision: 'SUMMARISED', narrative: null });
    expect(policeBefore.withheld).toContainEqual(expect.objectContaining({ awaiting: 'ORIGINATOR_APPROVAL', reason: expect.stringMatching(/^Awaiting police approval/) }));
    expect(before.text).not.toContain('neighbour reported shouting');

    const reviewer = await t.token({ sub: 'ppu-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'] });
    const list = await t.graphql('{ reviewRequests(status: PENDING) { id enquiryId agency category status } }', {}, reviewer);
    const request = list.body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId);
    expect(request).toMatchObject({ agency: 'police', category: 'police.detail', status: 'PENDING' });

    const outsider = await t.token({ sub: 'hv-1', agency: 'health', roles: ['agency-reviewer'] });
    const wrongAgency = await t.graphql(`mutation { approveReview(id: "${request.id}") { status } }`, {}, outsider);
    expect(wrongAgency.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const notReviewer = await t.graphql(`mutation { approveReview(id: "${request.id}") { status } }`, {}, researcher);
    expect(notReviewer.body.errors[0].extensions.code).toBe('FORBIDDEN');

    const approved = await t.graphql(`mutation { approveReview(id: "${request.id}", reason: "Relevant to the strategy discussion") { status decidedBy } }`, {}, reviewer);
    expect(approved.body.data.approveReview).toEqual({ status: 'APPROVED', decidedBy: 'ppu-1' });
    const again = await t.graphql(`mutation { approveReview(id: "${request.id}") { status } }`, {}, reviewer);
    expect(again.body.errors[0].extensions.code).toBe('CONFLICT');

    const after = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    const released = all(agency(after, 'police')).find((r: any) => r.category === 'police.detail');
    expect(released).toMatchObject({ decision: 'DISCLOSED', narrative: 'Officers attended after a neighbour reported shouting.' });
    expect(agency(after, 'police').withheld).toEqual([]);

    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.find((e) => e.operation === 'approveReview' && e.outcome === 'success')).toBeDefined();
    expect(events.find((e) => e.operation === 'approveReview' && e.outcome === 'refused')).toBeDefined();
    const last = events.find((e) => e.id === after.body.data.profile.auditEventId)!;
    expect(last.decisions).toContainEqual(expect.objectContaining({ category: 'police.detail', decision: 'disclose', ruleId: 's47/police.detail+approved' }));
  });

  it('a refused review leaves a marker saying the force did not approve', async () => {
    const { enquiryId, subjectId } = await openWithChild({ purpose: 's17', consentRecorded: true, consent: { givenBy: 'Mother', scope: 'Child in need assessment' } });
    await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    const reviewer = await t.token({ sub: 'ppu-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'] });
    const request = (await t.graphql('{ reviewRequests(status: PENDING) { id enquiryId } }', {}, reviewer)).body.data.reviewRequests.find((r: any) => r.enquiryId === enquiryId);
    const noReason = await t.graphql(`mutation { refuseReview(id: "${request.id}", reason: " ") { status } }`, {}, reviewer);
    expect(noReason.body.errors[0].extensions.code).toBe('BAD_INPUT');
    await t.graphql(`mutation { refuseReview(id: "${request.id}", reason: "Live investigation") { status } }`, {}, reviewer);
    const after = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    const policeAfter = agency(after, 'police');
    expect(all(policeAfter).some((r: any) => r.category === 'police.detail')).toBe(false);
    expect(policeAfter.withheld).toContainEqual(expect.objectContaining({ reason: expect.stringMatching(/did not approve/) }));
    expect(after.text).not.toContain('Live investigation');
  });

  it('withdrawing consent changes decisions from then on', async () => {
    const { enquiryId, subjectId } = await openWithChild({ purpose: 'early-help', consentRecorded: true, consent: { givenBy: 'Father', scope: 'Early help' } });
    const withConsent = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    expect(all(agency(withConsent, 'health')).some((r: any) => r.category === 'health.summary')).toBe(true);
    const withdrawn = await t.graphql(`mutation { withdrawConsent(enquiryId: "${enquiryId}", reason: "Family withdrew agreement at the home visit") { consentRecorded consent { givenBy } consentHistory { withdrawnAt } } }`, {}, researcher);
    expect(withdrawn.body.data.withdrawConsent).toMatchObject({ consentRecorded: false, consent: null });
    const without = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    expect(all(agency(without, 'health'))).toEqual([]);
    expect(agency(without, 'health').withheld[0].label).toMatch(/Health summary/);
  });

  it('only a MASH manager changes the purpose; early help becomes s47 and decisions follow', async () => {
    const { enquiryId, subjectId } = await openWithChild({ purpose: 'early-help', consentRecorded: false });
    const change = `mutation { changeEnquiryPurpose(enquiryId: "${enquiryId}", purpose: "s47", reason: "Disclosure at school: reasonable cause to suspect significant harm") { purpose legalBasis purposeChanges { fromPurpose toPurpose changedBy } } }`;
    const refused = await t.graphql(change, {}, researcher);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const manager = await t.token({ sub: 'manager-1', name: 'Morgan Manager', roles: ['mash-manager'] });
    // A manager who is not a member joins first: an explicit, audited act with a reason.
    const notMember = await t.graphql(change, {}, manager);
    expect(notMember.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const joined = await t.graphql(`mutation { addEnquiryMember(enquiryId: "${enquiryId}", actorId: "manager-1", issuer: "${DEMO_ISSUER}", reason: "Manager deciding on a strategy discussion") { id } }`, {}, manager);
    expect(joined.body.errors).toBeUndefined();
    const changed = await t.graphql(change, {}, manager);
    expect(changed.body.data.changeEnquiryPurpose).toMatchObject({ purpose: 's47', legalBasis: expect.stringContaining('section/47'), purposeChanges: [{ fromPurpose: 'early-help', toPurpose: 's47', changedBy: 'manager-1' }] });
    const after = await t.graphql(PROFILE, { enquiryId, subjectId }, researcher);
    expect(all(agency(after, 'health')).some((r: any) => r.category === 'health.clinical' && r.decision === 'DISCLOSED')).toBe(true);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.filter((e) => e.operation === 'changeEnquiryPurpose').map((e) => e.outcome)).toEqual(['refused', 'refused', 'success']);
  });

  it('break-glass: an out-of-hours practitioner opens an emergency enquiry with a justification, flagged for review', async () => {
    const duty = await t.token({ sub: 'edt-1', name: 'Eden Duty', roles: ['out-of-hours'] });
    const noReason = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 'emergency' }) }, duty);
    expect(noReason.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT', field: 'justification' } });
    const { enquiryId, subjectId } = await openWithChild({ purpose: 'emergency', justification: 'Child found alone at 02:00; police protection considered; need health history now.' }, duty);
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, duty);
    expect(profile.body.errors).toBeUndefined();
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const opened = events.find((e) => e.operation === 'openEnquiry' && e.enquiry?.id === enquiryId)!;
    expect(opened).toMatchObject({ breakGlass: true, reason: expect.stringContaining('Child found alone') });
    expect(events.find((e) => e.id === profile.body.data.profile.auditEventId)).toMatchObject({ breakGlass: true });
    const researcherTries = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 'emergency', justification: 'x'.repeat(40) }) }, researcher);
    expect(researcherTries.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('a household adult’s detail waits for recorded relevance', async () => {
    const { enquiryId } = await openWithChild({ purpose: 's47' });
    const parent = t.gateway.sandbox!.county.featured.parent;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: parent.nhsNumber } }, researcher);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const adult = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId, relation: 'ADULT', label: 'Mother' } }, researcher)).body.data.linkSubject.id;
    const before = await t.graphql(PROFILE, { enquiryId, subjectId: adult }, researcher);
    expect(all(agency(before, 'health')).some((r: any) => r.category === 'health.clinical')).toBe(false);
    expect(agency(before, 'health').withheld.map((m: any) => m.label).join()).toMatch(/Clinical/);
    await t.graphql(`mutation { recordRelevance(enquiryId: "${enquiryId}", subjectId: "${adult}", relevance: "Mother's mental health bears on her capacity to protect") { relevance } }`, {}, researcher);
    const after = await t.graphql(PROFILE, { enquiryId, subjectId: adult }, researcher);
    expect(all(agency(after, 'health')).some((r: any) => r.category === 'health.clinical')).toBe(true);
  });

  it('explains any decision to an IG officer, and refuses anyone else', async () => {
    const ig = await t.token({ sub: 'ig-1', roles: ['ig-officer'] });
    const query = '{ explainAccess(question: { purpose: "s47", category: "police.detail" }) { decision rule sources fields fieldsOnApproval policyVersion } }';
    const answer = await t.graphql(query, {}, ig);
    expect(answer.body.data.explainAccess).toMatchObject({ decision: 'review', rule: 's47/police.detail' });
    expect((await t.graphql(query, {}, researcher)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const bad = await t.graphql('{ explainAccess(question: { purpose: "gossip", category: "police.detail" }) { decision } }', {}, ig);
    expect(bad.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT' }, message: expect.stringContaining('Unknown purpose "gossip"') });
  });
});
