import { describe, expect, it } from 'vitest';
import { ConnectorError, type Connector, type HouseholdMember, type SourcePerson } from '../../../connectors/sdk/index.js';
import { createFederation } from '../../../gateway/federation/index.js';
import { isGatewayError } from '../../../gateway/errors.js';
import { silentLogger } from '../../../gateway/log.js';

const person = (agency: string, personId: string): SourcePerson => ({
  agency,
  personId,
  identifiers: [],
  names: [{ use: 'official', family: 'Tester', given: ['Pat'] }],
  addresses: [{ line1: '1 High Street', postalCode: 'MH1 1AA', uprn: '990000000001' }],
  provenance: { system: agency, recordId: `rec-${personId}`, asOf: '2026-01-01T00:00:00Z' },
});

type Behaviour = 'ok' | 'hang' | 'error' | 'bad-query' | 'rejected-input';

/** A connector with (or without) the household capability, counting calls; `behaviour` injects faults. */
function fakeConnector(agency: string, options: { household?: boolean; behaviour?: Behaviour } = {}) {
  const calls: string[] = [];
  let behaviour: Behaviour = options.behaviour ?? 'ok';
  const fault = async (signal: AbortSignal) => {
    if (behaviour === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new ConnectorError('TIMEOUT', 'aborted'))));
    if (behaviour === 'error') throw new ConnectorError('UPSTREAM_ERROR', 'HTTP 503 from the record system');
    if (behaviour === 'bad-query') throw new ConnectorError('BAD_QUERY', 'cannot search by address line');
    if (behaviour === 'rejected-input') throw new ConnectorError('BAD_QUERY', 'SQLSTATE 22021 invalid byte sequence', { rejectedInput: true });
  };
  const base: Connector = {
    manifest: {
      agency,
      name: `${agency} test system`,
      version: '1',
      protocol: 'test',
      identifierSystems: [],
      categories: [{ id: `${agency}.identity`, tier: 'T0', kinds: [], fields: ['names'], description: 'identity' }],
      contact: { name: `${agency} duty desk` },
    },
    searchPersons: async (_q, ctx) => {
      calls.push('searchPersons');
      await fault(ctx.signal);
      return [];
    },
    fetchRecords: async (_ids, ctx) => {
      calls.push('fetchRecords');
      await fault(ctx.signal);
      return new Map();
    },
  };
  const connector: Connector = options.household === false
    ? base
    : {
        ...base,
        async householdOf(personIds, ctx) {
          calls.push(`householdOf:${personIds.join(',')}`);
          await fault(ctx.signal);
          const member: HouseholdMember = { person: person(agency, 'M1'), basis: 'related-person', relationship: 'parent', provenance: { system: agency, recordId: 'link-1', asOf: '2026-01-01T00:00:00Z' } };
          return new Map(personIds.map((id) => [id, id === 'child' ? [member] : []]));
        },
        async personsAtAddress(address, ctx) {
          calls.push(`personsAtAddress:${address.uprn ?? address.line1}`);
          await fault(ctx.signal);
          return [person(agency, 'M1'), person(agency, `at-${address.uprn ?? address.line1}`)];
        },
        async fetchPersons(personIds, ctx) {
          calls.push(`fetchPersons:${personIds.join(',')}`);
          await fault(ctx.signal);
          return new Map(personIds.filter((id) => id !== 'gone').map((id) => [id, person(agency, id)]));
        },
      };
  return { connector, calls, set: (next: Behaviour) => (behaviour = next) };
}

const options = { timeoutMs: 200, logger: silentLogger, resilience: {} as Record<string, { retries?: number; breaker?: { threshold?: number; halfOpenAfterMs?: number }; backoff?: { initialDelayMs?: number; maxDelayMs?: number; jitter?: boolean } }> };

describe('federation: the household capability', () => {
  it('asks householdOf of every agency holding a linked person, once per agency with all its ids', async () => {
    const health = fakeConnector('health');
    const police = fakeConnector('police');
    const federation = createFederation([health.connector, police.connector], options);
    const answers = await federation.forRequest('r1').householdOf([
      { agency: 'health', personId: 'child' },
      { agency: 'health', personId: 'other' },
      { agency: 'health', personId: 'child' },
    ]);
    expect(health.calls).toEqual(['householdOf:child,other']);
    expect(police.calls).toEqual([]);
    const byAgency = Object.fromEntries(answers.map((a) => [a.agency, a]));
    expect(byAgency.police).toEqual({ agency: 'police', status: 'not-linked' });
    expect(byAgency.health).toMatchObject({ status: 'answered', members: [{ of: 'child', member: { relationship: 'parent', basis: 'related-person' } }] });
  });

  it('answers NOT SUPPORTED, with a reason, for an agency whose connector lacks the capability, and asks it nothing', async () => {
    const old = fakeConnector('housing', { household: false });
    const federation = createFederation([old.connector], options).forRequest('r2');
    const link = [{ agency: 'housing', personId: 'child' }];
    for (const answer of [...(await federation.householdOf(link)), ...(await federation.personsAtAddress([{ uprn: '990000000001' }])), ...(await federation.fetchPersons(link))]) {
      expect(answer).toMatchObject({ agency: 'housing', status: 'not-supported', reason: expect.stringContaining('does not offer') });
    }
    expect(old.calls).toEqual([]);
  });

  it('answers UNAVAILABLE with why for an agency that fails, after retrying, while the others answer', async () => {
    const health = fakeConnector('health');
    const police = fakeConnector('police', { behaviour: 'error' });
    const federation = createFederation([health.connector, police.connector], { ...options, resilience: { police: { retries: 1, backoff: { initialDelayMs: 1, maxDelayMs: 1, jitter: false } } } });
    const links = [{ agency: 'health', personId: 'child' }, { agency: 'police', personId: 'child' }];
    const answers = await federation.forRequest('r3').householdOf(links);
    expect(answers.find((a) => a.agency === 'health')!.status).toBe('answered');
    expect(answers.find((a) => a.agency === 'police')).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('police is unavailable (UPSTREAM_ERROR)') });
    expect(police.calls).toEqual(['householdOf:child', 'householdOf:child']);
    const persons = await federation.forRequest('r3b').fetchPersons(links);
    expect(persons.find((a) => a.agency === 'police')).toMatchObject({ status: 'unavailable' });
  });

  it('times out a hanging agency within its budget', async () => {
    const police = fakeConnector('police', { behaviour: 'hang' });
    const federation = createFederation([police.connector], { ...options, resilience: { police: { retries: 0 } } });
    const [answer] = await federation.forRequest('r4').personsAtAddress([{ uprn: '990000000001' }]);
    expect(answer).toMatchObject({ status: 'unavailable', reason: 'police did not answer within 200 ms (timeout).' });
  });

  it('shares the agency’s circuit breaker with searches and record fetches: once open, household calls are not made', async () => {
    const police = fakeConnector('police', { behaviour: 'error' });
    const federation = createFederation([police.connector], { ...options, resilience: { police: { retries: 0, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } } } });
    const link = [{ agency: 'police', personId: 'child' }];
    await federation.forRequest('r5').fetchRecords(link);
    await federation.forRequest('r6').householdOf(link);
    const calls = police.calls.length;
    const [open] = await federation.forRequest('r7').fetchPersons(link);
    expect(open).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^circuit open: police failed 2 times in a row/) });
    expect(police.calls.length).toBe(calls);
    expect(federation.circuits()[0]!.state).toBe('open');
  });

  it('merges the persons found at several addresses, one per agency person id', async () => {
    const health = fakeConnector('health');
    const [answer] = await createFederation([health.connector], options).forRequest('r8').personsAtAddress([{ uprn: 'U1' }, { line1: '1 High Street', postalCode: 'MH1 1AA' }]);
    expect(answer!.status === 'answered' && answer!.persons.map((p) => p.personId).sort()).toEqual(['M1', 'at-1 High Street', 'at-U1']);
  });

  it('treats an address search the agency cannot run as finding no one, and a value its system refuses as the caller’s BAD_INPUT', async () => {
    const housing = fakeConnector('housing', { behaviour: 'bad-query' });
    const [answer] = await createFederation([housing.connector], options).forRequest('r9').personsAtAddress([{ line1: 'x', postalCode: 'MH1 1AA' }]);
    expect(answer).toMatchObject({ status: 'answered', persons: [], refused: 1 });
    housing.set('rejected-input');
    const refused = await createFederation([housing.connector], options).forRequest('r10').personsAtAddress([{ line1: 'x\u0000', postalCode: 'MH1 1AA' }]).catch((e: unknown) => e);
    expect(isGatewayError(refused) && refused.code).toBe('BAD_INPUT');
  });

  it('fetchPersons answers the persons the agency still holds; one it no longer holds is simply absent', async () => {
    const health = fakeConnector('health');
    const [answer] = await createFederation([health.connector], options).forRequest('r11').fetchPersons([{ agency: 'health', personId: 'child' }, { agency: 'health', personId: 'gone' }]);
    expect(answer!.status === 'answered' && answer!.persons.map((p) => p.personId)).toEqual(['child']);
  });
});
