import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { isGatewayError } from '../../gateway/errors.js';
import { defaultLimits, queryShapeRules, requestCost } from '../../gateway/limits/index.js';
import { createSchema } from '../../gateway/resolvers/index.js';
import { enquiryInput, OPEN_ENQUIRY, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Demand control (issue 11, item 7): a request is bounded in shape (aliases, depth, directives,
 * tokens) and in cost (agency fan-out, list sizes, audit scans), and one over a limit is refused
 * before any agency is called, with a stable code, and audited.
 */
describe('demand control', () => {
  let t: TestGateway;
  let token: string;
  let enquiryId: string;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'police'], households: 20 });
    token = await t.token();
    enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
  });
  afterAll(async () => t?.close());

  const agencyCalls = () => t.logLines.filter((line) => line.includes('"msg":"agency call"')).length;
  const SEARCH_FOR = { family: 'Smith', given: 'Amy', birthDate: '2015-03-04' };
  const aliasedSearches = (n: number) =>
    `query($e: ID!, $q: PersonSearchInput!) { ${Array.from({ length: n }, (_, i) => `s${i}: searchPeople(enquiryId: $e, query: $q) { auditEventId }`).join(' ')} }`;
  const lastEvent = async (operation: string) => (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === operation).at(-1);

  it('refuses 50 aliased searches in one request before any agency is called (QUERY_LIMIT), and audits it', async () => {
    const before = agencyCalls();
    const response = await t.graphql(aliasedSearches(50), { e: enquiryId, q: SEARCH_FOR }, token);
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors[0].extensions.code).toBe('QUERY_LIMIT');
    expect(response.body.errors[0].message).toMatch(/Aliases limit of 15 exceeded, found 50.*smaller requests/);
    expect(agencyCalls()).toBe(before);
    expect(await lastEvent('demandControl')).toMatchObject({ outcome: 'refused', outcomeCode: 'QUERY_LIMIT', actor: { id: 'researcher-1' } });
  });

  it('refuses a request above the cost limit, saying its cost and the limit, before any agency is called (COST_LIMIT)', async () => {
    // Two agencies x five search passes = 10 points a search; six searches = 60, over the default 50.
    const before = agencyCalls();
    const response = await t.graphql(aliasedSearches(6), { e: enquiryId, q: SEARCH_FOR }, token);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'COST_LIMIT', cost: 60, limit: 50 });
    expect(response.body.errors[0].message).toMatch(/cost 60 points; the limit is 50/);
    expect(agencyCalls()).toBe(before);
    expect(await lastEvent('demandControl')).toMatchObject({ outcome: 'refused', outcomeCode: 'COST_LIMIT' });
  });

  it('runs searches within the cost limit', async () => {
    const response = await t.graphql(aliasedSearches(2), { e: enquiryId, q: SEARCH_FOR }, token);
    expect(response.body.errors).toBeUndefined();
    expect(Object.keys(response.body.data)).toEqual(['s0', 's1']);
  });

  it('refuses a document with more than 1000 tokens while parsing it (QUERY_LIMIT), and audits it', async () => {
    const response = await t.graphql(`{ me { ${'id '.repeat(1200)} } }`, {}, token);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('QUERY_LIMIT');
    expect(response.body.errors[0].message).toMatch(/more than 1000 tokens/);
    expect(await lastEvent('demandControl')).toMatchObject({ outcome: 'refused', outcomeCode: 'QUERY_LIMIT' });
  });

  it('refuses more directives than the limit (QUERY_LIMIT)', async () => {
    const response = await t.graphql(`{ me { id ${'@include(if: true) '.repeat(25)} } }`, {}, token);
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('QUERY_LIMIT');
    expect(response.body.errors[0].message).toMatch(/Directives limit of 20 exceeded/);
  });
});

describe('query shape and cost rules', () => {
  const schema = createSchema();
  const limits = defaultLimits();

  it('refuses a query deeper than the depth limit as QUERY_LIMIT', () => {
    const document = parse('{ enquiries { subjects { links { agency } } } }');
    const errors = validate(schema, document, queryShapeRules({ ...limits.query, maxDepth: 3 }));
    expect(errors).toHaveLength(1);
    expect(isGatewayError(errors[0]!.originalError) && errors[0]!.originalError.code).toBe('QUERY_LIMIT');
    expect(errors[0]!.message).toMatch(/Query depth limit of 3 exceeded, found 4/);
    expect(validate(schema, document, queryShapeRules(limits.query))).toEqual([]);
  });

  it('costs a search by agencies x search passes, a profile by agencies, a page of the access log by its size, an anomaly scan as 20, a lookup by identifier by agencies and scan', () => {
    const cost = (query: string, agencies = 5) => requestCost(schema, parse(query), undefined, undefined, () => agencies);
    expect(cost('{ searchPeople(enquiryId: "e", query: { nhsNumber: "9434765919" }) { auditEventId } }')).toBe(5);
    expect(cost('{ searchPeople(enquiryId: "e", query: { family: "Smith", given: "Amy", birthDate: "2015-03-04" }) { auditEventId } }')).toBe(25);
    expect(cost('{ profile(enquiryId: "e", subjectId: "s") { auditEventId } }', 3)).toBe(3);
    expect(cost('{ accessLog(first: 500) { endCursor } }')).toBe(20);
    expect(cost('{ auditAnomalies(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { kind } }')).toBe(20);
    expect(cost('{ whoAccessedByIdentifier(kind: NHS_NUMBER, value: "9434765919") { persons { agency } } }')).toBe(15);
    expect(cost('{ me { id } enquiries { id } }')).toBe(2);
  });
});
