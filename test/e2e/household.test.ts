import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, type RecordedEvent } from '../../gateway/audit/index.js';
import type { Store } from '../../gateway/store/index.js';
import { generateCounty, type County } from '../../sandbox/index.js';
import { enquiryInput, OPEN_ENQUIRY, PROFILE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { HOUSEHOLD_POLICE, householdPolice } from '../helpers/test-household.js';
import { openPostgresTestStore, testDatabaseUrl } from '../helpers/stores.js';

/**
 * Household and conflicts over HTTP (issue 12, items 4 and 6), on the sandbox county of
 * test/helpers/gateway.ts (seed 7) with health, housing (the household capability) and a police
 * force with person links (test/helpers/test-household.ts). Truth: the county's featured household.
 */

const SEARCH = /* GraphQL */ `
  query Search($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) {
      auditEventId
      people { key band records { agency personId } }
    }
  }
`;
const LINK = `mutation Link($input: LinkSubjectInput!) { linkSubject(input: $input) { id relation relevance links { agency personId } } }`;
const PERSON = 'agency personId decision names { family given } birthDate addresses { line1 postalCode uprn } contact { name } withheldFields';
const HOUSEHOLD = /* GraphQL */ `
  query Household($enquiryId: ID!, $subjectId: ID!) {
    household(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId auditEventId policyVersion addressesSearched childRecordsSetAside
      subject { id relation }
      agencies { agency status detail withheld { label reason } }
      candidates {
        key band identityBand householdBand relation
        records {
          agency personId
          match { band score reasons { field level } caution }
          person { ${PERSON} }
          evidence { agency basis relationship agencyRelationship address { line1 postalCode uprn } provenance { system recordId asOf } }
        }
      }
    }
  }
`;
const CONFLICTS = /* GraphQL */ `
  query Conflicts($enquiryId: ID!, $subjectId: ID!) {
    conflicts(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId auditEventId compared
      agencies { agency status detail withheld { label } }
      conflicts { field kind explanation sides { agency personId value withheld provenance { system recordId asOf } } }
    }
  }
`;

const stores: { name: string; open?: () => Promise<Store> }[] = [{ name: 'pglite' }, ...(testDatabaseUrl() ? [{ name: 'postgres', open: () => openPostgresTestStore() }] : [])];

describe.each(stores)('household and conflicts over HTTP ($name)', ({ open }) => {
  let t: TestGateway;
  let store: Store | undefined;
  let county: County;
  let police: ReturnType<typeof householdPolice>;
  let researcher: string;

  beforeAll(async () => {
    county = generateCounty({ seed: 7, households: 20 });
    police = householdPolice(county);
    store = open ? await open() : undefined;
    t = await startTestGateway({ agencies: ['health', 'housing'], households: 20, extraConnectors: [police.connector], ...(store ? { store } : {}) });
    researcher = await t.token();
  });
  afterAll(async () => {
    await t?.close();
    await store?.close();
  });

  const event = async (id: string): Promise<RecordedEvent> => (await readEvents(t.gateway.store, { limit: 10_000 })).find((e) => e.id === id)!;
  const lastEvent = async (operation: string): Promise<RecordedEvent> => (await readEvents(t.gateway.store, { limit: 10_000 })).filter((e) => e.operation === operation).at(-1)!;

  /** Opens an enquiry, finds the featured child and links every agency record of them as one subject. */
  async function childSubject(input: Record<string, unknown> = {}, token = researcher) {
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput(input) }, token);
    expect(opened.body.errors).toBeUndefined();
    const enquiryId = opened.body.data.openEnquiry.id as string;
    const child = county.featured.child;
    const search = await t.graphql(SEARCH, { enquiryId, query: { family: child.family, given: child.given[0], birthDate: child.birthDate } }, token);
    expect(search.body.errors).toBeUndefined();
    const best = search.body.data.searchPeople.people[0];
    const records = best.records as { agency: string; personId: string }[];
    expect(records.map((r) => r.agency)).toContain('police');
    let subjectId: string | undefined;
    for (const record of records) {
      const linked = await t.graphql(LINK, { input: { enquiryId, ...(subjectId ? { subjectId } : {}), agency: record.agency, personId: record.personId } }, token);
      expect(linked.body.errors).toBeUndefined();
      subjectId = linked.body.data.linkSubject.id;
    }
    return { enquiryId, subjectId: subjectId!, records };
  }

  /** The true person behind an agency record (null: no one in the county; undefined: unknown agency). */
  const trueId = (agency: string, personId: string): string | null | undefined => {
    if (agency === 'police') return police.truth.get(personId);
    if (agency === 'housing') return county.truth.housing.get(personId) ?? null;
    if (agency === 'health') return county.truth.health.get(personId) ?? null;
    return undefined;
  };

  it('finds the child’s true household members at certain or probable, nobody else, with the evidence; audited with the persons shown', async () => {
    const { enquiryId, subjectId } = await childSubject();
    const answer = await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, researcher);
    expect(answer.body.errors).toBeUndefined();
    const household = answer.body.data.household;
    expect(household.subject).toEqual({ id: subjectId, relation: 'CHILD' });
    expect(household.agencies.find((a: any) => a.agency === 'police')).toMatchObject({ status: 'RECORDS' });
    expect(household.addressesSearched).toBeGreaterThan(0);

    const featured = county.featured;
    const members = new Set([featured.parent.id, featured.partner.id, featured.sibling.id]);
    const sure = household.candidates.filter((c: any) => c.band === 'CERTAIN' || c.band === 'PROBABLE');
    // Nobody outside the household at certain or probable, and each candidate's records one true person.
    for (const candidate of sure) {
      const ids = new Set(candidate.records.map((r: any) => trueId(r.agency, r.personId)));
      expect(ids.size).toBe(1);
      expect(members.has([...ids][0] as string)).toBe(true);
    }
    const found = new Set(sure.map((c: any) => trueId(c.records[0].agency, c.records[0].personId)));
    expect(found.has(featured.parent.id)).toBe(true);
    expect(found.has(featured.partner.id)).toBe(true);
    // The child is never their own household member.
    for (const candidate of household.candidates) for (const r of candidate.records) expect(trueId(r.agency, r.personId)).not.toBe(featured.child.id);

    // The associate police link to an incident is shown, as possible only.
    const associate = household.candidates.find((c: any) => c.records.some((r: any) => r.personId === HOUSEHOLD_POLICE.associate));
    expect(associate).toMatchObject({ band: 'POSSIBLE', relation: 'ADULT' });

    // Evidence: which agency, on what basis, with the relationship and the record that says so.
    const mother = sure.find((c: any) => trueId(c.records[0].agency, c.records[0].personId) === featured.parent.id);
    expect(mother.relation).toBe('ADULT');
    const policeMother = mother.records.find((r: any) => r.agency === 'police');
    expect(policeMother.person).toMatchObject({ personId: HOUSEHOLD_POLICE.mother, decision: 'DISCLOSED', names: [{ family: featured.parent.family }] });
    expect(policeMother.evidence).toContainEqual({
      agency: 'police',
      basis: 'RELATED_PERSON',
      relationship: 'parent',
      agencyRelationship: 'MOTHER',
      address: null,
      provenance: { system: 'https://police.household.test/api', recordId: `LINK-${HOUSEHOLD_POLICE.child}-${HOUSEHOLD_POLICE.mother}`, asOf: '2026-11-01T00:00:00Z' },
    });
    expect(policeMother.evidence).toContainEqual(expect.objectContaining({ basis: 'SAME_ADDRESS', address: { line1: police.home.line1, postalCode: police.home.postalCode, uprn: police.home.uprn } }));

    // One event, naming every person shown; the persons shown are kept against it for linking.
    const recorded = await event(household.auditEventId);
    expect(recorded).toMatchObject({ operation: 'household', outcome: 'success', subjects: [{ subjectId }] });
    const shownIds = household.candidates.flatMap((c: any) => c.records.map((r: any) => `${r.agency}|${r.personId}`)).sort();
    const named = recorded.decisions.filter((d) => d.category.endsWith('.identity') && d.personIds).flatMap((d) => d.personIds!.map((id) => `${d.agency}|${id}`)).sort();
    expect(named).toEqual(shownIds);
    expect(recorded.decisions).toContainEqual(expect.objectContaining({ agency: 'police', category: 'police.identity', decision: 'disclose', reason: expect.stringContaining('Shown as household adult candidates') }));
    const { rows } = await t.gateway.store.query<{ agency: string; person_id: string }>('SELECT agency, person_id FROM enquiry_search_shown WHERE enquiry_id = $1 AND audit_event_id = $2', [enquiryId, household.auditEventId]);
    expect(rows.map((r) => `${r.agency}|${r.person_id}`).sort()).toEqual(shownIds);
  });

  it('a confirmed household adult’s detail stays withheld until their relevance is recorded, then follows the policy', async () => {
    const { enquiryId, subjectId } = await childSubject();
    await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, researcher);
    const linked = await t.graphql(LINK, { input: { enquiryId, relation: 'ADULT', label: 'Mother', agency: 'police', personId: HOUSEHOLD_POLICE.mother } }, researcher);
    expect(linked.body.errors).toBeUndefined();
    const adult = linked.body.data.linkSubject;
    expect(adult).toMatchObject({ relation: 'ADULT', relevance: null });

    const before = await t.graphql(PROFILE, { enquiryId, subjectId: adult.id }, researcher);
    expect(before.body.errors).toBeUndefined();
    const policeBefore = before.body.data.profile.agencies.find((a: any) => a.agency === 'police');
    expect([...policeBefore.events, ...policeBefore.states, ...policeBefore.involvements].some((r: any) => r.category === 'police.detail')).toBe(false);
    expect(policeBefore.withheld).toContainEqual(expect.objectContaining({ reason: expect.stringContaining('once the enquiry records why they are relevant') }));
    expect(before.text).not.toContain('screaming');
    const refused = await event(before.body.data.profile.auditEventId);
    expect(refused.decisions).toContainEqual(expect.objectContaining({ category: 'police.detail', decision: 'withhold', ruleId: expect.stringContaining('household-adult-relevance') }));

    const relevance = await t.graphql(
      `mutation { recordRelevance(enquiryId: "${enquiryId}", subjectId: "${adult.id}", relevance: "Mother; police attended a domestic abuse call-out at the home") { id relevance } }`,
      {},
      researcher,
    );
    expect(relevance.body.errors).toBeUndefined();
    const after = await t.graphql(PROFILE, { enquiryId, subjectId: adult.id }, researcher);
    const detail = after.body.data.profile.agencies.find((a: any) => a.agency === 'police').events.find((r: any) => r.category === 'police.detail');
    // s47: police detail awaits the force's approval, summarised meanwhile (ORIG).
    expect(detail).toMatchObject({ decision: 'SUMMARISED', type: 'incident-narrative', narrative: null });
  });

  it('refuses, and audits, household reads outside the rules', async () => {
    const { enquiryId, subjectId } = await childSubject();
    const outsider = await t.token({ sub: 'researcher-2', name: 'Other Researcher' });
    const notMember = await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, outsider);
    expect(notMember.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
    expect(await lastEvent('household')).toMatchObject({ outcome: 'refused', outcomeCode: 'FORBIDDEN_NOT_MEMBER', actor: { id: 'researcher-2' } });
    expect(notMember.text).not.toContain(county.featured.parent.family);

    const unknown = await t.graphql(HOUSEHOLD, { enquiryId, subjectId: '00000000-0000-4000-8000-000000000000' }, researcher);
    expect(unknown.body.errors[0].extensions.code).toBe('FORBIDDEN_SUBJECT_NOT_LINKED');

    await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, researcher);
    const adult = (await t.graphql(LINK, { input: { enquiryId, relation: 'ADULT', agency: 'police', personId: HOUSEHOLD_POLICE.partner } }, researcher)).body.data.linkSubject;
    const fromAdult = await t.graphql(HOUSEHOLD, { enquiryId, subjectId: adult.id }, researcher);
    expect(fromAdult.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT' });

    // A person the household read showed in one enquiry cannot be linked in another.
    const other = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-OTHER' }) }, researcher)).body.data.openEnquiry.id;
    const elsewhere = await t.graphql(LINK, { input: { enquiryId: other, relation: 'ADULT', agency: 'police', personId: HOUSEHOLD_POLICE.associate } }, researcher);
    expect(elsewhere.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_SHOWN');

    const dsl = await t.token({ sub: 'dsl-1', roles: ['school-dsl'], agency: 'education', school: '9991234' });
    const encompass = await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, dsl);
    expect(['FORBIDDEN', 'FORBIDDEN_NOT_MEMBER']).toContain(encompass.body.errors[0].extensions.code);
    expect(encompass.text).not.toContain(county.featured.partner.family);
  });

  it('says when an agency declined the address search (a crowded address), keeping the related persons it records', async () => {
    const { enquiryId, subjectId } = await childSubject({ referralReference: 'REF-CROWDED' });
    police.faults.crowded = true;
    try {
      const answer = await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, researcher);
      expect(answer.body.errors).toBeUndefined();
      const result = answer.body.data.household;
      expect(result.agencies.find((a: any) => a.agency === 'police')).toMatchObject({ status: 'RECORDS', detail: expect.stringContaining('police declined 1 address search') });
      const mother = result.candidates.find((c: any) => c.records.some((r: any) => r.personId === HOUSEHOLD_POLICE.mother));
      const evidence = mother.records.find((r: any) => r.agency === 'police').evidence;
      expect(evidence.map((e: any) => e.basis)).toEqual(['RELATED_PERSON']);
    } finally {
      police.faults.crowded = false;
    }
  });

  it('lists where agencies disagree about the child, each side with its provenance, and calls a day/month swap a likely data-entry error; audited', async () => {
    const { enquiryId, subjectId } = await childSubject();
    const answer = await t.graphql(CONFLICTS, { enquiryId, subjectId }, researcher);
    expect(answer.body.errors).toBeUndefined();
    const result = answer.body.data.conflicts;
    expect(result.compared).toBeGreaterThanOrEqual(2);
    const birth = result.conflicts.find((c: any) => c.field === 'birthDate');
    expect(birth.kind).toBe('LIKELY_DATA_ENTRY_ERROR');
    expect(birth.sides).toContainEqual({
      agency: 'police',
      personId: HOUSEHOLD_POLICE.child,
      value: police.persons.get(HOUSEHOLD_POLICE.child)!.birthDate,
      withheld: false,
      provenance: { system: 'https://police.household.test/api', recordId: `NOM-${HOUSEHOLD_POLICE.child}`, asOf: '2026-11-01T00:00:00Z' },
    });
    expect(birth.sides.some((s: any) => s.agency !== 'police' && s.value === county.featured.child.birthDate)).toBe(true);
    // Household composition: the baby, whom this force has never met, is not in its household.
    const sibling = county.featured.sibling;
    const composition = result.conflicts.filter((c: any) => c.field === 'household');
    const baby = composition.find((c: any) => c.sides.some((s: any) => s.value?.startsWith(`${sibling.given[0]}`)));
    expect(baby.kind).toBe('CONFLICT');
    expect(baby.sides).toContainEqual(expect.objectContaining({ agency: 'police', personId: HOUSEHOLD_POLICE.child, value: 'not recorded in the household', withheld: false }));
    const recorded = await event(result.auditEventId);
    expect(recorded).toMatchObject({ operation: 'conflicts', outcome: 'success', subjects: [{ subjectId }] });
    expect(recorded.decisions).toContainEqual(expect.objectContaining({ agency: 'police', category: 'police.identity', decision: 'disclose' }));
    expect(recorded.reason).not.toContain(county.featured.child.birthDate);
  });

  it('compares nothing the policy withholds: under early help without consent no identity value is shown or compared', async () => {
    const { enquiryId, subjectId } = await childSubject({ purpose: 'early-help', consentRecorded: false, referralReference: 'REF-EH' });
    const answer = await t.graphql(CONFLICTS, { enquiryId, subjectId }, researcher);
    expect(answer.body.errors).toBeUndefined();
    // Identity values are summarised away, so none is compared; a household member some agency
    // records is listed without a name (withheld by policy).
    for (const conflict of answer.body.data.conflicts.conflicts) {
      expect(conflict.field).toBe('household');
      for (const side of conflict.sides) expect(side.withheld || side.value === 'not recorded in the household').toBe(true);
    }
    expect(answer.text).not.toContain(county.featured.parent.family);
    expect(answer.text).not.toContain(county.featured.child.birthDate);
    expect(answer.text).not.toContain(police.persons.get(HOUSEHOLD_POLICE.child)!.birthDate!);
    const household = await t.graphql(HOUSEHOLD, { enquiryId, subjectId }, researcher);
    expect(household.body.errors).toBeUndefined();
    // The child's addresses are withheld, so none is searched, and candidates show whom to contact only.
    expect(household.body.data.household.addressesSearched).toBe(0);
    expect(household.text).not.toContain(county.featured.parent.family);
    for (const candidate of household.body.data.household.candidates) {
      for (const record of candidate.records) {
        expect(record.person).toMatchObject({ decision: 'SUMMARISED', names: null, birthDate: null });
        for (const e of record.evidence) expect(e).toMatchObject({ relationship: null, address: null });
      }
    }
  });
});
