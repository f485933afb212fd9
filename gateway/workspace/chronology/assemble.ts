import type { DisclosedRecord, WithheldMarker } from '../../disclosure/index.js';
import type { SubjectRelation } from '../../enquiries/index.js';

/**
 * The multi-agency chronology, assembled from the gate's output only (pure: no I/O, no clock
 * reads; `now` is passed in). Each disclosed record becomes one or two dated entries (an event
 * on its date; a state or involvement at its start and, once it has ended, at its end), each
 * withheld marker one undated entry, and the whole list is sorted deterministically.
 */

/** Whose an entry is: the enquiry subject, as the enquiry records them. */
export interface ChronologySubject {
  readonly id: string;
  readonly label: string | null;
  readonly relation: SubjectRelation;
  /** The subject the chronology was asked for (the others are household members of the enquiry). */
  readonly focus: boolean;
}

export const ENTRY_KINDS = ['event', 'state-start', 'state-end', 'involvement-start', 'involvement-end', 'withheld'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export type DatePrecision = 'date' | 'date-time';

/** The agencies' own systems: the origin of every entry not from another source. */
export const AGENCY_ORIGIN = 'agency';

/**
 * Where an entry came from: a disclosed record or a withheld marker, and its origin (`agency` for
 * an agency's system, or the source's name, e.g. `contact` for the contact log).
 */
export type EntrySource =
  | { readonly kind: 'record'; readonly record: DisclosedRecord; readonly origin: string }
  | { readonly kind: 'withheld'; readonly marker: WithheldMarker; readonly origin: string };

export interface ChronologyEntry {
  /** `<agency>:<provenance.recordId>` for a record; null for a withheld marker (it names no record). */
  readonly reference: string | null;
  readonly subject: ChronologySubject;
  /** The date as the agency gave it (ISO date or date-time); null when undated. */
  readonly date: string | null;
  readonly precision: DatePrecision | null;
  /** UTC instant used to order entries (a date-only entry sorts at the start of its day); null when undated. */
  readonly at: number | null;
  readonly kind: EntryKind;
  readonly agency: string;
  readonly category: string | null;
  /** The disclosed `type` code, where the gate disclosed it (grouping and indicators read it). */
  readonly type: string | null;
  readonly source: EntrySource;
  /** The access event under which the gate disclosed it. */
  readonly auditEventId: string;
}

/** What one subject's disclosure step produced, as the assembler reads it (gate output only). */
export interface SubjectMaterial {
  readonly subject: ChronologySubject;
  readonly records: readonly DisclosedRecord[];
  readonly withheld: readonly WithheldMarker[];
  /** Other sources' gate output (the contact log), each with how its records are referenced. */
  readonly sources?: readonly SourceMaterial[];
}

export interface SourceMaterial {
  readonly origin: string;
  /** The shared reference of one of its records (the contact log: `contact:<id>`). */
  readonly reference: (record: DisclosedRecord) => string;
  readonly records: readonly DisclosedRecord[];
  readonly withheld: readonly WithheldMarker[];
}

export interface ChronologyWindow {
  /** Inclusive bounds (UTC instants); undated entries are kept whatever the window. */
  readonly from?: number;
  readonly to?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A date the agency gave: its precision and the instant it sorts at, or null if it cannot be placed. */
export function placeDate(value: string | undefined): { date: string; precision: DatePrecision; at: number } | null {
  if (value === undefined) return null;
  if (DATE_ONLY.test(value)) {
    const at = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(at) ? null : { date: value, precision: 'date', at };
  }
  if (DATE_TIME.test(value)) {
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : { date: value, precision: 'date-time', at };
  }
  return null;
}

export const recordReference = (record: Pick<DisclosedRecord, 'agency' | 'provenance'>): string => `${record.agency}:${record.provenance.recordId}`;

/**
 * The entries of one disclosed record. An event is dated by its start. A state or involvement
 * starts at `start` and ends at `end` only once that date has passed (a planned end is not yet
 * part of what happened). A record whose dates the gate did not disclose (or which has none)
 * is one undated entry: its existence was disclosed, its date was not.
 */
export function recordEntries(
  record: DisclosedRecord,
  subject: ChronologySubject,
  auditEventId: string,
  now: number,
  origin: { name: string; reference: string } = { name: AGENCY_ORIGIN, reference: recordReference(record) },
): ChronologyEntry[] {
  const base = {
    reference: origin.reference,
    subject,
    agency: record.agency,
    category: record.category,
    type: record.fields.type ?? null,
    source: { kind: 'record', record, origin: origin.name } as const,
    auditEventId,
  };
  const dated = (kind: EntryKind, placed: ReturnType<typeof placeDate>): ChronologyEntry => ({
    ...base,
    kind,
    date: placed?.date ?? null,
    precision: placed?.precision ?? null,
    at: placed?.at ?? null,
  });
  const start = placeDate(record.fields.start);
  if (record.kind === 'event') return [dated('event', start)];
  const end = placeDate(record.fields.end);
  const entries: ChronologyEntry[] = [];
  if (start || !end) entries.push(dated(`${record.kind}-start`, start));
  if (end && end.at <= now) entries.push(dated(`${record.kind}-end`, end));
  return entries;
}

/**
 * A withheld marker says that information is held and whom to contact. The gate's markers carry
 * no date (a `withhold` decision discloses no field, and a date is a field), so a marker is listed
 * undated: never with more than the gate gave.
 */
export function markerEntry(marker: WithheldMarker, subject: ChronologySubject, auditEventId: string, origin: string = AGENCY_ORIGIN): ChronologyEntry {
  return { reference: null, subject, date: null, precision: null, at: null, kind: 'withheld', agency: marker.agency, category: null, type: null, source: { kind: 'withheld', marker, origin }, auditEventId };
}

const KIND_ORDER: Readonly<Record<EntryKind, number>> = { 'state-end': 0, 'involvement-end': 1, event: 2, 'state-start': 3, 'involvement-start': 4, withheld: 5 };

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Deterministic order: dated entries by instant (a date-only entry at the start of its day),
 * then agency, then reference; then, for one record seen from several subjects or one record's
 * start and end on one day, the focus subject first, subject id, and kind. Undated entries come
 * last, in the same order without the date.
 */
export function compareEntries(a: ChronologyEntry, b: ChronologyEntry): number {
  if (a.at !== b.at) {
    if (a.at === null) return 1;
    if (b.at === null) return -1;
    return a.at - b.at;
  }
  return (
    compareText(a.agency, b.agency) ||
    compareText(a.reference ?? '\uffff', b.reference ?? '\uffff') ||
    Number(b.subject.focus) - Number(a.subject.focus) ||
    compareText(a.subject.id, b.subject.id) ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compareText(a.source.origin, b.source.origin) ||
    (a.source.kind === 'withheld' && b.source.kind === 'withheld' ? compareText(a.source.marker.label, b.source.marker.label) : 0)
  );
}

const inWindow = (entry: ChronologyEntry, window: ChronologyWindow): boolean =>
  entry.at === null || ((window.from === undefined || entry.at >= window.from) && (window.to === undefined || entry.at <= window.to));

/** Every subject's disclosed records and markers as one time-ordered list, within the window. */
export function assembleChronology(material: readonly SubjectMaterial[], auditEventId: string, now: number, window: ChronologyWindow = {}): ChronologyEntry[] {
  const entries: ChronologyEntry[] = [];
  for (const { subject, records, withheld, sources } of material) {
    for (const record of records) entries.push(...recordEntries(record, subject, auditEventId, now));
    for (const marker of withheld) entries.push(markerEntry(marker, subject, auditEventId));
    for (const source of sources ?? []) {
      for (const record of source.records) entries.push(...recordEntries(record, subject, auditEventId, now, { name: source.origin, reference: source.reference(record) }));
      for (const marker of source.withheld) entries.push(markerEntry(marker, subject, auditEventId, source.origin));
    }
  }
  return entries.filter((e) => inWindow(e, window)).sort(compareEntries);
}
