import { describe, expect, it } from 'vitest';
import type { EnquirySubject } from '../../../gateway/enquiries/index.js';
import { readableDate, readableDatesIn, readableDay } from '../../../gateway/workspace/precis/dates.js';
import { contactSourceText } from '../../../gateway/workspace/precis/render.js';
import { subjectHeading } from '../../../gateway/workspace/precis/draft.js';

describe('the précis draft writes dates and headings as people read them', () => {
  it('writes an instant as the day and time in London: GMT in winter, BST in summer', () => {
    expect(readableDate('2026-12-04T10:32:33.296Z')).toBe('4 December 2026, 10:32');
    expect(readableDate('2026-07-01T09:05:00Z')).toBe('1 July 2026, 10:05');
    // Late evening UTC in summer is already the next day in London.
    expect(readableDate('2026-06-30T23:30:00Z')).toBe('1 July 2026, 00:30');
    expect(readableDate('2026-03-29T00:59:00Z')).toBe('29 March 2026, 00:59');
    expect(readableDate('2026-03-29T01:00:00Z')).toBe('29 March 2026, 02:00');
    expect(readableDate('2026-12-04T10:32:00+01:00')).toBe('4 December 2026, 09:32');
  });

  it('writes a calendar date as the date alone, never shifted by a time zone', () => {
    expect(readableDate('2026-10-03')).toBe('3 October 2026');
    expect(readableDate('2027-01-01')).toBe('1 January 2027');
    expect(readableDay('2026-06-30T23:30:00Z')).toBe('1 July 2026');
    expect(readableDay('2026-12-03T14:32:33.296Z')).toBe('3 December 2026');
  });

  it("keeps a wall-clock time without offset as the agency recorded it, and anything else as given", () => {
    expect(readableDate('2026-10-12T14:07')).toBe('12 October 2026, 14:07');
    expect(readableDate('2026-10-12T14:07:59')).toBe('12 October 2026, 14:07');
    for (const other of ['October 2026', '2026-13-45', '', 'not a date']) expect(readableDate(other)).toBe(other);
  });

  it('rewrites the ISO dates inside running text, such as an incident grouping\'s evidence, and leaves the rest alone', () => {
    expect(readableDatesIn('within 24 hours: police 2026-10-12, health 2026-10-13')).toBe('within 24 hours: police 12 October 2026, health 13 October 2026');
    expect(readableDatesIn('police 2026-07-01T09:05:00Z, health 2026-07-01T14:07')).toBe('police 1 July 2026, 10:05, health 1 July 2026, 14:07');
    expect(readableDatesIn('reference 2026-13-45, 12 records, OCC-2026-10')).toBe('reference 2026-13-45, 12 records, OCC-2026-10');
  });

  it('names a contact-log entry by its day and London time, not in UTC', () => {
    const contact = { channel: 'Phone call', occurredAt: '2026-12-02T15:30:00Z', contactName: 'Dr Asha Patel', contactRole: 'GP', agency: 'health', organisation: 'Riverside Surgery' };
    expect(contactSourceText(contact)).toBe('Contact log: Phone call on 2 December 2026, 15:30 with Dr Asha Patel (GP), health (Riverside Surgery)');
    expect(contactSourceText({ ...contact, occurredAt: '2026-07-01T08:45:00.000Z' })).toMatch(/^Contact log: Phone call on 1 July 2026, 09:45 with/);
  });

  it('shows a subject label once when it is the heading itself', () => {
    const subject = (relation: 'child' | 'adult', label: string | null) => ({ id: 's', relation, label, relevance: null, createdAt: '', createdBy: '', links: [], unlinked: [] }) as EnquirySubject;
    expect(subjectHeading(subject('child', 'Child 1'), 0)).toBe('Child 1');
    expect(subjectHeading(subject('child', ' child 1 '), 0)).toBe('Child 1');
    expect(subjectHeading(subject('child', 'Child 1'), 1)).toBe('Child 2: Child 1');
    expect(subjectHeading(subject('child', 'Child A'), 0)).toBe('Child 1: Child A');
    expect(subjectHeading(subject('child', null), 0)).toBe('Child 1');
    expect(subjectHeading(subject('adult', 'Mother'), 1)).toBe('Household member (adult) 2: Mother');
  });
});
