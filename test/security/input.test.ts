import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type Connector } from '../../connectors/sdk/index.js';
import { runQuery } from '../../connectors/housing/query.js';
import { mapSqlError } from '../../connectors/social-care/sql.js';
import { readEvents } from '../../gateway/audit/index.js';
import { isGatewayError } from '../../gateway/errors.js';
import { createFederation } from '../../gateway/federation/index.js';
import { silentLogger } from '../../gateway/log.js';
import { enquiryInput, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Input (issue 11, item 9): every string argument has a longest length and a character class,
 * checked at the edge; a refusal is BAD_INPUT with a short, safe excerpt, never an echo of the
 * input, and the input is not stored. A value an agency's system refuses as invalid data is the
 * caller's BAD_INPUT, not an agency failure, and never opens a circuit breaker.
 */
describe('input at the edge', () => {
  let t: TestGateway;
  let token: string;
  let enquiryId: string;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['health', 'housing', 'social-care'], households: 20 });
    token = await t.token();
    enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
  });
  afterAll(async () => t?.close());

  const CIRCUITS = '{ agencies { agency health { circuit consecutiveFailures } } }';

  it('refuses a 500 KB purpose with BAD_INPUT, without echoing it, and does not store it', async () => {
    const purpose = 'p'.repeat(500_000);
    const response = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose }) }, token);
    expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(response.body.errors[0].message).toMatch(/purpose is too long: at most 64 characters, got 500000/);
    expect(response.text.length).toBeLessThan(1000);
    expect(response.text).not.toContain('p'.repeat(100));
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.filter((e) => e.operation === 'openEnquiry').at(-1)).toMatchObject({ outcome: 'refused', outcomeCode: 'BAD_INPUT' });
    expect(JSON.stringify(events)).not.toContain('p'.repeat(100));
  });

  it('refuses a NUL in a family name with BAD_INPUT before any agency is asked; the SQL agencies’ breakers stay closed', async () => {
    for (let i = 0; i < 6; i++) {
      const response = await t.graphql(SEARCH, { enquiryId, query: { family: 'Smi\u0000th', given: 'Amy', birthDate: '2015-03-04' } }, token);
      expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
      expect(response.body.errors[0].message).toMatch(/query\.family must be a name \(no control characters\); got "Smi\\u0000th"/);
    }
    const circuits = (await t.graphql(CIRCUITS, {}, token)).body.data.agencies as { agency: string; health: { circuit: string; consecutiveFailures: number } }[];
    for (const agency of ['housing', 'social-care']) {
      expect(circuits.find((a) => a.agency === agency)!.health).toEqual({ circuit: 'closed', consecutiveFailures: 0 });
    }
  });

  it('refuses a control character in a reference and an over-long one, naming the argument', async () => {
    const nul = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF\u0007-1' }) }, token);
    expect(nul.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_INPUT' }, message: expect.stringMatching(/^input\.referralReference must be/) });
    const long = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'R'.repeat(201) }) }, token);
    expect(long.body.errors[0].message).toMatch(/input\.referralReference is too long: at most 200 characters, got 201/);
  });

  it('keeps every error message short, even one graphql-js writes about a long value of the wrong kind', async () => {
    const response = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ rag: 'R'.repeat(100_000) }) }, token);
    expect(response.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(response.body.errors[0].message.length).toBeLessThanOrEqual(300);
    expect(response.text).not.toContain('R'.repeat(100));
  });
});

describe('a value an agency refuses as invalid data', () => {
  const manifest = (agency: string): Connector['manifest'] => ({
    agency,
    name: `${agency} test system`,
    version: '1',
    protocol: 'test',
    identifierSystems: [],
    categories: [{ id: `${agency}.summary`, tier: 'T1', kinds: ['event'], fields: ['type'], description: 'test' }],
    contact: { name: `${agency} duty desk` },
  });

  it('is BAD_QUERY with rejectedInput from the SQL connectors (SQLSTATE class 22)', async () => {
    const invalid = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const social = mapSqlError(invalid, 'person search', new AbortController().signal);
    expect(social).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
    const housing = await runQuery(() => Promise.reject(invalid), 'person search', 'SELECT 1', [], new AbortController().signal).catch((e: unknown) => e);
    expect(housing).toMatchObject({ kind: 'BAD_QUERY', rejectedInput: true });
    expect(String((housing as Error).message)).not.toContain('0x00');
  });

  it('answers BAD_INPUT to the caller and never counts against the breaker', async () => {
    let calls = 0;
    const housing: Connector = {
      manifest: manifest('housing'),
      async searchPersons() {
        calls++;
        throw new ConnectorError('BAD_QUERY', 'housing database refused a value in the person search query as invalid data (SQLSTATE 22021)', { rejectedInput: true });
      },
      async fetchRecords() {
        return new Map();
      },
    };
    const federation = createFederation([housing], { timeoutMs: 500, logger: silentLogger, resilience: { housing: { breaker: { threshold: 2 } } } });
    for (let i = 0; i < 5; i++) {
      const error = await federation.forRequest(`r-${i}`).searchPersons({ family: 'Smi\u0000th', given: 'Amy' }).catch((e: unknown) => e);
      expect(isGatewayError(error) && error.code).toBe('BAD_INPUT');
      expect((error as Error).message).toMatch(/housing refused a value in the request as invalid \(SQLSTATE 22021\)/);
    }
    expect(calls).toBe(5);
    const [health] = await federation.health('probe');
    expect(health!.circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });
});
