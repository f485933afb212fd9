/**
 * The worked example of docs/connectors.md: a school nursing service's caseload system as a
 * `Connector`. Small on purpose; every part a real connector needs is here:
 *   1. a manifest: agency, categories with tiers and the canonical fields each fills, the
 *      identifier systems person search accepts, whom to contact;
 *   2. searchPersons: by identifier or demographics; `[]` for no one; BAD_QUERY for a query the
 *      system cannot answer;
 *   3. fetchRecords: one system query for the whole batch; a Map keyed by the ids asked for;
 *   4. mapping each system row to an Involvement / State / Event in a declared category, with
 *      provenance;
 *   5. failures as ConnectorError: aborted -> TIMEOUT, cannot reach -> UNREACHABLE, rows of the
 *      wrong shape -> MALFORMED_RESPONSE; the caller's signal passed to every system call.
 * It imports only `connectors/sdk` (and zod); timeouts, retries and the circuit breaker are the
 * gateway's job.
 */
import { z } from 'zod';
import {
  ConnectorError,
  type AgencyContact,
  type CallContext,
  type CategoryManifest,
  type Connector,
  type ConnectorManifest,
  type PersonQuery,
  type RecordKind,
  type SourcePerson,
  type SourceRecord,
} from '../sdk/index.js';
import type { ChildRow, EntryRow, InMemorySchoolNursingSystem } from './system.js';

export const AGENCY = 'school-nursing';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const CHILD_ID_SYSTEM = 'https://school-nursing.example.org/Id/child';
/** Provenance `system`: where the records come from. */
export const SOURCE_SYSTEM = 'https://school-nursing.example.org/caseload';

export const CATEGORY = {
  identity: `${AGENCY}.identity`,
  summary: `${AGENCY}.summary`,
  emotionalHealth: `${AGENCY}.emotional-health`,
} as const;

export const SCHOOL_NURSING_CATEGORIES: CategoryManifest[] = [
  {
    id: CATEGORY.identity,
    tier: 'T0',
    kinds: [],
    fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'],
    description: 'That the child is known to the school nursing service, with NHS number and local id.',
  },
  {
    id: CATEGORY.summary,
    tier: 'T1',
    kinds: ['involvement', 'event'],
    fields: ['type', 'title', 'status', 'start', 'end', 'location', 'service', 'contactName', 'contactRole', 'contactPhone'],
    description: 'On the school nursing caseload; appointments the child was not brought to.',
  },
  {
    // Emotional health support is clinical detail: tier T3 as health.clinical (POLICY-GUIDANCE.md).
    id: CATEGORY.emotionalHealth,
    tier: 'T3',
    kinds: ['involvement'],
    fields: ['type', 'title', 'status', 'start', 'end', 'location', 'narrative', 'service', 'contactName', 'contactRole', 'contactPhone'],
    description: 'Emotional health and wellbeing support from the school nurse.',
  },
];

/** How each kind of system entry maps to the canonical model. */
const ENTRY_MAP: Readonly<Record<EntryRow['type'], { kind: RecordKind; category: string; type: string; title: string }>> = {
  caseload: { kind: 'involvement', category: CATEGORY.summary, type: 'school-nursing', title: 'On the school nursing caseload' },
  'did-not-attend': { kind: 'event', category: CATEGORY.summary, type: 'was-not-brought', title: 'Was not brought to a school nursing appointment' },
  'emotional-health': { kind: 'involvement', category: CATEGORY.emotionalHealth, type: 'emotional-health-support', title: 'Emotional health support' },
};

// The system's rows are validated, not trusted: a misread record is worse than none.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ChildRowSchema = z.object({
  id: z.string().min(1),
  nhsNumber: z.string().regex(/^\d{10}$/).optional(),
  family: z.string(),
  given: z.array(z.string()),
  birthDate: z.string().regex(ISO_DATE),
  sex: z.enum(['F', 'M']).optional(),
  postcode: z.string().optional(),
  school: z.string(),
  updatedAt: z.iso.datetime(),
});
const EntryRowSchema = z.object({
  id: z.string().min(1),
  childId: z.string().min(1),
  type: z.enum(['caseload', 'did-not-attend', 'emotional-health']),
  date: z.string().regex(ISO_DATE),
  endDate: z.string().regex(ISO_DATE).optional(),
  status: z.enum(['open', 'closed']),
  note: z.string().optional(),
  nurse: z.string(),
  phone: z.string(),
  updatedAt: z.iso.datetime(),
});

export interface SchoolNursingConnectorOptions {
  system: InMemorySchoolNursingSystem;
  contact?: AgencyContact;
}

const DEFAULT_CONTACT: AgencyContact = {
  name: 'School Nursing Safeguarding Lead',
  organisation: 'Example Community Health Trust',
  phone: '01632 960100',
};

/** Runs one system call, turning whatever it throws into a ConnectorError (never a raw error). */
async function ask<T>(what: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  if (signal.aborted) throw new ConnectorError('TIMEOUT', `school nursing system: ${what} was cancelled before it started`);
  try {
    return await call();
  } catch (error) {
    if (signal.aborted) throw new ConnectorError('TIMEOUT', `school nursing system did not answer the ${what} in time`);
    // Name the failure, not the query: messages reach logs and must carry no personal data.
    throw new ConnectorError('UNREACHABLE', `school nursing system is unreachable (${(error as { code?: string }).code ?? 'error'})`, { cause: error });
  }
}

function parseRows<T>(schema: z.ZodType<T>, rows: unknown[], what: string): T[] {
  const parsed = z.array(schema).safeParse(rows);
  if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', `school nursing system answered the ${what} with rows of the wrong shape`);
  return parsed.data;
}

const fold = (s: string | undefined): string => (s ?? '').trim().toLowerCase();

function toSourcePerson(child: ChildRow, contact: AgencyContact): SourcePerson {
  return {
    agency: AGENCY,
    personId: child.id,
    identifiers: [
      ...(child.nhsNumber ? [{ system: NHS_NUMBER_SYSTEM, value: child.nhsNumber }] : []),
      { system: CHILD_ID_SYSTEM, value: child.id },
    ],
    names: [{ use: 'official', family: child.family, given: child.given }],
    birthDate: child.birthDate,
    birthDateAccuracy: 'AAA',
    ...(child.sex ? { gender: child.sex === 'F' ? '2' : '1' } : {}),
    addresses: child.postcode ? [{ postalCode: child.postcode }] : [],
    contact,
    provenance: { system: SOURCE_SYSTEM, recordId: `child/${child.id}`, asOf: child.updatedAt },
  };
}

function toSourceRecord(entry: EntryRow, school: string | undefined): SourceRecord {
  const map = ENTRY_MAP[entry.type];
  const fields: SourceRecord['fields'] = {
    type: map.type,
    title: map.title,
    status: entry.status,
    start: entry.date,
    service: 'School nursing',
    contactName: entry.nurse,
    contactRole: 'School nurse',
    contactPhone: entry.phone,
  };
  if (entry.endDate) fields.end = entry.endDate;
  if (school) fields.location = school;
  // Free text only where the category declares `narrative` (emotional health, T3).
  if (entry.note && map.category === CATEGORY.emotionalHealth) fields.narrative = entry.note;
  const category = SCHOOL_NURSING_CATEGORIES.find((c) => c.id === map.category)!;
  return {
    kind: map.kind,
    agency: AGENCY,
    category: category.id,
    tier: category.tier,
    personId: entry.childId,
    provenance: { system: SOURCE_SYSTEM, recordId: `entry/${entry.id}`, asOf: entry.updatedAt },
    fields,
  };
}

export function createSchoolNursingConnector(options: SchoolNursingConnectorOptions): Connector {
  const { system } = options;
  const contact = options.contact ?? DEFAULT_CONTACT;
  const manifest: ConnectorManifest = {
    agency: AGENCY,
    name: 'School nursing caseload (worked example)',
    version: '1.0.0',
    protocol: 'in-memory',
    identifierSystems: [NHS_NUMBER_SYSTEM, CHILD_ID_SYSTEM],
    categories: SCHOOL_NURSING_CATEGORIES,
    contact,
  };

  return {
    manifest,

    async searchPersons(query: PersonQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const nhsNumbers = (query.identifiers ?? []).filter((i) => i.system === NHS_NUMBER_SYSTEM).map((i) => i.value.replace(/\s+/g, ''));
      const childIds = (query.identifiers ?? []).filter((i) => i.system === CHILD_ID_SYSTEM).map((i) => i.value.trim());
      const family = fold(query.family);
      const given = fold(query.given);
      const birthDate = query.birthDate?.trim();
      const byIdentifier = nhsNumbers.length > 0 || childIds.length > 0;
      // A surname with a birth date or a first name: anything less matches half the caseload.
      const byDemographics = family !== '' && (birthDate !== undefined || given !== '');
      if (!byIdentifier && !byDemographics) {
        throw new ConnectorError('BAD_QUERY', 'school nursing search needs an NHS number, a child id, or a surname with a birth date or first name');
      }
      const matches = (c: ChildRow): boolean =>
        byIdentifier
          ? (c.nhsNumber !== undefined && nhsNumbers.includes(c.nhsNumber)) || childIds.includes(c.id)
          : fold(c.family) === family &&
            (birthDate === undefined || c.birthDate === birthDate) &&
            (given === '' || c.given.some((g) => fold(g) === given));
      const rows = await ask('person search', ctx.signal, () => system.queryChildren(matches, ctx.signal));
      return parseRows(ChildRowSchema, rows, 'person search').map((child) => toSourcePerson(child, contact));
    },

    async fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      const ids = [...new Set(personIds)];
      const result = new Map<string, SourceRecord[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;
      // One query per table for the whole batch (the gateway batches persons per request).
      const [childRows, entryRows] = await Promise.all([
        ask('record fetch', ctx.signal, () => system.queryChildren((c) => ids.includes(c.id), ctx.signal)),
        ask('record fetch', ctx.signal, () => system.queryEntries(ids, ctx.signal)),
      ]);
      const schools = new Map(parseRows(ChildRowSchema, childRows, 'record fetch').map((c) => [c.id, c.school]));
      for (const entry of parseRows(EntryRowSchema, entryRows, 'record fetch')) {
        result.get(entry.childId)?.push(toSourceRecord(entry, schools.get(entry.childId)));
      }
      return result;
    },

    async health(ctx: CallContext) {
      try {
        await ask('health check', ctx.signal, () => system.queryChildren(() => false, ctx.signal));
        return { ok: true };
      } catch (error) {
        return { ok: false, detail: error instanceof ConnectorError ? error.kind : 'unknown error' };
      }
    },
  };
}
