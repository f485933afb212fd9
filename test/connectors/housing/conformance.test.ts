import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHousingConnector, HOUSING_SYSTEMS } from '../../../connectors/housing/index.js';
import { checkConnector, formatConformanceReport } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startHousingSystem, type HousingSystem } from '../../../sandbox/housing/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.housing;
const { child, parent } = county.featured;
const refOf = (personId: string): string => view.personRefsByPersonId.get(personId)![0]!;

let system: HousingSystem;

beforeAll(async () => {
  system = await startHousingSystem({ county });
});
afterAll(async () => {
  await system.close();
});

describe('housing connector conformance', () => {
  it('passes the conformance kit against the sandbox database, every injected fault included', async () => {
    const report = await checkConnector(createHousingConnector({ query: system.query }), {
      samples: {
        identifiers: [{ system: HOUSING_SYSTEMS.housingPerson, value: refOf(child.id) }],
        demographics: { family: child.family, given: child.given[0]!, birthDate: child.birthDate },
        knownPersonIds: [refOf(child.id), refOf(parent.id)],
        unknownPersonId: 'T999999/1',
      },
      timeoutMs: 2000,
      faults: [
        { name: 'SQL error', expect: 'UPSTREAM_ERROR', apply: () => system.setFaults({ errorRate: 1 }), clear: () => system.setFaults({}) },
        { name: 'rows of the wrong shape', expect: 'MALFORMED_RESPONSE', apply: () => system.setFaults({ malformed: true }), clear: () => system.setFaults({}) },
        { name: 'database hangs', expect: 'TIMEOUT', apply: () => system.setFaults({ hang: true }), clear: () => system.setFaults({}) },
        { name: 'connection lost', expect: 'UNREACHABLE', apply: () => system.setFaults({ unreachable: true }), clear: () => system.setFaults({}) },
      ],
    });
    expect(report.passed, formatConformanceReport(report)).toBe(true);
    // The search passes go to the database as one statement, answering what the single searches do.
    expect(report.checks.find((c) => c.id === 'search.any')?.reason).toMatch(/one call found the [1-9]\d* person/);
  });
});
