import { describe, expect, it } from 'vitest';
import { encompassConfigSchema } from '../../../gateway/incidents/config.js';
import { isSchoolDay, nextSchoolDay, schoolCalendar, type SchoolCalendar } from '../../../gateway/incidents/encompass/calendar.js';

const times = { sendBy: '08:30', escalateAt: '10:30' };
const OWN_TERMS = '9804001';
const LA_TERMS = '9804002';

// The local authority's 2026/27 autumn and spring terms (half-term 26-30 October, Christmas 21 December - 4 January).
const config = encompassConfigSchema.parse({
  terms: [
    { from: '2026-03-02', to: '2026-03-31' },
    { from: '2026-04-20', to: '2026-07-22' },
    { from: '2026-09-03', to: '2026-10-23' },
    { from: '2026-11-02', to: '2026-12-18' },
    { from: '2027-01-05', to: '2027-02-12' },
  ],
  closures: ['2026-11-02'],
  schools: [
    // An academy with its own calendar: its half-term is a week later, and it keeps its own closure days.
    { laestab: OWN_TERMS, name: 'Marlbridge Primary School', terms: [{ from: '2026-09-01', to: '2026-10-30' }, { from: '2026-11-09', to: '2026-12-18' }], closures: ['2026-09-01'] },
    { laestab: LA_TERMS, name: 'Harrowfield Academy' },
  ],
});
const la = schoolCalendar(config, LA_TERMS);
const own = schoolCalendar(config, OWN_TERMS);
const noTerms: SchoolCalendar = schoolCalendar(encompassConfigSchema.parse({}), undefined);

describe('schoolCalendar', () => {
  it("gives a school its own terms and closures, else the local authority's, with England and Wales bank holidays by default", () => {
    expect(own.terms).toEqual([{ from: '2026-09-01', to: '2026-10-30' }, { from: '2026-11-09', to: '2026-12-18' }]);
    expect(own.closures).toEqual(['2026-09-01']);
    expect(la.terms).toBe(config.terms);
    expect(la.closures).toEqual(['2026-11-02']);
    expect(schoolCalendar(config, '9999999')).toEqual(la);
    expect(la.bankHolidays).toContain('2026-05-25');
    expect(la.bankHolidays).toContain('2028-12-26');
    expect(schoolCalendar(encompassConfigSchema.parse({ bankHolidays: ['2026-12-02'] }), undefined).bankHolidays).toEqual(['2026-12-02']);
  });
});

describe('isSchoolDay', () => {
  it.each([
    ['a weekday in term', '2026-12-02', la, true],
    ['a Saturday', '2026-12-05', la, false],
    ['a Sunday', '2026-12-06', noTerms, false],
    ['a bank holiday', '2026-05-25', noTerms, false],
    ['a substitute bank holiday (Boxing Day on a Saturday)', '2026-12-28', noTerms, false],
    ['half-term', '2026-10-28', la, false],
    ['the first and last days of a term', '2026-09-03', la, true],
    ['the last day of a term', '2026-10-23', la, true],
    ["the local authority's closure day", '2026-11-02', la, false],
    ["the local authority's closure day for a school with its own closures", '2026-11-02', own, false], // half-term for that school anyway
    ["the school's own half-term", '2026-11-03', own, false],
    ["a day the local authority's schools are off but this school is in", '2026-10-28', own, true],
    ['Christmas Eve with no terms configured', '2026-12-24', noTerms, true],
    ['a summer weekday with no terms configured', '2026-08-12', noTerms, true],
  ] as const)('%s: %s', (_what, date, calendar, expected) => {
    expect(isSchoolDay(date, calendar)).toBe(expected);
  });

  it('refuses what is not an ISO date', () => {
    expect(() => isSchoolDay('2026-13-45', la)).toThrow(RangeError);
    expect(() => isSchoolDay('02/12/2026', la)).toThrow(RangeError);
  });
});

describe('nextSchoolDay', () => {
  it.each([
    // [what, incident instant (UTC), calendar, school day, due by (UTC), escalate at (UTC)]
    ['07:00 on a school day (GMT): that day', '2026-12-02T07:00:00Z', la, '2026-12-02', '2026-12-02T08:30:00Z', '2026-12-02T10:30:00Z'],
    ['09:00 on a school day: the next', '2026-12-02T09:00:00Z', la, '2026-12-03', '2026-12-03T08:30:00Z', '2026-12-03T10:30:00Z'],
    ['exactly 08:30: the next (the time must be after the incident)', '2026-12-02T08:30:00Z', la, '2026-12-03', '2026-12-03T08:30:00Z', '2026-12-03T10:30:00Z'],
    ['08:29 on a school day: that day', '2026-12-02T08:29:00Z', la, '2026-12-02', '2026-12-02T08:30:00Z', '2026-12-02T10:30:00Z'],
    ['Friday night before a bank holiday Monday (BST): Tuesday', '2026-05-22T21:00:00Z', noTerms, '2026-05-26', '2026-05-26T07:30:00Z', '2026-05-26T09:30:00Z'],
    ['Friday night before a bank holiday Monday, in term', '2026-05-22T21:00:00Z', la, '2026-05-26', '2026-05-26T07:30:00Z', '2026-05-26T09:30:00Z'],
    ['Saturday: Monday', '2026-12-05T10:00:00Z', la, '2026-12-07', '2026-12-07T08:30:00Z', '2026-12-07T10:30:00Z'],
    ['Sunday evening: Monday', '2026-12-06T20:00:00Z', la, '2026-12-07', '2026-12-07T08:30:00Z', '2026-12-07T10:30:00Z'],
    ['after school on the last day before half-term: the first day back (clocks back meanwhile; closure day skipped)', '2026-10-23T16:00:00Z', la, '2026-11-03', '2026-11-03T08:30:00Z', '2026-11-03T10:30:00Z'],
    ['in half-term, for a school with its own terms: that day', '2026-10-28T06:00:00Z', own, '2026-10-28', '2026-10-28T08:30:00Z', '2026-10-28T10:30:00Z'],
    ["the local authority's half-term for a school without its own terms: the first day back", '2026-10-28T06:00:00Z', la, '2026-11-03', '2026-11-03T08:30:00Z', '2026-11-03T10:30:00Z'],
    ["the school's own half-term: the school's first day back", '2026-11-02T06:00:00Z', own, '2026-11-09', '2026-11-09T08:30:00Z', '2026-11-09T10:30:00Z'],
    ['Christmas holidays: the first day of the spring term', '2026-12-18T12:00:00Z', la, '2027-01-05', '2027-01-05T08:30:00Z', '2027-01-05T10:30:00Z'],
    ['Christmas with no terms: past Christmas, the weekend and the substitute Boxing Day', '2026-12-24T09:00:00Z', noTerms, '2026-12-29', '2026-12-29T08:30:00Z', '2026-12-29T10:30:00Z'],
    ['a calendar with no terms: any weekday in August', '2026-08-12T06:00:00Z', noTerms, '2026-08-12', '2026-08-12T07:30:00Z', '2026-08-12T09:30:00Z'],
    // Clocks went forward at 01:00 UTC on Sunday 29 March 2026 and back at 01:00 UTC on Sunday 25 October 2026.
    ['Friday before the clocks go forward (GMT)', '2026-03-27T06:00:00Z', la, '2026-03-27', '2026-03-27T08:30:00Z', '2026-03-27T10:30:00Z'],
    ['the night the clocks go forward: Monday at 08:30 BST', '2026-03-29T00:30:00Z', la, '2026-03-30', '2026-03-30T07:30:00Z', '2026-03-30T09:30:00Z'],
    ['07:45 BST is 06:45 UTC: that day', '2026-03-30T06:45:00Z', la, '2026-03-30', '2026-03-30T07:30:00Z', '2026-03-30T09:30:00Z'],
    ['08:45 BST is 07:45 UTC, already after 08:30 London: the next day', '2026-03-30T07:45:00Z', la, '2026-03-31', '2026-03-31T07:30:00Z', '2026-03-31T09:30:00Z'],
    ['00:30 BST on a Monday is still Sunday in UTC: the Monday', '2026-06-14T23:30:00Z', la, '2026-06-15', '2026-06-15T07:30:00Z', '2026-06-15T09:30:00Z'],
    ['the night the clocks go back: Monday at 08:30 GMT', '2026-10-25T00:30:00Z', own, '2026-10-26', '2026-10-26T08:30:00Z', '2026-10-26T10:30:00Z'],
  ] as const)('%s', (_what, at, calendar, date, dueBy, escalateAt) => {
    const next = nextSchoolDay(new Date(at), calendar, times);
    expect(next).toEqual({ date, dueBy: new Date(dueBy), escalateAt: new Date(escalateAt) });
  });

  it('uses the configured times', () => {
    const next = nextSchoolDay(new Date('2026-12-02T08:45:00Z'), la, { sendBy: '09:00', escalateAt: '12:15' });
    expect(next).toEqual({ date: '2026-12-02', dueBy: new Date('2026-12-02T09:00:00Z'), escalateAt: new Date('2026-12-02T12:15:00Z') });
  });

  it('throws RangeError when no school day is within 400 days, or a time is not HH:MM', () => {
    expect(() => nextSchoolDay(new Date('2027-02-13T12:00:00Z'), la, times)).toThrow(RangeError);
    expect(() => nextSchoolDay(new Date('2026-12-02T07:00:00Z'), la, { sendBy: '8:30', escalateAt: '10:30' })).toThrow(RangeError);
    expect(() => nextSchoolDay(new Date('nonsense'), la, times)).toThrow(RangeError);
  });
});
