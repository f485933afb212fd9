import { describe, expect, it } from 'vitest';
import { compareHouseholds, groupHouseholds, INDICATOR, triageIndicators, type TriageFacts } from '../../../gateway/incidents/triage/index.js';
import { ageOn, meetingAt, meetingDate, previousMeetingAt } from '../../../gateway/incidents/triage/meeting.js';
import { queryFromRecord } from '../../../gateway/incidents/triage/service.js';
import { defaultQueueSettings } from '../../../gateway/workspace/queue/index.js';
import { GatewayError } from '../../../gateway/errors.js';
import { parse } from 'graphql';
import { requestCost } from '../../../gateway/limits/index.js';
import { createSchema } from '../../../gateway/resolvers/index.js';

const none: TriageFacts = { highestRisk: null, childPresent: false, childAges: [], incidentsIn12Months: 1, knownToSocialCare: false, carriedOver: false };

describe('the daily meeting’s indicators (pure)', () => {
  it.each<[string, Partial<TriageFacts>, string[]]>([
    ['nothing', {}, []],
    ['high risk', { highestRisk: 'high' }, [INDICATOR.highRisk]],
    ['medium risk is not an indicator (it orders the list)', { highestRisk: 'medium' }, []],
    ['a child present', { childPresent: true }, ['Child present']],
    ['a child under 5', { childAges: [15, 4] }, ['Child under 5']],
    ['a child of exactly 5', { childAges: [5] }, []],
    ['an age not disclosed', { childAges: [null] }, []],
    ['one incident in 12 months is no repeat', { incidentsIn12Months: 1 }, []],
    ['repeat incidents, with how many', { incidentsIn12Months: 3 }, ['Repeat incident: 3 in 12 months']],
    ['known to social care', { knownToSocialCare: true }, ["Known to children's social care"]],
    ['carried over', { carriedOver: true }, ['Carried over from an earlier meeting']],
    [
      'all, in a fixed order',
      { highestRisk: 'high', childPresent: true, childAges: [2], incidentsIn12Months: 2, knownToSocialCare: true, carriedOver: true },
      ['High DASH risk', 'Child present', 'Child under 5', 'Repeat incident: 2 in 12 months', "Known to children's social care", 'Carried over from an earlier meeting'],
    ],
  ])('%s', (_, facts, expected) => {
    expect(triageIndicators({ ...none, ...facts })).toEqual(expected);
  });

  it('orders households by highest risk, then more indicators, then the earliest incident', () => {
    const h = (name: string, highestRisk: 'high' | 'medium' | 'standard' | null, indicators: number, earliest: string) => ({ name, highestRisk, indicators: Array.from({ length: indicators }, () => 'x'), earliest });
    const sorted = [
      h('none', null, 5, '2026-12-01T00:00:00Z'),
      h('standard', 'standard', 0, '2026-12-01T00:00:00Z'),
      h('medium-late', 'medium', 2, '2026-12-01T12:00:00Z'),
      h('high', 'high', 0, '2026-12-01T23:00:00Z'),
      h('medium-early', 'medium', 2, '2026-12-01T06:00:00Z'),
      h('medium-more', 'medium', 3, '2026-12-01T23:00:00Z'),
    ].sort(compareHouseholds);
    expect(sorted.map((x) => x.name)).toEqual(['high', 'medium-more', 'medium-early', 'medium-late', 'standard', 'none']);
  });
});

describe('households (pure)', () => {
  const incident = (id: string, ...persons: string[]) => ({ id, agency: 'police', persons: persons.map((personId) => ({ personId })) });

  it('joins incidents that share any person, through a chain, and keeps others apart', () => {
    const groups = groupHouseholds([incident('a', 'mum', 'child1'), incident('b', 'other', 'kid'), incident('c', 'dad', 'child1'), incident('d', 'dad', 'new-partner'), incident('e', 'stranger')]);
    expect(groups.map((g) => g.map((i) => i.id))).toEqual([['a', 'c', 'd'], ['b'], ['e']]);
  });

  it('does not join the same person id at two agencies', () => {
    const groups = groupHouseholds([incident('a', 'P1'), { id: 'b', agency: 'health', persons: [{ personId: 'P1' }] }]);
    expect(groups).toHaveLength(2);
  });
});

describe('the meeting’s times (pure)', () => {
  const calendar = defaultQueueSettings().calendar;
  const now = new Date('2026-12-02T08:00:00Z');

  it('holds the meeting at incidents.meeting.time in Europe/London, across clock changes', () => {
    expect(meetingAt('2026-12-02', '09:30').toISOString()).toBe('2026-12-02T09:30:00.000Z');
    expect(meetingAt('2026-07-01', '09:30').toISOString()).toBe('2026-07-01T08:30:00.000Z');
  });

  it('finds the previous meeting on the previous MASH working day (Monday: Friday; after a bank holiday: before it)', () => {
    expect(previousMeetingAt('2026-12-02', '09:30', calendar).toISOString()).toBe('2026-12-01T09:30:00.000Z');
    expect(previousMeetingAt('2026-12-07', '09:30', calendar).toISOString()).toBe('2026-12-04T09:30:00.000Z');
    // 25 and 28 December 2026 are bank holidays (28th: Boxing Day substitute): the 29th's previous meeting is the 24th's.
    expect(previousMeetingAt('2026-12-29', '09:30', calendar).toISOString()).toBe('2026-12-24T09:30:00.000Z');
  });

  it.each(['2026-13-01', '2026-02-30', '02/12/2026', '', '2026-12-2'])('refuses the date "%s" (BAD_INPUT)', (date) => {
    expect(() => meetingDate(date, now)).toThrowError(GatewayError);
    try {
      meetingDate(date, now);
    } catch (error) {
      expect((error as GatewayError).code).toBe('BAD_INPUT');
    }
  });

  it('allows today and tomorrow, not further ahead', () => {
    expect(meetingDate('2026-12-02', now)).toBe('2026-12-02');
    expect(meetingDate('2026-12-03', now)).toBe('2026-12-03');
    expect(() => meetingDate('2026-12-04', now)).toThrowError(/more than one day ahead/);
    expect(meetingDate('2025-01-01', now)).toBe('2025-01-01');
  });

  it('gives a child’s age in whole years on the meeting date', () => {
    expect(ageOn('2021-12-02', '2026-12-02')).toBe(5);
    expect(ageOn('2021-12-03', '2026-12-02')).toBe(4);
    expect(ageOn('2022-06', '2026-12-02')).toBe(4);
    expect(ageOn(undefined, '2026-12-02')).toBeNull();
  });

  it('searches for a child by name, date of birth, postcode and NHS number, never by another agency’s own id', () => {
    expect(
      queryFromRecord({ id: 'police|N1', given: 'Lily Nevaeh', family: 'Hart', birthDate: '2020-01-02', postcode: 'MH1 1AA', identifiers: [{ system: 'https://police.example/nominal', value: 'N1' }, { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }] }),
    ).toEqual({ given: 'Lily', family: 'Hart', birthDate: '2020-01-02', postalCode: 'MH1 1AA', identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }] });
  });
});

describe('the list’s cost (limits)', () => {
  it('costs 25 points whatever the agencies: the list’s size is not known before it is read', () => {
    const schema = createSchema();
    const query = parse('{ domesticAbuseTriage(date: "2026-12-02") { date households { key children { search { auditEventId } } } } }');
    expect(requestCost(schema, query, undefined, undefined, () => 5)).toBe(25);
    expect(requestCost(schema, query, undefined, undefined, () => 2)).toBe(25);
  });
});
