import { isDisclosed, RESTRICTED_AGENCY, type DisclosedRecord, type GateDecision, type SubjectDisclosure, type WithheldMarker } from '../../disclosure/index.js';
import type { ChronologyEntry, IncidentGroup } from '../chronology/index.js';
import type { IndicatorResult } from '../indicators/index.js';
import type { Enquiry, EnquirySubject } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import { concernCategory, type ReferralRecord } from '../queue/index.js';
import { PRECIS_LIMITS, type PrecisContent, type PrecisSection, type PrecisStatement } from './content.js';
import { readableDate, readableDatesIn, readableDay } from './dates.js';

/**
 * The first draft of a précis, made from the gate's output only (profile answers, each committed
 * to the audit log before this runs): per subject, per agency, what is known and why it is
 * relevant, each statement citing its record and the event it was disclosed under; withheld
 * information as "holds information; contact ..." lines, never its content. Pure.
 */

/** Why a category matters to a safeguarding decision (WT23: relevant, proportionate). */
const RELEVANCE: Readonly<Record<string, string>> = {
  identity: 'Confirms the subject is known to the agency and whom to contact there.',
  'social-care.status': 'Current or previous social care involvement (child in need, child protection, looked after) bears on the threshold decision.',
  'police.flags': 'Warning markers and domestic abuse call-outs indicate risk in the household.',
  'police.detail': 'The incident detail bears on the nature and seriousness of the concern.',
  'health.summary': 'Unscheduled care, missed appointments and health visiting show unmet need or possible harm.',
  'health.clinical': 'Clinical detail (mental health, substance use, maternity) bears on parenting capacity and risk.',
  'education.record': 'Attendance, exclusions and special needs show how the child is doing and who sees them each day.',
  'housing.record': 'Housing instability, arrears or anti-social behaviour affect the stability of the household.',
};

export function relevanceOf(category: string, agency: string, purpose: string): string {
  return RELEVANCE[category] ?? (category.endsWith('.identity') ? RELEVANCE.identity! : `Recorded by ${agency}; disclosed for the ${purpose} purpose.`);
}

const MAX_TEXT = PRECIS_LIMITS.text;
/** Room left in a section for the marker and note lines after the records. */
const MAX_RECORDS_PER_SECTION = PRECIS_LIMITS.statementsPerSection - 20;

const FIELD_LABELS: readonly [string, string][] = [
  ['status', 'Status'],
  ['service', 'Service'],
  ['location', 'Where'],
  ['outcome', 'Outcome'],
  ['narrative', 'Detail'],
];

/** One disclosed record as a sentence or two, from its disclosed fields only. */
export function recordText(record: DisclosedRecord): string {
  const f = record.fields;
  const headline = f.title ?? f.type ?? record.category;
  const start = f.start ? readableDate(f.start) : undefined;
  const end = f.end ? readableDate(f.end) : undefined;
  const when = start && end ? `${start} to ${end}` : start ? start : end ? `until ${end}` : '';
  const parts = [`${headline}${when ? ` (${when})` : ''}.`];
  for (const [field, label] of FIELD_LABELS) {
    const value = f[field as keyof typeof f];
    if (value) parts.push(`${label}: ${value}.`);
  }
  const contact = [f.contactName, f.contactRole, f.contactPhone, f.contactEmail].filter(Boolean);
  if (contact.length > 0) parts.push(`Contact: ${contact.join(', ')}.`);
  if (record.decision === 'summarise') parts.push('(Summary: the agency shared dates, types and whom to contact.)');
  return clip(parts.join(' '));
}

function markerText(marker: WithheldMarker): string {
  const contact = [marker.contact.name, marker.contact.phone, marker.contact.email].filter(Boolean).join(', ');
  const held = marker.agency === RESTRICTED_AGENCY ? `${marker.label}` : `${marker.agency} holds information (${marker.label})`;
  const awaiting = marker.awaiting === 'originator-approval' ? ` Awaiting ${marker.agency}'s approval to share it.` : '';
  return `${held}; contact ${contact || marker.agency}.${awaiting}`;
}

/** "Child 1: Child A"; the label once when it is the heading itself ("Child 1", not "Child 1: Child 1"). */
export function subjectHeading(subject: EnquirySubject, index: number): string {
  const who = subject.relation === 'child' ? 'Child' : 'Household member (adult)';
  const heading = `${who} ${index + 1}`;
  const label = subject.label?.trim();
  return label && label.toLowerCase() !== heading.toLowerCase() ? `${heading}: ${label}` : heading;
}

const byStart = (a: DisclosedRecord, b: DisclosedRecord): number => (a.fields.start ?? '').localeCompare(b.fields.start ?? '') || a.provenance.recordId.localeCompare(b.provenance.recordId);

/** The category a marker stands for: the gate decision of that agency with a marker and that label. */
function markerCategory(decisions: readonly GateDecision[], marker: WithheldMarker): string | undefined {
  return decisions.find((d) => d.agency === marker.agency && d.markers > 0 && d.label === marker.label)?.category;
}

export interface DraftInput {
  enquiry: Enquiry;
  /** The one audited disclosure step over every subject with links in force (null: none linked). */
  disclosed: { subjects: readonly SubjectDisclosure[]; auditEventId: string } | null;
  /** The chronology assembled from that step (dated entries, every subject). */
  chronology: readonly ChronologyEntry[];
  /** Entries of different agencies the chronology groups as one incident, with the evidence. */
  groups?: readonly IncidentGroup[];
  /** The risk indicators computed from that chronology (null when not configured). */
  indicators: IndicatorResult | null;
  /** The referral as recorded at intake (read by a member of the open enquiry), if any. */
  referral: ReferralRecord | null;
}

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 4)} […]` : text);

/** The referral: when and from whom it came, the concerns, and what the referrer said. */
function referralStatements(enquiry: Enquiry, referral: ReferralRecord | null, note: (text: string) => PrecisStatement): PrecisStatement[] {
  const concerns = enquiry.concernCategories.map((id) => concernCategory(id)?.label ?? id);
  const source = referral?.source;
  const from = source ? ` from ${source.kind}${source.organisation ? ` (${source.organisation}${source.referrerRole ? `, ${source.referrerRole}` : ''})` : source.referrerRole ? ` (${source.referrerRole})` : ''}` : '';
  const statements = [note(`Referral received ${readableDate(enquiry.receivedAt)}${from}.${concerns.length > 0 ? ` Concerns: ${concerns.join(', ')}.` : ''}`)];
  if (referral?.text) statements.push(note(clip(`What the referrer said: ${referral.text}`)));
  return statements;
}

export function buildDraft({ enquiry, disclosed, chronology, groups = [], indicators, referral }: DraftInput): PrecisContent {
  let next = 0;
  const id = () => `s${++next}`;
  const note = (text: string, relevance: string | null = null): PrecisStatement => ({ id: id(), kind: 'note', text, relevance, references: [], withheld: null });

  const sections: PrecisSection[] = [
    {
      key: 'enquiry',
      heading: 'The enquiry and referral',
      subjectId: null,
      agency: null,
      statements: [
        note(`Referral ${enquiry.referralReference}, opened ${readableDay(enquiry.openedAt)}; RAG ${enquiry.rag}, decision due by ${readableDate(enquiry.deadline)}.`),
        note(`Purpose: ${enquiry.purpose}. Legal basis: ${enquiry.legalBasis}.${enquiry.consentRecorded ? ' Consent is recorded.' : ''}`),
        ...referralStatements(enquiry, referral, (text) => note(text)),
        note(`${enquiry.subjects.length} ${enquiry.subjects.length === 1 ? 'subject' : 'subjects'} in the enquiry; the sections below give what each agency disclosed about each.`),
      ],
      analysis: null,
    },
  ];

  const answered = new Map((disclosed?.subjects ?? []).map((a) => [a.subject.id, a]));
  const auditEventId = disclosed?.auditEventId ?? '';
  const headings = new Map(enquiry.subjects.map((s, i) => [s.id, subjectHeading(s, i)]));
  enquiry.subjects.forEach((subject, index) => {
    const heading = subjectHeading(subject, index);
    const answer = answered.get(subject.id);
    const intro: PrecisStatement[] = [];
    if (subject.relation === 'adult') intro.push(note(subject.relevance ? `Why this adult is relevant to the child: ${subject.relevance}` : 'No relevance to the child is recorded for this adult yet: their detail is not shared until it is (WT23).'));
    if (!answer) intro.push(note('No agency record is linked to this subject in force, so nothing was read.'));
    else if (answer.disclosure.restricted) {
      const marker = answer.disclosure.restricted;
      intro.push({ id: id(), kind: 'withheld', text: markerText(marker), relevance: null, references: [], withheld: { agency: RESTRICTED_AGENCY, category: `${RESTRICTED_AGENCY}.restricted`, subjectId: subject.id } });
    }
    sections.push({ key: `subject:${subject.id}`, heading, subjectId: subject.id, agency: null, statements: intro, analysis: null });
    if (!answer) return;

    for (const agency of answer.disclosure.agencies) {
      if (!isDisclosed(agency)) throw new GatewayError('INTERNAL_ERROR', 'Refused to draft from a value that did not pass the disclosure gate.');
      const statements: PrecisStatement[] = [];
      const records = [...agency.records].sort(byStart);
      for (const record of records.slice(-MAX_RECORDS_PER_SECTION)) {
        if (!isDisclosed(record)) throw new GatewayError('INTERNAL_ERROR', 'Refused to draft from a value that did not pass the disclosure gate.');
        statements.push({
          id: id(),
          kind: 'known',
          text: recordText(record),
          relevance: relevanceOf(record.category, record.agency, enquiry.purpose),
          references: [
            {
              ref: `${record.agency}:${record.provenance.recordId}`,
              auditEventId,
              category: record.category,
              subjectId: subject.id,
              personId: record.personId,
              fields: Object.keys(record.fields).filter((f) => record.fields[f as keyof typeof record.fields] !== undefined),
            },
          ],
          withheld: null,
        });
      }
      for (const marker of agency.withheld) {
        const category = markerCategory(answer.disclosure.decisions, marker);
        // A marker whose category cannot be named cannot be re-checked later: left out (fail closed).
        if (!category) continue;
        statements.push({ id: id(), kind: 'withheld', text: markerText(marker), relevance: null, references: [], withheld: { agency: marker.agency, category, subjectId: subject.id } });
      }
      if (records.length > MAX_RECORDS_PER_SECTION) statements.unshift(note(`${records.length - MAX_RECORDS_PER_SECTION} earlier ${agency.agency} records are not listed here; see the chronology.`));
      if (agency.status === 'UNAVAILABLE') statements.push(note(`${agency.agency} could not be reached when this draft was made; ask again before the discussion.`));
      else if (statements.length === 0) statements.push(note(`${agency.agency}: nothing disclosed for this subject.`));
      sections.push({ key: `subject:${subject.id}:${agency.agency}`, heading: `${heading}: ${agency.agency}`, subjectId: subject.id, agency: agency.agency, statements, analysis: null });
    }
  });

  if (disclosed) {
    sections.push(chronologySection(chronology, headings, (text) => note(text), id));
    if (groups.length > 0) sections.push(incidentSection(groups, id));
    if (indicators) sections.push(indicatorSection(indicators, chronology, id));
  }
  sections.push({ key: 'analysis', heading: 'Analysis and recommendation', subjectId: null, agency: null, statements: [], analysis: null });
  return { title: `MASH précis: referral ${enquiry.referralReference}`, sections };
}

/** The fields a dated line of the chronology is written from (only those the gate disclosed). */
const LINE_FIELDS = ['type', 'title', 'start', 'end'] as const;
/** The most recent chronology entries a draft lists (the chronology itself has them all). */
export const MAX_CHRONOLOGY_LINES = 120;

const ENTRY_WORDS: Readonly<Record<string, string>> = { event: '', 'state-start': 'began', 'state-end': 'ended', 'involvement-start': 'began', 'involvement-end': 'ended' };

/** The multi-agency chronology as dated lines (household members' entries say whose they are), citing each entry. */
function chronologySection(entries: readonly ChronologyEntry[], headings: ReadonlyMap<string, string>, note: (text: string) => PrecisStatement, id: () => string): PrecisSection {
  const dated = entries.filter((e) => e.source.kind === 'record' && e.date !== null && e.reference !== null);
  const shown = dated.slice(-MAX_CHRONOLOGY_LINES);
  const statements: PrecisStatement[] = [];
  if (dated.length > shown.length) statements.push(note(`${dated.length - shown.length} earlier entries are not listed here; see the chronology.`));
  for (const entry of shown) {
    if (entry.source.kind !== 'record') continue;
    const record = entry.source.record;
    const fields = LINE_FIELDS.filter((f) => record.fields[f] !== undefined);
    if (fields.length === 0) continue;
    const what = record.fields.title ?? record.fields.type ?? record.category;
    const word = ENTRY_WORDS[entry.kind] ?? '';
    statements.push({
      id: id(),
      kind: 'known',
      text: `${readableDate(entry.date!)}: ${headings.get(entry.subject.id) ?? 'Subject'}, ${entry.agency}: ${what}${word ? ` ${word}` : ''}.`,
      relevance: null,
      references: [{ ref: entry.reference!, auditEventId: entry.auditEventId, category: record.category, subjectId: entry.subject.id, fields: [...fields], personId: record.personId }],
      withheld: null,
    });
  }
  if (statements.length === 0) statements.push(note('No dated entry was disclosed.'));
  return { key: 'chronology', heading: 'Chronology (all agencies, the child and household members)', subjectId: null, agency: null, statements, analysis: null };
}

/** The fields an indicator reads of a record: its type, title, dates and status (only those the gate disclosed). */
const INDICATOR_FIELDS = ['type', 'title', 'start', 'end', 'status'] as const;

/** Each risk indicator that fired: its count and period, citing every record it counted. No score. */
function indicatorSection(result: IndicatorResult, entries: readonly ChronologyEntry[], id: () => string): PrecisSection {
  const byReference = new Map<string, ChronologyEntry>();
  for (const entry of entries) if (entry.reference !== null && entry.source.kind === 'record' && !byReference.has(entry.reference)) byReference.set(entry.reference, entry);
  const statements: PrecisStatement[] = [];
  for (const fired of result.fired) {
    const cited = [...fired.references, ...(fired.earlier?.references ?? [])]
      .map((ref) => byReference.get(ref))
      .filter((e): e is ChronologyEntry => e !== undefined && e.source.kind === 'record')
      .slice(0, PRECIS_LIMITS.referencesPerStatement);
    const references = cited.flatMap((entry) => {
      const record = (entry.source as { record: DisclosedRecord }).record;
      const fields = INDICATOR_FIELDS.filter((f) => record.fields[f] !== undefined);
      return fields.length === 0 ? [] : [{ ref: entry.reference!, auditEventId: entry.auditEventId, category: record.category, subjectId: entry.subject.id, fields: [...fields], personId: record.personId }];
    });
    if (references.length === 0) continue;
    const earlier = fired.earlier ? ` (against ${fired.earlier.count} in the earlier period)` : '';
    statements.push({
      id: id(),
      kind: 'known',
      text: clip(`${fired.name}: ${fired.count} ${fired.period}${earlier}; fires at ${fired.threshold}.`),
      relevance: clip(fired.description),
      references,
      withheld: null,
    });
  }
  return {
    key: 'indicators',
    heading: 'Risk indicators that fired (counts for a professional to weigh, not a score)',
    subjectId: null,
    agency: null,
    statements,
    analysis: null,
  };
}

/** The fields an incident grouping reads: type, date and (as evidence) location. */
const GROUP_FIELDS = ['type', 'title', 'start', 'location'] as const;

/** Records of different agencies the chronology groups as one incident: a statement each, citing every record with the evidence. */
function incidentSection(groups: readonly IncidentGroup[], id: () => string): PrecisSection {
  const statements: PrecisStatement[] = [];
  for (const group of groups) {
    const seen = new Set<string>();
    const references = group.entries.flatMap((entry) => {
      if (entry.source.kind !== 'record' || entry.reference === null || seen.has(`${entry.reference}|${entry.subject.id}`)) return [];
      seen.add(`${entry.reference}|${entry.subject.id}`);
      const record = entry.source.record;
      const fields = GROUP_FIELDS.filter((f) => record.fields[f] !== undefined);
      return fields.length === 0 ? [] : [{ ref: entry.reference, auditEventId: entry.auditEventId, category: record.category, subjectId: entry.subject.id, fields: [...fields], personId: record.personId }];
    });
    if (references.length < 2) continue;
    const first = group.entries[0]?.date;
    const date = first ? readableDate(first) : '';
    statements.push({
      id: id(),
      kind: 'known',
      text: clip(`Possibly one incident (${group.id}, ${date}): ${group.agencies.join(' and ')} records. ${group.evidence.map((e) => readableDatesIn(e.detail)).join(' ')}`),
      relevance: 'Records of several agencies about one incident corroborate each other; check with the agencies before relying on it.',
      references: references.slice(0, PRECIS_LIMITS.referencesPerStatement),
      withheld: null,
    });
  }
  return { key: 'incidents', heading: 'Records that may be about the same incident', subjectId: null, agency: null, statements, analysis: null };
}
