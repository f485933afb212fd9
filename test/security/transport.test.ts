import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Threats already defended before the request-safety work, kept under test here so that
 * docs/security.md can point at one place: cross-site requests, injection through search input,
 * and answers that must not be cached or sniffed.
 */
describe('cross-site request forgery', () => {
  let t: TestGateway;
  let token: string;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'housing', 'social-care'], households: 20 });
    token = await t.token();
  });
  afterAll(async () => t?.close());

  const me = JSON.stringify({ query: '{ me { id } }' });

  it('refuses a POST a browser form could send (text/plain) without running the operation', async () => {
    const before = (await readEvents(t.gateway.store, { limit: 10_000 })).length;
    const response = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($i: OpenEnquiryInput!) { openEnquiry(input: $i) { id } }', variables: { i: enquiryInput() } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { data?: unknown };
    expect(body.data ?? null).toBeNull();
    // Nothing was opened: no openEnquiry event was written.
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.slice(before).filter((e) => e.operation === 'openEnquiry')).toHaveLength(0);
  });

  it('refuses a urlencoded form POST', async () => {
    const response = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
      body: `query=${encodeURIComponent('{ me { id } }')}`,
    });
    expect(response.status).toBe(400);
  });

  it('refuses a simple GET (as an <img> or link would make) unless it proves it is not cross-site', async () => {
    const url = `${t.gateway.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`;
    const simple = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(simple.status).toBe(400);
    const preflighted = await fetch(url, { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
  });

  it('never runs a mutation over GET', async () => {
    const query = 'mutation { closeEnquiry(enquiryId: "x", decision: "y") { id } }';
    const response = await fetch(`${t.gateway.url}/graphql?query=${encodeURIComponent(query)}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
  });

  it('refuses a batch of operations in one POST (a JSON array), running none of them', async () => {
    const before = (await readEvents(t.gateway.store, { limit: 10_000 })).length;
    const open = { query: 'mutation($i: OpenEnquiryInput!) { openEnquiry(input: $i) { id } }', variables: { i: enquiryInput() } };
    const response = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify([open, open, open]),
    });
    expect(response.status).toBe(400);
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.slice(before).filter((e) => e.operation === 'openEnquiry')).toHaveLength(0);
  });

  it('accepts the same request as JSON (what the console and API clients send)', async () => {
    const response = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: me,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { me: { id: string } } };
    expect(body.data.me.id).toBe('researcher-1');
  });
});

describe('injection through search input', () => {
  let t: TestGateway;
  let token: string;
  let enquiryId: string;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'housing', 'social-care'], households: 20 });
    token = await t.token();
    enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
  });
  afterAll(async () => t?.close());

  const SEARCH_PEOPLE = /* GraphQL */ `
    query($e: ID!, $q: PersonSearchInput!) {
      searchPeople(enquiryId: $e, query: $q) { agencies { agency status detail } people { key } notShown { agency count } }
    }
  `;

  it('treats SQL in a family name as a name: the SQL agencies answer, and their tables survive', async () => {
    const child = t.gateway.sandbox!.county.featured.child;
    for (const family of [`${child.family}' OR '1'='1`, `x'; DROP TABLE person; --`, `${child.family}%`, `_%`]) {
      const response = await t.graphql(SEARCH_PEOPLE, { e: enquiryId, q: { family, given: child.given[0], birthDate: child.birthDate } }, token);
      expect(response.body.errors).toBeUndefined();
      const agencies = response.body.data.searchPeople.agencies as { agency: string; status: string }[];
      // Both SQL agencies answered (no syntax error turned into UNAVAILABLE) ...
      for (const agency of ['housing', 'social-care']) expect(agencies.find((a) => a.agency === agency)?.status).not.toBe('UNAVAILABLE');
    }
    // ... and the tables are still there: the real name still finds the child at both.
    const real = await t.graphql(SEARCH_PEOPLE, { e: enquiryId, q: { family: child.family, given: child.given[0], birthDate: child.birthDate } }, token);
    const statuses = Object.fromEntries((real.body.data.searchPeople.agencies as { agency: string; status: string }[]).map((a) => [a.agency, a.status]));
    expect(statuses).toMatchObject({ housing: 'RECORDS', 'social-care': 'RECORDS' });
  });

  it('takes values only as variables or literals: a query cannot smuggle a second operation', async () => {
    const response = await t.graphql(`{ me { id } } mutation { closeEnquiry(enquiryId: "${enquiryId}", decision: "x") { id } }`, {}, token);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
    const enquiry = await t.graphql('query($id: ID!) { enquiry(id: $id) { status } }', { id: enquiryId }, token);
    expect(enquiry.body.data.enquiry.status).toBe('OPEN');
  });
});
