import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, verifyChain } from '../../gateway/audit/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

async function linkedSubject(t: TestGateway, token: string) {
  const enquiryId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token)).body.data.openEnquiry.id as string;
  const nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber!;
  const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, token);
  const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
  const linked = await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId } }, token);
  return { enquiryId, subjectId: linked.body.data.linkSubject.id as string };
}

describe('faults', () => {
  let t: TestGateway;
  let token: string;
  beforeAll(async () => {
    t = await startTestGateway();
    token = await t.token();
  });
  afterEach(() => t.gateway.sandbox!.health.setFaults({}));
  afterAll(async () => t?.close());

  it('fails closed when the audit store refuses writes mid-run: AUDIT_UNAVAILABLE and no agency data', async () => {
    const { enquiryId, subjectId } = await linkedSubject(t, token);
    const before = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(before.body.data.profile.agencies[0].status).toBe('RECORDS');

    // The audit table starts refusing inserts, as a full disk or a lost tablespace would.
    await t.gateway.store.query(`CREATE OR REPLACE FUNCTION audit_store_down() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit store down'; END $$`);
    await t.gateway.store.query('CREATE TRIGGER audit_store_down BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_store_down()');
    try {
      const during = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
      expect(during.body.errors[0].extensions.code).toBe('AUDIT_UNAVAILABLE');
      expect(during.body.data).toBeNull();
      const withheldFromResponse = before.body.data.profile.agencies[0];
      for (const record of [...withheldFromResponse.events, ...withheldFromResponse.involvements, ...withheldFromResponse.states]) {
        expect(during.text).not.toContain(record.provenance.recordId);
        if (record.narrative) expect(during.text).not.toContain(record.narrative);
      }
      expect(during.text).not.toContain('audit store down'); // no SQL or store detail leaks
    } finally {
      await t.gateway.store.query('DROP TRIGGER audit_store_down ON audit_event');
    }

    const after = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(after.body.errors).toBeUndefined();
    expect((await verifyChain(t.gateway.store)).ok).toBe(true);
  });

  it('answers UNAVAILABLE with why when health hangs, and the request still succeeds', async () => {
    const { enquiryId, subjectId } = await linkedSubject(t, token);
    t.gateway.sandbox!.health.setFaults({ hang: true });
    const response = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(response.body.errors).toBeUndefined();
    const health = response.body.data.profile.agencies.find((a: any) => a.agency === 'health');
    expect(health).toMatchObject({ status: 'UNAVAILABLE', events: [], involvements: [], states: [], withheld: [] });
    expect(health.detail).toMatch(/did not answer within 1500 ms/);
    const event = (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.id === response.body.data.profile.auditEventId)!;
    expect(event.outcome).toBe('partial');
    expect(event.decisions).toContainEqual(expect.objectContaining({ agency: 'health', decision: 'unavailable' }));
  });

  it('answers UNAVAILABLE when health returns server errors or malformed payloads', async () => {
    const { enquiryId, subjectId } = await linkedSubject(t, token);
    for (const faults of [{ errorRate: 1 }, { malformed: true }]) {
      t.gateway.sandbox!.health.setFaults(faults);
      const response = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
      const health = response.body.data.profile.agencies.find((a: any) => a.agency === 'health');
      expect(health.status).toBe('UNAVAILABLE');
      expect(health.detail).toMatch(faults.malformed ? /MALFORMED_RESPONSE/ : /UPSTREAM_ERROR/);
    }
  });

  it('finishes an in-flight request when shut down, then stops accepting', async () => {
    const own = await startTestGateway();
    const ownToken = await own.token();
    const { enquiryId, subjectId } = await linkedSubject(own, ownToken);
    own.gateway.sandbox!.health.setFaults({ latencyMs: 400 });
    const inFlight = own.graphql(PROFILE, { enquiryId, subjectId }, ownToken);
    await new Promise((r) => setTimeout(r, 100));
    const url = own.gateway.url;
    const closing = own.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.data.profile.agencies[0].status).toBe('RECORDS');
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('health endpoint', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(async () => t?.close());

  it('answers /healthz (alive) and /readyz (ready, with each agency’s circuit) once ready', async () => {
    const live = await fetch(`${t.gateway.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', agencies: [{ agency: 'health', state: 'closed' }] });
  });
});
