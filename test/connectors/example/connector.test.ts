import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  CHILD_ID_SYSTEM,
  conformance,
  createSchoolNursingConnector,
  InMemorySchoolNursingSystem,
  NHS_NUMBER_SYSTEM,
} from '../../../connectors/example/index.js';
import { checkConnector, ConnectorError, runConnectorCommand, type CallContext } from '../../../connectors/sdk/index.js';
import { createFederation } from '../../../gateway/federation/index.js';
import { silentLogger } from '../../../gateway/log.js';

const ctx = (signal: AbortSignal = AbortSignal.timeout(5000)): CallContext => ({ signal, requestId: 'test' });

function setup() {
  const system = new InMemorySchoolNursingSystem();
  return { system, connector: createSchoolNursingConnector({ system }) };
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('the worked example: school nursing connector', () => {
  it('passes the conformance kit, including its injected faults', async () => {
    const report = await checkConnector(createSchoolNursingConnector({ system: new InMemorySchoolNursingSystem() }), { samples: conformance.samples });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    // The module's own samples and faults (what the CLI uses) pass too.
    const withFaults = await checkConnector((await import('../../../connectors/example/index.js')).createConnector(), conformance);
    expect(withFaults.passed).toBe(true);
    expect(withFaults.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['errors.fault:system down', 'errors.fault:rows of the wrong shape']));
  });

  it('finds a child by NHS number, by local id, and by surname with birth date or first name', async () => {
    const { connector } = setup();
    const byNhs = await connector.searchPersons({ identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '999 000 0018' }] }, ctx());
    expect(byNhs).toMatchObject([{ agency: 'school-nursing', personId: 'sn-1001', gender: '2', provenance: { recordId: 'child/sn-1001' } }]);
    expect((await connector.searchPersons({ identifiers: [{ system: CHILD_ID_SYSTEM, value: 'sn-1003' }] }, ctx())).map((p) => p.personId)).toEqual(['sn-1003']);
    expect((await connector.searchPersons({ family: 'ashdown', birthDate: '2015-11-02' }, ctx())).map((p) => p.personId)).toEqual(['sn-1002']);
    expect((await connector.searchPersons({ family: 'Ashdown', given: 'may' }, ctx())).map((p) => p.personId)).toEqual(['sn-1001']);
  });

  it('answers [] for no one, and BAD_QUERY for a surname alone', async () => {
    const { connector } = setup();
    expect(await connector.searchPersons({ family: 'Nobody', birthDate: '2012-03-14' }, ctx())).toEqual([]);
    expect((await failure(connector.searchPersons({ family: 'Ashdown' }, ctx()))).kind).toBe('BAD_QUERY');
  });

  it('fetches a batch with one query per table, mapping entries to categories at their tiers', async () => {
    const { system, connector } = setup();
    const entries = vi.spyOn(system, 'queryEntries');
    const records = await connector.fetchRecords(['sn-1001', 'sn-1002', 'sn-1003'], ctx());
    expect(entries).toHaveBeenCalledTimes(1);
    expect([...records.keys()]).toEqual(['sn-1001', 'sn-1002', 'sn-1003']);
    expect(records.get('sn-1003')).toEqual([]);
    const poppy = records.get('sn-1001')!;
    expect(poppy.map((r) => [r.kind, r.category, r.tier, r.fields.type])).toEqual([
      ['involvement', 'school-nursing.summary', 'T1', 'school-nursing'],
      ['event', 'school-nursing.summary', 'T1', 'was-not-brought'],
      ['involvement', 'school-nursing.emotional-health', 'T3', 'emotional-health-support'],
    ]);
    // Free text travels only in the T3 category that declares `narrative`.
    expect(poppy.filter((r) => r.fields.narrative !== undefined).map((r) => r.category)).toEqual(['school-nursing.emotional-health']);
    expect(poppy[0]!.fields).toMatchObject({ location: 'Marlbridge Academy', contactName: 'Jo Fletcher', contactRole: 'School nurse' });
  });

  it('reports its system down as UNREACHABLE, garbage rows as MALFORMED_RESPONSE, and an abort as TIMEOUT', async () => {
    const { system, connector } = setup();
    system.fault = 'down';
    expect((await failure(connector.fetchRecords(['sn-1001'], ctx()))).kind).toBe('UNREACHABLE');
    expect(await connector.health!(ctx())).toEqual({ ok: false, detail: 'UNREACHABLE' });
    system.fault = 'garbage';
    expect((await failure(connector.searchPersons({ identifiers: [{ system: CHILD_ID_SYSTEM, value: 'sn-1001' }] }, ctx()))).kind).toBe('MALFORMED_RESPONSE');
    system.fault = 'none';
    system.latencyMs = 10_000;
    const controller = new AbortController();
    const slow = connector.fetchRecords(['sn-1001'], ctx(controller.signal));
    controller.abort();
    expect((await failure(slow)).kind).toBe('TIMEOUT');
  });

  it('plugs into the federation like any agency', async () => {
    const { connector } = setup();
    const federation = createFederation([connector], { timeoutMs: 1000, logger: silentLogger, resilience: { 'school-nursing': { retries: 1 } } });
    const [answer] = await federation.forRequest('req').fetchRecords([{ agency: 'school-nursing', personId: 'sn-1002' }]);
    expect(answer).toMatchObject({ agency: 'school-nursing', status: 'answered', records: [{ fields: { type: 'school-nursing', status: 'closed' } }] });
  });
});

describe('mash-gateway connector check', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  async function run(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runConnectorCommand(argv, { stdout: (s) => (stdout += `${s}\n`), stderr: (s) => (stderr += `${s}\n`), cwd: root });
    return { code, stdout, stderr };
  }

  it('passes the worked example and exits 0', async () => {
    const { code, stdout } = await run('check', './connectors/example/index.js');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Conformance of the school-nursing connector: School nursing caseload \(worked example\) 1\.0\.0 \(in-memory\)/);
    expect(stdout).toMatch(/PASS {2}Records for several persons come back from one call/);
    expect(stdout).toMatch(/All \d+ checks passed\.\n$/);
  });

  it('prints the report as JSON with --json', async () => {
    const { code, stdout } = await run('check', 'connectors/example/index.ts', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ agency: 'school-nursing', passed: true });
    expect(report.checks[0]).toEqual({ id: 'contract', title: expect.any(String), status: 'pass', reason: expect.any(String) });
  });

  it('exits 1 with the reason when a check fails', async () => {
    const { code, stdout } = await run('check', './test/connectors/example/fixtures/mislabelled-tier.ts');
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL {2}Every record is canonical.*\n {6}-> record "entry\/e-3": tier T1 differs from its category's T3/);
    expect(stdout).toMatch(/1 of \d+ checks failed\./);
  });

  it('exits 2 on bad usage or a module it cannot use', async () => {
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringMatching(/Usage: mash-gateway connector check/) });
    expect(await run('lint', 'x')).toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown connector command "lint"/) });
    expect(await run('check')).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs exactly one module/) });
    expect(await run('check', './x.ts', '--timeout', 'soon')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--timeout needs a whole number/) });
    expect(await run('check', './no/such/connector.js')).toMatchObject({ code: 2, stderr: expect.stringMatching(/Cannot load connector module .*no such file/) });
    expect(await run('check', './test/connectors/example/fixtures/no-samples.ts')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/exports no conformance samples: export const conformance = /),
    });
    expect(await run('check', 'no-such-package-for-mash')).toMatchObject({ code: 2, stderr: expect.stringMatching(/Cannot load connector module no-such-package-for-mash/) });
  });

  it('passes --options to createConnector, as the gateway passes a config entry\'s options', async () => {
    expect((await run('check', './connectors/example/index.ts', '--options', '{"latencyMs":2}')).code).toBe(0);
    expect(await run('check', './connectors/example/index.ts', '--options', '{"latencyMS":2}')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/school-nursing connector options: Unrecognized key: "latencyMS"/),
    });
    expect(await run('check', './connectors/example/index.ts', '--options', 'latency=2')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--options needs a JSON object/) });
  });

  it('checks the household capability with a fixture given by --household, and refuses a fixture that is not person id -> member ids', async () => {
    const module = './test/connectors/example/fixtures/with-household.ts';
    const found = await run('check', module, '--household', '{"sn-1001":["sn-1002"],"sn-1002":["sn-1001"]}');
    expect(found.code, found.stdout).toBe(0);
    expect(found.stdout).toMatch(/PASS {2}Each household in samples.household is found.*\n {6}2 of 2 expected member\(s\) found for 2 household\(s\)/);
    const wrong = await run('check', module, '--household', '{"sn-1001":["sn-1003"]}');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL {2}Each household in samples.household is found.*\n {6}-> household of "sn-1001": 1 of 1 expected member\(s\) not returned \("sn-1003"\)/);
    const without = await run('check', module);
    expect(without.code).toBe(0);
    expect(without.stdout).toMatch(/not checked: no samples.household fixture \(optional\)/);
    for (const bad of ['["sn-1001"]', '{"sn-1001":"sn-1002"}', '{"sn-1001":[""]}', 'sn-1001=sn-1002']) {
      expect(await run('check', module, '--household', bad)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--household needs a JSON object of person id -> list of member ids/) });
    }
  });

  it('prints help and exits 0', async () => {
    expect(await run('--help')).toMatchObject({ code: 0, stdout: expect.stringMatching(/Usage/) });
  });
});
