import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, type Connector } from '../../connectors/sdk/index.js';
import { auditReadiness, createAuditLog } from '../../gateway/audit/index.js';
import { openStore, type Store } from '../../gateway/store/index.js';
import { enquiryInput, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Liveness and readiness (issue 11, item 14): /healthz says only that the process is alive and
 * touches nothing else; /readyz says whether the gateway can serve (store and audit writable),
 * lists each agency's circuit breaker without calling the agency, and is not made unready by an
 * agency that is down. Neither discloses anything about a person.
 */

/** A housing system that always answers with a malformed payload, and counts every call made to it. */
function brokenHousing() {
  const calls = { health: 0, searchPersons: 0, fetchRecords: 0 };
  const connector: Connector = {
    manifest: {
      agency: 'housing',
      name: 'Broken housing system (test)',
      version: '1.0.0',
      protocol: 'test',
      identifierSystems: ['https://housing.test/person-id'],
      categories: [{ id: 'housing.identity', tier: 'T0', kinds: [], fields: ['names', 'birthDate'], description: 'identity' }],
      contact: { name: 'Housing duty desk', phone: '01632 960000' },
    },
    async searchPersons() {
      calls.searchPersons += 1;
      throw new ConnectorError('MALFORMED_RESPONSE', 'the housing system answered with something that is not a person list');
    },
    async fetchRecords() {
      calls.fetchRecords += 1;
      throw new ConnectorError('MALFORMED_RESPONSE', 'the housing system answered with something that is not a record list');
    },
    async health() {
      calls.health += 1;
      return { ok: false, detail: 'down' };
    },
  };
  return { connector, calls };
}

/** A store that counts the statements and transactions sent through it. */
function countingStore(inner: Store) {
  const counts = { queries: 0, transactions: 0 };
  const store: Store = {
    kind: inner.kind,
    query: (sql, params) => {
      counts.queries += 1;
      return inner.query(sql, params);
    },
    transaction: (fn) => {
      counts.transactions += 1;
      return inner.transaction(fn);
    },
    close: () => inner.close(),
  };
  return { store, counts };
}

describe('/healthz and /readyz', () => {
  let t: TestGateway;
  let housing: ReturnType<typeof brokenHousing>;
  let counted: ReturnType<typeof countingStore>;
  let inner: Store;

  beforeAll(async () => {
    housing = brokenHousing();
    inner = await openStore();
    counted = countingStore(inner);
    t = await startTestGateway({ extraConnectors: [housing.connector], store: counted.store });
  });
  afterAll(async () => {
    await t?.close();
    await inner?.close();
  });

  it('/healthz answers ok without calling any agency or the store', async () => {
    const before = { ...housing.calls, ...counted.counts };
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${t.gateway.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
    expect({ ...housing.calls, ...counted.counts }).toEqual(before);
  });

  it('/readyz is ready while an agency is down, and lists that agency’s circuit as open', async () => {
    const federation = t.gateway.federation.forRequest('open-the-housing-circuit');
    // Consecutive failures open the breaker (the default threshold is 5).
    for (let i = 0; i < 10 && t.gateway.federation.circuits().find((c) => c.agency === 'housing')?.state !== 'open'; i++) {
      await federation.fetchRecords([{ agency: 'housing', personId: `H${i}` }]);
    }
    const callsBefore = { ...housing.calls };

    const response = await fetch(`${t.gateway.url}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, { ok: boolean }>; agencies: { agency: string; state: string; retryAfter?: string }[] };
    expect(body.status).toBe('ready');
    expect(body.checks).toMatchObject({ store: { ok: true }, audit: { ok: true } });
    expect(body.agencies.find((a) => a.agency === 'housing')).toMatchObject({ state: 'open', retryAfter: expect.any(String) });
    expect(body.agencies.find((a) => a.agency === 'health')).toMatchObject({ state: 'closed' });
    // Listing circuits calls no agency.
    expect(housing.calls).toEqual(callsBefore);
  });

  it('/readyz is not ready (503) while the audit log cannot record events, and ready again after', async () => {
    await inner.query(`CREATE OR REPLACE FUNCTION audit_store_down() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit store down'; END $$`);
    await inner.query('CREATE TRIGGER audit_store_down BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_store_down()');
    try {
      const response = await fetch(`${t.gateway.url}/readyz`);
      expect(response.status).toBe(503);
      const text = await response.text();
      const body = JSON.parse(text) as { status: string; checks: { store: { ok: boolean }; audit: { ok: boolean; detail: string } } };
      expect(body.status).toBe('not-ready');
      expect(body.checks.audit.ok).toBe(false);
      expect(body.checks.audit.detail).toMatch(/audit log cannot record events/);
      expect(text).not.toContain('audit store down'); // no store message leaks
    } finally {
      await inner.query('DROP TRIGGER audit_store_down ON audit_event');
    }
    const after = await fetch(`${t.gateway.url}/readyz`);
    expect(after.status).toBe(200);
    // The probe wrote nothing: the log holds only real events.
    const { rows } = await inner.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE operation = 'readiness-probe'");
    expect(rows[0]!.n).toBe(0);
  });

  it('neither discloses anything about a person, even after that person was searched for', async () => {
    const token = await t.token();
    const child = t.gateway.sandbox!.county.featured.child;
    const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id as string;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: child.nhsNumber } }, token);
    expect(search.body.data.searchPeople).toBeTruthy();
    const personIds = (search.body.data.searchPeople.agencies as { people: { personId: string }[] }[]).flatMap((a) => a.people.map((p) => p.personId));

    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`${t.gateway.url}${path}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      for (const value of [child.nhsNumber!, child.family, ...child.given, child.birthDate, enquiryId, ...personIds, 'REF-2026-0001', 'researcher-1']) {
        expect(text).not.toContain(value);
      }
    }
  });
});

describe('audit readiness', () => {
  it('is not ready once the audit log is closed (no more appends are taken)', async () => {
    const store = await openStore();
    try {
      const log = createAuditLog(store);
      expect(await auditReadiness(store, log)).toEqual({ ok: true });
      await log.close();
      expect(log.isAccepting()).toBe(false);
      expect((await auditReadiness(store, log)).ok).toBe(false);
    } finally {
      await store.close();
    }
  });
});
