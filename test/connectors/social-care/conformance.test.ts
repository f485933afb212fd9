import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConnector, formatConformanceReport } from '../../../connectors/sdk/index.js';
import { createSocialCareConnector, SOCIAL_CARE_SYSTEMS } from '../../../connectors/social-care/index.js';
import { generateCounty } from '../../../sandbox/county/index.js';
import { startSocialCareDatabase, type SocialCareDatabase } from '../../../sandbox/social-care/index.js';

const county = generateCounty({ seed: 1, households: 200 });
const view = county.views.socialCare;
const { child, sibling } = county.featured;
const idOf = (personId: string): string => view.socialCarePersonIdByPersonId.get(personId)!;

let db: SocialCareDatabase;

beforeAll(async () => {
  db = await startSocialCareDatabase({ county });
});
afterAll(async () => {
  await db.close();
});

describe('social care connector conformance', () => {
  it('passes the conformance kit against the sandbox database, every injected fault included', async () => {
    const report = await checkConnector(createSocialCareConnector({ query: db.query, contact: { name: county.localAuthority.childrensServices.name, phone: county.localAuthority.childrensServices.phone } }), {
      samples: {
        identifiers: [
          { system: SOCIAL_CARE_SYSTEMS.nhsNumber, value: child.nhsNumber },
          { system: SOCIAL_CARE_SYSTEMS.socialCarePersonId, value: idOf(child.id) },
        ],
        demographics: { family: child.family, given: child.given[0]!, birthDate: child.birthDate },
        knownPersonIds: [idOf(child.id), idOf(sibling.id)],
        unknownPersonId: '9999999',
      },
      faults: [
        { name: 'database error', expect: 'UPSTREAM_ERROR', apply: () => db.setFaults({ errorRate: 1 }), clear: () => db.setFaults({}) },
        { name: 'rows of the wrong shape', expect: 'MALFORMED_RESPONSE', apply: () => db.setFaults({ malformed: 'wrong-shape' }), clear: () => db.setFaults({}) },
        { name: 'missing column', expect: 'MALFORMED_RESPONSE', apply: () => db.setFaults({ malformed: 'schema-drift' }), clear: () => db.setFaults({}) },
        { name: 'database down', expect: 'UNREACHABLE', apply: () => db.setFaults({ unreachable: true }), clear: () => db.setFaults({}) },
      ],
    });
    expect(report.passed, formatConformanceReport(report)).toBe(true);
  });
});
