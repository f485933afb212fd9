import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoliceConnector, POLICE_SYSTEMS } from '../../../connectors/police/index.js';
import { checkConnector, formatConformanceReport } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startPoliceServer, type PoliceServer } from '../../../sandbox/police/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.police;
const { child, partner } = county.featured;
const nominalOf = (personId: string): string => view.policePersonIdByPersonId.get(personId)!;

/** Each featured household member police hold -> the nominals of the other members they hold. */
function featuredHousehold(): Record<string, string[]> {
  const held = county.householdsById.get(county.featured.householdId)!.memberIds.map((id) => view.policePersonIdByPersonId.get(id)).filter((id): id is string => id !== undefined);
  return Object.fromEntries(held.map((id) => [id, held.filter((other) => other !== id)]));
}

let server: PoliceServer;

beforeAll(async () => {
  server = await startPoliceServer({ county });
});
afterAll(async () => {
  await server.close();
});

describe('police connector conformance', () => {
  it('passes the conformance kit against the sandbox, every injected fault included', async () => {
    const partnerPnc = view.persons.find((p) => p.id === nominalOf(partner.id))!.pncId!;
    const report = await checkConnector(createPoliceConnector({ baseUrl: server.baseUrl }), {
      samples: {
        identifiers: [
          { system: POLICE_SYSTEMS.policePersonId, value: nominalOf(child.id) },
          { system: POLICE_SYSTEMS.pncId, value: partnerPnc },
        ],
        demographics: { family: child.family, given: child.given[0]!, birthDate: child.birthDate },
        knownPersonIds: [nominalOf(child.id), nominalOf(partner.id)],
        unknownPersonId: 'NOM9999999',
        household: featuredHousehold(),
        // The county's call-outs go back three years from its as-of date.
        incidents: { since: '2000-01-01T00:00:00Z' },
      },
      faults: [
        { name: 'HTTP 500', expect: 'UPSTREAM_ERROR', apply: () => server.setFaults({ errorRate: 1 }), clear: () => server.setFaults({}) },
        { name: 'invalid JSON', expect: 'MALFORMED_RESPONSE', apply: () => server.setFaults({ malformed: 'invalid-json' }), clear: () => server.setFaults({}) },
        { name: 'wrong shape', expect: 'MALFORMED_RESPONSE', apply: () => server.setFaults({ malformed: 'wrong-shape' }), clear: () => server.setFaults({}) },
      ],
    });
    expect(report.passed, formatConformanceReport(report)).toBe(true);
    expect(report.checks.find((c) => c.id === 'household.fixture')!.reason).toMatch(/^(\d+) of \1 expected member\(s\) found/);
    const incidentChecks = report.checks.filter((c) => c.id.startsWith('incidents.')).map((c) => c.id);
    expect(incidentChecks).toEqual(['incidents.declared', 'incidents.shape', 'incidents.order', 'incidents.paging', 'incidents.resume', 'incidents.empty-page', 'incidents.bad-cursor']);
    expect(report.checks.find((c) => c.id === 'incidents.paging')!.reason).toMatch(/^\d{2,} incident\(s\) in \d+ page\(s\)/);
    expect(report.checks.find((c) => c.id === 'timeout.aborted')!.reason).toContain('incidentsSince');
  });
});
