import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connector, SourcePerson, SourceRecord } from '../../connectors/sdk/index.js';
import { readEvents } from '../../gateway/audit/index.js';
import { enquiryInput, OPEN_ENQUIRY, RELAXED_RATE_LIMITS, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The gateway's own saturation: new requests are shed (503, OVERLOADED, Retry-After) instead of
 * being accepted and answered late or degraded, and a timeout caused by the gateway's own loop
 * never opens an agency's breaker nor makes it UNAVAILABLE. The loop is blocked in this process
 * with busy-waits (never sleeps); the tests assert behaviour, never durations.
 */

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** Blocks the loop for most of every turn until stopped, as a saturated gateway's loop is. */
function saturate(): () => void {
  const blocker = setInterval(() => busyWait(400), 1);
  return () => clearInterval(blocker);
}

/** An agency (probation) that answers a few milliseconds after each call, on the next turn of the loop. */
function promptProbation() {
  let began: () => void = () => undefined;
  let started = new Promise<void>((resolve) => (began = resolve));
  const answer = async (): Promise<void> => {
    began();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await nextTurn();
  };
  const connector: Connector = {
    manifest: {
      agency: 'probation',
      name: 'Probation case management (test)',
      version: '1',
      protocol: 'test',
      identifierSystems: ['https://example.test/probation-id'],
      categories: [{ id: 'probation.summary', tier: 'T1', kinds: ['event'], fields: ['type'], description: 'test' }],
      contact: { name: 'Probation duty desk' },
    },
    async searchPersons(): Promise<SourcePerson[]> {
      await answer();
      return [];
    },
    async fetchRecords(personIds): Promise<Map<string, SourceRecord[]>> {
      await answer();
      return new Map(personIds.map((id) => [id, []]));
    },
  };
  return {
    connector,
    /** Resolves when the next call begins. */
    nextCall(): Promise<void> {
      started = new Promise<void>((resolve) => (began = resolve));
      return started;
    },
  };
}

const QUERY = { family: 'Overloadtest', given: 'Quentin', birthDate: '2015-03-04' };

describe('load shedding and own timeouts', () => {
  let t: TestGateway;
  let token: string;
  let enquiryId: string;
  const probation = promptProbation();

  beforeAll(async () => {
    t = await startTestGateway({
      households: 10,
      agencyTimeoutMs: 300,
      extraConnectors: [probation.connector],
      limits: { ...RELAXED_RATE_LIMITS, overload: { maxEventLoopDelayMs: 100, windowMs: 100, retryAfterSeconds: 2, maxInFlight: 1000 } },
    });
    token = await t.token();
    await calm();
    enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id;
    // Starting the sandbox takes minutes on a busy shared machine.
  }, 300_000);
  afterAll(async () => t?.close());

  const search = (requestId?: string) =>
    fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: JSON.stringify({ query: SEARCH, variables: { enquiryId, query: QUERY } }),
    });
  /** Waits until the gateway is not shedding (a busy-wait just before, or a busy machine, may leave it so for a window). */
  const calm = () => vi.waitFor(() => expect(t.gateway.load.report().shedding).toBe(false), { timeout: 20_000, interval: 10 });
  const closedCircuits = () => t.gateway.federation.circuits().map(({ agency, state, consecutiveFailures }) => ({ agency, state, consecutiveFailures }));

  it('sheds new requests while the loop is saturated: 503, OVERLOADED and Retry-After, logged and counted, not audited; health and readiness still answer', async () => {
    const before = (await readEvents(t.gateway.store, { limit: 10_000 })).length;
    const stop = saturate();
    let shed: Response;
    let live: Response;
    let ready: Response;
    try {
      await vi.waitFor(() => expect(t.gateway.load.report().shedding).toBe(true), { timeout: 20_000, interval: 10 });
      shed = await search('shed-request-0001');
      live = await fetch(`${t.gateway.url}/healthz`);
      ready = await fetch(`${t.gateway.url}/readyz`);
    } finally {
      stop();
    }
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('2');
    const body = (await shed.json()) as any;
    expect(body.errors[0].extensions).toEqual({ code: 'OVERLOADED', retryAfter: 2 });
    expect(body.errors[0].message).toMatch(/overloaded.*retry after 2 seconds/i);

    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).overload).toMatchObject({ shed: expect.any(Number), ownTimeouts: expect.any(Number), inFlight: expect.any(Number) });
    expect(t.gateway.load.report().shed).toBeGreaterThanOrEqual(1);

    // Logged with the request id and figures, nothing of what was asked.
    const logged = t.logLines.filter((line) => line.includes('shed-request-0001') && line.includes('request shed'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ reason: 'event-loop-delay', eventLoopDelayMs: expect.any(Number) });
    expect(t.logLines.join('\n')).not.toContain(QUERY.family);

    // Nothing was read or asked of an agency, and no actor was known: no audit event.
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    expect(events.filter((e) => e.requestId === 'shed-request-0001')).toEqual([]);
    expect(events.length).toBe(before);
    expect(closedCircuits().every((c) => c.state === 'closed' && c.consecutiveFailures === 0)).toBe(true);

    // Once the loop is free again, requests are served.
    await calm();
    const served = await search();
    expect(served.status).toBe(200);
    expect(((await served.json()) as any).data.searchPeople.agencies.map((a: any) => a.status)).not.toContain('UNAVAILABLE');
  });

  it('answers a running request OVERLOADED when its agency calls ran out of time on the blocked loop; the breakers stay closed and no agency is UNAVAILABLE', async () => {
    await calm();
    const started = probation.nextCall();
    const pending = search('own-timeout-0001');
    await started;
    // Probation's answer is ready 5 ms from now; the loop cannot read it within its 300 ms budget.
    busyWait(1200);
    const response = await pending;
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    const body = JSON.parse(text);
    expect(body.errors[0].extensions).toMatchObject({ code: 'OVERLOADED', retryAfter: 2 });
    expect(body.data).toBeNull();
    expect(text).not.toContain('UNAVAILABLE');
    expect(closedCircuits()).toEqual([
      { agency: 'health', state: 'closed', consecutiveFailures: 0 },
      { agency: 'probation', state: 'closed', consecutiveFailures: 0 },
    ]);
    expect(t.gateway.load.report().ownTimeouts).toBeGreaterThanOrEqual(1);

    // It passed the enquiry check, so its refusal is audited as refusals are.
    const event = (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.requestId === 'own-timeout-0001');
    expect(event).toMatchObject({ operation: 'searchPeople', outcome: 'refused', outcomeCode: 'OVERLOADED' });

    // Asked again on a free loop, both agencies answer.
    await calm();
    const again = await search();
    expect(again.status).toBe(200);
    const agencies = ((await again.json()) as any).data.searchPeople.agencies;
    expect(agencies.map((a: any) => [a.agency, a.status])).toEqual([
      ['health', 'NO_RECORD'],
      ['probation', 'NO_RECORD'],
    ]);
  });

  it('still counts a truly hung agency against its breaker, and the degraded search says so per agency', async () => {
    await calm();
    t.gateway.sandbox!.health.setFaults({ hang: true });
    try {
      const response = await search();
      expect(response.status).toBe(200);
      const result = ((await response.json()) as any).data.searchPeople;
      const health = result.agencies.find((a: any) => a.agency === 'health');
      expect(health).toMatchObject({ status: 'UNAVAILABLE', detail: 'health did not answer within 300 ms (timeout).' });
      expect(result.agencies.find((a: any) => a.agency === 'probation')).toMatchObject({ status: 'NO_RECORD' });
      expect(t.gateway.federation.circuits().find((c) => c.agency === 'health')!.consecutiveFailures).toBeGreaterThanOrEqual(1);
    } finally {
      t.gateway.sandbox!.health.setFaults({});
    }
  });
});
