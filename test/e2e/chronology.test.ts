import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH } from '../../policies/index.js';
import { readEvents } from '../../gateway/audit/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { storeKinds } from '../helpers/stores.js';

/**
 * The multi-agency chronology and the risk indicators over HTTP on the sandbox county's featured
 * household (a 14-year-old on a child protection plan, her mother, her mother's partner): one
 * audited access naming every subject, the household adult decided by her own relation and
 * recorded relevance, and refusals recorded. Run on PGlite and, when DATABASE_URL is set, PostgreSQL.
 */

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
/** The sandbox county's as-of day: the featured household's records are dated relative to it. */
const NOW = new Date('2025-09-30T12:00:00Z');

/** The shipped policy, in effect on the sandbox's as-of day (its own dates start later). */
function policyInEffectAtNow(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'chronology-policy-'));
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, readFileSync(DEFAULT_POLICY_PATH, 'utf8').replace(/^effective:\n  from: [0-9-]+/m, 'effective:\n  from: 2025-01-01'));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const CHRONOLOGY = /* GraphQL */ `
  query Chronology($enquiryId: ID!, $subjectId: ID!, $from: DateTime, $to: DateTime) {
    chronology(enquiryId: $enquiryId, subjectId: $subjectId, from: $from, to: $to) {
      enquiryId auditEventId policyVersion from to
      subjects { id label relation focus }
      entries {
        reference date precision kind source agency category decision type title start end narrative withheldFields groupId auditEventId
        subject { id relation focus }
        provenance { system recordId asOf }
        withheld { label reason count }
      }
      groups { id references agencies evidence { rule detail } }
      agencies { subjectId agency status }
    }
  }
`;

const INDICATORS = /* GraphQL */ `
  query Indicators($enquiryId: ID!, $subjectId: ID!) {
    riskIndicators(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId subjectId definitionsId definitionsVersion evaluated computedAt auditEventId
      indicators { id name form threshold count references period earlier { count references } }
    }
  }
`;

describe.each(storeKinds())('chronology and risk indicators ($name)', (kind) => {
  let t: TestGateway;
  let token: string;
  const policy = policyInEffectAtNow();

  beforeAll(async () => {
    t = await startTestGateway({ agencies: AGENCIES, now: () => NOW, store: await kind.open(), policy: policy.path });
    token = await t.token();
  });
  afterAll(async () => {
    const store = t?.gateway.store;
    await t?.close();
    await store?.close();
    policy.remove();
  });

  /** Finds a person in every agency and links them as one subject. */
  async function linkEverywhere(enquiryId: string, person: { nhsNumber?: string; family: string; given: string[]; birthDate: string }, subject: Record<string, unknown>): Promise<string> {
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber: person.nhsNumber, family: person.family, given: person.given[0], birthDate: person.birthDate } }, token);
    expect(search.body.errors).toBeUndefined();
    let subjectId: string | undefined;
    for (const agency of AGENCIES) {
      const result = search.body.data.searchPeople.agencies.find((a: any) => a.agency === agency);
      const found = result?.people.find((p: any) => p.birthDate === person.birthDate);
      if (!found) continue;
      const linked = await t.graphql(LINK, { input: { enquiryId, agency, personId: found.personId, ...(subjectId ? { subjectId } : subject) } }, token);
      expect(linked.body.errors, `${agency} link`).toBeUndefined();
      subjectId = linked.body.data.linkSubject.id;
    }
    expect(subjectId).toBeDefined();
    return subjectId!;
  }

  /** An s47 enquiry with the featured child (all agencies) and her mother (an adult, relevance as given). */
  async function featuredEnquiry(options: { motherRelevance?: string } = {}) {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token);
    const enquiryId = opened.body.data.openEnquiry.id as string;
    const { child, parent } = t.gateway.sandbox!.county.featured;
    const childId = await linkEverywhere(enquiryId, child as any, { relation: 'CHILD', label: 'Child' });
    const motherId = await linkEverywhere(enquiryId, parent as any, { relation: 'ADULT', label: 'Mother', ...(options.motherRelevance ? { relevance: options.motherRelevance } : {}) });
    return { enquiryId, childId, motherId };
  }

  async function lastEvent(operation: string) {
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    return events.filter((e) => e.operation === operation).at(-1)!;
  }

  describe('the featured household', () => {
    let ids: Awaited<ReturnType<typeof featuredEnquiry>>;
    let chronology: any;

    beforeAll(async () => {
      ids = await featuredEnquiry();
      const response = await t.graphql(CHRONOLOGY, { enquiryId: ids.enquiryId, subjectId: ids.childId }, token);
      expect(response.body.errors).toBeUndefined();
      chronology = response.body.data.chronology;
    });

    it('lists the child and the mother, every entry saying whose it is and citing its record and access', () => {
      expect(chronology.subjects).toEqual([
        { id: ids.childId, label: 'Child', relation: 'CHILD', focus: true },
        { id: ids.motherId, label: 'Mother', relation: 'ADULT', focus: false },
      ]);
      const agencies = new Set(chronology.entries.map((e: any) => e.agency));
      for (const agency of ['health', 'police', 'social-care']) expect(agencies).toContain(agency);
      // Every agency that answered with records for a subject has entries of that subject.
      for (const status of chronology.agencies.filter((a: any) => a.status === 'RECORDS')) {
        expect(chronology.entries.some((e: any) => e.agency === status.agency && e.subject.id === status.subjectId), `${status.agency} ${status.subjectId}`).toBe(true);
      }
      expect(new Set(chronology.entries.map((e: any) => e.subject.id))).toEqual(new Set([ids.childId, ids.motherId]));
      for (const entry of chronology.entries) {
        expect(entry.auditEventId).toBe(chronology.auditEventId);
        if (entry.kind === 'WITHHELD') {
          expect(entry).toMatchObject({ reference: null, date: null, provenance: null });
          continue;
        }
        expect(entry.reference).toBe(`${entry.agency}:${entry.provenance.recordId}`);
        expect(['DISCLOSED', 'SUMMARISED']).toContain(entry.decision);
      }
    });

    it('is in order: date, then agency, then reference, undated entries last', () => {
      const dated = chronology.entries.filter((e: any) => e.date !== null);
      const keys = dated.map((e: any) => Date.parse(e.precision === 'DATE' ? `${e.date}T00:00:00Z` : e.date));
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
      for (let i = 1; i < dated.length; i++) {
        if (keys[i] !== keys[i - 1]) continue;
        const [a, b] = [dated[i - 1], dated[i]];
        expect(a.agency < b.agency || (a.agency === b.agency && a.reference <= b.reference)).toBe(true);
      }
      const firstUndated = chronology.entries.findIndex((e: any) => e.date === null);
      if (firstUndated >= 0) expect(chronology.entries.slice(firstUndated).every((e: any) => e.date === null)).toBe(true);
    });

    it('expands the child protection plan into its start (it has not ended)', () => {
      const plan = chronology.entries.filter((e: any) => e.type === 'cp-plan' && e.subject.id === ids.childId);
      expect(plan.map((e: any) => e.kind)).toEqual(['STATE_START']);
    });

    it('lists the mother’s clinical records only as an undated marker: her relevance is not recorded (WT23)', () => {
      const mothers = chronology.entries.filter((e: any) => e.subject.id === ids.motherId);
      expect(mothers.some((e: any) => e.category === 'health.clinical' || e.category === 'police.detail')).toBe(false);
      const markers = mothers.filter((e: any) => e.kind === 'WITHHELD' && e.agency === 'health');
      expect(markers.length).toBeGreaterThan(0);
      for (const marker of markers) expect(marker).toMatchObject({ date: null, narrative: null, type: null });
      expect(JSON.stringify(mothers)).not.toMatch(/Depression|mental health team/i);
    });

    it('groups the police call-out and the child’s A&E attendance the same night, with the evidence, never two records of one agency', () => {
      const entries = new Map(chronology.entries.map((e: any) => [e.reference, e]));
      const incident = chronology.groups.find((g: any) => g.agencies.includes('police') && g.agencies.includes('health'));
      expect(incident).toBeDefined();
      expect(incident.evidence.map((e: any) => e.rule)).toEqual(expect.arrayContaining(['time', 'types', 'subjects']));
      for (const group of chronology.groups) {
        const byAgency = new Map<string, Set<string>>();
        for (const reference of group.references) {
          const agency = (entries.get(reference) as any).agency;
          byAgency.set(agency, new Set([...(byAgency.get(agency) ?? []), reference]));
        }
        for (const references of byAgency.values()) expect(references.size).toBe(1);
        expect(byAgency.size).toBeGreaterThanOrEqual(2);
        for (const entry of chronology.entries.filter((e: any) => group.references.includes(e.reference) && e.kind !== 'STATE_END' && e.kind !== 'INVOLVEMENT_END')) {
          expect(entry.groupId).toBe(group.id);
        }
      }
    });

    it('is one audit event naming both subjects and each decision’s subject, committed before the answer', async () => {
      const event = (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.id === chronology.auditEventId)!;
      expect(event).toMatchObject({ operation: 'chronology', outcome: 'success', enquiry: { id: ids.enquiryId, purpose: 's47' } });
      expect(event.subjects!.map((s) => s.subjectId)).toEqual([ids.childId, ids.motherId]);
      const decided = new Set(event.decisions!.filter((d) => d.decision !== 'unavailable').map((d) => d.subjectId));
      expect(decided).toEqual(new Set([ids.childId, ids.motherId]));
      // The mother's clinical information was withheld for want of recorded relevance, and says so.
      expect(event.decisions!.some((d) => d.subjectId === ids.motherId && d.category === 'health.clinical' && d.decision === 'withhold')).toBe(true);
    });

    it('asks the police reviewer about each subject’s police detail, as profile does (originator review)', async () => {
      const { rows } = await t.gateway.store.query<{ subject_id: string; category: string }>('SELECT subject_id, category FROM review_request WHERE enquiry_id = $1', [ids.enquiryId]);
      const police = rows.filter((r) => r.category === 'police.detail').map((r) => r.subject_id);
      expect(police).toContain(ids.childId);
    });

    it('keeps only entries within from/to, and refuses a window that ends before it starts (audited)', async () => {
      const from = '2025-06-01T00:00:00Z';
      const windowed = await t.graphql(CHRONOLOGY, { enquiryId: ids.enquiryId, subjectId: ids.childId, from, to: NOW.toISOString() }, token);
      const entries = windowed.body.data.chronology.entries;
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.length).toBeLessThan(chronology.entries.length);
      for (const e of entries.filter((x: any) => x.date !== null)) expect(Date.parse(e.precision === 'DATE' ? `${e.date}T00:00:00Z` : e.date)).toBeGreaterThanOrEqual(Date.parse(from));
      const backwards = await t.graphql(CHRONOLOGY, { enquiryId: ids.enquiryId, subjectId: ids.childId, from: NOW.toISOString(), to: from }, token);
      expect(backwards.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT', field: 'from' });
      expect(await lastEvent('chronology')).toMatchObject({ outcome: 'refused', outcomeCode: 'BAD_INPUT' });
    });

    it('fires the indicators the featured household’s disclosed records support, each citing what it counts', async () => {
      const response = await t.graphql(INDICATORS, { enquiryId: ids.enquiryId, subjectId: ids.childId }, token);
      expect(response.body.errors).toBeUndefined();
      const answer = response.body.data.riskIndicators;
      expect(answer).toMatchObject({ definitionsId: 'mash-risk-indicators', evaluated: 7 });
      const fired = new Map(answer.indicators.map((i: any) => [i.id, i]));
      // Three call-outs with the child present within the year (scripted at 300, 170 and 45 days).
      const da = fired.get('da-child-present-12m') as any;
      expect(da.count).toBe(3);
      expect(da.references).toHaveLength(3);
      for (const reference of da.references) expect(reference).toMatch(/^police:events\//);
      expect((fired.get('current-cp-plan-or-cin') as any).references.every((r: string) => r.startsWith('social-care:cp_plan/') || r.startsWith('social-care:child_in_need/'))).toBe(true);
      expect((fired.get('missing-episodes-12m') as any).count).toBeGreaterThanOrEqual(1);
      // The mother's mental health episode is clinical: withheld without recorded relevance, so not counted.
      expect(fired.has('parental-substance-or-mental-health')).toBe(false);
      // Every reference is one the chronology disclosed.
      const disclosed = new Set(chronology.entries.map((e: any) => e.reference));
      for (const indicator of answer.indicators) for (const reference of indicator.references) expect(disclosed).toContain(reference);
      expect(JSON.stringify(answer)).not.toMatch(/score|probability|predict/i);

      const event = (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.id === answer.auditEventId)!;
      expect(event).toMatchObject({ operation: 'riskIndicators', outcome: 'success' });
      // The enquiry's snapshot: ids and counts, the access event, no record detail.
      const { rows } = await t.gateway.store.query<{ indicators: unknown; audit_event_id: string; subject_id: string }>(
        'SELECT indicators, audit_event_id, subject_id FROM enquiry_indicator_snapshot WHERE enquiry_id = $1',
        [ids.enquiryId],
      );
      expect(rows).toHaveLength(1);
      expect(String(rows[0]!.audit_event_id)).toBe(answer.auditEventId);
      const stored = typeof rows[0]!.indicators === 'string' ? JSON.parse(rows[0]!.indicators as string) : rows[0]!.indicators;
      expect(stored).toEqual(answer.indicators.map((i: any) => ({ id: i.id, count: i.count })));
      expect(JSON.stringify(rows)).not.toMatch(/police:|social-care:|events\//);
    });
  });

  it('shows the snapshot in the triage queue to members only, and orders the queue by indicators after RAG', async () => {
    const QUEUE = `query { enquiryQueue(team: "social-care", first: 200) { entries { enquiryId rag deadline riskIndicators { fired computedAt auditEventId indicators { id count } } } } }`;
    const { enquiryId, childId } = await featuredEnquiry();
    const indicators = (await t.graphql(INDICATORS, { enquiryId, subjectId: childId }, token)).body.data.riskIndicators;
    // A RED enquiry with an earlier deadline, whose indicators were never computed: it comes after.
    const quiet = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ deadline: new Date(NOW.getTime() + 3600_000).toISOString() }) }, token)).body.data.openEnquiry.id;
    const mine = (await t.graphql(QUEUE, {}, token)).body.data.enquiryQueue.entries;
    const entry = mine.find((e: any) => e.enquiryId === enquiryId);
    expect(entry.riskIndicators).toEqual({
      fired: indicators.indicators.length,
      computedAt: indicators.computedAt,
      auditEventId: indicators.auditEventId,
      indicators: indicators.indicators.map((i: any) => ({ id: i.id, count: i.count })),
    });
    expect(mine.find((e: any) => e.enquiryId === quiet).riskIndicators).toBeNull();
    // Within a RAG, more indicators first.
    for (let i = 1; i < mine.length; i++) {
      if (mine[i].rag !== mine[i - 1].rag) continue;
      expect(mine[i - 1].riskIndicators?.fired ?? 0).toBeGreaterThanOrEqual(mine[i].riskIndicators?.fired ?? 0);
    }
    expect(mine.findIndex((e: any) => e.enquiryId === enquiryId)).toBeLessThan(mine.findIndex((e: any) => e.enquiryId === quiet));
    // A researcher of the team who is not a member sees the entry, not its indicators.
    const colleague = await t.token({ sub: 'researcher-3', name: 'Colleague Researcher' });
    const theirs = (await t.graphql(QUEUE, {}, colleague)).body.data.enquiryQueue.entries;
    expect(theirs.find((e: any) => e.enquiryId === enquiryId).riskIndicators).toBeNull();
  });

  it('merges the contact log as its own source (contact:<id>), through the gate with each subject’s ability, in the one audit event', async () => {
    const { enquiryId, childId, motherId } = await featuredEnquiry();
    const LOG = `mutation($e: ID!, $input: LogContactInput!) { logContact(enquiryId: $e, input: $input) { id reference } }`;
    const call = { contactName: 'Dr Patel', contactRole: 'GP', agency: 'health', channel: 'PHONE', occurredAt: '2025-09-29T10:30:00Z' };
    const aboutChild = await t.graphql(LOG, { e: enquiryId, input: { ...call, subjectId: childId, category: 'health.summary', account: 'Child seen at the surgery with bruising to the arm.' } }, token);
    expect(aboutChild.body.errors).toBeUndefined();
    const aboutMother = await t.graphql(LOG, { e: enquiryId, input: { ...call, subjectId: motherId, category: 'health.clinical', account: 'Mother has stopped taking her antidepressants.' } }, token);
    expect(aboutMother.body.errors).toBeUndefined();
    const { id, reference } = aboutChild.body.data.logContact;
    expect(reference).toBe(`contact:${id}`);

    const response = await t.graphql(CHRONOLOGY, { enquiryId, subjectId: childId }, token);
    expect(response.body.errors).toBeUndefined();
    const answer = response.body.data.chronology;
    const entry = answer.entries.find((e: any) => e.reference === reference);
    expect(entry).toMatchObject({ source: 'CONTACT_LOG', kind: 'EVENT', agency: 'health', category: 'health.summary', date: '2025-09-29T10:30:00.000Z', subject: { id: childId } });
    expect(entry.narrative).toContain('bruising');
    // The mother's relevance is not recorded: her clinical contact entry is a marker, never what was said.
    const motherContact = answer.entries.filter((e: any) => e.source === 'CONTACT_LOG' && e.subject.id === motherId);
    expect(motherContact.map((e: any) => e.kind)).toEqual(['WITHHELD']);
    expect(response.text).not.toContain('antidepressants');
    expect(response.text).not.toContain(aboutMother.body.data.logContact.id);
    // One event: the contact log's decisions name their source and subject; what was said is never in it.
    const event = (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.id === answer.auditEventId)!;
    const contactDecisions = event.decisions!.filter((d) => d.reason?.startsWith('contact'));
    expect(contactDecisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ subjectId: childId, category: 'health.summary', decision: 'disclose', recordIds: [id] }),
        expect.objectContaining({ subjectId: motherId, category: 'health.clinical', decision: 'withhold' }),
      ]),
    );
    expect(JSON.stringify(event)).not.toMatch(/bruising|antidepressants/);
  });

  it('counts the mother’s mental health flag once her relevance is recorded', async () => {
    const ids = await featuredEnquiry({ motherRelevance: "Mother's mental health bears on her capacity to protect" });
    const response = await t.graphql(INDICATORS, { enquiryId: ids.enquiryId, subjectId: ids.childId }, token);
    const parental = response.body.data.riskIndicators.indicators.find((i: any) => i.id === 'parental-substance-or-mental-health');
    expect(parental).toBeDefined();
    expect(parental.references.some((r: string) => r.startsWith('health:'))).toBe(true);
  });

  describe('refusals, each audited', () => {
    it('refuses a practitioner who is not a member of the enquiry', async () => {
      const { enquiryId, childId } = await featuredEnquiry();
      const outsider = await t.token({ sub: 'researcher-2', name: 'Other Researcher' });
      for (const [query, operation] of [
        [CHRONOLOGY, 'chronology'],
        [INDICATORS, 'riskIndicators'],
      ] as const) {
        const response = await t.graphql(query, { enquiryId, subjectId: childId }, outsider);
        expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
        expect(response.body.data).toBeNull();
        expect(await lastEvent(operation)).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_NOT_MEMBER', enquiry: { id: enquiryId } });
      }
      // A refused read computes nothing, so no snapshot is kept for the queue.
      const { rows } = await t.gateway.store.query('SELECT 1 FROM enquiry_indicator_snapshot WHERE enquiry_id = $1', [enquiryId]);
      expect(rows).toEqual([]);
    });

    it('refuses a read after the enquiry closes', async () => {
      const { enquiryId, childId } = await featuredEnquiry();
      // Closed as closeEnquiry closes it (how a closure is reached, e.g. a signed-off decision, is not this test's concern).
      await t.gateway.store.query(`UPDATE enquiry SET closed_at = $2, closed_by = 'researcher-1', closure_decision = 'NFA', closed_by_issuer = 'test' WHERE id = $1`, [enquiryId, NOW.toISOString()]);
      const status = await t.graphql(`query { enquiry(id: "${enquiryId}") { status } }`, {}, token);
      expect(status.body.data.enquiry.status).toBe('CLOSED');
      const response = await t.graphql(CHRONOLOGY, { enquiryId, subjectId: childId }, token);
      expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN_ENQUIRY_CLOSED');
      expect(await lastEvent('chronology')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_ENQUIRY_CLOSED' });
    });

    it('refuses a subject of another enquiry', async () => {
      const first = await featuredEnquiry();
      const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput() }, token);
      const response = await t.graphql(CHRONOLOGY, { enquiryId: opened.body.data.openEnquiry.id, subjectId: first.childId }, token);
      expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN_SUBJECT_NOT_LINKED');
      expect(await lastEvent('chronology')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_SUBJECT_NOT_LINKED' });
    });
  });
});
