import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../audit/index.js';
import { badInput } from '../../errors.js';

/**
 * The précis: a structured draft for the strategy discussion or MASH decision. Sections hold
 * statements; a statement about agency information cites its sources, each a shared entry
 * reference (`<agency>:<recordId>`, `contact:<id>`) with the audit event under which it was
 * disclosed and the fields the statement was written from, so that every later read can check the
 * reader may still see them (see recheck.ts). Free text (statement text, analysis) is the
 * researcher's and never goes into an audit reason or a log line.
 */

/** Bounds: a précis is a few pages, never a record dump. */
export const PRECIS_LIMITS = {
  /** Canonical JSON characters of the whole content. */
  contentChars: 400_000,
  sections: 100,
  statementsPerSection: 300,
  referencesPerStatement: 50,
  fieldsPerReference: 20,
  title: 200,
  heading: 200,
  text: 4000,
  relevance: 2000,
  analysis: 20_000,
} as const;

export type StatementKind = 'known' | 'withheld' | 'note';

/** One cited source of a statement. */
export interface PrecisReference {
  /** `<agency>:<recordId>` for an agency record, `contact:<id>` for a contact-log entry. */
  ref: string;
  /** The committed audit event under which the source was disclosed. */
  auditEventId: string;
  /** The policy category of the source (e.g. `health.summary`). */
  category: string;
  /** The enquiry subject the source is about. */
  subjectId: string;
  /** The canonical fields of the source the statement was written from. */
  fields: string[];
  /** The agency's person the record is about (null: not known); that link must stay in force. */
  personId: string | null;
}

/** A "holds information; contact ..." line: which agency and category, never the content. */
export interface WithheldSource {
  agency: string;
  category: string;
  subjectId: string;
}

export interface PrecisStatement {
  /** Unique within the précis (e.g. s12). */
  id: string;
  kind: StatementKind;
  text: string;
  /** Why it is relevant to the concern. */
  relevance: string | null;
  references: PrecisReference[];
  /** Set on `withheld` statements. */
  withheld: WithheldSource | null;
}

export interface PrecisSection {
  /** Stable key (e.g. `enquiry`, `subject:<id>`, `subject:<id>:health`, `analysis`): the change summary names it. */
  key: string;
  heading: string;
  subjectId: string | null;
  agency: string | null;
  statements: PrecisStatement[];
  /** The researcher's free-text analysis for the section. */
  analysis: string | null;
}

export interface PrecisContent {
  title: string;
  sections: PrecisSection[];
}

const REF = /^(?:[a-z][a-z0-9-]{0,39}):[^\s\p{Cc}]{1,200}$/u;
const KEYWORD = /^[A-Za-z0-9._:-]+$/;
const ONE_LINE = /^[^\p{Cc}\u2028\u2029]*$/u;
const MULTI_LINE = /^(?:[^\p{Cc}\u2028\u2029]|[\n\r\t])*$/u;

const oneLine = (max: number) => z.string().trim().min(1).max(max).regex(ONE_LINE, 'must be one line without control characters');
const multiLine = (max: number) => z.string().max(max).regex(MULTI_LINE, 'must not hold control characters other than line breaks and tabs');
const keyword = (max: number) => z.string().min(1).max(max).regex(KEYWORD, 'must be letters, digits, dot, colon, underscore or hyphen');

const referenceSchema = z.strictObject({
  ref: z.string().regex(REF, 'must be <agency>:<recordId> or contact:<id>'),
  auditEventId: z.uuid(),
  category: keyword(100),
  subjectId: oneLine(200),
  fields: z.array(keyword(40)).min(1).max(PRECIS_LIMITS.fieldsPerReference),
  personId: oneLine(200).nullable(),
});

const statementSchema = z.strictObject({
  id: keyword(40),
  kind: z.enum(['known', 'withheld', 'note']),
  text: multiLine(PRECIS_LIMITS.text).refine((t) => t.trim().length > 0, 'must not be empty'),
  relevance: multiLine(PRECIS_LIMITS.relevance).nullable(),
  references: z.array(referenceSchema).max(PRECIS_LIMITS.referencesPerStatement),
  withheld: z.strictObject({ agency: keyword(64), category: keyword(100), subjectId: oneLine(200) }).nullable(),
});

const sectionSchema = z.strictObject({
  key: keyword(120),
  heading: oneLine(PRECIS_LIMITS.heading),
  subjectId: oneLine(200).nullable(),
  agency: keyword(64).nullable(),
  statements: z.array(statementSchema).max(PRECIS_LIMITS.statementsPerSection),
  analysis: multiLine(PRECIS_LIMITS.analysis).nullable(),
});

const contentSchema = z.strictObject({
  title: oneLine(PRECIS_LIMITS.title),
  sections: z.array(sectionSchema).min(1).max(PRECIS_LIMITS.sections),
});

const fieldPath = (path: readonly PropertyKey[]): string =>
  ['content', ...path].map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

/**
 * The content as sent by a caller, checked whole: shape, lengths, counts, kinds, and that a
 * `known` statement cites at least one source and a `withheld` one names what is withheld (so
 * every statement about agency information can be re-checked on read). Bad input names the field.
 */
export function parseContent(input: unknown): PrecisContent {
  const normalised = normaliseNulls(input);
  const parsed = contentSchema.safeParse(normalised);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path);
    throw badInput(`${field}: ${issue.message}.`, { field });
  }
  const content = parsed.data as PrecisContent;
  const size = canonicalJson(content).length;
  if (size > PRECIS_LIMITS.contentChars) {
    throw badInput(`content is too large: at most ${PRECIS_LIMITS.contentChars} characters as JSON, got ${size}. Shorten the statements or analysis.`, { field: 'content' });
  }
  const keys = new Set<string>();
  const ids = new Set<string>();
  content.sections.forEach((section, s) => {
    if (keys.has(section.key)) throw badInput(`content.sections[${s}].key: "${section.key}" is used by another section; keys must be unique.`, { field: `content.sections[${s}].key` });
    keys.add(section.key);
    section.statements.forEach((statement, i) => {
      const at = `content.sections[${s}].statements[${i}]`;
      if (ids.has(statement.id)) throw badInput(`${at}.id: "${statement.id}" is used by another statement; ids must be unique.`, { field: `${at}.id` });
      ids.add(statement.id);
      if (statement.kind === 'known' && statement.references.length === 0) {
        throw badInput(`${at}.references: a statement of what is known cites at least one source; make it a note if it is your own.`, { field: `${at}.references` });
      }
      if (statement.kind === 'withheld' && statement.withheld === null) {
        throw badInput(`${at}.withheld: a withheld statement names the agency, category and subject.`, { field: `${at}.withheld` });
      }
      if (statement.kind !== 'withheld' && statement.withheld !== null) {
        throw badInput(`${at}.withheld: only a withheld statement names withheld information.`, { field: `${at}.withheld` });
      }
      if (statement.kind !== 'known' && statement.references.length > 0) {
        throw badInput(`${at}.references: only a statement of what is known cites sources.`, { field: `${at}.references` });
      }
    });
  });
  return content;
}

/** GraphQL leaves optional input fields out; the stored form always has them (null). */
function normaliseNulls(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const content = input as Record<string, unknown>;
  if (!Array.isArray(content.sections)) return input;
  return {
    ...content,
    sections: content.sections.map((section: any) =>
      typeof section !== 'object' || section === null
        ? section
        : {
            ...section,
            subjectId: section.subjectId ?? null,
            agency: section.agency ?? null,
            analysis: section.analysis ?? null,
            statements: Array.isArray(section.statements)
              ? section.statements.map((st: any) =>
                  typeof st !== 'object' || st === null
                    ? st
                    : {
                        ...st,
                        kind: typeof st.kind === 'string' ? st.kind.toLowerCase() : st.kind,
                        relevance: st.relevance ?? null,
                        references: Array.isArray(st.references) ? st.references.map((r: any) => (typeof r === 'object' && r !== null ? { ...r, personId: r.personId ?? null } : r)) : (st.references ?? []),
                        withheld: st.withheld ?? null,
                      },
                )
              : section.statements,
          },
    ),
  };
}

/** SHA-256 (hex) of the content's canonical JSON. */
export const contentHash = (content: PrecisContent): string => createHash('sha256').update(canonicalJson(content)).digest('hex');

export type SectionChange = { key: string; change: 'added' | 'changed' | 'removed' };

/** Which sections a save changed against the version it replaced (unchanged sections are left out). */
export function sectionChanges(before: PrecisContent | null, after: PrecisContent): SectionChange[] {
  const old = new Map((before?.sections ?? []).map((s) => [s.key, canonicalJson(s)]));
  const changes: SectionChange[] = [];
  for (const section of after.sections) {
    const was = old.get(section.key);
    if (was === undefined) changes.push({ key: section.key, change: 'added' });
    else if (was !== canonicalJson(section)) changes.push({ key: section.key, change: 'changed' });
    old.delete(section.key);
  }
  for (const key of old.keys()) changes.push({ key, change: 'removed' });
  if (before !== null && before.title !== after.title) changes.unshift({ key: 'title', change: 'changed' });
  return changes;
}

/** Splits `<agency>:<recordId>` (the first colon). */
export function splitRef(ref: string): { source: string; id: string } {
  const at = ref.indexOf(':');
  return { source: ref.slice(0, at), id: ref.slice(at + 1) };
}
