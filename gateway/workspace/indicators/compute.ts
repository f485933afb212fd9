import type { DisclosedRecord } from '../../disclosure/index.js';
import { placeDate, type ChronologyEntry, type ChronologySubject } from '../chronology/index.js';
import type { IndicatorDefinition, IndicatorDocument, Period, RecordMatch } from './definitions.js';

/**
 * Risk indicators from the chronology's entries: pure (`now` is passed in), and only from what
 * the gate disclosed. A withheld marker is never a record; a disclosed or summarised record counts
 * only if every field the indicator needs was disclosed (a field the gate held back is not
 * guessed). No score, no prediction: counts and the references of what was counted.
 */

export interface FiredIndicator {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly form: IndicatorDefinition['form'];
  readonly threshold: number;
  readonly count: number;
  /** The records counted (`<agency>:<recordId>`), in chronology order. */
  readonly references: readonly string[];
  /** Escalation only: the count and records of the earlier period it is compared with. */
  readonly earlier?: { readonly count: number; readonly references: readonly string[] };
  /** The period the count covers, in words. */
  readonly period: string;
}

export interface IndicatorResult {
  readonly definitions: { readonly id: string; readonly version: string };
  /** Indicators that fired, in the order the definitions list them. */
  readonly fired: readonly FiredIndicator[];
  /** How many indicators were evaluated. */
  readonly evaluated: number;
}

/** One disclosed record, once, with every subject it was disclosed about. */
interface Counted {
  readonly reference: string;
  readonly record: DisclosedRecord;
  readonly subjects: readonly ChronologySubject[];
}

/** The distinct disclosed records of the chronology (withheld markers are not records). */
function disclosedRecords(entries: readonly ChronologyEntry[]): Counted[] {
  const byReference = new Map<string, { reference: string; record: DisclosedRecord; subjects: ChronologySubject[] }>();
  for (const entry of entries) {
    if (entry.source.kind !== 'record' || entry.reference === null) continue;
    const known = byReference.get(entry.reference);
    if (!known) byReference.set(entry.reference, { reference: entry.reference, record: entry.source.record, subjects: [entry.subject] });
    else if (!known.subjects.some((s) => s.id === entry.subject.id)) known.subjects.push(entry.subject);
  }
  return [...byReference.values()];
}

/** Subtracts a period from an instant, in calendar months or days (UTC). */
export function before(now: number, period: Period): number {
  const date = new Date(now);
  if (period.months !== undefined) date.setUTCMonth(date.getUTCMonth() - period.months);
  else date.setUTCDate(date.getUTCDate() - period.days!);
  return date.getTime();
}

const describePeriod = (period: Period): string => (period.months !== undefined ? `${period.months} month${period.months === 1 ? '' : 's'}` : `${period.days} day${period.days === 1 ? '' : 's'}`);

/** Whether the gate disclosed the field (a field it held back is in `withheldFields`, not in `fields`). */
const disclosed = (record: DisclosedRecord, field: keyof DisclosedRecord['fields']): boolean => record.fields[field] !== undefined;

function matches(item: Counted, match: RecordMatch): boolean {
  const { record } = item;
  if (!match.agencies.includes(record.agency)) return false;
  if (match.categories && !match.categories.includes(record.category)) return false;
  if (match.kinds && !match.kinds.includes(record.kind)) return false;
  // The type must have been disclosed: a record whose type was held back is never counted.
  if (!disclosed(record, 'type') || !match.types.includes(record.fields.type!)) return false;
  if (match.relation !== 'any' && !item.subjects.some((s) => s.relation === match.relation)) return false;
  if (match.titleMatches !== undefined) {
    if (!disclosed(record, 'title') || !new RegExp(match.titleMatches, 'i').test(record.fields.title!)) return false;
  }
  return true;
}

/**
 * The record's end as far as the gate disclosed it: a date, `open` when the agency holds no end,
 * or `unknown` when an end is held but was not disclosed (or cannot be read).
 */
function endOf(record: DisclosedRecord): number | 'open' | 'unknown' {
  if (record.fields.end !== undefined) return placeDate(record.fields.end)?.at ?? 'unknown';
  return record.withheldFields.includes('end') ? 'unknown' : 'open';
}

/** `window`: an event (or start) within [from, now]; a state or involvement in force at some time in it. */
function inWindow(record: DisclosedRecord, from: number, now: number): boolean {
  const start = placeDate(record.fields.start)?.at;
  if (start === undefined || start > now) return false;
  if (start >= from) return true;
  if (record.kind === 'event') return false;
  const end = endOf(record);
  return end === 'open' || (end !== 'unknown' && end >= from);
}

/** `current`: a state or involvement that has started and has not ended. */
function isCurrent(record: DisclosedRecord, now: number): boolean {
  if (record.kind === 'event') return false;
  const start = placeDate(record.fields.start)?.at;
  if (start === undefined || start > now) return false;
  const end = endOf(record);
  return end === 'open' || (end !== 'unknown' && end > now);
}

function startedWithin(record: DisclosedRecord, from: number, to: number): boolean {
  const start = placeDate(record.fields.start)?.at;
  return start !== undefined && start > from && start <= to;
}

export function evaluateIndicator(definition: IndicatorDefinition, records: readonly Counted[], now: number): FiredIndicator | null {
  const candidates = records.filter((item) => definition.counts.some((match) => matches(item, match)));
  const base = { id: definition.id, name: definition.name, description: definition.description, form: definition.form, threshold: definition.threshold };
  switch (definition.form) {
    case 'window': {
      const from = before(now, definition.window);
      const counted = candidates.filter((item) => inWindow(item.record, from, now));
      if (counted.length < definition.threshold) return null;
      return { ...base, count: counted.length, references: counted.map((c) => c.reference), period: `the last ${describePeriod(definition.window)}` };
    }
    case 'current': {
      const counted = candidates.filter((item) => isCurrent(item.record, now));
      if (counted.length < definition.threshold) return null;
      return { ...base, count: counted.length, references: counted.map((c) => c.reference), period: 'now' };
    }
    case 'escalation': {
      const split = before(now, definition.recent);
      const start = before(split, definition.before);
      const recent = candidates.filter((item) => startedWithin(item.record, split, now));
      const earlier = candidates.filter((item) => startedWithin(item.record, start, split));
      if (recent.length < definition.threshold || recent.length <= earlier.length) return null;
      return {
        ...base,
        count: recent.length,
        references: recent.map((c) => c.reference),
        earlier: { count: earlier.length, references: earlier.map((c) => c.reference) },
        period: `the last ${describePeriod(definition.recent)}, against the ${describePeriod(definition.before)} before`,
      };
    }
  }
}

/** Every indicator of the document over the chronology's entries (sorted as the chronology is). */
export function computeIndicators(document: IndicatorDocument, entries: readonly ChronologyEntry[], now: Date): IndicatorResult {
  const records = disclosedRecords(entries);
  const fired = document.indicators.map((d) => evaluateIndicator(d, records, now.getTime())).filter((f): f is FiredIndicator => f !== null);
  return { definitions: { id: document.id, version: document.version }, fired, evaluated: document.indicators.length };
}
