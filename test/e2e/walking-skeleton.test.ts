import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, verifyChain } from '../../gateway/audit/index.js';
import type { Store } from '../../gateway/store/index.js';
import { storeKinds } from '../helpers/stores.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The whole path over HTTP: token -> open an s47 enquiry -> find a sandbox child in health by NHS
 * number -> link them -> read their health records -> what is disclosed and withheld is the
 * policy's -> the AccessEvent with those decisions is committed and the chain verifies.
 */
describe.each(storeKinds())('walking skeleton, end to end over HTTP ($name)', (kind) => {
  let t: TestGateway;
  let store: Store;
  let token: string;
  let nhsNumber: string;

  beforeAll(async () => {
    store = await kind.open();
    t = await startTestGateway({ store });
    token = await t.token();
    nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber!;
  });
  afterAll(async () => {
    await t?.close();
    await store?.close();
  });

  async function openLinkedEnquiry(input: Record<string, unknown>) {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput(input) }, token);
    expect(opened.body.errors).toBeUndefined();
    const enquiryId = opened.body.data.openEnquiry.id as string;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, token);
    expect(search.body.errors).toBeUndefined();
    const health = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health');
    expect(health.status).toBe('RECORDS');
    expect(health.people).toHaveLength(1);
    const personId = health.people[0].personId as string;
    const linked = await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId, relation: 'CHILD', label: 'Child 1' } }, token);
    expect(linked.body.errors).toBeUndefined();
    return { enquiryId, subjectId: linked.body.data.linkSubject.id as string, search };
  }

  it('discloses what the s47 policy allows, records it, and the chain verifies', async () => {
    const { enquiryId, subjectId, search } = await openLinkedEnquiry({ purpose: 's47' });
    const person = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0];
    expect(person.identifiers).toContainEqual({ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber });

    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    expect(profile.status).toBe(200);
    expect(profile.body.errors).toBeUndefined();
    const health = profile.body.data.profile.agencies.find((a: any) => a.agency === 'health');
    expect(health.status).toBe('RECORDS');
    const all = [...health.involvements, ...health.states, ...health.events];
    const categories = new Set(all.map((r: any) => r.category));
    // s47: health summary and clinical are disclosed in full; sexual health is sealed and never appears.
    expect(categories).toContain('health.summary');
    expect(categories).toContain('health.clinical');
    expect(categories).not.toContain('health.sexual-health');
    expect(profile.text).not.toMatch(/sexual|GUM|genitourinary/i);
    expect(all.every((r: any) => r.decision === 'DISCLOSED')).toBe(true);
    expect(all.some((r: any) => r.narrative !== null)).toBe(true);
    expect(health.withheld).toEqual([]);

    const events = await readEvents(t.gateway.store, { limit: 1000 });
    const event = events.find((e) => e.id === profile.body.data.profile.auditEventId)!;
    expect(event).toBeDefined();
    expect(event).toMatchObject({ operation: 'profile', outcome: 'success', actor: { id: 'researcher-1' }, enquiry: { id: enquiryId, purpose: 's47' } });
    expect(event.policy).toEqual({ id: 'mash-disclosure-policy', version: profile.body.data.profile.policyVersion });
    const decided = new Map(event.decisions.map((d) => [d.category, d]));
    expect(decided.get('health.summary')).toMatchObject({ decision: 'disclose', ruleId: 's47/health.summary' });
    expect(decided.get('health.clinical')).toMatchObject({ decision: 'disclose' });
    expect(decided.get('health.sexual-health')).toMatchObject({ decision: 'deny', fields: [] });
    // Every disclosed record is accounted for in the event.
    const recorded = event.decisions.flatMap((d) => d.recordIds);
    for (const record of all) expect(recorded).toContain(record.provenance.recordId);

    const verification = await verifyChain(t.gateway.store);
    expect(verification.ok).toBe(true);
  });

  it('withholds with a marker, summarises identity and denies clinical detail for early help without consent', async () => {
    const { enquiryId, subjectId, search } = await openLinkedEnquiry({ purpose: 'early-help', consentRecorded: false, rag: 'GREEN' });
    const person = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0];
    expect(person.decision).toBe('SUMMARISED');
    expect(person.names).toBeNull();
    expect(person.birthDate).toBeNull();

    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    const health = profile.body.data.profile.agencies.find((a: any) => a.agency === 'health');
    expect([...health.involvements, ...health.states, ...health.events]).toEqual([]);
    expect(health.withheld).toHaveLength(1);
    expect(health.withheld[0].label).toMatch(/Health summary/);
    expect(health.withheld[0].contact.name).toBeTruthy();
    expect(profile.text).not.toMatch(/CAMHS|Child and adolescent mental health/i);
  });

  it('summarises clinical records for early help with consent: no narrative or location', async () => {
    const { enquiryId, subjectId } = await openLinkedEnquiry({ purpose: 'early-help', consentRecorded: true, consent: { givenBy: 'Mother (parental responsibility)', scope: 'Early help assessment' }, rag: 'AMBER' });
    const profile = await t.graphql(PROFILE, { enquiryId, subjectId }, token);
    const health = profile.body.data.profile.agencies.find((a: any) => a.agency === 'health');
    const clinical = [...health.involvements, ...health.states, ...health.events].filter((r: any) => r.category === 'health.clinical');
    expect(clinical.length).toBeGreaterThan(0);
    for (const record of clinical) {
      expect(record.decision).toBe('SUMMARISED');
      expect(record.narrative).toBeNull();
      expect(record.location).toBeNull();
    }
  });

  it('keeps personal data out of the operational log', async () => {
    await openLinkedEnquiry({ purpose: 's47' });
    const log = t.logLines.join('\n');
    expect(t.logLines.length).toBeGreaterThan(5);
    const featured = t.gateway.sandbox!.county.featured.child;
    expect(log).not.toContain(nhsNumber);
    expect(log).not.toContain(featured.birthDate);
    expect(log).not.toContain(featured.family);
    expect(log).not.toContain(featured.given[0]!);
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.split('.')[2]!);
    for (const line of t.logLines) expect(JSON.parse(line).requestId ?? JSON.parse(line).msg).toBeDefined();
  });
});
