import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEducationConnector, EDUCATION_SYSTEMS } from '../../../connectors/education/index.js';
import { checkConnector, formatConformanceReport } from '../../../connectors/sdk/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startEducationSystem, upnCheckLetter, type EducationSystem } from '../../../sandbox/education/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.education;
const { child } = county.featured;
const featured = view.pupils.find((p) => p.personId === child.id)!;
const other = view.pupils.find((p) => p.personId !== child.id && p.exclusions.length > 0)!;

let system: EducationSystem;

beforeAll(async () => {
  system = await startEducationSystem({ county });
});
afterAll(async () => {
  await system.close();
});

describe('education connector conformance', () => {
  it('passes the conformance kit against the sandbox directory, every injected fault included', async () => {
    const unknown = `${upnCheckLetter('980200199999')}980200199999`;
    const report = await checkConnector(createEducationConnector({ directory: system.files }), {
      samples: {
        identifiers: [{ system: EDUCATION_SYSTEMS.upn, value: featured.upn }],
        demographics: { family: child.family, given: child.given[0]!, birthDate: child.birthDate },
        knownPersonIds: [featured.upn, other.upn],
        unknownPersonId: unknown,
      },
      timeoutMs: 2000,
      faults: [
        { name: 'unreadable directory', expect: 'UNREACHABLE', apply: () => system.setFaults({ unreadable: true }), clear: () => system.setFaults({}) },
        { name: 'directory hangs', expect: 'TIMEOUT', apply: () => system.setFaults({ hang: true }), clear: () => system.setFaults({}) },
        { name: 'slow directory', expect: 'TIMEOUT', apply: () => system.setFaults({ latencyMs: 60_000 }), clear: () => system.setFaults({}) },
      ],
    });
    expect(report.passed, formatConformanceReport(report)).toBe(true);
  });
});
