import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { enquiryInput, OPEN_ENQUIRY, PROFILE, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const SEARCH_PEOPLE = /* GraphQL */ `
  query Search($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) { auditEventId people { key band records { agency personId } } }
  }
`;
const LINK_PERSON = /* GraphQL */ `
  mutation LinkPerson($enquiryId: ID!, $searchEventId: ID!, $key: String!, $label: String, $relation: SubjectRelation) {
    linkPerson(enquiryId: $enquiryId, searchEventId: $searchEventId, key: $key, label: $label, relation: $relation) { id relation label links { agency personId } }
  }
`;

/** One search result, every agency's record of the child, linked in one step. */
describe('linkPerson over HTTP', () => {
  let t: TestGateway;
  let token: string;
  beforeAll(async () => {
    t = await startTestGateway({ agencies: AGENCIES, households: 30 });
    token = await t.token();
  });
  afterAll(async () => t?.close());

  async function openAndSearch(as = token) {
    const child = t.gateway.sandbox!.county.featured.child;
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, as)).body.data.openEnquiry.id as string;
    const search = await t.graphql(SEARCH_PEOPLE, { enquiryId, query: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } }, as);
    expect(search.body.errors).toBeUndefined();
    return { enquiryId, search: search.body.data.searchPeople };
  }

  it('links all five agencies’ records of the likely person as one subject, audited as one event naming every link', async () => {
    const { enquiryId, search } = await openAndSearch();
    const p1 = search.people.find((p: any) => p.key === "P1");
    expect(new Set(p1.records.map((r: any) => r.agency))).toEqual(new Set(AGENCIES));
    const linked = await t.graphql(LINK_PERSON, { enquiryId, searchEventId: search.auditEventId, key: 'P1', label: 'Referred child' }, token);
    expect(linked.body.errors).toBeUndefined();
    const subject = linked.body.data.linkPerson;
    expect(subject).toMatchObject({ relation: 'CHILD', label: 'Referred child' });
    const key = (r: { agency: string; personId: string }) => `${r.agency}:${r.personId}`;
    expect(subject.links.map(key).sort()).toEqual(p1.records.map(key).sort());

    const profile = await t.graphql(PROFILE, { enquiryId, subjectId: subject.id }, token);
    expect(profile.body.data.profile.agencies.filter((a: any) => a.status === 'RECORDS').map((a: any) => a.agency).sort()).toEqual([...AGENCIES].sort());

    const events = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'linkPerson' && e.enquiry?.id === enquiryId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', subjects: [{ subjectId: subject.id }] });
    expect(events[0]!.subjects[0]!.links.map(key).sort()).toEqual(p1.records.map(key).sort());

    // The same person again: nothing is linked twice.
    const again = await t.graphql(LINK_PERSON, { enquiryId, searchEventId: search.auditEventId, key: 'P1' }, token);
    expect(again.body.errors[0].extensions.code).toBe('CONFLICT');
  });

  it('refuses a key the search did not show, another enquiry’s search and a non-member, each audited, linking nothing', async () => {
    const first = await openAndSearch();
    const second = await openAndSearch();
    const shown = second.search.people.length;
    const notShown = await t.graphql(LINK_PERSON, { enquiryId: second.enquiryId, searchEventId: second.search.auditEventId, key: `P${shown + 1}` }, token);
    expect(notShown.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_SHOWN');
    const otherEnquiry = await t.graphql(LINK_PERSON, { enquiryId: second.enquiryId, searchEventId: first.search.auditEventId, key: 'P1' }, token);
    expect(otherEnquiry.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_SHOWN');
    const stranger = await t.token({ sub: 'researcher-9', name: 'Sam Stranger' });
    const notMember = await t.graphql(LINK_PERSON, { enquiryId: second.enquiryId, searchEventId: second.search.auditEventId, key: 'P1' }, stranger);
    expect(notMember.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    const badKey = await t.graphql(LINK_PERSON, { enquiryId: second.enquiryId, searchEventId: second.search.auditEventId, key: 'P1 OR 1=1' }, token);
    expect(badKey.body.errors[0].extensions.code).toBe('BAD_INPUT');

    const enquiry = await t.graphql(`query E($id: ID!) { enquiry(id: $id) { subjects { id } } }`, { id: second.enquiryId }, token);
    expect(enquiry.body.data.enquiry.subjects).toEqual([]);
    const refused = (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === 'linkPerson' && e.enquiry?.id === second.enquiryId && e.outcome === 'refused');
    expect(refused.map((e) => e.outcomeCode).sort()).toEqual(['FORBIDDEN_NOT_MEMBER', 'FORBIDDEN_NOT_SHOWN', 'FORBIDDEN_NOT_SHOWN']);
    // The malformed key is refused at the edge, before the enquiry is read: audited too.
    expect((await readEvents(t.gateway.store, { limit: 10_000 })).some((e) => e.operation === 'linkPerson' && e.outcome === 'refused' && e.outcomeCode === 'BAD_INPUT')).toBe(true);
  });
});
