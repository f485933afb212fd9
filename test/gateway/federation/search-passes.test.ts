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
