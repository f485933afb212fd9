import { describe, expect, it } from 'vitest';
import { ConnectorError, type Connector, type PersonQuery, type SourcePerson } from '../../../connectors/sdk/index.js';
import { createFederation } from '../../../gateway/federation/index.js';
import { silentLogger } from '../../../gateway/log.js';

/** An agency answering each query from a script: persons by given name, or a failure. */
function agencyOf(answer: (query: PersonQuery) => SourcePerson[] | ConnectorError): Connector {
  return {
    manifest: {
      agency: 'health',
      name: 'test',
      version: '1',
      protocol: 'test',
      identifierSystems: [],
      categories: [{ id: 'health.identity', tier: 'T0', kinds: [], fields: ['names'], description: 'test' }],
      contact: { name: 'duty desk' },
    },
    async searchPersons(query) {
      const result = answer(query);
      if (result instanceof ConnectorError) throw result;
      return result;
    },
    async fetchRecords() {
      return new Map();
    },
  };
}

const person = (personId: string): SourcePerson => ({
  agency: 'health',
  personId,
  identifiers: [],
  names: [{ given: ['Lily'], family: 'Knight' }],
  addresses: [],
  provenance: { system: 'test', recordId: personId, asOf: '2026-01-01T00:00:00Z' },
});

const search = (connector: Connector, queries: PersonQuery[]) =>
  createFederation([connector], { timeoutMs: 1000, logger: silentLogger, resilience: { health: { retries: 0 } } }).forRequest('req').searchPersons(queries);

describe('person search with several passes at one agency', () => {
  it('merges the answers of every pass, one entry per person id, first pass first', async () => {
    const [answer] = await search(
      agencyOf((q) => (q.given === 'Lily' ? [person('a')] : [person('b'), person('a')])),
      [{ given: 'Lily', family: 'Knight' }, { family: 'Knight' }],
    );
    expect(answer).toMatchObject({ agency: 'health', status: 'answered' });
    expect(answer!.status === 'answered' && answer!.persons.map((p) => p.personId)).toEqual(['a', 'b']);
  });

  it('is unavailable when any pass fails: a partial answer must not read as no record', async () => {
    const [answer] = await search(
      agencyOf((q) => (q.given === 'Lily' ? [person('a')] : new ConnectorError('UPSTREAM_ERROR', 'HTTP 503'))),
      [{ given: 'Lily', family: 'Knight' }, { family: 'Knight' }],
    );
    expect(answer).toMatchObject({ agency: 'health', status: 'unavailable' });
  });

  it('ignores a pass the agency cannot search on (BAD_QUERY) and keeps the others', async () => {
    const [answer] = await search(
      agencyOf((q) => (q.given === undefined ? new ConnectorError('BAD_QUERY', 'needs a given name') : [person('a')])),
      [{ given: 'Lily', family: 'Knight' }, { family: 'Knight' }],
    );
    expect(answer!.status === 'answered' && answer!.persons.map((p) => p.personId)).toEqual(['a']);
  });
});

describe('person search with several passes at an agency offering searchPersonsAny', () => {
  /** The scripted agency, also answering several queries at once; counts the calls of each kind. */
  function agencyWithAny(answer: (query: PersonQuery) => SourcePerson[] | ConnectorError, any: (queries: readonly PersonQuery[]) => SourcePerson[] | ConnectorError) {
    const calls = { single: 0, any: [] as number[] };
    const base = agencyOf((q) => {
      calls.single++;
      return answer(q);
    });
    const connector: Connector = {
      ...base,
      async searchPersonsAny(queries) {
        calls.any.push(queries.length);
        const result = any(queries);
        if (result instanceof ConnectorError) throw result;
        return result;
      },
    };
    return { connector, calls };
  }

  it('asks the agency once for all the passes, and takes its answer', async () => {
    const { connector, calls } = agencyWithAny(() => [person('x')], () => [person('a'), person('b')]);
    const [answer] = await search(connector, [{ given: 'Lily', family: 'Knight' }, { family: 'Knight' }, { given: 'Knight', family: 'Lily' }]);
    expect(calls).toEqual({ single: 0, any: [3] });
    expect(answer!.status === 'answered' && answer!.persons.map((p) => p.personId)).toEqual(['a', 'b']);
  });

  it('asks one query on its own (nothing to combine)', async () => {
    const { connector, calls } = agencyWithAny(() => [person('x')], () => [person('a')]);
    await search(connector, [{ given: 'Lily', family: 'Knight' }]);
    expect(calls).toEqual({ single: 1, any: [] });
  });

  it('is unavailable when the one call fails, answers nothing found when every pass is refused, and answers BAD_INPUT for a refused value', async () => {
    const passes = [{ given: 'Lily', family: 'Knight' }, { family: 'Knight' }];
    const failed = agencyWithAny(() => [], () => new ConnectorError('UPSTREAM_ERROR', 'HTTP 503'));
    expect((await search(failed.connector, passes))[0]).toMatchObject({ status: 'unavailable' });
    const refused = agencyWithAny(() => [], () => new ConnectorError('BAD_QUERY', 'none can be searched'));
    expect((await search(refused.connector, passes))[0]).toMatchObject({ status: 'answered', persons: [] });
    const rejected = agencyWithAny(() => [], () => new ConnectorError('BAD_QUERY', 'SQLSTATE 22021', { rejectedInput: true }));
    await expect(search(rejected.connector, passes)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
