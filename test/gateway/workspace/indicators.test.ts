import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordKind, SourceRecord } from '../../../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';
import { discloseRecords, type AgencyAnswer } from '../../../gateway/disclosure/index.js';
import { createEnquiryRepository } from '../../../gateway/enquiries/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { assembleChronology, type ChronologySubject } from '../../../gateway/workspace/chronology/index.js';
import {
  computeIndicators,
  createIndicatorSnapshotRepository,
  IndicatorDefinitionsError,
  loadIndicatorFile,
  loadIndicatorText,
  type IndicatorDocument,
} from '../../../gateway/workspace/indicators/index.js';
import { storeKinds } from '../../helpers/stores.js';

/**
 * Risk indicators are computed from what the gate disclosed, never from withheld data. Records
 * here pass the real gate under the shipped policy, so "withheld" means what the gate withholds.
 */

const abilityFor = createAbilityCache(loadPolicyFile());
const ability = (purpose: string, consent: boolean, relation: 'child' | 'adult' = 'child', relevance = false) =>
  abilityFor({ roles: ['mash-researcher'], purpose, consent, relation, relevance });
const contact = { name: 'Front door', phone: '01632 960000' };
const NOW = new Date('2025-09-30T12:00:00Z');
const CHILD: ChronologySubject = { id: 's-child', label: 'Child', relation: 'child', focus: true };
const MOTHER: ChronologySubject = { id: 's-mother', label: 'Mother', relation: 'adult', focus: false };
const SHIPPED = loadIndicatorFile();

interface Spec {
  agency: string;
  category: string;
  id: string;
  kind?: RecordKind;
  fields: SourceRecord['fields'];
}

/** Through the gate under `compiled`, then into a chronology for `subject`. */
function entries(specs: Spec[], compiled = ability('s47', false), subject = CHILD) {
  const answers: AgencyAnswer[] = [...new Set(specs.map((s) => s.agency))].map((agency) => ({
    agency,
    status: 'answered',
    contact,
    records: specs
      .filter((s) => s.agency === agency)
      .map((s) => ({
        kind: s.kind ?? 'event',
        agency,
        category: s.category,
        tier: s.category === 'health.clinical' || s.category === 'police.detail' ? 'T3' : s.category.endsWith('.record') ? 'T2' : 'T1',
        personId: 'p1',
        provenance: { system: `https://${agency}.test`, recordId: s.id, asOf: '2025-09-30T00:00:00Z' },
        fields: s.fields,
      })),
  }));
  const disclosure = discloseRecords(compiled, answers);
  return assembleChronology([{ subject, records: disclosure.agencies.flatMap((a) => a.records), withheld: disclosure.agencies.flatMap((a) => a.withheld) }], 'event-1', NOW.getTime());
}

const fired = (document: IndicatorDocument, list: ReturnType<typeof entries>) => new Map(computeIndicators(document, list, NOW).fired.map((f) => [f.id, f]));

const daIncident = (id: string, start: string, title = 'Domestic abuse incident (child present)'): Spec => ({
  agency: 'police',
  category: 'police.flags',
  id,
  fields: { type: 'domestic-abuse-incident', title, start, narrative: 'Officer account.' },
});

describe('the shipped definitions', () => {
  it('load and validate, and cover the indicators the MASH asked for', () => {
    expect(SHIPPED.id).toBe('mash-risk-indicators');
    expect(SHIPPED.indicators.map((i) => i.id)).toEqual([
      'da-child-present-12m',
      'current-cp-plan-or-cin',
      'missing-episodes-12m',
      'absence-or-exclusion-12m',
      'housing-instability-12m',
      'parental-substance-or-mental-health',
      'escalation-3m',
    ]);
  });

  it.each([
    ['an unknown form', 'form: score', /indicators\.0/],
    ['a window without a period', 'form: window', /indicators\.0\.window/],
    ['a bad regular expression', "form: current\n    counts: [{ agencies: [police], types: [x], titleMatches: '(' }]", /titleMatches: not a valid regular expression/],
  ])('refuse %s, naming where', (_name, body, problem) => {
    const text = `id: t\nversion: '1'\nindicators:\n  - id: x\n    name: X\n    description: X\n    threshold: 1\n    ${body}\n${body.includes('counts') ? '' : '    counts: [{ agencies: [police], types: [x] }]\n'}`;
    expect(() => loadIndicatorText(text)).toThrowError(problem);
  });

  it('refuse an id used twice', () => {
    const one = '  - { id: x, name: X, description: X, form: current, threshold: 1, counts: [{ agencies: [police], types: [x] }] }\n';
    expect(() => loadIndicatorText(`id: t\nversion: '1'\nindicators:\n${one}${one}`)).toThrowError(IndicatorDefinitionsError);
  });
});

describe('computed from disclosed information only', () => {
  const incidents = [daIncident('events/1', '2025-08-16T22:00:00Z'), daIncident('events/2', '2025-04-13T19:00:00Z')];

  it('counts domestic abuse incidents with the child present when the gate disclosed them (s47)', () => {
    const da = fired(SHIPPED, entries(incidents)).get('da-child-present-12m');
    expect(da).toMatchObject({ count: 2, references: ['police:events/2', 'police:events/1'] });
  });

  it('never counts a withheld record: the same incidents under early help without consent fire nothing', () => {
    const list = entries(incidents, ability('early-help', false));
    expect(list.every((e) => e.kind === 'withheld')).toBe(true);
    expect(list.length).toBeGreaterThan(0);
    expect(computeIndicators(SHIPPED, list, NOW).fired).toEqual([]);
  });

  it('counts a summarised record only with the fields it needs: a title the gate held back is not guessed', () => {
    // Early help with consent summarises police flags (no narrative); the title is in the summary.
    expect(fired(SHIPPED, entries(incidents, ability('early-help', true))).get('da-child-present-12m')?.count).toBe(2);
    const untitled = [{ ...incidents[0]!, fields: { type: 'domestic-abuse-incident', start: '2025-08-16' } }];
    expect(fired(SHIPPED, entries(untitled)).has('da-child-present-12m')).toBe(false);
  });

  it('does not count a call-out where the child was not present, or one over a year ago', () => {
    const list = entries([daIncident('events/3', '2025-08-01', 'Domestic abuse incident (child in the household, not present)'), daIncident('events/4', '2024-08-01')]);
    expect(fired(SHIPPED, list).has('da-child-present-12m')).toBe(false);
  });

  it('a household adult’s clinical record counts only where the policy disclosed it (relevance recorded)', () => {
    const episode: Spec = { agency: 'health', category: 'health.clinical', id: 'EpisodeOfCare/1', kind: 'involvement', fields: { type: 'adult-mental-health', title: 'Adult mental health services', start: '2024-01-10' } };
    const without = entries([episode], ability('s47', false, 'adult', false), MOTHER);
    expect(without.map((e) => e.kind)).toEqual(['withheld']);
    expect(fired(SHIPPED, without).has('parental-substance-or-mental-health')).toBe(false);
    const withRelevance = entries([episode], ability('s47', false, 'adult', true), MOTHER);
    expect(fired(SHIPPED, withRelevance).get('parental-substance-or-mental-health')).toMatchObject({ count: 1, references: ['health:EpisodeOfCare/1'] });
  });
});

describe('forms', () => {
  const plan = (fields: SourceRecord['fields']): Spec => ({ agency: 'social-care', category: 'social-care.status', id: 'cp_plan/1', kind: 'state', fields: { type: 'cp-plan', title: 'Child protection plan', ...fields } });

  it.each([
    ['no end', { start: '2025-05-03' }, true],
    ['an end in the future', { start: '2025-05-03', end: '2025-12-01' }, true],
    ['an end that has passed', { start: '2024-05-03', end: '2025-05-01' }, false],
    ['a start in the future', { start: '2025-12-01' }, false],
    ['no start disclosed', {}, false],
  ] as const)('current: a plan with %s is current: %s', (_name, fields, current) => {
    expect(fired(SHIPPED, entries([plan(fields)])).has('current-cp-plan-or-cin')).toBe(current);
  });

  it('window: a state in force during the window counts even if it started before it', () => {
    const ta: Spec = { agency: 'housing', category: 'housing.record', id: 'ta/1', kind: 'state', fields: { type: 'temporary-accommodation', start: '2023-01-01' } };
    expect(fired(SHIPPED, entries([ta])).get('housing-instability-12m')?.references).toEqual(['housing:ta/1']);
    const ended: Spec = { ...ta, id: 'ta/2', fields: { ...ta.fields, end: '2024-01-01' } };
    expect(fired(SHIPPED, entries([ended])).has('housing-instability-12m')).toBe(false);
  });

  it('escalation: fires with more incidents in the last 3 months than in the 9 before, citing both periods', () => {
    const recent = [daIncident('events/1', '2025-09-01'), { agency: 'health', category: 'health.summary', id: 'Encounter/1', fields: { type: 'ae-attendance', start: '2025-08-01' } } as Spec];
    const earlier = [daIncident('events/2', '2025-03-01')];
    const escalation = fired(SHIPPED, entries([...recent, ...earlier])).get('escalation-3m');
    expect(escalation).toMatchObject({ count: 2, references: ['health:Encounter/1', 'police:events/1'], earlier: { count: 1, references: ['police:events/2'] } });
    const steady = [...earlier, daIncident('events/3', '2025-02-01'), daIncident('events/4', '2025-04-01')];
    expect(fired(SHIPPED, entries([...recent, ...steady])).has('escalation-3m')).toBe(false);
  });

  it('counts one police call-out once, though its narrative is a second (detail) record of the same type', () => {
    const flags = daIncident('events/1', '2025-09-01');
    const detail: Spec = { agency: 'police', category: 'police.detail', id: 'events/1#narrative', fields: { type: 'domestic-abuse-incident', title: "Domestic abuse incident: officer's account", start: '2025-09-01' } };
    const escalation = fired(SHIPPED, entries([flags, detail])).get('escalation-3m');
    expect(escalation?.references).toEqual(['police:events/1']);
  });
});

describe.each(storeKinds())('indicator snapshots ($name)', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await kind.open();
  });
  afterAll(async () => store?.close());

  async function enquiry(): Promise<string> {
    const opened = await createEnquiryRepository(store).create({
      referralReference: 'REF-1',
      purpose: 's47',
      legalBasis: 'https://www.legislation.gov.uk/ukpga/1989/41/section/47',
      consentRecorded: false,
      rag: 'RED',
      deadline: new Date(NOW.getTime() + 86400_000),
      computedDeadline: new Date(NOW.getTime() + 86400_000),
      accessEndsAt: new Date(NOW.getTime() + 2 * 86400_000),
      receivedAt: NOW,
      concernCategories: [],
      referral: null,
      openedBy: { id: 'r1', issuer: 'https://issuer.test', name: 'Riley', agency: 'social-care' },
      now: NOW,
    });
    return opened.id;
  }

  it('keeps the latest ids and counts per enquiry, with the access event, and nothing of the records', async () => {
    const snapshots = createIndicatorSnapshotRepository(store);
    const id = await enquiry();
    const result = computeIndicators(SHIPPED, entries([daIncident('events/1', '2025-08-16')]), NOW);
    const actor = { id: 'r1', issuer: 'https://issuer.test' };
    await snapshots.save(id, 's-child', result, { auditEventId: '00000000-0000-4000-8000-000000000001', actor }, NOW);
    const later = new Date(NOW.getTime() + 3600_000);
    const saved = await snapshots.save(id, 's-child', computeIndicators(SHIPPED, [], later), { auditEventId: '00000000-0000-4000-8000-000000000002', actor }, later);
    expect(saved.indicators).toEqual([]);
    const latest = await snapshots.latest([id, 'ENQ-none']);
    expect([...latest.keys()]).toEqual([id]);
    expect(latest.get(id)).toEqual({
      enquiryId: id,
      subjectId: 's-child',
      definitions: { id: 'mash-risk-indicators', version: SHIPPED.version },
      indicators: [],
      computedAt: later.toISOString(),
      auditEventId: '00000000-0000-4000-8000-000000000002',
    });
    await snapshots.save(id, 's-child', result, { auditEventId: '00000000-0000-4000-8000-000000000003', actor }, later);
    expect((await snapshots.latest([id])).get(id)!.indicators).toEqual(result.fired.map((f) => ({ id: f.id, count: f.count })));
    const { rows } = await store.query('SELECT * FROM enquiry_indicator_snapshot WHERE enquiry_id = $1', [id]);
    expect(JSON.stringify(rows)).not.toMatch(/events\/1|police:/);
  });
});
