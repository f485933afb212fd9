import { audited } from '../../disclosure/index.js';
import { badInput } from '../../errors.js';
import { contactLogSource, readChronology, type ChronologyEntry, type ChronologySubject, type ChronologyWindow } from '../../workspace/chronology/index.js';
import { readRiskIndicators, type FiredIndicator } from '../../workspace/indicators/index.js';
import type { GatewayContext } from '../context.js';
import { shapeMarker, shapeRecord } from '../shape.js';

/** The multi-agency chronology and risk indicators: thin resolvers over the one access path. */


const YEAR = 365.25 * 24 * 3600 * 1000;
/** The widest window a chronology may be asked for: a lifetime, not an unbounded range. */
const MAX_WINDOW_YEARS = 100;

/** `from`/`to` checked at the edge: each a real instant, in order, and at most 100 years apart. */
export function chronologyWindow(args: { from?: string | null; to?: string | null }): ChronologyWindow {
  const from = args.from ? Date.parse(args.from) : undefined;
  const to = args.to ? Date.parse(args.to) : undefined;
  if (from !== undefined && to !== undefined && from > to) throw badInput('from must not be after to.', { field: 'from' });
  if (from !== undefined && to !== undefined && to - from > MAX_WINDOW_YEARS * YEAR) {
    throw badInput(`from and to may be at most ${MAX_WINDOW_YEARS} years apart.`, { field: 'from' });
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

const shapeSubject = (subject: ChronologySubject) => ({ ...subject, relation: subject.relation.toUpperCase() });



const EMPTY_RECORD = {
  category: null, decision: null, sensitivity: null, type: null, title: null, status: null, start: null, end: null,
  location: null, narrative: null, outcome: null, service: null, contact: null, withheldFields: [], provenance: null,
};

function shapeEntry(entry: ChronologyEntry, groupOf: ReadonlyMap<ChronologyEntry, string>) {
  const source = entry.source.kind === 'record' ? { ...shapeRecord(entry.source.record), withheld: null } : { ...EMPTY_RECORD, withheld: shapeMarker(entry.source.marker) };
  return {
    ...source,
    reference: entry.reference,
    subject: shapeSubject(entry.subject),
    date: entry.date,
    precision: entry.precision === null ? null : entry.precision === 'date' ? 'DATE' : 'DATE_TIME',
    kind: entry.kind.toUpperCase().replace('-', '_'),
    agency: entry.agency,
    source: entry.source.origin === 'contact' ? 'CONTACT_LOG' : 'AGENCY',
    groupId: groupOf.get(entry) ?? null,
    auditEventId: entry.auditEventId,
  };
}

const shapeIndicator = (fired: FiredIndicator) => ({ ...fired, form: fired.form.toUpperCase(), earlier: fired.earlier ?? null });

export const chronologyResolvers = {
  Query: {
    chronology: async (_: unknown, args: { enquiryId: string; subjectId: string; from?: string | null; to?: string | null }, ctx: GatewayContext) => {
      // Bad input is refused before any agency is asked, and the refusal is recorded.
      let window: ChronologyWindow;
      try {
        window = chronologyWindow(args);
      } catch (error) {
        await audited(ctx.services, ctx, 'chronology', { enquiry: { id: args.enquiryId.slice(0, 200) } }, () => Promise.reject(error));
        throw error;
      }
      const chronology = await readChronology(ctx.services.access, ctx, args.enquiryId, args.subjectId, ctx.services.now, window, [contactLogSource(ctx.services.contactLog)]);
      const groupOf = new Map<ChronologyEntry, string>();
      for (const group of chronology.groups) for (const entry of group.entries) groupOf.set(entry, group.id);
      return {
        enquiryId: chronology.enquiry.id,
        subjects: chronology.subjects.map(shapeSubject),
        entries: chronology.entries.map((e) => shapeEntry(e, groupOf)),
        groups: chronology.groups.map((g) => ({ id: g.id, references: [...new Set(g.entries.map((e) => e.reference!))], agencies: g.agencies, evidence: g.evidence })),
        agencies: chronology.agencies,
        restricted: chronology.restricted ? shapeMarker(chronology.restricted) : null,
        from: window.from !== undefined ? new Date(window.from).toISOString() : null,
        to: window.to !== undefined ? new Date(window.to).toISOString() : null,
        policyVersion: chronology.policyVersion,
        auditEventId: chronology.auditEventId,
      };
    },
    riskIndicators: async (_: unknown, args: { enquiryId: string; subjectId: string }, ctx: GatewayContext) => {
      const answer = await readRiskIndicators(ctx.services.access, ctx.services.indicators, ctx, args.enquiryId, args.subjectId, ctx.services.now, [contactLogSource(ctx.services.contactLog)]);
      return {
        enquiryId: answer.enquiryId,
        subjectId: answer.subjectId,
        definitionsId: answer.definitions.id,
        definitionsVersion: answer.definitions.version,
        evaluated: answer.evaluated,
        indicators: answer.fired.map(shapeIndicator),
        computedAt: answer.computedAt,
        auditEventId: answer.auditEventId,
      };
    },
  },
  Mutation: {},
};
