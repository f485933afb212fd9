import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, type RecordedEvent } from '../../gateway/audit/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 11, item 4: a researcher links only an agency person that a search in the same enquiry
 * showed. A guessed or copied id is refused (FORBIDDEN_NOT_SHOWN), the refusal is audited with the
 * person it named, and no record of that person is read.
 */
describe('linking only what a search showed', () => {
  let t: TestGateway;
  let researcher: string;
  let child: { nhsNumber: string };
  let parent: { nhsNumber: string };
  const events = async (): Promise<RecordedEvent[]> => readEvents(t.gateway.store, { limit: 10_000 });
  const open = async (token = researcher) => (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id as string;
  const search = async (enquiryId: string, nhsNumber: string, token = researcher) => (await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, token)).body.data.searchPeople;
  const healthId = (answer: any): string => answer.agencies.find((a: any) => a.agency === 'health').people[0].personId;

  beforeAll(async () => {
    t = await startTestGateway();
    researcher = await t.token();
    child = t.gateway.sandbox!.county.featured.child;
    parent = t.gateway.sandbox!.county.featured.parent;
  });
  afterAll(async () => t?.close());

  it('refuses to link a person no search in the enquiry showed, with FORBIDDEN_NOT_SHOWN, audits the attempt, and links once a search shows them', async () => {
    // The id is real (a search elsewhere shows it) but this enquiry never searched for anyone.
    const elsewhere = await open();
    const personId = healthId(await search(elsewhere, child.nhsNumber));
    const enquiryId = await open();

    const linked = await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, researcher);
    expect(linked.status).toBe(200);
    expect(linked.body.data).toBeNull();
    expect(linked.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN_NOT_SHOWN' }, message: expect.stringContaining('Search for the person in this enquiry') });
    const after = await t.graphql(`query($id: ID!) { enquiry(id: $id) { subjects { id } } }`, { id: enquiryId }, researcher);
    expect(after.body.data.enquiry.subjects).toEqual([]);

    const refusal = (await events()).find((e) => e.operation === 'linkSubject' && e.enquiry?.id === enquiryId)!;
    expect(refusal).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_NOT_SHOWN', actor: { id: 'researcher-1' } });
    expect(refusal.subjects[0]!.links).toEqual([{ agency: 'health', personId }]);

    // Once a search in this enquiry shows the person, the link is made and their records are read.
    expect(healthId(await search(enquiryId, child.nhsNumber))).toBe(personId);
    const relinked = await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, researcher);
    expect(relinked.body.errors).toBeUndefined();
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId: relinked.body.data.linkSubject.id }, researcher);
    expect(profile.body.data.profile.agencies.find((a: any) => a.agency === 'health').status).toBe('RECORDS');
  });

  it('refuses a guessable id that no search showed anywhere', async () => {
    const enquiryId = await open();
    await search(enquiryId, child.nhsNumber);
    const guessed = await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId: 'pat-000002' } }, researcher);
    expect(guessed.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_SHOWN');
  });

  it('refuses a person shown by a search for someone else only in another enquiry, even to the member who searched', async () => {
    const first = await open();
    const parentId = healthId(await search(first, parent.nhsNumber));
    const second = await open();
    await search(second, child.nhsNumber);
    const linked = await t.graphql(LINK, { input: { enquiryId: second, agency: 'health', personId: parentId } }, researcher);
    expect(linked.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_SHOWN');
  });

  it('keeps what each search showed against its committed audit event, whose identity decisions name the person ids shown', async () => {
    const enquiryId = await open();
    const answer = await search(enquiryId, child.nhsNumber);
    const personId = healthId(answer);
    const recorded = (await events()).find((e) => e.id === answer.auditEventId)!;
    const identity = recorded.decisions.find((d) => d.agency === 'health' && d.category === 'health.identity')!;
    expect(identity.personIds).toEqual([personId]);
    const { rows } = await t.gateway.store.query<{ audit_event_id: string; person_id: string }>(
      'SELECT audit_event_id, person_id FROM enquiry_search_shown WHERE enquiry_id = $1',
      [enquiryId],
    );
    expect(rows).toEqual([{ audit_event_id: answer.auditEventId, person_id: personId }]);
  });
});
