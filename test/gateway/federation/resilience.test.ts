import { describe, expect, it } from 'vitest';
import { ConnectorError, type CallContext, type Connector, type SourcePerson, type SourceRecord } from '../../../connectors/sdk/index.js';
import { createFederation, type AgencyResilienceOptions } from '../../../gateway/federation/index.js';
import { silentLogger } from '../../../gateway/log.js';

/**
 * Resilience is specified by counting connector calls, never by measuring time: cool-downs and
 * backoffs are kept small and the tests wait past them.
 */

type Fault = ConnectorError | Error | 'slow-then-5xx' | undefined;

/** A connector whose n-th call (1-based) behaves as `script(n)` says; it counts every call. */
function scriptedConnector(agency: string, script: (call: number) => Fault = () => undefined) {
  let calls = 0;
  let healthChecks = 0;
  const run = async (signal: AbortSignal): Promise<void> => {
    calls++;
    const fault = script(calls);
    if (fault === 'slow-then-5xx') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 60);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new ConnectorError('TIMEOUT', 'aborted'));
        });
      });
      throw new ConnectorError('UPSTREAM_ERROR', 'HTTP 503 after a slow answer');
    }
    if (fault) throw fault;
  };
  const connector: Connector = {
    manifest: {
      agency,
      name: `${agency} test system`,
      version: '1',
      protocol: 'test',
      identifierSystems: [`https://example.test/${agency}-id`],
      categories: [{ id: `${agency}.summary`, tier: 'T1', kinds: ['event'], fields: ['type'], description: 'test' }],
      contact: { name: `${agency} duty desk` },
    },
    async searchPersons(_query, ctx: CallContext): Promise<SourcePerson[]> {
      await run(ctx.signal);
      return [];
    },
    async fetchRecords(personIds, ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      await run(ctx.signal);
      return new Map(
        personIds.map((id) => [
          id,
          [{ kind: 'event', agency, category: `${agency}.summary`, tier: 'T1', personId: id, provenance: { system: agency, recordId: `r-${id}`, asOf: '2026-01-01T00:00:00Z' }, fields: { type: 'x' } }],
        ]),
      );
    },
    async health() {
      healthChecks++;
      return { ok: true };
    },
  };
  return { connector, calls: () => calls, healthChecks: () => healthChecks };
}

const upstream = (): ConnectorError => new ConnectorError('UPSTREAM_ERROR', 'HTTP 503 from the record system');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Quick, deterministic backoff for tests. */
const FAST: AgencyResilienceOptions = { retries: 2, backoff: { initialDelayMs: 1, maxDelayMs: 1, jitter: false } };

function federationOf(connectors: Connector[], resilience: Record<string, AgencyResilienceOptions>, timeoutMs = 1000) {
  const federation = createFederation(connectors, { timeoutMs, logger: silentLogger, resilience });
  let n = 0;
  const fetch = async (agency: string) => {
    const answers = await federation.forRequest(`req-${++n}`).fetchRecords([{ agency, personId: 'p' }]);
    return answers.find((a) => a.agency === agency)!;
  };
  return { federation, fetch };
}

describe('retries for idempotent reads', () => {
  it('recovers from one transient 5xx by retrying the fetch', async () => {
    const police = scriptedConnector('police', (n) => (n === 1 ? upstream() : undefined));
    const { fetch } = federationOf([police.connector], { police: FAST });
    expect(await fetch('police')).toMatchObject({ status: 'answered', records: [{ personId: 'p' }] });
    expect(police.calls()).toBe(2);
  });

  it('recovers from one unreachable moment in a person search', async () => {
    const police = scriptedConnector('police', (n) => (n === 1 ? new ConnectorError('UNREACHABLE', 'connection refused') : undefined));
    const federation = createFederation([police.connector], { timeoutMs: 1000, logger: silentLogger, resilience: { police: FAST } });
    const [answer] = await federation.forRequest('req').searchPersons({ family: 'Smith', given: 'Ann' });
    expect(answer).toMatchObject({ agency: 'police', status: 'answered', persons: [] });
    expect(police.calls()).toBe(2);
  });

  it('does not retry a malformed response: asking again would get the same answer', async () => {
    const police = scriptedConnector('police', () => new ConnectorError('MALFORMED_RESPONSE', 'invalid JSON'));
    const { fetch } = federationOf([police.connector], { police: FAST });
    expect(await fetch('police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/MALFORMED_RESPONSE/) });
    expect(police.calls()).toBe(1);
  });

  it('does not retry a refused query, and a refused search means no one findable by those fields', async () => {
    const police = scriptedConnector('police', () => new ConnectorError('BAD_QUERY', 'needs a birth date'));
    const federation = createFederation([police.connector], { timeoutMs: 1000, logger: silentLogger, resilience: { police: FAST } });
    const [answer] = await federation.forRequest('req').searchPersons({ family: 'Smith' });
    expect(answer).toMatchObject({ status: 'answered', persons: [] });
    expect(police.calls()).toBe(1);
  });

  it('does not retry a connector bug (an error that is not a ConnectorError)', async () => {
    const police = scriptedConnector('police', () => new TypeError('bug'));
    const { fetch } = federationOf([police.connector], { police: FAST });
    expect(await fetch('police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/failed unexpectedly/) });
    expect(police.calls()).toBe(1);
  });

  it('gives up with the last failure rather than start a retry whose backoff ends past the budget', async () => {
    // Budget 3 s; waits of 1 then 2 s: the first retry fits, the second would end at 3 s or later.
    // (Seconds, not milliseconds, so a loaded machine cannot turn a failure into a timeout.)
    const police = scriptedConnector('police', () => upstream());
    const { fetch } = federationOf([police.connector], { police: { retries: 10, backoff: { initialDelayMs: 1000, maxDelayMs: 10_000, jitter: false } } }, 3000);
    expect(await fetch('police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/UPSTREAM_ERROR.*503/) });
    expect(police.calls()).toBe(2);
  });

  it('starts no attempt after the budget is spent, however many retries are allowed', async () => {
    // Each attempt takes 60 ms and fails; the 150 ms budget allows at most three starts.
    const police = scriptedConnector('police', () => 'slow-then-5xx');
    const { fetch } = federationOf([police.connector], { police: { retries: 20, backoff: { initialDelayMs: 1, maxDelayMs: 1, jitter: false } } }, 150);
    // Cut off by the budget mid-attempt, or stopped before a retry that could not finish in it.
    expect(await fetch('police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^police did not answer within 150 ms \(timeout\)\.$|UPSTREAM_ERROR/) });
    const attempts = police.calls();
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(3);
    await sleep(150);
    expect(police.calls()).toBe(attempts);
  });
});

describe('circuit breaker per agency', () => {
  const BREAKER = (threshold: number, halfOpenAfterMs: number): AgencyResilienceOptions => ({ retries: 0, breaker: { threshold, halfOpenAfterMs } });

  it('opens after N consecutive failures and then answers UNAVAILABLE without calling the agency', async () => {
    const police = scriptedConnector('police', () => upstream());
    const health = scriptedConnector('health');
    const { federation, fetch } = federationOf([police.connector, health.connector], { police: BREAKER(3, 60_000) });
    for (let i = 0; i < 3; i++) expect(await fetch('police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/UPSTREAM_ERROR/) });
    expect(police.calls()).toBe(3);

    const [policeAnswer, healthAnswer] = await federation.forRequest('req-open').fetchRecords([
      { agency: 'police', personId: 'p' },
      { agency: 'health', personId: 'p' },
    ]);
    expect(policeAnswer).toMatchObject({
      status: 'unavailable',
      reason: expect.stringMatching(/^circuit open: police failed 3 times in a row \(last: UPSTREAM_ERROR\); retrying after \d{4}-\d\d-\d\dT[\d:.]+Z\.$/),
    });
    expect(police.calls()).toBe(3);
    expect(healthAnswer).toMatchObject({ agency: 'health', status: 'answered' });

    const searches = await federation.forRequest('req-search').searchPersons({ family: 'Smith', given: 'Ann' });
    expect(searches.find((a) => a.agency === 'police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^circuit open/) });
    expect(police.calls()).toBe(3);
  });

  it('reports an open circuit in health() without probing the agency', async () => {
    const police = scriptedConnector('police', () => upstream());
    const health = scriptedConnector('health');
    const { federation, fetch } = federationOf([police.connector, health.connector], { police: BREAKER(2, 60_000) });
    await fetch('police');
    expect((await federation.health('h1')).find((a) => a.agency === 'police')).toMatchObject({ ok: true, circuit: { state: 'closed', consecutiveFailures: 1 } });
    await fetch('police');
    const report = await federation.health('h2');
    expect(report.find((a) => a.agency === 'police')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^circuit open: police failed 2 times in a row; retrying after /),
      circuit: { state: 'open', consecutiveFailures: 2, retryAfter: expect.any(String) },
    });
    expect(report.find((a) => a.agency === 'health')).toMatchObject({ ok: true, circuit: { state: 'closed', consecutiveFailures: 0 } });
    expect(police.healthChecks()).toBe(1);
  });

  it('counts a read that failed after its retries as one failure', async () => {
    const police = scriptedConnector('police', () => upstream());
    const { fetch } = federationOf([police.connector], { police: { ...FAST, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } } });
    await fetch('police');
    await fetch('police');
    expect(police.calls()).toBe(6);
    expect(await fetch('police')).toMatchObject({ reason: expect.stringMatching(/^circuit open: police failed 2 times/) });
    expect(police.calls()).toBe(6);
  });

  it('does not count refused queries against the agency', async () => {
    const police = scriptedConnector('police', () => new ConnectorError('BAD_QUERY', 'needs a birth date'));
    const federation = createFederation([police.connector], { timeoutMs: 1000, logger: silentLogger, resilience: { police: BREAKER(1, 60_000) } });
    for (let i = 0; i < 3; i++) await federation.forRequest(`req-${i}`).searchPersons({ family: 'Smith' });
    expect(police.calls()).toBe(3);
    expect((await federation.health('h'))[0]!.circuit.state).toBe('closed');
  });

  it('half-opens after the cool-down, lets one test call through, and closes when the agency has recovered', async () => {
    let down = true;
    const police = scriptedConnector('police', () => (down ? upstream() : undefined));
    const { federation, fetch } = federationOf([police.connector], { police: BREAKER(2, 30) });
    await fetch('police');
    await fetch('police');
    expect(await fetch('police')).toMatchObject({ reason: expect.stringMatching(/^circuit open/) });
    expect(police.calls()).toBe(2);

    await sleep(60);
    down = false;
    expect(await fetch('police')).toMatchObject({ status: 'answered' });
    expect(police.calls()).toBe(3);
    expect((await federation.health('h'))[0]).toMatchObject({ ok: true, circuit: { state: 'closed', consecutiveFailures: 0 } });
    expect(await fetch('police')).toMatchObject({ status: 'answered' });
    expect(police.calls()).toBe(4);
  });

  it('opens again when the test call after the cool-down fails', async () => {
    const police = scriptedConnector('police', () => upstream());
    const { fetch } = federationOf([police.connector], { police: BREAKER(2, 30) });
    await fetch('police');
    await fetch('police');
    await sleep(60);
    expect(await fetch('police')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/UPSTREAM_ERROR/) });
    expect(police.calls()).toBe(3);
    expect(await fetch('police')).toMatchObject({ reason: expect.stringMatching(/^circuit open: police failed 3 times/) });
    expect(police.calls()).toBe(3);
  });

  it('trips on timeouts too, so a hung agency stops costing every request its budget', async () => {
    const hung: Connector = { ...scriptedConnector('police').connector, fetchRecords: () => new Promise(() => undefined) };
    const { fetch } = federationOf([hung], { police: BREAKER(1, 60_000) }, 50);
    expect(await fetch('police')).toMatchObject({ reason: 'police did not answer within 50 ms (timeout).' });
    expect(await fetch('police')).toMatchObject({ reason: expect.stringMatching(/^circuit open: police failed 1 time in a row \(last: timeout\)/) });
  });
});

describe('resilience options', () => {
  it('refuses a bad value, naming the key', () => {
    const police = scriptedConnector('police');
    expect(() => createFederation([police.connector], { timeoutMs: 100, logger: silentLogger, resilience: { police: { breaker: { threshold: 0 } } } })).toThrow(
      /resilience\.police\.breaker\.threshold must be a whole number of at least 1/,
    );
    expect(() => createFederation([police.connector], { timeoutMs: 100, logger: silentLogger, resilience: { police: { retries: -1 } } })).toThrow(/resilience\.police\.retries/);
  });

  it('refuses options for an agency with no connector', () => {
    expect(() => createFederation([scriptedConnector('police').connector], { timeoutMs: 100, logger: silentLogger, resilience: { polce: {} } })).toThrow(
      /resilience\.polce: no connector is registered/,
    );
  });

  it('uses a per-agency timeout over the federation default', async () => {
    const hung: Connector = { ...scriptedConnector('police').connector, fetchRecords: () => new Promise(() => undefined) };
    const { fetch } = federationOf([hung], { police: { timeoutMs: 40 } }, 5000);
    expect(await fetch('police')).toMatchObject({ reason: 'police did not answer within 40 ms (timeout).' });
  });
});
