import { describe, expect, it } from 'vitest';
import { ConnectorError, type Connector, type SourceRecord } from '../../../connectors/sdk/index.js';
import { createFederation } from '../../../gateway/federation/index.js';
import { silentLogger } from '../../../gateway/log.js';

/** A connector over an in-memory table, counting its calls; `behaviour` injects faults. */
function fakeConnector(agency: string, behaviour: 'ok' | 'hang' | 'error' | 'throws' = 'ok') {
  const calls: string[][] = [];
  const connector: Connector = {
    manifest: {
      agency,
      name: `${agency} test system`,
      version: '1',
      protocol: 'test',
      identifierSystems: [],
      categories: [{ id: `${agency}.summary`, tier: 'T1', kinds: ['event'], fields: ['type'], description: 'test' }],
      contact: { name: `${agency} duty desk` },
    },
    async searchPersons() {
      return [];
    },
    async fetchRecords(personIds, ctx) {
      calls.push([...personIds]);
      if (behaviour === 'hang') await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new ConnectorError('TIMEOUT', 'aborted'))));
      if (behaviour === 'error') throw new ConnectorError('UPSTREAM_ERROR', 'HTTP 503 from the record system');
      if (behaviour === 'throws') throw new TypeError('bug');
      const records = new Map<string, SourceRecord[]>();
      for (const id of personIds) {
        records.set(id, [
          { kind: 'event', agency, category: `${agency}.summary`, tier: 'T1', personId: id, provenance: { system: agency, recordId: `r-${id}`, asOf: '2026-01-01T00:00:00Z' }, fields: { type: 'x' } },
        ]);
      }
      return records;
    },
  };
  return { connector, calls };
}

describe('federation', () => {
  it('fetches many linked persons of one agency in one batched call', async () => {
    const health = fakeConnector('health');
    const federation = createFederation([health.connector], { timeoutMs: 500, logger: silentLogger });
    const [answer] = await federation.forRequest('req-1').fetchRecords([
      { agency: 'health', personId: 'a' },
      { agency: 'health', personId: 'b' },
      { agency: 'health', personId: 'a' },
    ]);
    expect(health.calls).toEqual([['a', 'b']]);
    expect(answer).toMatchObject({ status: 'answered' });
    expect(answer!.status === 'answered' && answer!.records.map((r) => r.provenance.recordId)).toEqual(['r-a', 'r-b']);
  });

  it('answers unavailable-with-why for an agency that hangs, errors or crashes, while the others answer', async () => {
    const federation = createFederation(
      [fakeConnector('health').connector, fakeConnector('police', 'hang').connector, fakeConnector('housing', 'error').connector, fakeConnector('education', 'throws').connector],
      { timeoutMs: 150, logger: silentLogger },
    );
    const answers = await federation.forRequest('req-2').fetchRecords(['health', 'police', 'housing', 'education'].map((agency) => ({ agency, personId: 'p' })));
    const byAgency = Object.fromEntries(answers.map((a) => [a.agency, a]));
    expect(byAgency.health!.status).toBe('answered');
    expect(byAgency.police).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/within 150 ms/) });
    expect(byAgency.housing).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/UPSTREAM_ERROR.*503/) });
    expect(byAgency.education).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/failed unexpectedly/) });
  });

  it('times out a connector that ignores its abort signal', async () => {
    const stubborn: Connector = { ...fakeConnector('health').connector, fetchRecords: () => new Promise(() => undefined) };
    const federation = createFederation([stubborn], { timeoutMs: 100, logger: silentLogger });
    const [answer] = await federation.forRequest('req-3').fetchRecords([{ agency: 'health', personId: 'p' }]);
    expect(answer!.status).toBe('unavailable');
  });

  it('says not-linked for an agency with no link, without calling it', async () => {
    const police = fakeConnector('police');
    const federation = createFederation([police.connector], { timeoutMs: 100, logger: silentLogger });
    expect(await federation.forRequest('req-4').fetchRecords([])).toEqual([{ agency: 'police', status: 'not-linked' }]);
    expect(police.calls).toEqual([]);
  });
});

describe('agency health', () => {
  it('shares one probe per agency among callers within healthCacheMs, probes again after it, and reads the circuit fresh each time', async () => {
    let clock = 1_000_000;
    let probes = 0;
    let healthy = true;
    const { connector } = fakeConnector('health');
    connector.health = async () => {
      probes++;
      return healthy ? { ok: true } : { ok: false, detail: 'record system in maintenance' };
    };
    const federation = createFederation([connector], { timeoutMs: 500, logger: silentLogger, healthCacheMs: 5_000, now: () => clock });

    const [first, second] = await Promise.all([federation.health('req-1'), federation.health('req-2')]);
    expect(probes).toBe(1);
    expect(first[0]).toMatchObject({ agency: 'health', ok: true });
    expect(second[0]).toMatchObject({ agency: 'health', ok: true });

    healthy = false;
    clock += 4_999;
    expect((await federation.health('req-3'))[0]!.ok).toBe(true);
    expect(probes).toBe(1);

    clock += 1;
    const later = await federation.health('req-4');
    expect(probes).toBe(2);
    expect(later[0]).toMatchObject({ agency: 'health', ok: false, detail: 'record system in maintenance' });
    expect(later[0]!.circuit.state).toBe('closed');
  });

  it('caches a failed probe for the same time, so a down agency is not probed on every page', async () => {
    let clock = 0;
    let probes = 0;
    const { connector } = fakeConnector('police');
    connector.health = async () => {
      probes++;
      throw new ConnectorError('UPSTREAM_ERROR', 'HTTP 503 from the record system');
    };
    const federation = createFederation([connector], { timeoutMs: 500, logger: silentLogger, healthCacheMs: 5_000, now: () => clock });
    const answers = [await federation.health('a'), await federation.health('b')];
    expect(probes).toBe(1);
    for (const [answer] of answers) expect(answer).toMatchObject({ agency: 'police', ok: false });
    expect(answers[0]![0]!.detail).toContain('police is unavailable (UPSTREAM_ERROR)');
  });
});
