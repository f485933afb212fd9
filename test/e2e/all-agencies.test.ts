import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];

/** The README's promise: the featured child has records in every agency, each over its own protocol. */
describe('a child known to every agency', () => {
  let t: TestGateway;
  let token: string;
  beforeAll(async () => {
    t = await startTestGateway({ agencies: AGENCIES });
    token = await t.token();
  });
  afterAll(async () => t?.close());

  it('is found in all five systems, linked, and read under s47 with each agency answering', async () => {
    const child = t.gateway.sandbox!.county.featured.child;
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } }, token);
    expect(search.body.errors).toBeUndefined();
    let subjectId: string | undefined;
    for (const agency of AGENCIES) {
      const result = search.body.data.searchPeople.agencies.find((a: any) => a.agency === agency);
      expect(result?.status, `${agency} search`).toBe('RECORDS');
      const person = result.people.find((p: any) => p.birthDate === child.birthDate) ?? result.people[0];
      const linked = await t.graphql(LINK, { input: { enquiryId, agency, personId: person.personId, ...(subjectId ? { subjectId } : { relation: 'CHILD' }) } }, token);
      expect(linked.body.errors, `${agency} link`).toBeUndefined();
      subjectId = linked.body.data.linkSubject.id;
    }
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(profile.body.errors).toBeUndefined();
    for (const agency of AGENCIES) {
      const result = profile.body.data.profile.agencies.find((a: any) => a.agency === agency);
      expect(result.status, `${agency} profile`).toBe('RECORDS');
      const records = [...result.involvements, ...result.states, ...result.events];
      expect(records.length + result.withheld.length, `${agency} has something`).toBeGreaterThan(0);
    }
    // Sealed records in any agency are never disclosed, whatever the protocol they came over.
    expect(profile.text).not.toMatch(/adoption|gender history|sexual health/i);
  });

  it('answers for the others when one agency is down', async () => {
    const child = t.gateway.sandbox!.county.featured.child;
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
    t.gateway.sandbox!.police.setFaults({ errorRate: 1 });
    try {
      const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } }, token);
      const statuses = Object.fromEntries(search.body.data.searchPeople.agencies.map((a: any) => [a.agency, a.status]));
      expect(statuses.police).toBe('UNAVAILABLE');
      expect(statuses.health).toBe('RECORDS');
      expect(statuses['social-care']).toBe('RECORDS');
    } finally {
      t.gateway.sandbox!.police.setFaults({});
    }
  });
});

describe('agency health', () => {
  it('is reported for every agency at /readyz (circuit breaker) and in GraphQL (health and circuit)', async () => {
    const t = await startTestGateway({ agencies: AGENCIES });
    try {
      const ready = (await (await fetch(`${t.gateway.url}/readyz`)).json()) as any;
      expect(ready.agencies.map((a: any) => a.agency).sort()).toEqual([...AGENCIES].sort());
      for (const agency of ready.agencies) expect(agency.state).toBe('closed');
      const token = await t.token();
      const response = await t.graphql('{ agencies { agency protocol categories { id tier } health { ok circuit } } }', {}, token);
      expect(response.body.data.agencies).toHaveLength(5);
      for (const agency of response.body.data.agencies) expect(agency.health).toMatchObject({ ok: true, circuit: 'closed' });
    } finally {
      await t.close();
    }
  });
});
