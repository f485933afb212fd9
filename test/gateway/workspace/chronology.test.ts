import { describe, expect, it } from 'vitest';
import type { RecordKind, SourceRecord } from '../../../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';
import { discloseRecords, type AgencyAnswer, type DisclosedRecord } from '../../../gateway/disclosure/index.js';
import {
  assembleChronology,
  closeInTime,
  groupIncidents,
  placeDate,
  recordEntries,
  type ChronologyEntry,
  type ChronologySubject,
} from '../../../gateway/workspace/chronology/index.js';

/**
 * The chronology's assembly and incident grouping are pure: these tables drive them with records
 * made by the real gate under the shipped policy (s47), so what they read is what a caller gets.
 */

const abilityFor = createAbilityCache(loadPolicyFile());
const s47 = abilityFor({ roles: ['mash-researcher'], purpose: 's47', consent: false, relation: 'child', relevance: false });
const earlyHelpNoConsent = abilityFor({ roles: ['mash-researcher'], purpose: 'early-help', consent: false, relation: 'child', relevance: false });
const contact = { name: 'Front door', phone: '01632 960000' };

const CHILD: ChronologySubject = { id: 's-child', label: 'Child 1', relation: 'child', focus: true };
const MOTHER: ChronologySubject = { id: 's-mother', label: 'Mother', relation: 'adult', focus: false };
const NOW = Date.parse('2025-09-30T12:00:00Z');

interface Spec {
  agency: string;
  category: string;
  id: string;
  kind?: RecordKind;
  fields: SourceRecord['fields'];
  personId?: string;
}

/** Records through the gate (s47 unless given): the only way to get DisclosedRecords. */
function disclosed(specs: Spec[], ability = s47): DisclosedRecord[] {
  const agencies = [...new Set(specs.map((s) => s.agency))];
  const answers: AgencyAnswer[] = agencies.map((agency) => ({
    agency,
    status: 'answered',
    contact,
    records: specs
      .filter((s) => s.agency === agency)
      .map((s) => ({
        kind: s.kind ?? 'event',
        agency,
        category: s.category,
        tier: s.category.endsWith('detail') || s.category.endsWith('clinical') ? 'T3' : 'T1',
        personId: s.personId ?? 'p1',
        provenance: { system: `https://${agency}.test`, recordId: s.id, asOf: '2025-09-30T00:00:00Z' },
        fields: s.fields,
      })),
  }));
  return discloseRecords(ability, answers).agencies.flatMap((a) => a.records);
}

const entriesOf = (specs: Spec[], subject = CHILD): ChronologyEntry[] => assembleChronology([{ subject, records: disclosed(specs), withheld: [] }], 'event-1', NOW);

describe('placing dates', () => {
  it.each([
    ['2025-03-01', 'date', '2025-03-01T00:00:00.000Z'],
    ['2025-03-01T22:15:00Z', 'date-time', '2025-03-01T22:15:00.000Z'],
    ['2025-03-01T22:15:00+01:00', 'date-time', '2025-03-01T21:15:00.000Z'],
  ])('%s is a %s sorting at %s', (value, precision, at) => {
    expect(placeDate(value)).toEqual({ date: value, precision, at: Date.parse(at) });
  });

  it.each([['March 2025'], ['2025-13-45'], ['']])('%j cannot be placed, so the entry is undated', (value) => {
    expect(placeDate(value)).toBeNull();
  });
});

describe('state and involvement start/end expansion', () => {
  const cases: { name: string; kind: RecordKind; fields: SourceRecord['fields']; kinds: string[]; dates: (string | null)[] }[] = [
    { name: 'an event is one entry at its date', kind: 'event', fields: { type: 'ae-attendance', start: '2025-01-02' }, kinds: ['event'], dates: ['2025-01-02'] },
    { name: 'an ended state is a start and an end', kind: 'state', fields: { type: 'cp-plan', start: '2024-01-02', end: '2025-01-02' }, kinds: ['state-start', 'state-end'], dates: ['2024-01-02', '2025-01-02'] },
    { name: 'an open state is its start only', kind: 'state', fields: { type: 'cp-plan', start: '2024-01-02' }, kinds: ['state-start'], dates: ['2024-01-02'] },
    { name: 'a planned end (after now) is not yet in the chronology', kind: 'involvement', fields: { type: 'tenancy', start: '2024-01-02', end: '2026-01-02' }, kinds: ['involvement-start'], dates: ['2024-01-02'] },
    { name: 'an involvement with only an end is its end', kind: 'involvement', fields: { type: 'camhs', end: '2025-02-01' }, kinds: ['involvement-end'], dates: ['2025-02-01'] },
    { name: 'a state with no dates is one undated start', kind: 'state', fields: { type: 'cp-plan' }, kinds: ['state-start'], dates: [null] },
  ];
  it.each(cases)('$name', ({ kind, fields, kinds, dates }) => {
    const [record] = disclosed([{ agency: 'social-care', category: 'social-care.status', id: 'r1', kind, fields }]);
    const entries = recordEntries(record!, CHILD, 'event-1', NOW);
    expect(entries.map((e) => e.kind)).toEqual(kinds);
    expect(entries.map((e) => e.date)).toEqual(dates);
    for (const entry of entries) expect(entry).toMatchObject({ reference: 'social-care:r1', agency: 'social-care', category: 'social-care.status', auditEventId: 'event-1', subject: CHILD });
  });
});

describe('ordering', () => {
  it('sorts by date, then agency, then reference; date-only at the start of its day; undated last', () => {
    const entries = entriesOf([
      { agency: 'police', category: 'police.flags', id: 'events/2', fields: { type: 'domestic-abuse-incident', start: '2025-03-01T22:00:00Z' } },
      { agency: 'health', category: 'health.summary', id: 'Encounter/9', fields: { type: 'ae-attendance', start: '2025-03-01T23:30:00Z' } },
      { agency: 'education', category: 'education.record', id: 'exclusion/1', fields: { type: 'suspension', start: '2025-03-01' } },
      { agency: 'police', category: 'police.flags', id: 'events/10', fields: { type: 'missing-episode', start: '2025-03-01T22:00:00Z' } },
      { agency: 'health', category: 'health.summary', id: 'Flag/1', fields: { type: 'health-flag' } },
      { agency: 'health', category: 'health.summary', id: 'Encounter/1', fields: { type: 'ae-attendance', start: '2024-12-31T09:00:00Z' } },
    ]);
    expect(entries.map((e) => e.reference)).toEqual([
      'health:Encounter/1',
      'education:exclusion/1',
      'police:events/10',
      'police:events/2',
      'health:Encounter/9',
      'health:Flag/1',
    ]);
  });

  it('is the same whatever order the agencies answered in', () => {
    const specs: Spec[] = [
      { agency: 'police', category: 'police.flags', id: 'a', fields: { type: 'domestic-abuse-incident', start: '2025-03-01' } },
      { agency: 'health', category: 'health.summary', id: 'b', fields: { type: 'ae-attendance', start: '2025-03-01' } },
      { agency: 'housing', category: 'housing.record', id: 'c', fields: { type: 'rent-arrears', start: '2025-03-01' } },
    ];
    const forward = entriesOf(specs).map((e) => e.reference);
    const backward = entriesOf([...specs].reverse()).map((e) => e.reference);
    expect(backward).toEqual(forward);
    expect(forward).toEqual(['health:b', 'housing:c', 'police:a']);
  });

  it('keeps only entries within the window, and undated entries whatever the window', () => {
    const records = disclosed([
      { agency: 'health', category: 'health.summary', id: 'old', fields: { type: 'ae-attendance', start: '2023-01-01' } },
      { agency: 'health', category: 'health.summary', id: 'in', fields: { type: 'ae-attendance', start: '2025-02-01' } },
      { agency: 'health', category: 'health.summary', id: 'undated', fields: { type: 'health-flag' } },
    ]);
    const entries = assembleChronology([{ subject: CHILD, records, withheld: [] }], 'e', NOW, { from: Date.parse('2025-01-01T00:00:00Z'), to: NOW });
    expect(entries.map((e) => e.reference)).toEqual(['health:in', 'health:undated']);
  });
});

describe('other sources (the contact log)', () => {
  it('cite their own reference and origin and sort with the agencies’ entries', () => {
    const records = disclosed([{ agency: 'health', category: 'health.summary', id: 'Encounter/1', fields: { type: 'ae-attendance', start: '2025-03-01T22:00:00Z' } }]);
    const logged = disclosed([{ agency: 'health', category: 'health.summary', id: '7b1c', fields: { type: 'contact-phone', start: '2025-03-01T09:00:00Z' } }]);
    const entries = assembleChronology(
      [{ subject: CHILD, records, withheld: [], sources: [{ origin: 'contact', reference: (r) => `contact:${r.provenance.recordId}`, records: logged, withheld: [] }] }],
      'e',
      NOW,
    );
    expect(entries.map((e) => [e.reference, e.source.origin])).toEqual([
      ['contact:7b1c', 'contact'],
      ['health:Encounter/1', 'agency'],
    ]);
  });
});

describe('withheld markers', () => {
  it('are listed undated, with the marker and nothing of the records it stands for', () => {
    const answers: AgencyAnswer[] = [
      {
        agency: 'health',
        status: 'answered',
        contact,
        records: [
          { kind: 'event', agency: 'health', category: 'health.summary', tier: 'T1', personId: 'p1', provenance: { system: 'h', recordId: 'Encounter/7', asOf: '2025-09-30T00:00:00Z' }, fields: { type: 'ae-attendance', start: '2025-03-01', narrative: 'Head injury' } },
        ],
      },
    ];
    const disclosure = discloseRecords(earlyHelpNoConsent, answers);
    const withheld = disclosure.agencies.flatMap((a) => a.withheld);
    expect(withheld).toHaveLength(1);
    const entries = assembleChronology([{ subject: CHILD, records: disclosure.agencies.flatMap((a) => a.records), withheld }], 'e', NOW);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'withheld', date: null, precision: null, reference: null, agency: 'health', type: null });
    expect(JSON.stringify(entries)).not.toMatch(/2025-03-01|Head injury|Encounter\/7/);
  });
});

describe('grouping entries of different agencies about one incident', () => {
  const G = (specs: Spec[], subjectOf: (s: Spec) => ChronologySubject = () => CHILD) => {
    const material = [CHILD, MOTHER].map((subject) => ({ subject, records: disclosed(specs.filter((s) => subjectOf(s) === subject)), withheld: [] }));
    const entries = assembleChronology(material, 'e', NOW);
    return groupIncidents(entries).map((g) => ({ refs: [...new Set(g.entries.map((e) => e.reference))], rules: g.evidence.map((e) => e.rule), evidence: g.evidence }));
  };
  const da = (id: string, start: string, extra: SourceRecord['fields'] = {}): Spec => ({ agency: 'police', category: 'police.flags', id, fields: { type: 'domestic-abuse-incident', start, ...extra } });
  const ae = (id: string, start: string, extra: SourceRecord['fields'] = {}): Spec => ({ agency: 'health', category: 'health.summary', id, fields: { type: 'ae-attendance', start, ...extra } });

  const cases: { name: string; specs: Spec[]; groups: string[][] }[] = [
    { name: 'a DA call-out and an A&E attendance 3 hours apart', specs: [da('events/1', '2025-03-01T22:00:00Z'), ae('Enc/1', '2025-03-02T01:00:00Z')], groups: [['police:events/1', 'health:Enc/1']] },
    { name: 'the same, 30 hours apart: not grouped', specs: [da('events/1', '2025-03-01T22:00:00Z'), ae('Enc/1', '2025-03-03T04:00:00Z')], groups: [] },
    { name: 'a date-only A&E the day after a date-time call-out', specs: [da('events/1', '2025-03-01T23:00:00Z'), ae('Enc/1', '2025-03-02')], groups: [['police:events/1', 'health:Enc/1']] },
    { name: 'date-only, two days apart: not grouped', specs: [da('events/1', '2025-03-01'), ae('Enc/1', '2025-03-03')], groups: [] },
    {
      name: 'unrelated types the same night: not grouped',
      specs: [ae('Enc/1', '2025-03-01T22:00:00Z'), { agency: 'housing', category: 'housing.record', id: 'arrears/1', fields: { type: 'rent-arrears', start: '2025-03-01' } }],
      groups: [],
    },
    { name: 'two records of one agency are never merged', specs: [da('events/1', '2025-03-01T22:00:00Z'), da('events/2', '2025-03-01T23:00:00Z')], groups: [] },
    {
      name: 'a second police record the same night starts its own group, not the first one',
      specs: [da('events/1', '2025-03-01T22:00:00Z'), ae('Enc/1', '2025-03-01T23:00:00Z'), da('events/2', '2025-03-02T01:00:00Z'), ae('Enc/2', '2025-03-02T02:00:00Z')],
      groups: [
        ['police:events/1', 'health:Enc/1'],
        ['police:events/2', 'health:Enc/2'],
      ],
    },
    {
      name: 'complete linkage: a chain of neighbours is not one group',
      specs: [da('events/1', '2025-03-01T00:00:00Z'), ae('Enc/1', '2025-03-01T20:00:00Z'), { agency: 'social-care', category: 'social-care.status', id: 'referral/1', fields: { type: 'referral', start: '2025-03-02T14:00:00Z' } }],
      groups: [['police:events/1', 'health:Enc/1']],
    },
    { name: 'a record whose type was not disclosed is never grouped', specs: [da('events/1', '2025-03-01T22:00:00Z'), { agency: 'health', category: 'health.summary', id: 'Enc/1', fields: { start: '2025-03-01T23:00:00Z' } }], groups: [] },
  ];
  it.each(cases)('$name', ({ specs, groups }) => {
    expect(G(specs).map((g) => g.refs)).toEqual(groups);
  });

  it('says why: time, related types, subjects and (when every agency recorded it) the same location', () => {
    const [group] = G([da('events/1', '2025-03-01T22:00:00Z', { location: 'Flat 2, Mill Lane' }), ae('Enc/1', '2025-03-01T23:30:00Z', { location: 'flat 2 mill lane' })]);
    expect(group!.rules).toEqual(['time', 'types', 'subjects', 'location']);
    expect(group!.evidence[0]!.detail).toContain('within 1.5 hours');
    expect(group!.evidence[1]!.detail).toContain('domestic abuse');
    expect(group!.evidence[2]!.detail).toContain('same subject');
  });

  it('groups one police record seen from the child and the mother with the mother’s A&E attendance, naming both subjects', () => {
    const specs: Spec[] = [da('events/1', '2025-03-01T22:00:00Z'), { ...da('events/1', '2025-03-01T22:00:00Z'), personId: 'p2' }, ae('Enc/1', '2025-03-02T00:30:00Z')];
    const subjectOf = (s: Spec) => (s.personId === 'p2' || s.agency === 'health' ? MOTHER : CHILD);
    const [group] = G(specs, subjectOf);
    expect(group!.refs).toEqual(['police:events/1', 'health:Enc/1']);
    expect(group!.evidence.find((e) => e.rule === 'subjects')!.detail).toMatch(/Child 1 \(child\).*Mother \(adult\)/);
  });

  it.each([
    ['2025-03-01T22:00:00Z', '2025-03-02T21:59:00Z', true],
    ['2025-03-01T22:00:00Z', '2025-03-02T22:01:00Z', false],
  ])('date-times %s and %s are within 24 hours: %s', (a, b, close) => {
    const [x, y] = entriesOf([da('events/1', a), ae('Enc/1', b)]);
    expect(closeInTime(x!, y!, 24) !== null).toBe(close);
  });
});
