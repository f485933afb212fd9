import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connector, SourceRecord } from '../../../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';
import { createAuditLog, readEvents, toFhirAuditEvent, type AuditLog, type AuditSettings, type RecordedEvent } from '../../../gateway/audit/index.js';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import { createAccess, type RequestScope } from '../../../gateway/disclosure/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService, type ReviewRepository } from '../../../gateway/enquiries/index.js';
import { GatewayError } from '../../../gateway/errors.js';
import { createFederation, type Federation } from '../../../gateway/federation/index.js';
import { createMatcher } from '../../../gateway/identity/search.js';
import { silentLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { createPrecisService, PRECIS_LIMITS, UNAVAILABLE_TEXT, type PrecisContent, type PrecisService, type ShownContent } from '../../../gateway/workspace/precis/index.js';
import { docxParts, pdfPages } from '../../helpers/documents.js';
import { signedOffDecision } from '../../helpers/decision.js';
import { storeKinds } from '../../helpers/stores.js';
import { police as testPolice, POLICE_PERSON } from '../../helpers/test-police.js';
import { createIndicatorSnapshotRepository, loadIndicatorFile } from '../../../gateway/workspace/indicators/index.js';
import { createContactLogRepository, createContactLogService, type ContactLogService, type LogContactInput } from '../../../gateway/workspace/contacts/index.js';

const policy = loadPolicyFile();
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'test' };
const colleague: Actor = { id: 'researcher-2', name: 'Casey Colleague', agency: 'social-care', roles: ['mash-researcher'], issuer: 'test' };
const outsider: Actor = { id: 'researcher-9', name: 'Olu Outsider', agency: 'police', roles: ['mash-researcher'], issuer: 'test' };
/** The same subject id from another issuer is someone else. */
const impostor: Actor = { ...researcher, issuer: 'other-issuer' };
const manager: Actor = { id: 'manager-1', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'], issuer: 'test' };
const otherManager: Actor = { id: 'manager-2', name: 'Pat Other', agency: 'police', roles: ['mash-manager'], issuer: 'test' };

const HEALTH_PERSON = 'NHS-P1';
/** The child's mother, at health. */
const ADULT_PERSON = 'NHS-P2';
/** A child with 150 long health records: more than a précis may hold. */
const BIG_PERSON = 'NHS-P3';
/** A second health record linked to the child by mistake (another child's). */
const DUPLICATE_PERSON = 'NHS-P4';
/** The test force, with its call-out recorded as a domestic abuse incident at which the child was present. */
const police: Connector = {
  ...testPolice,
  fetchRecords: async (ids) =>
    new Map(
      [...(await testPolice.fetchRecords(ids, {} as never))].map(([id, records]) => [
        id,
        records.map((r) => (r.category === 'police.flags' ? { ...r, fields: { ...r.fields, type: 'domestic-abuse-incident', title: 'Domestic abuse incident, child present' } } : r)),
      ]),
    ),
};
const SEARCH_EVENT = '00000000-0000-4000-8000-000000000001';
const NARRATIVES = { ae: 'Attended with a scald to the forearm.', camhs: 'Disclosed self-harm at the CAMHS appointment.', sealed: 'SEALED-CLINIC-CONTENT', police: 'Officers attended after a neighbour reported shouting.', adult: 'Mother seen in crisis after an overdose.' };

const healthRecord = (category: string, tier: SourceRecord['tier'], id: string, fields: SourceRecord['fields'], personId = HEALTH_PERSON): SourceRecord => ({
  kind: 'event',
  agency: 'health',
  category,
  tier,
  personId,
  provenance: { system: 'https://health.test/fhir', recordId: id, asOf: '2026-11-01T00:00:00Z' },
  fields,
});
/** A health system holding a summary attendance, a clinical episode and a sealed clinic record for one child. */
const health: Connector = {
  manifest: {
    agency: 'health',
    name: 'Test health records',
    version: '1',
    protocol: 'fhir',
    identifierSystems: ['https://health.test/id'],
    categories: [
      { id: 'health.identity', tier: 'T0', kinds: [], fields: ['names'], description: 'identity' },
      { id: 'health.summary', tier: 'T1', kinds: ['event'], fields: ['type', 'title', 'start', 'narrative'], description: 'summary' },
      { id: 'health.clinical', tier: 'T3', kinds: ['event'], fields: ['type', 'title', 'start', 'narrative'], description: 'clinical' },
      { id: 'health.sexual-health', tier: 'T4', kinds: ['event'], fields: ['type', 'narrative'], description: 'sealed' },
    ],
    contact: { name: 'Named nurse for safeguarding', phone: '01632 960200' },
  },
  searchPersons: async () => [],
  fetchRecords: async (ids) =>
    new Map(
      ids.map((id) => [
        id,
        id === DUPLICATE_PERSON
          ? [healthRecord('health.summary', 'T1', 'DUP-1', { type: 'gp-consultation', title: 'GP consultation', start: '2026-08-02' }, DUPLICATE_PERSON)]
          : id === BIG_PERSON
          ? Array.from({ length: 150 }, (_, i) => healthRecord('health.summary', 'T1', `BIG-${i}`, { type: 'gp-consultation', title: 'GP consultation', start: '2026-06-01', narrative: 'n'.repeat(3000) }, BIG_PERSON))
          : id === ADULT_PERSON
          ? [healthRecord('health.clinical', 'T3', 'MH-ADULT-1', { type: 'adult-mental-health', title: 'Adult mental health referral', start: '2026-11-20', narrative: NARRATIVES.adult }, ADULT_PERSON)]
          : id === HEALTH_PERSON
          ? [
              healthRecord('health.summary', 'T1', 'ENC-1', { type: 'ae-attendance', title: 'A&E attendance', start: '2026-10-03', narrative: NARRATIVES.ae, contactName: 'Dr Ada Example' }),
              // The night after the police call-out: the chronology groups the two as one incident.
              healthRecord('health.summary', 'T1', 'ENC-2', { type: 'ae-attendance', title: 'A&E attendance', start: '2026-10-13' }),
              healthRecord('health.clinical', 'T3', 'CAMHS-7', { type: 'camhs', title: 'CAMHS episode', start: '2026-09-14', narrative: NARRATIVES.camhs }),
              healthRecord('health.sexual-health', 'T4', 'GUM-2', { type: 'gum', narrative: NARRATIVES.sealed }),
            ]
          : [],
      ]),
    ),
};

/** The referral as recorded at intake (RED: decision due 4 working hours from receipt). */
const REFERRAL = {
  receivedAt: '2026-12-03T09:00:00Z',
  source: { kind: 'professional', organisation: 'Marlshire Primary School', referrerName: 'Sam Teacher', referrerRole: 'Designated safeguarding lead' },
  concernCategories: ['physical-abuse', 'domestic-abuse'],
  referralText: 'Child arrived with a burn on the forearm and said there was shouting at home.',
};
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 3, 9, minutes));
const allText = (content: ShownContent | PrecisContent): string => JSON.stringify(content);

/** What a client sends back to save: the shown content without the reader's `available` flags. */
function asInput(content: ShownContent): PrecisContent {
  return {
    title: content.title,
    sections: content.sections.map((s) => ({ ...s, statements: s.statements.map(({ available: _available, ...st }) => st) })),
  };
}

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe.each(storeKinds())('the précis on $name', (kind) => {
  let store: Store;
  let audit: AuditLog;
  let federation: Federation;
  let enquiries: EnquiryService;
  let reviews: ReviewRepository;
  let precis: PrecisService;
  let clock: Date;
  let services: Parameters<typeof createPrecisService>[0];
  let contacts: ContactLogService;
  let request = 0;

  const scope = (actor: Actor): RequestScope => {
    const requestId = `req-${++request}`;
    return { requestId, actor, federation: federation.forRequest(requestId) };
  };
  /** The audit events about these enquiries (one store serves the whole file). */
  const events = async (...enquiryIds: string[]): Promise<RecordedEvent[]> => (await readEvents(store, { limit: 10_000 })).filter((e) => e.enquiry !== undefined && enquiryIds.includes(e.enquiry.id));

  beforeAll(async () => {
    store = await kind.open();
    audit = createAuditLog(store, { logger: silentLogger });
    federation = createFederation([health, police], { timeoutMs: 1500, logger: silentLogger });
    reviews = createReviewRepository(store);
    const shown = createSearchShownRepository(store);
    enquiries = createEnquiryService({ repository: createEnquiryRepository(store), reviews, shown, policy, agencies: () => ['health', 'police'], knownActors: createKnownActors(store) });
    clock = at(0);
    const base = { enquiries, reviews, shown, policy, store, auditSettings: {} as AuditSettings, audit, abilities: createAbilityCache(policy), federation, matcher: createMatcher(), logger: silentLogger, now: () => clock };
    services = { ...base, access: createAccess(base), indicators: { definitions: loadIndicatorFile(), snapshots: createIndicatorSnapshotRepository(store) } };
    precis = createPrecisService(services);
    contacts = createContactLogService(services, createContactLogRepository(store));
  });
  beforeEach(() => {
    clock = at(0);
  });
  afterAll(async () => {
    await audit?.close();
    await federation?.close();
    await store?.close();
  });

  /** An enquiry with one child linked at health and police (and the colleague a member). */
  async function openEnquiry(input: { purpose: string; consentRecorded?: boolean }) {
    const consent = input.consentRecorded ? { consent: { givenBy: 'Mother', scope: 'Early help assessment' } } : {};
    const enquiry = await enquiries.open(researcher, { referralReference: 'REF-PRECIS-1', purpose: input.purpose, consentRecorded: input.consentRecorded ?? false, ...consent, rag: 'RED', ...REFERRAL }, clock);
    await createSearchShownRepository(store).record(enquiry.id, [{ agency: 'health', personId: HEALTH_PERSON }, { agency: 'police', personId: POLICE_PERSON }], { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer }, clock);
    const subjectId = (await enquiries.linkSubject(researcher, { enquiryId: enquiry.id, agency: 'health', personId: HEALTH_PERSON, label: 'Child A' }, clock)).subject.id;
    await enquiries.linkSubject(researcher, { enquiryId: enquiry.id, subjectId, agency: 'police', personId: POLICE_PERSON }, clock);
    await store.query(`INSERT INTO actor_seen (issuer, subject, name, agency, first_seen, last_seen) VALUES ('test', 'researcher-2', 'Casey Colleague', 'social-care', now(), now()) ON CONFLICT DO NOTHING`);
    await enquiries.addMember(researcher, enquiry.id, { actorId: colleague.id, issuer: colleague.issuer, reason: 'Second researcher on the strategy discussion' }, clock);
    return { enquiryId: enquiry.id, subjectId };
  }

  const statements = (content: ShownContent) => content.sections.flatMap((s) => s.statements);
  const citing = (content: ShownContent, ref: string) => statements(content).find((s) => s.references.some((r) => r.ref === ref));

  it('drafts from one audited disclosure step: per subject and agency, the chronology and the indicators that fired, each statement citing its record and the event', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    const draft = await precis.draft(scope(researcher), enquiryId);
    expect(draft.latestVersion).toBe(0);
    expect(draft.disclosureEventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(draft.content.sections.map((s) => s.key)).toEqual(['enquiry', `subject:${subjectId}`, `subject:${subjectId}:health`, `subject:${subjectId}:police`, 'chronology', 'incidents', 'indicators', 'analysis']);
    // The referral: when, from whom (organisation and role, not the referrer's name), the concerns and what was said.
    const referral = draft.content.sections[0]!.statements.map((s) => s.text);
    // Dates as people read them in England (Europe/London), not ISO timestamps.
    expect(referral[0]).toBe('Referral REF-PRECIS-1, opened 3 December 2026; RAG RED, decision due by 3 December 2026, 13:00.');
    expect(referral).toContain('Referral received 3 December 2026, 09:00 from professional (Marlshire Primary School, Designated safeguarding lead). Concerns: Physical abuse, Domestic abuse.');
    // (The incidents' evidence quotes the chronology's grouping as it is, so is left out here.)
    const generated = draft.content.sections.filter((s) => s.key !== 'incidents').flatMap((s) => s.statements.map((st) => st.text));
    expect(generated.filter((text) => /\d{4}-\d{2}-\d{2}/.test(text))).toEqual([]);
    expect(referral).toContain(`What the referrer said: ${REFERRAL.referralText}`);
    expect(allText(draft.content)).not.toContain('Sam Teacher');

    const ae = citing(draft.content, 'health:ENC-1')!;
    expect(ae).toMatchObject({ kind: 'known', available: true });
    expect(ae.text).toContain('A&E attendance (3 October 2026)');
    expect(ae.text).toContain(NARRATIVES.ae); // s47: the health summary is disclosed in full
    expect(ae.relevance).toMatch(/unmet need/);
    expect(ae.references).toEqual([{ ref: 'health:ENC-1', auditEventId: draft.disclosureEventId, category: 'health.summary', subjectId, fields: expect.arrayContaining(['type', 'title', 'start', 'narrative', 'contactName']), personId: HEALTH_PERSON }]);

    // The chronology: dated lines across agencies in time order, each citing its entry.
    const chronology = draft.content.sections.find((s) => s.key === 'chronology')!.statements;
    expect(chronology.map((s) => s.text)).toEqual([
      '14 September 2026: Child 1: Child A, health: CAMHS episode.',
      '3 October 2026: Child 1: Child A, health: A&E attendance.',
      '12 October 2026: Child 1: Child A, police: Domestic abuse incident, child present.',
      '12 October 2026: Child 1: Child A, police: Incident narrative.',
      '13 October 2026: Child 1: Child A, health: A&E attendance.',
    ]);
    // Records of two agencies about one incident, with the evidence, citing both.
    const [incident] = draft.content.sections.find((s) => s.key === 'incidents')!.statements;
    expect(incident!.text).toMatch(/^Possibly one incident \(G1, 1[23] October 2026\): (health and police|police and health) records\./);
    // The evidence names each agency's date as the précis writes dates, never as an ISO date.
    expect(incident!.text).toMatch(/police 12 October 2026/);
    expect(incident!.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(incident!.references.map((r) => r.ref).sort()).toEqual(['health:ENC-2', 'police:OCC-1']);
    expect(chronology[1]!.references).toEqual([{ ref: 'health:ENC-1', auditEventId: draft.disclosureEventId, category: 'health.summary', subjectId, fields: ['type', 'title', 'start'], personId: HEALTH_PERSON }]);
    // The indicators that fired, with the records they count: no score.
    const indicators = draft.content.sections.find((s) => s.key === 'indicators')!.statements;
    const da = indicators.find((s) => s.text.startsWith('Domestic abuse incidents with a child present: 1'))!;
    expect(da.references.map((r) => r.ref)).toEqual(['police:OCC-1']);
    expect(da.relevance).toMatch(/child of the household was\s+recorded as present|recorded as present/);

    // Police detail awaits the force's approval: summarised meanwhile, with a "holds information" line.
    const detail = citing(draft.content, 'police:OCC-1-N')!;
    expect(detail.references[0]!.fields).not.toContain('narrative');
    const held = statements(draft.content).filter((s) => s.kind === 'withheld');
    expect(held).toEqual([
      // s47: the one generic marker sealed information may produce, naming neither agency nor category.
      expect.objectContaining({ text: expect.stringMatching(/^Restricted information may be held; contact MASH information governance lead/), withheld: { agency: 'information-governance', category: 'information-governance.restricted', subjectId } }),
      expect.objectContaining({ text: expect.stringMatching(/^police holds information \(Police detail.*\); contact Public Protection Unit, 01632 960100\. Awaiting police's approval/), withheld: { agency: 'police', category: 'police.detail', subjectId }, references: [] }),
    ]);
    // A withheld narrative and a sealed record never appear, in any form.
    expect(allText(draft.content)).not.toContain(NARRATIVES.police);
    expect(allText(draft.content)).not.toContain(NARRATIVES.sealed);
    expect(allText(draft.content)).not.toContain('GUM-2');

    const log = await events(enquiryId);
    const disclosure = log.find((e) => e.id === draft.disclosureEventId)!;
    expect(disclosure).toMatchObject({ operation: 'precis', outcome: 'success', subjects: [{ subjectId }] });
    expect(disclosure.decisions).toContainEqual(expect.objectContaining({ agency: 'health', category: 'health.sexual-health', decision: 'deny' }));
    const drafted = log.find((e) => e.id === draft.auditEventId)!;
    expect(drafted).toMatchObject({ operation: 'precisDraft', outcome: 'success', enquiry: { id: enquiryId, purpose: 's47' } });
    expect(drafted.reason).toContain(`disclosure event ${draft.disclosureEventId} (1 subject, ${indicators.length} indicators fired)`);
    expect(indicators.length).toBeGreaterThanOrEqual(2);
    expect(drafted.reason).toContain('referral text read');
    expect(JSON.stringify(log)).not.toContain(REFERRAL.referralText);
    expect(disclosure.seq).toBeLessThan(drafted.seq);
  });

  it('drafts a household adult with the child in one step; their clinical detail only once relevance is recorded, cited under their own subject', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    // Subjects are listed in the order they joined the enquiry: the mother joins a minute later.
    clock = at(1);
    await createSearchShownRepository(store).record(enquiryId, [{ agency: 'health', personId: ADULT_PERSON }], { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer }, clock);
    const adultId = (await enquiries.linkSubject(researcher, { enquiryId, agency: 'health', personId: ADULT_PERSON, relation: 'adult', label: 'Mother' }, clock)).subject.id;

    const before = await precis.draft(scope(researcher), enquiryId);
    expect(before.content.sections.map((s) => s.key)).toEqual(expect.arrayContaining([`subject:${adultId}`, `subject:${adultId}:health`]));
    expect(before.content.sections.find((s) => s.key === `subject:${adultId}`)!.statements[0]!.text).toMatch(/No relevance to the child is recorded/);
    expect(allText(before.content)).not.toContain(NARRATIVES.adult);

    await enquiries.recordRelevance(researcher, enquiryId, adultId, 'Mother is the main carer; mental health bears on her capacity to protect', clock);
    const after = await precis.draft(scope(researcher), enquiryId);
    const adultLine = citing(after.content, 'health:MH-ADULT-1')!;
    expect(adultLine.text).toContain(NARRATIVES.adult);
    expect(adultLine.references[0]).toMatchObject({ subjectId: adultId, auditEventId: after.disclosureEventId });
    // The chronology lists both subjects' entries, each saying whose it is.
    expect(after.content.sections.find((s) => s.key === 'chronology')!.statements.map((s) => s.text)).toContain('20 November 2026: Household member (adult) 2: Mother, health: Adult mental health referral.');
    const disclosure = (await events(enquiryId)).find((e) => e.id === after.disclosureEventId)!;
    expect(disclosure.subjects.map((s) => s.subjectId).sort()).toEqual([subjectId, adultId].sort());

    const content = asInput(after.content);
    await precis.save(scope(researcher), enquiryId, 0, content);
    // The adult's record cited as the child's is refused: the event disclosed it about the adult.
    const wrong = structuredClone(content);
    const line = wrong.sections.flatMap((s) => s.statements).find((s) => s.references[0]?.ref === 'health:MH-ADULT-1')!;
    line.references[0]!.subjectId = subjectId;
    expect((await refusal(precis.save(scope(researcher), enquiryId, 1, wrong))).message).toMatch(/health:MH-ADULT-1 was not disclosed/);
  });

  it('says at the top when a draft is larger than a précis may be saved, and such a save is refused whole', async () => {
    const enquiry = await enquiries.open(researcher, { referralReference: 'REF-BIG', purpose: 's47', consentRecorded: false, rag: 'RED', ...REFERRAL }, clock);
    await createSearchShownRepository(store).record(enquiry.id, [{ agency: 'health', personId: BIG_PERSON }], { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer }, clock);
    await enquiries.linkSubject(researcher, { enquiryId: enquiry.id, agency: 'health', personId: BIG_PERSON }, clock);
    const draft = await precis.draft(scope(researcher), enquiry.id);
    expect(draft.content.sections[0]!.statements[0]!.text).toMatch(new RegExp(`^This draft has \\d+ characters; a précis may be saved with at most ${PRECIS_LIMITS.contentChars}\\.`));
    const error = await refusal(precis.save(scope(researcher), enquiry.id, 0, asInput(draft.content)));
    expect(error).toMatchObject({ code: 'BAD_INPUT', details: { field: 'content' } });
    expect(await precis.versions(scope(researcher), enquiry.id)).toEqual([]);
  });

  it('saves versions with who, when and which sections changed; a stale base is CONFLICT and nothing is lost', async () => {
    const { enquiryId } = await openEnquiry({ purpose: 's47' });
    const draft = await precis.draft(scope(researcher), enquiryId);
    const first = asInput(draft.content);
    const v1 = await precis.save(scope(researcher), enquiryId, 0, first);
    expect(v1.version).toMatchObject({ version: 1, savedBy: 'researcher-1', savedByIssuer: 'test', savedByName: 'Riley Researcher', savedAt: clock.toISOString() });
    expect(v1.version.changes.map((c) => c.change)).toEqual(first.sections.map(() => 'added'));

    // The colleague edits from version 1 and saves first; the researcher's edit, also from 1, conflicts.
    clock = at(5);
    const analysis = 'Repeated A&E attendance with an unexplained injury: recommend a strategy discussion.';
    const edited = { ...first, sections: first.sections.map((s) => (s.key === 'analysis' ? { ...s, analysis } : s)) };
    const v2 = await precis.save(scope(colleague), enquiryId, 1, edited);
    expect(v2.version).toMatchObject({ version: 2, savedBy: 'researcher-2', changes: [{ key: 'analysis', change: 'changed' }] });
    const stale = await refusal(precis.save(scope(researcher), enquiryId, 1, { ...first, title: 'My own title' }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.details).toMatchObject({ currentVersion: 2, baseVersion: 1 });
    expect(stale.message).toMatch(/read version 2 \(precisVersion\), merge/);

    const versions = await precis.versions(scope(researcher), enquiryId);
    expect(versions.map((v) => [v.version, v.savedBy])).toEqual([
      [1, 'researcher-1'],
      [2, 'researcher-2'],
    ]);
    // Any version can be read; the first is as it was saved.
    const read1 = await precis.read(scope(researcher), enquiryId, 1);
    expect(read1.content.sections.find((s) => s.key === 'analysis')!.analysis).toBeNull();
    const read2 = await precis.read(scope(researcher), enquiryId, 2);
    expect(read2.content.sections.find((s) => s.key === 'analysis')!.analysis).toBe(analysis);
    expect(read2.unavailable).toBe(0);

    // Merged onto version 2, the researcher's change is saved as version 3: title changed.
    const v3 = await precis.save(scope(researcher), enquiryId, 2, { ...edited, title: 'My own title' });
    expect(v3.version.changes).toEqual([{ key: 'title', change: 'changed' }]);

    // Two saves on the same base at once: exactly one is stored.
    const race = await Promise.allSettled([precis.save(scope(researcher), enquiryId, 3, edited), precis.save(scope(colleague), enquiryId, 3, first)]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as GatewayError).code)).toEqual(['CONFLICT']);
    expect((await precis.versions(scope(researcher), enquiryId)).map((v) => v.version)).toEqual([1, 2, 3, 4]);

    const saves = (await events(enquiryId)).filter((e) => e.operation === 'savePrecis');
    expect(saves.map((e) => e.outcome)).toEqual(['success', 'success', 'refused', 'success', expect.any(String), expect.any(String)]);
    expect(saves.filter((e) => e.outcome === 'refused').every((e) => e.outcomeCode === 'CONFLICT')).toBe(true);
    // The researcher's free text never goes into the audit log.
    expect(JSON.stringify(saves)).not.toContain('strategy discussion.');
    expect(saves[0]!.reason).toMatch(/^Saved précis version 1 on version 0; content sha256 [0-9a-f]{64}; sections \d+ added, 0 changed, 0 removed\.$/);
  });

  it('refuses non-members, wrong versions, oversized or malformed content and citations the enquiry never disclosed; each refusal audited', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    const draft = await precis.draft(scope(researcher), enquiryId);
    const content = asInput(draft.content);
    await precis.save(scope(researcher), enquiryId, 0, content);

    for (const actor of [outsider, impostor, manager]) {
      expect((await refusal(precis.draft(scope(actor), enquiryId))).code).toBe('FORBIDDEN_NOT_MEMBER');
      expect((await refusal(precis.save(scope(actor), enquiryId, 1, content))).code).toBe('FORBIDDEN_NOT_MEMBER');
      expect((await refusal(precis.versions(scope(actor), enquiryId))).code).toBe('FORBIDDEN_NOT_MEMBER');
      expect((await refusal(precis.read(scope(actor), enquiryId, 1))).code).toBe('FORBIDDEN_NOT_MEMBER');
      expect((await refusal(precis.export(scope(actor), enquiryId, 1, 'PDF'))).code).toBe('FORBIDDEN_NOT_MEMBER');
    }
    expect((await refusal(precis.read(scope(researcher), 'no-such-enquiry', 1))).code).toBe('FORBIDDEN_NO_ENQUIRY');
    expect((await refusal(precis.read(scope(researcher), enquiryId, 7))).code).toBe('NOT_FOUND');
    expect((await refusal(precis.export(scope(researcher), enquiryId, 7, 'DOCX'))).code).toBe('NOT_FOUND');
    expect((await refusal(precis.read(scope(researcher), enquiryId, 0))).details).toMatchObject({ field: 'version' });
    expect((await refusal(precis.save(scope(researcher), enquiryId, -1, content))).details).toMatchObject({ field: 'baseVersion' });

    const bad = async (mutate: (c: PrecisContent) => unknown) => refusal(precis.save(scope(researcher), enquiryId, 1, mutate(structuredClone(content))));
    const section = (c: PrecisContent, key: string) => c.sections.find((s) => s.key === key)!;
    const health = `subject:${subjectId}:health`;
    const policeKey = `subject:${subjectId}:police`;
    const i = content.sections.findIndex((s) => s.key === health);

    let error = await bad((c) => ((section(c, health).statements[0]!.text = 'x'.repeat(PRECIS_LIMITS.text + 1)), c));
    expect(error).toMatchObject({ code: 'BAD_INPUT', details: { field: `content.sections[${i}].statements[0].text` } });
    error = await bad((c) => ({ ...c, sections: Array.from({ length: 60 }, (_, n) => ({ key: `k${n}`, heading: 'Notes', subjectId: null, agency: null, statements: [], analysis: 'y'.repeat(PRECIS_LIMITS.analysis) })) }));
    expect(error).toMatchObject({ code: 'BAD_INPUT', details: { field: 'content' } });
    expect(error.message).toMatch(/too large/);
    error = await bad((c) => ({ ...c, sections: [] }));
    expect(error.details).toMatchObject({ field: 'content.sections' });
    error = await bad((c) => ((section(c, health).statements[0]!.references = []), c));
    expect(error.details).toMatchObject({ field: `content.sections[${i}].statements[0].references` });
    error = await bad((c) => ((section(c, health).subjectId = 'someone-else'), c));
    expect(error.details).toMatchObject({ field: `content.sections[${i}].subjectId` });
    error = await bad((c) => ((c.sections[1]!.key = c.sections[0]!.key), c));
    expect(error.message).toMatch(/keys must be unique/);
    // Citing the police narrative, which the profile event did not disclose, is refused.
    error = await bad((c) => {
      const st = section(c, policeKey).statements.find((s) => s.references[0]?.ref === 'police:OCC-1-N')!;
      st.references[0]!.fields.push('narrative');
      st.text = 'Made-up narrative';
      return c;
    });
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/was not disclosed with those fields/);
    // A record id never disclosed (the sealed one), or an event of another enquiry, is refused.
    error = await bad((c) => ((section(c, health).statements[0]!.references[0]!.ref = 'health:GUM-2'), c));
    expect(error.message).toMatch(/health:GUM-2 was not disclosed/);
    const other = await openEnquiry({ purpose: 's47' });
    const otherDraft = await precis.draft(scope(researcher), other.enquiryId);
    error = await bad((c) => ((section(c, health).statements[0]!.references[0]!.auditEventId = otherDraft.disclosureEventId!), c));
    expect(error.message).toMatch(/was not disclosed/);
    error = await bad((c) => ((section(c, health).statements[0]!.references[0]!.ref = 'contact:abc'), c));
    expect(error).toMatchObject({ code: 'BAD_INPUT', details: { field: `content.sections[${i}].statements[0].references[0].ref` } });
    expect(error.message).toMatch(/contact:abc is not an entry of the contact log of enquiry/);

    const refused = (await events(enquiryId, 'no-such-enquiry')).filter((e) => e.outcome === 'refused' && ['precisDraft', 'savePrecis', 'precisVersions', 'precisVersion', 'exportPrecis'].includes(e.operation));
    // 5 operations x 3 actors, 1 unknown enquiry, 2 unknown versions, 2 bad version numbers, 10 bad contents.
    expect(refused.length).toBe(15 + 1 + 2 + 2 + 10);
    expect(new Set(refused.map((e) => e.outcomeCode))).toEqual(new Set(['FORBIDDEN_NOT_MEMBER', 'FORBIDDEN_NO_ENQUIRY', 'NOT_FOUND', 'BAD_INPUT']));
    expect(JSON.stringify(refused)).not.toContain('Made-up narrative');
    // Nothing refused was saved.
    expect((await precis.versions(scope(researcher), enquiryId)).map((v) => v.version)).toEqual([1]);
  });

  /** A phone call with the child's GP, logged into the enquiry's contact log (what was said is CALL_ACCOUNT). */
  const CALL_ACCOUNT = 'GP says the mother disclosed a relapse last week.';
  const gpCall = (subjectId: string): LogContactInput => ({
    subjectId,
    agency: 'health',
    organisation: 'Riverside Surgery',
    category: 'health.clinical',
    channel: 'phone',
    occurredAt: '2026-12-02T15:30:00Z',
    contactName: 'Dr Asha Patel',
    contactRole: 'GP',
    account: CALL_ACCOUNT,
  });
  /** The content with one more section: a statement of what is known citing `reference`. */
  const citingContact = (content: PrecisContent, reference: PrecisContent['sections'][number]['statements'][number]['references'][number]): PrecisContent => ({
    ...content,
    sections: [
      ...content.sections,
      { key: 'contacts', heading: 'What the GP told us', subjectId: reference.subjectId, agency: null, analysis: null, statements: [{ id: 'c1', kind: 'known', text: 'The GP reports a relapse by the mother.', relevance: 'Bears on her capacity to protect.', references: [reference], withheld: null }] },
    ],
  });

  it('cites a contact-log entry the enquiry disclosed, refuses one of another enquiry or an unknown id naming the citation, and exports it with when, whom and which agency', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    const entryId = (await contacts.log(researcher, enquiryId, gpCall(subjectId), clock)).entry.id;
    const log = await contacts.read(scope(researcher), enquiryId, subjectId);
    expect(log.subjects[0]!.entries.map((e) => e.reference)).toEqual([`contact:${entryId}`]);
    const other = await openEnquiry({ purpose: 's47' });
    const otherEntryId = (await contacts.log(researcher, other.enquiryId, gpCall(other.subjectId), clock)).entry.id;
    const otherLog = await contacts.read(scope(researcher), other.enquiryId, other.subjectId);

    const draft = await precis.draft(scope(researcher), enquiryId);
    const reference = { ref: `contact:${entryId}`, auditEventId: log.auditEventId, category: 'health.clinical', subjectId, fields: ['type', 'start', 'contactName', 'contactRole', 'narrative'], personId: null };
    const content = citingContact(asInput(draft.content), reference);
    const at = `content.sections[${content.sections.length - 1}].statements[0].references[0]`;

    // Another enquiry's entry (under its own event or this one's) and an unknown id: BAD_INPUT naming the citation.
    for (const forged of [
      { ...reference, ref: `contact:${otherEntryId}` },
      { ...reference, ref: `contact:${otherEntryId}`, auditEventId: otherLog.auditEventId },
      { ...reference, ref: 'contact:no-such-entry' },
    ]) {
      const error = await refusal(precis.save(scope(researcher), enquiryId, 0, citingContact(asInput(draft.content), forged)));
      expect(error).toMatchObject({ code: 'BAD_INPUT', details: { field: `${at}.ref` } });
      expect(error.message).toContain(`${forged.ref} is not an entry of the contact log of enquiry ${enquiryId}`);
    }
    // The entry under an event that did not disclose it, as another category, or cited as a health record: refused.
    expect((await refusal(precis.save(scope(researcher), enquiryId, 0, citingContact(asInput(draft.content), { ...reference, auditEventId: draft.disclosureEventId! })))).message).toMatch(
      new RegExp(`contact:${entryId} was not disclosed with those fields`),
    );
    expect((await refusal(precis.save(scope(researcher), enquiryId, 0, citingContact(asInput(draft.content), { ...reference, category: 'health.summary' })))).details).toMatchObject({ field: `${at}.category` });
    expect((await refusal(precis.save(scope(researcher), enquiryId, 0, citingContact(asInput(draft.content), { ...reference, ref: `health:${entryId}` })))).message).toMatch(/was not disclosed/);
    expect(await precis.versions(scope(researcher), enquiryId)).toEqual([]);

    await precis.save(scope(researcher), enquiryId, 0, content);
    const read = await precis.read(scope(colleague), enquiryId, 1);
    const cited = citing(read.content, `contact:${entryId}`)!;
    expect(cited).toMatchObject({ available: true, text: 'The GP reports a relapse by the mother.', references: [reference] });
    expect(read.unavailable).toBe(0);

    const pdf = await precis.export(scope(colleague), enquiryId, 1, 'PDF');
    const pdfText = (await pdfPages(Buffer.from(pdf.base64, 'base64'))).join(' ').replace(/\s+/g, ' ');
    expect(pdfText).toContain('Contact log: Phone call on 2 December 2026, 15:30 with Dr Asha Patel (GP), health (Riverside Surgery)');
    // The PDF may break the long ids across lines.
    expect(pdfText.replace(/\s+/g, '')).toContain(`contact:${entryId},health.clinical:disclosedunderauditevent${log.auditEventId}`);
    const docx = await docxParts(Buffer.from((await precis.export(scope(colleague), enquiryId, 1, 'DOCX')).base64, 'base64'));
    expect(docx.footnotes).toContain(`Contact log: Phone call on 2 December 2026, 15:30 with Dr Asha Patel (GP), health (Riverside Surgery); contact:${entryId}, health.clinical: disclosed under audit event ${log.auditEventId}.`);
    expect(docx.body).toContain('The GP reports a relapse by the mother.');
    // What the GP said is the log's, not the précis's: the document cites the entry, never its account.
    expect(pdfText + docx.body + docx.footnotes).not.toContain(CALL_ACCOUNT);

    const events_ = await events(enquiryId);
    expect(events_.find((e) => e.id === pdf.auditEventId)!.decisions).toContainEqual(
      expect.objectContaining({ agency: 'health', category: 'health.clinical', decision: 'disclose', recordIds: [entryId], reason: 'contact', fields: expect.arrayContaining(['start', 'contactName', 'contactRole', 'service']) }),
    );
    expect(events_.find((e) => e.id === read.auditEventId)!.decisions).toContainEqual(expect.objectContaining({ agency: 'health', category: 'health.clinical', decision: 'disclose', recordIds: [entryId], reason: 'contact' }));
    expect(JSON.stringify(events_)).not.toContain(CALL_ACCOUNT);
  });

  it('re-checks a cited contact-log entry like a record of its category: summary fields under consent, no longer shown once consent is withdrawn', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 'early-help', consentRecorded: true });
    const entryId = (await contacts.log(researcher, enquiryId, gpCall(subjectId), clock)).entry.id;
    const log = await contacts.read(scope(researcher), enquiryId, subjectId);
    // Early help with consent: clinical information is summarised, so what was said is not disclosed.
    expect(log.subjects[0]!.entries[0]!.record).toMatchObject({ decision: 'summarise', fields: { contactName: 'Dr Asha Patel' } });
    const draft = await precis.draft(scope(researcher), enquiryId);
    const reference = { ref: `contact:${entryId}`, auditEventId: log.auditEventId, category: 'health.clinical', subjectId, fields: ['type', 'start', 'contactName', 'contactRole'], personId: null };
    const withNarrative = citingContact(asInput(draft.content), { ...reference, fields: [...reference.fields, 'narrative'] });
    expect((await refusal(precis.save(scope(researcher), enquiryId, 0, withNarrative))).message).toMatch(/was not disclosed with those fields \(type, start, contactName, contactRole, narrative\)/);
    await precis.save(scope(researcher), enquiryId, 0, citingContact(asInput(draft.content), reference));
    expect(citing((await precis.read(scope(colleague), enquiryId, 1)).content, `contact:${entryId}`)!.available).toBe(true);

    clock = at(10);
    await enquiries.withdrawConsent(researcher, enquiryId, 'Family withdrew agreement', clock);
    const after = await precis.read(scope(colleague), enquiryId, 1);
    const section = after.content.sections.find((s) => s.key === 'contacts')!;
    expect(section.statements).toEqual([expect.objectContaining({ id: 'c1', available: false, text: UNAVAILABLE_TEXT, references: [], relevance: null })]);
    expect(allText(after.content)).not.toContain(entryId);
    const pdf = await precis.export(scope(colleague), enquiryId, 1, 'PDF');
    const text = (await pdfPages(Buffer.from(pdf.base64, 'base64'))).join(' ');
    expect(text).not.toContain('Dr Asha Patel');
    expect(text).not.toContain(entryId);
    const readEvent = (await events(enquiryId)).find((e) => e.id === after.auditEventId)!;
    expect(readEvent.decisions).toContainEqual(
      expect.objectContaining({ agency: 'health', category: 'health.clinical', decision: 'deny', recordIds: [entryId], fields: [], reason: expect.stringMatching(/^contact: Cited in the précis; not shown again/) }),
    );
  });

  it('re-checks every cited source on read: after consent is withdrawn or a link undone, those statements are no longer available', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 'early-help', consentRecorded: true });
    const draft = await precis.draft(scope(researcher), enquiryId);
    // Early help with consent: the health summary in full, clinical detail summarised (no narrative).
    expect(citing(draft.content, 'health:ENC-1')!.text).toContain(NARRATIVES.ae);
    expect(citing(draft.content, 'health:CAMHS-7')!.references[0]!.fields).not.toContain('narrative');
    expect(allText(draft.content)).not.toContain(NARRATIVES.camhs);
    await precis.save(scope(researcher), enquiryId, 0, asInput(draft.content));

    const before = await precis.read(scope(colleague), enquiryId, 1);
    expect(before.unavailable).toBe(0);
    expect(citing(before.content, 'health:ENC-1')!.available).toBe(true);

    clock = at(10);
    await enquiries.withdrawConsent(researcher, enquiryId, 'Family withdrew agreement', clock);
    const after = await precis.read(scope(colleague), enquiryId, 1);
    const healthSection = after.content.sections.find((s) => s.key === `subject:${subjectId}:health`)!;
    expect(healthSection.statements.filter((s) => s.kind === 'known' && s.available)).toEqual([]);
    const gone = healthSection.statements.filter((s) => !s.available);
    expect(gone.length).toBeGreaterThanOrEqual(2);
    expect(gone.every((s) => s.text === UNAVAILABLE_TEXT && s.references.length === 0 && s.relevance === null)).toBe(true);
    expect(allText(after.content)).not.toContain(NARRATIVES.ae);
    expect(allText(after.content)).not.toContain('health:ENC-1');
    expect(after.unavailable).toBe(gone.length + after.content.sections.flatMap((s) => s.statements).filter((s) => !s.available && !healthSection.statements.includes(s)).length);

    // The export for the same reader leaves them out too.
    const pdf = await precis.export(scope(colleague), enquiryId, 1, 'PDF');
    const text = (await pdfPages(Buffer.from(pdf.base64, 'base64'))).join(' ');
    expect(text).toContain(UNAVAILABLE_TEXT);
    expect(text).not.toContain('ENC-1');
    expect(text).not.toContain('scald');
    const docx = await docxParts(Buffer.from((await precis.export(scope(colleague), enquiryId, 1, 'DOCX')).base64, 'base64'));
    expect(docx.body).toContain(UNAVAILABLE_TEXT);
    expect(docx.body + docx.footnotes).not.toContain('ENC-1');
    expect(docx.body).not.toContain('scald');

    const readEvent = (await events(enquiryId)).find((e) => e.id === after.auditEventId)!;
    expect(readEvent).toMatchObject({ operation: 'precisVersion', outcome: 'success' });
    expect(readEvent.decisions).toContainEqual(expect.objectContaining({ agency: 'health', category: 'health.summary', decision: 'deny', recordIds: expect.arrayContaining(['ENC-1', 'ENC-2']), reason: expect.stringMatching(/^Cited in the précis; not shown again/) }));

    // Undoing the police link: the police statements are no longer shown either.
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: POLICE_PERSON, reason: 'Different person: wrong date of birth' }, clock);
    const unlinked = await precis.read(scope(researcher), enquiryId, 1);
    expect(unlinked.content.sections.find((s) => s.key === `subject:${subjectId}:police`)!.statements.every((s) => !s.available)).toBe(true);
  });

  it('re-checks the link of the very agency person a record is about: undoing one of two links at an agency hides only that record', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    await createSearchShownRepository(store).record(enquiryId, [{ agency: 'health', personId: DUPLICATE_PERSON }], { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer }, clock);
    await enquiries.linkSubject(researcher, { enquiryId, subjectId, agency: 'health', personId: DUPLICATE_PERSON }, clock);
    const draft = await precis.draft(scope(researcher), enquiryId);
    expect(citing(draft.content, 'health:DUP-1')!.references[0]!.personId).toBe(DUPLICATE_PERSON);
    const content = asInput(draft.content);
    // A reference naming a person the event's links do not name is refused.
    const forged = structuredClone(content);
    forged.sections.flatMap((s) => s.statements).find((s) => s.references[0]?.ref === 'health:ENC-1')!.references[0]!.personId = 'NHS-SOMEONE';
    expect((await refusal(precis.save(scope(researcher), enquiryId, 0, forged))).message).toMatch(/health:ENC-1 was not disclosed/);
    await precis.save(scope(researcher), enquiryId, 0, content);

    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'health', personId: DUPLICATE_PERSON, reason: 'Another child: different date of birth' }, clock);
    const read = await precis.read(scope(researcher), enquiryId, 1);
    expect(statements(read.content).filter((s) => s.references.some((r) => r.ref === 'health:DUP-1'))).toEqual([]);
    expect(allText(read.content)).not.toContain('DUP-1');
    expect(citing(read.content, 'health:ENC-1')!.available).toBe(true);
    expect(read.unavailable).toBeGreaterThanOrEqual(2); // its agency line and its chronology line
  });

  it('shows released detail once the originator approves, and re-checks it for each reader', async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    await precis.draft(scope(researcher), enquiryId);
    const request = (await reviews.listForAgency('police', 'pending')).find((r) => r.enquiryId === enquiryId);
    const reviewer: Actor = { id: 'ppu-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'], issuer: 'test' };
    await enquiries.decideReview(reviewer, request!.id, true, 'Relevant to the strategy discussion', clock);
    const draft = await precis.draft(scope(researcher), enquiryId);
    expect(citing(draft.content, 'police:OCC-1-N')!.text).toContain(NARRATIVES.police);
    expect(statements(draft.content).some((s) => s.kind === 'withheld' && s.withheld?.category === 'police.detail')).toBe(false);
    await precis.save(scope(researcher), enquiryId, 0, asInput(draft.content));
    const read = await precis.read(scope(colleague), enquiryId, 1);
    expect(citing(read.content, 'police:OCC-1-N')!.available).toBe(true);
    expect(read.content.sections.find((s) => s.key === `subject:${subjectId}:police`)!.statements.every((s) => s.available)).toBe(true);
  });

  it('exports PDF and DOCX files that open, with marking, references and page numbers; the audited hash is the hash of the bytes returned', async () => {
    const { enquiryId } = await openEnquiry({ purpose: 's47' });
    const draft = await precis.draft(scope(researcher), enquiryId);
    const content = asInput(draft.content);
    content.sections.find((s) => s.key === 'analysis')!.analysis = 'Pattern of injury and domestic abuse call-outs.\nRecommend strategy discussion.';
    await precis.save(scope(researcher), enquiryId, 0, content);

    const pdf = await precis.export(scope(researcher), enquiryId, 1, 'PDF');
    const pdfBytes = Buffer.from(pdf.base64, 'base64');
    expect(pdf).toMatchObject({ version: 1, format: 'PDF', mediaType: 'application/pdf', fileName: `precis-${enquiryId}-v1.pdf`, bytes: pdfBytes.length });
    expect(pdf.sha256).toBe(createHash('sha256').update(pdfBytes).digest('hex'));
    const pages = await pdfPages(pdfBytes);
    const pdfText = pages.join(' ');
    for (const page of pages) expect(page.match(/OFFICIAL-SENSITIVE/g)?.length).toBe(2);
    pages.forEach((page, n) => expect(page).toContain(`Page ${n + 1} of ${pages.length}`));
    for (const expected of ['MASH précis: referral REF-PRECIS-1', 'Enquiry reference: REF-PRECIS-1', 'Purpose: s47', 'https://www.legislation.gov.uk/ukpga/1989/41/section/47', 'Generated:', 'Riley Researcher (social-care)', 'The enquiry and referral', 'Child 1: Child A: health', 'Child 1: Child A: police', 'Analysis and recommendation', 'Recommend strategy discussion.', 'health:ENC-1, health.summary: disclosed under audit event', 'police:OCC-1, police.flags', 'police holds information']) {
      expect(pdfText).toContain(expected);
    }
    expect(pdfText).not.toContain(NARRATIVES.police);
    expect(pdfText).not.toContain(NARRATIVES.sealed);

    const docx = await precis.export(scope(researcher), enquiryId, 1, 'DOCX');
    const docxBytes = Buffer.from(docx.base64, 'base64');
    expect(docx).toMatchObject({ format: 'DOCX', mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', fileName: `precis-${enquiryId}-v1.docx` });
    expect(docx.sha256).toBe(createHash('sha256').update(docxBytes).digest('hex'));
    const parts = await docxParts(docxBytes);
    for (const expected of ['MASH précis: referral REF-PRECIS-1', 'Purpose: s47', 'Child 1: Child A: health', 'A&E attendance (3 October 2026)', 'police holds information', 'Recommend strategy discussion.']) expect(parts.body).toContain(expected);
    expect(parts.footnotes).toContain(`health:ENC-1, health.summary: disclosed under audit event ${draft.disclosureEventId}`);
    expect(parts.headers.join(' ')).toContain('OFFICIAL-SENSITIVE');
    expect(parts.footers.join(' ')).toContain('OFFICIAL-SENSITIVE');
    expect(parts.footers.join(' ')).toMatch(/PAGE.*NUMPAGES/s);
    expect(parts.documentXml).toContain('w:footnoteReference');
    expect(parts.body + parts.footnotes).not.toContain(NARRATIVES.police);

    const log = await events(enquiryId);
    for (const file of [pdf, docx]) {
      const event = log.find((e) => e.id === file.auditEventId)!;
      expect(event).toMatchObject({ operation: 'exportPrecis', outcome: 'success', document: { kind: 'precis', version: 1, format: file.format, sha256: file.sha256, bytes: file.bytes, fileName: file.fileName } });
      expect(event.reason).toContain(file.sha256);
      // The FHIR AuditEvent export carries the file and its hash too.
      expect(toFhirAuditEvent(event).entity).toContainEqual(
        expect.objectContaining({ role: expect.objectContaining({ code: '3' }), what: { identifier: { system: 'urn:mash-gateway:document', value: file.fileName } }, detail: expect.arrayContaining([{ type: 'sha256', valueString: file.sha256 }]) }),
      );
      expect(event.decisions).toContainEqual(expect.objectContaining({ agency: 'health', category: 'health.summary', decision: 'disclose', recordIds: expect.arrayContaining(['ENC-1', 'ENC-2']) }));
    }
    // The file name carries no personal data (no label, no referral text).
    expect(pdf.fileName).not.toMatch(/Child|REF-/);
  });

  it("notes an agency that could not answer, and the draft's event says it is partial", async () => {
    const { enquiryId, subjectId } = await openEnquiry({ purpose: 's47' });
    const down: Connector = { ...police, fetchRecords: async () => Promise.reject(new Error('connection refused')) };
    const degraded = createFederation([health, down], { timeoutMs: 1500, logger: silentLogger, resilience: { police: { retries: 0 } } });
    try {
      const base = { ...services, federation: degraded };
      const service = createPrecisService({ ...base, access: createAccess(base) });
      const requestId = `req-${++request}`;
      const draft = await service.draft({ requestId, actor: researcher, federation: degraded.forRequest(requestId) }, enquiryId);
      const policeSection = draft.content.sections.find((s) => s.key === `subject:${subjectId}:police`)!;
      expect(policeSection.statements.map((s) => s.text)).toEqual(['police could not be reached when this draft was made; ask again before the discussion.']);
      expect(citing(draft.content, 'health:ENC-1')).toBeDefined();
      const log = await events(enquiryId);
      expect(log.find((e) => e.id === draft.auditEventId)).toMatchObject({ operation: 'precisDraft', outcome: 'partial' });
      expect(log.find((e) => e.id === draft.disclosureEventId)).toMatchObject({ operation: 'precis', outcome: 'partial' });
    } finally {
      await degraded.close();
    }
  });

  it('returns nothing when the export cannot be audited', async () => {
    const { enquiryId } = await openEnquiry({ purpose: 's47' });
    const draft = await precis.draft(scope(researcher), enquiryId);
    await precis.save(scope(researcher), enquiryId, 0, asInput(draft.content));
    const failing: AuditLog = { ...audit, append: (event) => (event.operation === 'exportPrecis' ? Promise.reject(new GatewayError('AUDIT_UNAVAILABLE', 'The audit log cannot record this access.')) : audit.append(event)) };
    const broken = createPrecisService({ ...services, audit: failing });
    const error = await refusal(broken.export(scope(researcher), enquiryId, 1, 'PDF'));
    expect(error.code).toBe('AUDIT_UNAVAILABLE');
    expect((await events(enquiryId)).some((e) => e.operation === 'exportPrecis')).toBe(false);
  });

  it('after closure: read-only export for members and managers of the owning team, audited; no drafts or saves', async () => {
    const { enquiryId } = await openEnquiry({ purpose: 's47' });
    const draft = await precis.draft(scope(researcher), enquiryId);
    await precis.save(scope(researcher), enquiryId, 0, asInput(draft.content));
    // Before closure a manager who is not a member joins first, like any reader.
    expect((await refusal(precis.export(scope(manager), enquiryId, 1, 'PDF'))).code).toBe('FORBIDDEN_NOT_MEMBER');
    clock = at(30);
    await signedOffDecision(store, enquiryId, researcher, clock);
    await enquiries.close(researcher, enquiryId, 'Strategy discussion held; s47 enquiry to proceed', clock);

    const member = await precis.export(scope(researcher), enquiryId, 1, 'PDF');
    const text = (await pdfPages(Buffer.from(member.base64, 'base64'))).join(' ');
    expect(text).toContain('Enquiry closed:');
    expect(text).toContain('read-only record of the decision');
    const byManager = await precis.export(scope(manager), enquiryId, 1, 'DOCX');
    expect(byManager.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await precis.versions(scope(manager), enquiryId)).map((v) => v.version)).toEqual([1]);
    expect((await refusal(precis.export(scope(otherManager), enquiryId, 1, 'PDF'))).code).toBe('FORBIDDEN_NOT_MEMBER');
    expect((await refusal(precis.export(scope(outsider), enquiryId, 1, 'PDF'))).code).toBe('FORBIDDEN_NOT_MEMBER');
    expect((await refusal(precis.save(scope(researcher), enquiryId, 1, asInput(draft.content)))).code).toBe('FORBIDDEN_ENQUIRY_CLOSED');
    expect((await refusal(precis.draft(scope(researcher), enquiryId))).code).toBe('FORBIDDEN_ENQUIRY_CLOSED');

    const log = await events(enquiryId);
    expect(log.find((e) => e.id === byManager.auditEventId)).toMatchObject({ operation: 'exportPrecis', outcome: 'success', managerJoin: true, actor: { id: 'manager-1' } });
    expect(log.find((e) => e.id === member.auditEventId)!.managerJoin).toBeUndefined();
  });
});
