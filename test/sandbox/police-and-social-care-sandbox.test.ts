import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoliceConnector } from '../../connectors/police/index.js';
import { createSocialCareConnector } from '../../connectors/social-care/index.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

let sandbox: Sandbox;
const ctx = () => ({ signal: AbortSignal.timeout(10_000), requestId: 'sandbox-test' });

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 1, households: 50 });
});
afterAll(async () => {
  await sandbox.close();
});

describe('the sandbox with police and social care', () => {
  it('serves the police records API on loopback and the social care database through a query function', async () => {
    expect(sandbox.police.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    const { rows } = await sandbox.socialCare.query('SELECT count(*)::int AS n FROM person');
    expect(rows[0]!.n).toBe(sandbox.county.views.socialCare.persons.length);
  });

  it('shows the featured child in both agencies: police call-outs with her present, and her plan and worker in social care', async () => {
    const { child } = sandbox.county.featured;
    const police = createPoliceConnector({ baseUrl: sandbox.police.baseUrl });
    const [nominal] = await police.searchPersons({ family: child.family, given: child.given[0], birthDate: child.birthDate }, ctx());
    const policeRecords = (await police.fetchRecords([nominal!.personId], ctx())).get(nominal!.personId)!;
    expect(policeRecords.filter((r) => r.fields.title === 'Domestic abuse incident (child present)')).toHaveLength(3);

    const socialCare = createSocialCareConnector({ query: sandbox.socialCare.query });
    const [person] = await socialCare.searchPersons({ identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: child.nhsNumber }] }, ctx());
    const records = (await socialCare.fetchRecords([person!.personId], ctx())).get(person!.personId)!;
    expect(records.find((r) => r.fields.type === 'cp-plan')?.fields.status).toBe('active');
    expect(person!.contact?.name).not.toBe(socialCare.manifest.contact.name);
  });

  it('switches each agency\'s faults independently', async () => {
    sandbox.police.setFaults({ errorRate: 1 });
    try {
      const police = createPoliceConnector({ baseUrl: sandbox.police.baseUrl });
      await expect(police.health!(ctx())).resolves.toEqual({ ok: false, detail: 'UPSTREAM_ERROR' });
      await expect(createSocialCareConnector({ query: sandbox.socialCare.query }).health!(ctx())).resolves.toEqual({ ok: true });
    } finally {
      sandbox.police.setFaults({});
    }
  });
});
