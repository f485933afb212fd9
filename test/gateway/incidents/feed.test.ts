import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '../../../connectors/sdk/index.js';
import { createFederation } from '../../../gateway/federation/index.js';
import { createIncidentFeedPoller, createIncidents, defaultIncidentsConfig, type IncidentRepository, type IncidentsConfig, type PollResult } from '../../../gateway/incidents/index.js';
import { createLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { fakeIncidentConnector, sampleIncident, type FakeIncidentFeed } from '../../helpers/incidents.js';
import { storeKinds } from '../../helpers/stores.js';

const HOUR = 60 * 60 * 1000;
const NOW = new Date('2026-12-03T06:00:00Z');
const PERSONAL = ['Alexandra', 'Barnaby', 'Clementine', 'Quillfeather', '4 Quarry Lane', 'MB1 2QL', '1990-04-02', '2017-06-11'];

let agencies = 0;
/** Each test reads its own agency's feed, so tests sharing one store do not share a cursor. */
const nextAgency = (): string => `police-${++agencies}`;

/** `count` incidents of one agency, changed an hour apart ending an hour before NOW. */
const incidentsOf = (agency: string, count: number, prefix = 'OCC') =>
  Array.from({ length: count }, (_, i) => sampleIncident(`${prefix}-${i + 1}`, { agency, asOf: new Date(NOW.getTime() - (count - i) * HOUR).toISOString() }));

const forAgency = (result: PollResult, agency: string) => result.agencies.find((a) => a.agency === agency)!;

for (const kind of storeKinds()) {
  describe(`incident feed poller (${kind.name})`, () => {
    let store: Store;
    const logLines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _encoding, callback) {
          logLines.push(...String(chunk).split('\n').filter(Boolean));
          callback();
        },
      }),
    });

    beforeAll(async () => {
      store = await kind.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** The gateway's incident wiring over a real federation (time budget, breaker) and a fake feed. */
    function setup(feed: FakeIncidentFeed, config: Partial<IncidentsConfig> = {}, now = () => NOW) {
      const agency = feed.connector.manifest.agency;
      const federation = createFederation([feed.connector], { timeoutMs: 250, logger, resilience: { [agency]: { retries: 0, breaker: { threshold: 1000 } } } });
      return createIncidents({ store, source: federation, config: { ...defaultIncidentsConfig(), pollEverySeconds: 0, pageSize: 2, ...config }, now, logger });
    }

    it('first reads from now - backfillHours, then from the stored cursor, asking for the configured kinds and page size', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: [sampleIncident('OLD-1', { agency, asOf: '2026-11-29T05:59:00Z' }), ...incidentsOf(agency, 3)] });
      const incidents = setup(feed, { backfillHours: 72 });
      const result = await incidents.pollOnce();
      expect(feed.calls[0]!.position).toEqual({ since: '2026-11-30T06:00:00.000Z' });
      expect(feed.calls[0]).toMatchObject({ kinds: ['domestic-abuse'], limit: 2 });
      expect(feed.calls.slice(1).map((c) => c.position)).toEqual([{ cursor: 'fake:3' }]);
      expect(forAgency(result, agency)).toEqual({ agency, pages: 2, inserted: 3, updated: 0 });
      // The incident changed before the backfill window is not read.
      expect((await incidents.repository.list({})).filter((i) => i.agency === agency).map((i) => i.incidentId)).toEqual(['OCC-1', 'OCC-2', 'OCC-3']);
      expect(await incidents.repository.cursor(agency)).toBe('fake:4');
    });

    it('stops paging at maxPagesPerPoll; the next poll carries on from there', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 7) });
      const incidents = setup(feed, { maxPagesPerPoll: 2 });
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 2, inserted: 4, updated: 0 });
      expect(feed.calls).toHaveLength(2);
      expect(await incidents.repository.cursor(agency)).toBe('fake:4');
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 2, inserted: 3, updated: 0 });
      expect(feed.calls).toHaveLength(4);
      // Nothing new: one read, nothing saved, the poll recorded.
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 1, inserted: 0, updated: 0 });
      const status = (await incidents.repository.feedStatus()).find((f) => f.agency === agency)!;
      expect(status).toMatchObject({ receivedTotal: 7, lastError: null, cursor: 'fake:7' });
    });

    it('a changed incident replaces the stored one (updated, not inserted)', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 2) });
      const incidents = setup(feed);
      await incidents.pollOnce();
      const before = (await incidents.repository.list({})).find((i) => i.agency === agency && i.incidentId === 'OCC-1')!;
      expect(before.riskLevel).toBeNull();
      feed.publish(sampleIncident('OCC-1', { agency, riskLevel: 'high', asOf: NOW.toISOString() }));
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 1, inserted: 0, updated: 1 });
      const after = (await incidents.repository.list({})).filter((i) => i.agency === agency);
      expect(after).toHaveLength(2);
      const changed = after.find((i) => i.incidentId === 'OCC-1')!;
      expect(changed).toMatchObject({ id: before.id, riskLevel: 'high', firstReceivedAt: before.firstReceivedAt, provenance: { asOf: NOW.toISOString() } });
    });

    it('a page read and saved twice (two processes, or a replay) changes nothing: same incidents, same cursor', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 2) });
      const incidents = setup(feed);
      await incidents.pollOnce();
      const stored = (await incidents.repository.list({})).filter((i) => i.agency === agency);
      feed.replayNext = true;
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 1, inserted: 0, updated: 2 });
      expect((await incidents.repository.list({})).filter((i) => i.agency === agency)).toEqual(stored);
      expect(await incidents.repository.cursor(agency)).toBe('fake:2');
    });

    it('two gateway processes polling one store at once both save the first page; nothing breaks and nothing is doubled', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 3) });
      // Hold every read until both processes have asked, so both read the same page.
      const connector = feed.connector;
      let waiting: (() => void)[] = [];
      const barrier = { ...connector, manifest: connector.manifest } as typeof connector;
      barrier.incidentsSince = async (...args) => {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 2) {
            for (const release of waiting) release();
            waiting = [];
          }
        });
        return connector.incidentsSince!(...args);
      };
      const twin = { ...feed, connector: barrier };
      const [a, b] = [setup(twin, { pageSize: 10 }), setup(twin, { pageSize: 10 })];
      const [first, second] = await Promise.all([a.pollOnce(), b.pollOnce()]);
      expect(feed.calls.map((c) => c.position)).toEqual([{ since: '2026-11-30T06:00:00.000Z' }, { since: '2026-11-30T06:00:00.000Z' }]);
      expect(forAgency(first, agency).inserted + forAgency(second, agency).inserted).toBe(3);
      expect(forAgency(first, agency).updated + forAgency(second, agency).updated).toBe(3);
      expect((await a.repository.list({})).filter((i) => i.agency === agency).map((i) => i.incidentId)).toEqual(['OCC-1', 'OCC-2', 'OCC-3']);
      expect(await a.repository.cursor(agency)).toBe('fake:3');
    });

    it('a failure mid-feed keeps the cursor at the last saved page, records why without personal data, and the next poll resumes there', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 6) });
      const incidents = setup(feed);
      // The third read fails, with a message quoting a person (a careless upstream error body).
      feed.fail = ({ call }) => (call >= 3 ? new ConnectorError('UPSTREAM_ERROR', '500 from records API: no address for Alexandra Quillfeather, 4 Quarry Lane') : undefined);
      logLines.length = 0;
      const failed = forAgency(await incidents.pollOnce(), agency);
      expect(failed).toEqual({ agency, pages: 2, inserted: 4, updated: 0, error: "UPSTREAM_ERROR: the agency's system answered with an error" });
      expect(await incidents.repository.cursor(agency)).toBe('fake:4');
      const status = (await incidents.repository.feedStatus()).find((f) => f.agency === agency)!;
      expect(status).toMatchObject({ cursor: 'fake:4', lastError: failed.error, lastErrorAt: NOW.toISOString(), receivedTotal: 4 });
      expect(logLines.some((line) => line.includes('incident feed poll failed') && line.includes('UPSTREAM_ERROR'))).toBe(true);
      for (const value of PERSONAL) expect(logLines.join('\n')).not.toContain(value);

      feed.fail = undefined;
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 1, inserted: 2, updated: 0 });
      expect(feed.calls.at(-1)!.position).toEqual({ cursor: 'fake:4' });
      expect((await incidents.repository.list({})).filter((i) => i.agency === agency)).toHaveLength(6);
      expect((await incidents.repository.feedStatus()).find((f) => f.agency === agency)).toMatchObject({ lastError: null, receivedTotal: 6 });
    });

    it('a failure before the first page is recorded with no position; the next poll backfills', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 1) });
      const incidents = setup(feed);
      feed.fail = new ConnectorError('UNREACHABLE', 'connect ECONNREFUSED');
      expect(forAgency(await incidents.pollOnce(), agency).error).toBe("UNREACHABLE: the agency's system did not answer");
      expect(await incidents.repository.cursor(agency)).toBeUndefined();
      feed.fail = undefined;
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 1, inserted: 1, updated: 0 });
      expect(feed.calls.map((c) => c.position)).toEqual([{ since: '2026-11-30T06:00:00.000Z' }, { since: '2026-11-30T06:00:00.000Z' }]);
    });

    it('a hung feed is cut off by the time budget (the connector sees its signal aborted) and the cursor stays', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 3) });
      const incidents = setup(feed);
      await incidents.pollOnce();
      feed.publish(sampleIncident('OCC-9', { agency, asOf: NOW.toISOString() }));
      feed.hang = true;
      const result = forAgency(await incidents.pollOnce(), agency);
      expect(result.error).toBe(`TIMEOUT: ${agency} did not answer within 250 ms`);
      expect(feed.calls.at(-1)!.signal.aborted).toBe(true);
      expect(await incidents.repository.cursor(agency)).toBe('fake:3');
      feed.hang = false;
      expect(forAgency(await incidents.pollOnce(), agency)).toMatchObject({ inserted: 1, updated: 0 });
    });

    it('a stale cursor (BAD_QUERY) is recorded and never restarts the feed from the beginning', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 2) });
      const incidents = setup(feed);
      await incidents.pollOnce();
      // The agency rebuilt its feed: the stored cursor means nothing to it now.
      (feed.log as unknown[]).length = 0;
      const result = forAgency(await incidents.pollOnce(), agency);
      expect(result.error).toMatch(/^BAD_QUERY: /);
      expect(await incidents.repository.cursor(agency)).toBe('fake:2');
      expect(feed.calls.filter((c) => 'since' in c.position)).toHaveLength(1);
    });

    it('a malformed page (no cursor) is refused and nothing is saved', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 2) });
      const read = feed.connector.incidentsSince!;
      feed.connector.incidentsSince = async (...args) => ({ ...(await read(...args)), cursor: '' });
      const incidents = setup(feed);
      expect(forAgency(await incidents.pollOnce(), agency).error).toBe('MALFORMED_RESPONSE: the page has no cursor to resume from');
      expect((await incidents.repository.list({})).filter((i) => i.agency === agency)).toHaveLength(0);
    });

    it('a hook that throws rolls its page back and the cursor stays; hooks run in order in the page transaction', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 4) });
      const incidents = setup(feed);
      const seen: string[] = [];
      incidents.hooks.push(async (tx, saved) => {
        const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM incident WHERE agency = $1', [agency]);
        seen.push(`first:${saved.inserted.map((i) => i.incidentId).join(',')}:${rows[0]!.n}`);
      });
      incidents.hooks.push(async (_tx, saved) => {
        seen.push('second');
        if (saved.inserted.some((i) => i.incidentId === 'OCC-3')) throw new Error('planning failed for Alexandra Quillfeather');
      });
      const result = forAgency(await incidents.pollOnce(), agency);
      expect(result).toEqual({ agency, pages: 2, inserted: 2, updated: 0, error: 'FAILED: the page could not be read or saved (Error); the cursor stays at the last saved page' });
      // The hooks saw each page's incidents already written, inside the transaction.
      expect(seen).toEqual(['first:OCC-1,OCC-2:2', 'second', 'first:OCC-3,OCC-4:4', 'second']);
      expect((await incidents.repository.list({})).filter((i) => i.agency === agency).map((i) => i.incidentId)).toEqual(['OCC-1', 'OCC-2']);
      expect(await incidents.repository.cursor(agency)).toBe('fake:2');
      expect((await incidents.repository.feedStatus()).find((f) => f.agency === agency)!.lastError).not.toContain('Alexandra');

      incidents.hooks.pop();
      expect(forAgency(await incidents.pollOnce(), agency)).toEqual({ agency, pages: 1, inserted: 2, updated: 0 });
    });

    it('one poll at a time: a second pollOnce while one runs gets the same poll', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 3) });
      const incidents = setup(feed);
      const [a, b] = [incidents.pollOnce(), incidents.pollOnce()];
      expect(a).toBe(b);
      expect(forAgency(await a, agency)).toEqual({ agency, pages: 2, inserted: 3, updated: 0 });
      expect(feed.calls).toHaveLength(2);
    });

    it('reads nothing when incidents are disabled', async () => {
      const agency = nextAgency();
      const feed = fakeIncidentConnector({ agency, incidents: incidentsOf(agency, 1) });
      expect(await setup(feed, { enabled: false }).pollOnce()).toEqual({ agencies: [] });
      expect(feed.calls).toHaveLength(0);
    });
  });
}

describe('incident feed timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const idle: IncidentRepository = {
    cursor: async () => 'c',
    savePage: async () => ({ inserted: [], updated: [] }),
    recordPoll: async () => undefined,
    recordPollError: async () => undefined,
    get: async () => undefined,
    list: async () => [],
    feedStatus: async () => [],
  };

  function poller(pollEverySeconds: number) {
    let reads = 0;
    const source = {
      incidentFeedAgencies: () => ['police'],
      incidentsSince: async () => {
        reads++;
        return { incidents: [], cursor: 'c', hasMore: false };
      },
    };
    const feed = createIncidentFeedPoller({ repository: idle, source, config: { ...defaultIncidentsConfig(), pollEverySeconds }, now: () => NOW, logger: createLogger({ level: 'silent' }) });
    return { feed, reads: () => reads };
  }

  it('polls at start, then every pollEverySeconds, and not after close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { feed, reads } = poller(60);
    feed.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reads()).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reads()).toBe(3);
    await feed.close();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(reads()).toBe(3);
    await expect(feed.pollOnce()).rejects.toThrow(/closed/);
  });

  it('has no timer when pollEverySeconds is 0', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { feed, reads } = poller(0);
    feed.start();
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(reads()).toBe(0);
    await feed.pollOnce();
    expect(reads()).toBe(1);
    await feed.close();
  });
});
