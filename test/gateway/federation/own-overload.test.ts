import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CallContext, Connector, SourcePerson, SourceRecord } from '../../../connectors/sdk/index.js';
import { isGatewayError } from '../../../gateway/errors.js';
import { createFederation, type AgencyResilienceOptions } from '../../../gateway/federation/index.js';
import { createLoadMonitor, defaultLimits } from '../../../gateway/limits/index.js';
import { silentLogger } from '../../../gateway/log.js';

/**
 * A timeout caused by the gateway's own event loop is not the agency's fault. The loop is blocked
 * with a busy-wait (never a sleep) while a call is in flight; the tests assert what federation
 * answers and what the breaker counts, never how long anything took.
 */

/** Blocks the event loop, as a saturated gateway does: nothing else runs until it returns. */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/**
 * An agency that answers promptly: a few milliseconds after the call, its answer is ready to be
 * read on the next turn of the loop (as a response waiting in a socket is). `started` resolves
 * when a call begins; `signals` keeps each call's budget signal.
 */
function promptAgency(agency: string, behaviour: 'prompt' | 'hung' = 'prompt') {
  const signals: AbortSignal[] = [];
  let calls = 0;
  let began: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (began = resolve));
  const answer = async (ctx: CallContext): Promise<void> => {
    calls++;
    signals.push(ctx.signal);
    began();
    if (behaviour === 'hung') return new Promise<void>(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await nextTurn();
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
    async searchPersons(_query, ctx): Promise<SourcePerson[]> {
      await answer(ctx);
      return [];
    },
    async fetchRecords(personIds, ctx): Promise<Map<string, SourceRecord[]>> {
      await answer(ctx);
      return new Map(personIds.map((id) => [id, []]));
    },
  };
  return { connector, started, signals, calls: () => calls };
}

const ONE_STRIKE: AgencyResilienceOptions = { retries: 0, breaker: { threshold: 1, halfOpenAfterMs: 60_000 } };

describe("timeouts on the gateway's own event loop", () => {
  it('answers OVERLOADED, not UNAVAILABLE, and does not count the timeout against the agency', async () => {
    const load = createLoadMonitor(defaultLimits().overload);
    try {
      const police = promptAgency('police');
      const federation = createFederation([police.connector], { timeoutMs: 300, logger: silentLogger, load, resilience: { police: ONE_STRIKE } });
      const pending = federation.forRequest('req-1').fetchRecords([{ agency: 'police', personId: 'p' }]);
      await police.started;
      // The answer will be ready 5 ms from now; the loop cannot read it before the 300 ms budget ends.
      busyWait(1200);
      const refused = await pending.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isGatewayError(refused) && refused.code).toBe('OVERLOADED');
      expect(isGatewayError(refused) && refused.details).toMatchObject({ retryAfter: 1 });
      expect((refused as Error).message).toMatch(/police is not at fault and is not marked unavailable/);
      expect(federation.circuits()).toEqual([{ agency: 'police', state: 'closed', consecutiveFailures: 0 }]);
      expect(load.report().ownTimeouts).toBe(1);

      // With the loop free again the same agency answers, and was never marked down.
      const [answer] = await federation.forRequest('req-2').fetchRecords([{ agency: 'police', personId: 'p' }]);
      expect(answer).toMatchObject({ agency: 'police', status: 'answered' });
      expect(police.calls()).toBe(2);
    } finally {
      load.close();
    }
  });

  it('answers a person search OVERLOADED the same way, leaving the breaker closed', async () => {
    const health = promptAgency('health');
    const federation = createFederation([health.connector], { timeoutMs: 300, logger: silentLogger, resilience: { health: ONE_STRIKE } });
    const pending = federation.forRequest('req-1').searchPersons({ family: 'Smith', given: 'Ann' });
    await health.started;
    busyWait(1200);
    await expect(pending).rejects.toMatchObject({ code: 'OVERLOADED' });
    expect(federation.circuits()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it('still opens the breaker of an agency that is truly slow while the gateway is idle', async () => {
    const police = promptAgency('police', 'hung');
    const federation = createFederation([police.connector], { timeoutMs: 300, logger: silentLogger, resilience: { police: ONE_STRIKE } });
    const [first] = await federation.forRequest('req-1').fetchRecords([{ agency: 'police', personId: 'p' }]);
    expect(first).toMatchObject({ status: 'unavailable', reason: 'police did not answer within 300 ms (timeout).' });
    expect(federation.circuits()[0]).toMatchObject({ state: 'open', consecutiveFailures: 1 });
    const [second] = await federation.forRequest('req-2').fetchRecords([{ agency: 'police', personId: 'p' }]);
    expect(second).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^circuit open: police failed 1 time in a row \(last: timeout\)/) });
    expect(police.calls()).toBe(1);
  });

  it('aborts the signal of a call that ran out of time, and leaves a finished call’s signal alone', async () => {
    const prompt = promptAgency('police');
    const hung = promptAgency('health', 'hung');
    const federation = createFederation([prompt.connector, hung.connector], { timeoutMs: 300, logger: silentLogger, resilience: { police: ONE_STRIKE, health: ONE_STRIKE } });
    const answers = await federation.forRequest('req').fetchRecords([
      { agency: 'police', personId: 'p' },
      { agency: 'health', personId: 'p' },
    ]);
    expect(answers.map((a) => a.status)).toEqual(['answered', 'unavailable']);
    // The hung connector is told to stop; the finished one is not aborted after the fact (which
    // allocated an AbortError per call for nothing).
    expect(hung.signals[0]!.aborted).toBe(true);
    expect(prompt.signals[0]!.aborted).toBe(false);
  });
});
