import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overnightIncidentSpecs } from '../../../sandbox/police/overnight.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';

/**
 * The poller over the real police connector and the sandbox force's change feed: incidents the
 * force records are stored once, a re-graded one is updated in place, and a force that is down
 * leaves the cursor where it was.
 */
describe('incident feed poller with the police connector and sandbox', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: ['police'], households: 40, document: { incidents: { pageSize: 2, pollEverySeconds: 0 } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores what the force records, once; a changed incident is updated; a failure keeps the cursor', async () => {
    const sandbox = t.gateway.sandbox!;
    const incidents = t.gateway.incidents;
    // Whatever the county's history puts in the backfill window is read first.
    const before = await incidents.pollOnce();
    expect(before.agencies.map((a) => [a.agency, a.error])).toEqual([['police', undefined]]);

    const recorded = overnightIncidentSpecs(sandbox.county, new Date()).map((spec) => sandbox.police.recordIncident(spec));
    expect(recorded.length).toBeGreaterThan(0);
    const read = (await incidents.pollOnce()).agencies[0]!;
    expect(read).toMatchObject({ agency: 'police', inserted: recorded.length, updated: 0 });
    expect(read.error).toBeUndefined();
    const stored = await incidents.repository.list({ kind: 'domestic-abuse' });
    for (const incident of recorded) {
      const found = stored.filter((s) => s.agency === 'police' && s.incidentId === incident.id);
      expect(found).toHaveLength(1);
      expect(found[0]!.persons.map((p) => p.personId).sort()).toEqual(incident.persons.map((p) => p.personId).sort());
    }

    // Nothing new: nothing saved again.
    expect((await incidents.pollOnce()).agencies[0]).toMatchObject({ inserted: 0, updated: 0 });

    // The force re-grades one incident's risk: it is updated in place.
    const regraded = recorded[0]!;
    sandbox.police.updateIncident(regraded.id, { riskLevel: 'high' });
    expect((await incidents.pollOnce()).agencies[0]).toMatchObject({ inserted: 0, updated: 1 });
    const after = (await incidents.repository.list({ kind: 'domestic-abuse' })).filter((s) => s.incidentId === regraded.id);
    expect(after).toHaveLength(1);
    expect(after[0]!.riskLevel).toBe('high');

    // The force's API is down: the cursor stays and the failure is recorded; then it recovers.
    const cursor = await incidents.repository.cursor('police');
    sandbox.police.setFaults({ errorRate: 1 });
    const failed = (await incidents.pollOnce()).agencies[0]!;
    expect(failed.error).toMatch(/^(UPSTREAM_ERROR|UNREACHABLE|TIMEOUT|CIRCUIT_OPEN): /);
    expect(await incidents.repository.cursor('police')).toBe(cursor);
    sandbox.police.setFaults({});
    const more = overnightIncidentSpecs(sandbox.county, new Date()).slice(0, 1).map((spec) => sandbox.police.recordIncident(spec));
    expect((await incidents.pollOnce()).agencies[0]).toMatchObject({ inserted: more.length, updated: 0 });
  });
});
