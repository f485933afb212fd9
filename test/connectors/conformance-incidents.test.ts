import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoliceConnector } from '../../connectors/police/index.js';
import {
  checkConnector,
  ConnectorError,
  formatConformanceReport,
  runConnectorCommand,
  type Connector,
  type ConformanceReport,
  type IncidentCapability,
  type IncidentFeedPosition,
  type IncidentPage,
  type SourceIncident,
} from '../../connectors/sdk/index.js';
import { generateCounty } from '../../sandbox/county/index.js';
import { startPoliceServer, type PoliceServer } from '../../sandbox/police/index.js';

/**
 * The conformance kit's incident feed checks: the police connector passes them against the
 * sandbox; a feed whose cursor overlaps the page it ended (duplicates across pages) or restarts
 * from the beginning fails them; a connector without the feed skips them.
 */

const county = generateCounty({ seed: 5, households: 60 });
const SINCE = '2000-01-01T00:00:00Z';
let server: PoliceServer;
let police: Connector & IncidentCapability;
let incidents: SourceIncident[];

beforeAll(async () => {
  server = await startPoliceServer({ county });
  police = createPoliceConnector({ baseUrl: server.baseUrl }) as Connector & IncidentCapability;
  const page = await police.incidentsSince({ since: SINCE }, ['domestic-abuse'], 1000, { signal: AbortSignal.timeout(10_000), requestId: 'setup' });
  incidents = page.incidents;
});
afterAll(async () => {
  await server.close();
});

type Mode = 'sound' | 'overlap' | 'restart';

/** The police connector with its feed replaced by an in-memory one over the same incidents (cursor `m:<next index>`). */
function withFeed(mode: Mode): Connector {
  const incidentsSince = async (position: IncidentFeedPosition, _kinds: unknown, limit: number, ctx: { signal: AbortSignal }): Promise<IncidentPage> => {
    if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'aborted');
    let from: number;
    if ('cursor' in position) {
      const m = /^m:(\d+)$/.exec(position.cursor);
      if (!m && mode !== 'restart') throw new ConnectorError('BAD_QUERY', 'not a cursor of this feed');
      from = mode === 'restart' || !m ? 0 : Number(m[1]);
    } else {
      from = incidents.findIndex((i) => Date.parse(i.provenance.asOf) >= Date.parse(position.since));
      if (from < 0) from = incidents.length;
    }
    const page = incidents.slice(from, from + limit);
    const end = from + page.length;
    // overlap: the cursor points at the page's last incident, so the next page repeats it.
    const next = mode === 'overlap' && page.length > 1 ? end - 1 : end;
    return { incidents: page, cursor: `m:${next}`, hasMore: end < incidents.length };
  };
  return { ...police, incidentsSince } as Connector;
}

async function incidentChecks(connector: Connector): Promise<{ report: ConformanceReport; status: Record<string, string> }> {
  const report = await checkConnector(connector, { samples: { incidents: { since: SINCE } } });
  const status = Object.fromEntries(report.checks.filter((c) => c.id.startsWith('incidents.')).map((c) => [c.id, c.status]));
  return { report, status };
}

describe('conformance kit: the incident feed', () => {
  it('the fixture has enough incidents to page through', () => {
    expect(incidents.length).toBeGreaterThanOrEqual(6);
  });

  it('passes the police connector, and an in-memory feed over the same incidents', async () => {
    for (const connector of [police, withFeed('sound')]) {
      const { report, status } = await incidentChecks(connector);
      expect(status, formatConformanceReport(report)).toEqual({
        'incidents.declared': 'pass',
        'incidents.shape': 'pass',
        'incidents.order': 'pass',
        'incidents.paging': 'pass',
        'incidents.resume': 'pass',
        'incidents.empty-page': 'pass',
        'incidents.bad-cursor': 'pass',
      });
    }
  });

  it('fails a feed whose cursor repeats the last incident of each page (duplicates across pages)', async () => {
    const { report, status } = await incidentChecks(withFeed('overlap'));
    expect(status['incidents.paging']).toBe('fail');
    expect(status['incidents.resume']).toBe('fail');
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.id === 'incidents.paging')!.reason).toMatch(/came back more than once/);
  });

  it('fails a feed whose cursor restarts from the beginning, and that accepts a cursor it never gave', async () => {
    const { report, status } = await incidentChecks(withFeed('restart'));
    expect(status['incidents.paging']).toBe('fail');
    expect(status['incidents.resume']).toBe('fail');
    expect(status['incidents.bad-cursor']).toBe('fail');
    expect(report.checks.find((c) => c.id === 'incidents.resume')!.reason).toMatch(/must not restart/);
    expect(report.checks.find((c) => c.id === 'incidents.bad-cursor')!.reason).toMatch(/BAD_QUERY/);
  });

  it('fails incidents with an unknown role, a kind not asked for, or a person twice, and pages out of order', async () => {
    const broken = incidents.map((i, n) =>
      n === 0
        ? { ...i, persons: [{ ...i.persons[0]!, role: 'bystander' }, i.persons[0]!] }
        : n === 1
          ? { ...i, kind: 'burglary' }
          : n === 2
            ? { ...i, provenance: { ...i.provenance, asOf: '1999-01-01T00:00:00Z' } }
            : i,
    ) as SourceIncident[];
    const connector = { ...police, incidentsSince: async (): Promise<IncidentPage> => ({ incidents: broken.slice(0, 500), cursor: 'x', hasMore: false }) } as Connector;
    const { report, status } = await incidentChecks(connector);
    expect(status['incidents.shape']).toBe('fail');
    expect(status['incidents.order']).toBe('fail');
    const shape = report.checks.find((c) => c.id === 'incidents.shape')!.reason;
    expect(shape).toMatch(/not one of INCIDENT_ROLES/);
    expect(shape).toMatch(/listed twice/);
    expect(shape).toMatch(/kind "burglary"/);
  });

  it('skips the incident checks for a connector without the feed', async () => {
    const { incidentsSince: _dropped, ...withoutFeed } = police;
    const { report, status } = await incidentChecks(withoutFeed as Connector);
    expect(status).toEqual({ 'incidents.declared': 'pass' });
    expect(report.checks.find((c) => c.id === 'incidents.declared')!.reason).toMatch(/not declared/);
    expect(report.checks.find((c) => c.id === 'timeout.aborted')!.reason).not.toContain('incidentsSince');
  });

  it('the CLI takes --incidents-since, and refuses a time without a zone', async () => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), cwd: process.cwd() };
    expect(await runConnectorCommand(['check', './connectors/example/index.js', '--incidents-since', '2026-11-01'], io)).toBe(2);
    expect(stderr).toMatch(/--incidents-since needs an ISO 8601 date-time with a zone/);
    expect(await runConnectorCommand(['check', './connectors/example/index.js', '--incidents-since', '2026-11-01T00:00:00Z'], io)).toBe(0);
    expect(stdout).toMatch(/not declared \(optional\): no incident feed checks/);
  });
});
