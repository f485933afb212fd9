import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, verifyChain } from '../../gateway/audit/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The contact log over HTTP: a phone call with the GP logged into the enquiry, read back through
 * the gate as a health.clinical record would be (in full under s47; absent under early help without
 * consent), every write and read audited, and what was said never in the audit log or the logs.
 */
describe('contact log over HTTP', () => {
  let t: TestGateway;
  let token: string;
  const ACCOUNT = 'GP says mother disclosed a relapse into heroin use last week.';

  const LOG = 'mutation($e: ID!, $i: LogContactInput!) { logContact(enquiryId: $e, input: $i) { id reference subjectId agency category channel occurredAt recordedAt corrects } }';
  const READ = `query($e: ID!, $s: ID) { contactLog(enquiryId: $e, subjectId: $s) { enquiryId auditEventId policyVersion
    subjects { subject { id relation } entries { id reference channel agency category sensitivity decision type title start narrative service contact { name role phone } withheldFields provenance { system recordId } recordedBy corrects correctedBy } withheld { agency label count } } } }`;

  beforeAll(async () => {
    t = await startTestGateway();
    token = await t.token();
  });
  afterAll(async () => t?.close());

  async function childIn(purpose: string) {
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose }) }, token)).body.data.openEnquiry.id as string;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: t.gateway.sandbox!.county.featured.child.nhsNumber } }, token);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, token)).body.data.linkSubject.id as string;
    return { enquiryId, subjectId };
  }
  const call = (subjectId: string, more: Record<string, unknown> = {}) => ({
    subjectId,
    contactName: 'Dr Asha Patel',
    contactRole: 'GP',
    agency: 'health',
    organisation: 'Riverside Surgery',
    channel: 'PHONE',
    occurredAt: new Date(Date.now() - 3600_000).toISOString(),
    account: ACCOUNT,
    category: 'health.clinical',
    ...more,
  });

  it('logs a phone call and reads it back under s47 in full, audited, with the shared reference', async () => {
    const { enquiryId, subjectId } = await childIn('s47');
    const logged = await t.graphql(LOG, { e: enquiryId, i: call(subjectId) }, token);
    expect(logged.body.errors).toBeUndefined();
    const receipt = logged.body.data.logContact;
    expect(receipt).toMatchObject({ reference: `contact:${receipt.id}`, subjectId, agency: 'health', category: 'health.clinical', channel: 'PHONE', corrects: null });

    const read = await t.graphql(READ, { e: enquiryId, s: subjectId }, token);
    expect(read.body.errors).toBeUndefined();
    const [subject] = read.body.data.contactLog.subjects;
    expect(subject.entries).toEqual([
      expect.objectContaining({
        id: receipt.id,
        reference: `contact:${receipt.id}`,
        channel: 'PHONE',
        sensitivity: 'T3',
        decision: 'DISCLOSED',
        type: 'contact-phone',
        title: 'Phone call (health)',
        narrative: ACCOUNT,
        service: 'Riverside Surgery',
        contact: { name: 'Dr Asha Patel', role: 'GP', phone: null },
        provenance: { system: 'mash-contact-log', recordId: receipt.id },
        recordedBy: 'researcher-1',
      }),
    ]);

    const events = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.enquiry?.id === enquiryId);
    expect(events.find((e) => e.operation === 'logContact')).toMatchObject({ outcome: 'success', reason: `logged contact-log entry ${receipt.id}: health health.clinical by phone` });
    const readEvent = events.find((e) => e.id === read.body.data.contactLog.auditEventId)!;
    expect(readEvent).toMatchObject({ operation: 'contactLog', outcome: 'success' });
    expect(readEvent.decisions).toEqual([expect.objectContaining({ agency: 'health', category: 'health.clinical', decision: 'disclose', recordIds: [receipt.id] })]);
    expect(JSON.stringify(events)).not.toMatch(/heroin|relapse/);
    expect(t.logLines.join('\n')).not.toMatch(/heroin|relapse/);
    expect((await verifyChain(t.gateway.store)).ok).toBe(true);
  });

  it('under early help without consent the clinical call is absent: no entry and no marker', async () => {
    const { enquiryId, subjectId } = await childIn('early-help');
    expect((await t.graphql(LOG, { e: enquiryId, i: call(subjectId) }, token)).body.errors).toBeUndefined();
    const read = await t.graphql(READ, { e: enquiryId }, token);
    expect(read.body.data.contactLog.subjects).toEqual([expect.objectContaining({ entries: [], withheld: [] })]);
    expect(read.text).not.toMatch(/heroin|Dr Asha Patel/);
  });

  it('refuses a non-member and bad input, audited, without quoting what was said', async () => {
    const { enquiryId, subjectId } = await childIn('s47');
    const outsider = await t.token({ sub: 'researcher-2', name: 'Other Researcher' });
    const read = await t.graphql(READ, { e: enquiryId, s: subjectId }, outsider);
    expect(read.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const write = await t.graphql(LOG, { e: enquiryId, i: call(subjectId) }, outsider);
    expect(write.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const sealed = await t.graphql(LOG, { e: enquiryId, i: call(subjectId, { category: 'health.sexual-health' }) }, token);
    expect(sealed.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT', field: 'category' });
    const control = await t.graphql(LOG, { e: enquiryId, i: call(subjectId, { account: `Heroin\u0000 relapse` }) }, token);
    expect(control.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(control.text).not.toMatch(/Heroin/);
    const refused = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => (e.operation === 'logContact' || e.operation === 'contactLog') && e.outcome === 'refused');
    expect(refused.map((e) => `${e.operation} ${e.outcomeCode}`)).toEqual(
      expect.arrayContaining(['contactLog FORBIDDEN_NOT_MEMBER', 'logContact FORBIDDEN_NOT_MEMBER', 'logContact BAD_INPUT']),
    );
    expect(JSON.stringify(refused)).not.toMatch(/heroin/i);
  });
});
