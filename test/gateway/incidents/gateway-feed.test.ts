import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../gateway/store/index.js';
import { startTestGateway, type TestGateway } from '../../helpers/gateway.js';
import { fakeIncidentConnector, sampleIncident, type FakeIncidentFeed } from '../../helpers/incidents.js';
import { storeKinds } from '../../helpers/stores.js';

/**
 * The incident feed wired into the gateway: `Gateway.incidents`, a restart between two polls on
 * the same store, and the `incidentFeeds` query.
 */
const HOUR = 60 * 60 * 1000;
const FEEDS = /* GraphQL */ `
  query { incidentFeeds { agency updatedAt lastPollAt lastError lastErrorAt receivedTotal } }
`;

describe.each(storeKinds())('incident feed in the gateway ($name)', (kind) => {
  let store: Store;
  let feed: FakeIncidentFeed;
  let t: TestGateway;
  let clock = new Date('2026-12-03T06:00:00Z');
  const changedAt = (hoursBefore: number) => new Date(clock.getTime() - hoursBefore * HOUR).toISOString();
  const start = () => startTestGateway({ store, households: 5, extraConnectors: [feed.connector], now: () => clock, document: { incidents: { pageSize: 2, pollEverySeconds: 0 } } });

  beforeAll(async () => {
    store = await kind.open();
    feed = fakeIncidentConnector({ agency: 'police', incidents: [sampleIncident('OCC-1', { asOf: changedAt(3) }), sampleIncident('OCC-2', { asOf: changedAt(2) }), sampleIncident('OCC-3', { asOf: changedAt(1) })] });
    t = await start();
  });
  afterAll(async () => {
    await t?.close();
    await store?.close();
  });

  it('lists only feeds with an incident capability, before any poll, with nothing received', async () => {
    const manager = await t.token({ sub: 'manager-1', roles: ['mash-manager'] });
    const { body } = await t.graphql(FEEDS, {}, manager);
    expect(body.errors).toBeUndefined();
    expect(body.data.incidentFeeds).toEqual([{ agency: 'police', updatedAt: null, lastPollAt: null, lastError: null, lastErrorAt: null, receivedTotal: 0 }]);
  });

  it('a restart between two polls neither loses nor repeats an incident', async () => {
    const first = await t.gateway.incidents.pollOnce();
    expect(first.agencies).toEqual([{ agency: 'police', pages: 2, inserted: 3, updated: 0 }]);
    await t.close();

    // While the gateway is down the force records two more and changes nothing else.
    clock = new Date(clock.getTime() + HOUR);
    feed.publish(sampleIncident('OCC-4', { asOf: changedAt(0.5) }), sampleIncident('OCC-5', { asOf: changedAt(0.25) }));
    t = await start();
    const calls = feed.calls.length;
    const second = await t.gateway.incidents.pollOnce();
    expect(feed.calls[calls]!.position).toEqual({ cursor: 'fake:3' });
    expect(second.agencies).toEqual([{ agency: 'police', pages: 1, inserted: 2, updated: 0 }]);
    const stored = await t.gateway.incidents.repository.list({ kind: 'domestic-abuse' });
    expect(stored.map((i) => i.incidentId)).toEqual(['OCC-1', 'OCC-2', 'OCC-3', 'OCC-4', 'OCC-5']);
    expect(new Set(stored.map((i) => i.id)).size).toBe(5);
  });

  it('incidentFeeds: MASH managers and IG officers see each feed’s status, never its cursor; anyone else is FORBIDDEN', async () => {
    for (const roles of [['mash-manager'], ['ig-officer']]) {
      const { body, text } = await t.graphql(FEEDS, {}, await t.token({ sub: `${roles[0]}-1`, roles }));
      expect(body.errors).toBeUndefined();
      expect(body.data.incidentFeeds).toEqual([{ agency: 'police', updatedAt: clock.toISOString(), lastPollAt: clock.toISOString(), lastError: null, lastErrorAt: null, receivedTotal: 5 }]);
      expect(text).not.toContain('fake:');
    }
    for (const roles of [['mash-researcher'], ['school-dsl'], ['out-of-hours'], ['agency-reviewer']]) {
      const { body } = await t.graphql(FEEDS, {}, await t.token({ sub: `${roles[0]}-1`, roles, ...(roles[0] === 'school-dsl' ? { school: '9804001' } : {}) }));
      expect(body.data).toBeNull();
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await t.graphql(FEEDS)).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('incidentFeeds shows a failing feed’s error; the next poll clears it', async () => {
    feed.fail = () => new Error('socket hang up near 4 Quarry Lane');
    const failed = await t.gateway.incidents.pollOnce();
    expect(failed.agencies[0]!.error).toMatch(/^FAILED: /);
    const manager = await t.token({ sub: 'manager-1', roles: ['mash-manager'] });
    const { body, text } = await t.graphql(FEEDS, {}, manager);
    expect(body.data.incidentFeeds[0]).toMatchObject({ agency: 'police', lastError: failed.agencies[0]!.error, lastErrorAt: clock.toISOString(), receivedTotal: 5 });
    expect(text).not.toContain('Quarry');
    expect(t.logLines.join('\n')).not.toContain('Quarry');
    feed.fail = undefined;
    await t.gateway.incidents.pollOnce();
    expect((await t.graphql(FEEDS, {}, manager)).body.data.incidentFeeds[0].lastError).toBeNull();
  });
});
