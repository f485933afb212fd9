import type { PersonQuery, SourcePerson } from '../../connectors/sdk/index.js';
import { whoAccessedAny, type AccessReportEntry } from '../audit/oversight.js';
import type { AuditDecision } from '../audit/index.js';
import { badInput } from '../errors.js';
import type { RequestFederation } from '../federation/index.js';
import { normaliseIdentifier, UPN_SYSTEM } from '../identity/normalise.js';
import { NHS_NUMBER_SYSTEM } from '../identity/nhs-number.js';
import type { IdentityMatcher, SearchCandidate } from '../identity/search.js';
import { searchPasses } from '../identity/search-passes.js';
import { personRecordFromSource } from '../identity/source-person.js';
import type { Queryable } from '../store/index.js';

/**
 * A subject access request that starts from an identifier the person (or their parent) gives: an
 * NHS number or a UPN. It is resolved to each agency's own person ids, and the report lists every
 * agency's accesses of that person: reads as a linked subject and searches that showed them.
 */
export type IdentifierKind = 'NHS_NUMBER' | 'UPN';

export interface ResolvedPerson {
  agency: string;
  personId: string;
  /** How the agency record was tied to the identifier. */
  via: 'identifier' | 'match' | 'link';
}

export interface SubjectAccessReport {
  persons: ResolvedPerson[];
  /** Agencies that could not be asked (their records may be missing from the report): why. */
  unavailable: { agency: string; reason: string }[];
  accesses: AccessReportEntry[];
}

const SYSTEMS: Record<IdentifierKind, string> = { NHS_NUMBER: NHS_NUMBER_SYSTEM, UPN: UPN_SYSTEM };
const key = (agency: string, personId: string) => `${agency}\u0000${personId}`;

/** The identifier checked and put in its canonical form (separators removed, check digit or letter verified). */
export function subjectIdentifier(kind: string, value: string): { system: string; value: string } {
  const system = SYSTEMS[kind as IdentifierKind];
  if (system === undefined) throw badInput('kind must be NHS_NUMBER or UPN.', { field: 'kind' });
  if (typeof value !== 'string' || value.length > 40) throw badInput('value must be an NHS number or a UPN (at most 40 characters).', { field: 'value' });
  const normal = normaliseIdentifier(system, value);
  if ('problem' in normal) throw badInput(`value is not a valid ${kind === 'UPN' ? 'UPN' : 'NHS number'}: ${normal.problem}`, { field: 'value' });
  return normal;
}

const holds = (person: SourcePerson, id: { system: string; value: string }): boolean =>
  person.identifiers.some((i) => {
    if (i.system !== id.system) return false;
    const normal = normaliseIdentifier(i.system, i.value);
    return !('problem' in normal) && normal.value === id.value;
  });

/**
 * Each agency's person ids for the identifier: the records that carry it; the records at any agency
 * the matcher places with one of those as certain or probable (agencies that do not keep the
 * identifier); and the other agency records confirmed as the same subject in an enquiry.
 */
export async function resolveIdentifier(
  deps: { federation: RequestFederation; matcher: IdentityMatcher; store: Queryable },
  identifier: { system: string; value: string },
): Promise<{ persons: ResolvedPerson[]; unavailable: { agency: string; reason: string }[] }> {
  const found = new Map<string, ResolvedPerson>();
  const unavailable = new Map<string, string>();
  const byIdentifier = await deps.federation.searchPersons({ identifiers: [identifier] });
  const exact: SourcePerson[] = [];
  for (const answer of byIdentifier) {
    if (answer.status === 'unavailable') {
      unavailable.set(answer.agency, answer.reason);
      continue;
    }
    for (const person of answer.persons) {
      if (!holds(person, identifier)) continue;
      exact.push(person);
      found.set(key(person.agency, person.personId), { agency: person.agency, personId: person.personId, via: 'identifier' });
    }
  }

  // Agencies that do not keep the identifier: found by the person's demographics and matched.
  for (const person of exact.slice(0, 3)) {
    const record = personRecordFromSource(person);
    if (!record.family || !(record.given || record.birthDate)) continue;
    const query: PersonQuery = { identifiers: [identifier], family: record.family, ...(record.given ? { given: record.given.split(' ')[0]! } : {}), ...(record.birthDate ? { birthDate: record.birthDate } : {}) };
    const answers = await deps.federation.searchPersons(searchPasses(query));
    const candidates: SearchCandidate[] = [];
    for (const answer of answers) {
      if (answer.status === 'unavailable') {
        unavailable.set(answer.agency, answer.reason);
        continue;
      }
      for (const p of answer.persons) candidates.push({ agency: answer.agency, personId: p.personId, record: personRecordFromSource(p) });
    }
    for (const group of deps.matcher.rank(record, candidates).groups) {
      for (const member of group.members) {
        if (member.score.band !== 'certain' && member.score.band !== 'probable') continue;
        const k = key(member.agency, member.personId);
        if (!found.has(k)) found.set(k, { agency: member.agency, personId: member.personId, via: 'match' });
      }
    }
  }

  // Links researchers confirmed: another agency's record linked to the same enquiry subject.
  if (found.size > 0) {
    const known = [...found.values()];
    const { rows } = await deps.store.query<{ agency: string; person_id: string }>(
      `SELECT DISTINCT other.agency, other.person_id
         FROM subject_link l
         JOIN unnest($1::text[], $2::text[]) AS k(agency, person_id) ON k.agency = l.agency AND k.person_id = l.person_id
         JOIN subject_link other ON other.subject_id = l.subject_id AND other.unlinked_at IS NULL
        WHERE l.unlinked_at IS NULL`,
      [known.map((p) => p.agency), known.map((p) => p.personId)],
    );
    for (const row of rows) {
      const k = key(row.agency, row.person_id);
      if (!found.has(k)) found.set(k, { agency: row.agency, personId: row.person_id, via: 'link' });
    }
  }
  for (const agency of unavailable.keys()) if ([...found.values()].some((p) => p.agency === agency)) unavailable.delete(agency);
  const persons = [...found.values()].sort((a, b) => a.agency.localeCompare(b.agency) || a.personId.localeCompare(b.personId));
  return { persons, unavailable: [...unavailable].map(([agency, reason]) => ({ agency, reason })) };
}

/** The subject access report for an identifier: the persons it resolves to and every access of them. */
export async function subjectAccessByIdentifier(
  deps: { federation: RequestFederation; matcher: IdentityMatcher; store: Queryable },
  kind: string,
  value: string,
): Promise<SubjectAccessReport> {
  const identifier = subjectIdentifier(kind, value);
  const { persons, unavailable } = await resolveIdentifier(deps, identifier);
  const accesses = persons.length === 0 ? [] : await whoAccessedAny(deps.store, persons);
  return { persons, unavailable, accesses };
}

/** The IG lookup's own audit decisions: per agency, the person ids it resolved (no record content). */
export function subjectAccessDecisions(report: SubjectAccessReport): AuditDecision[] {
  const byAgency = new Map<string, string[]>();
  for (const p of report.persons) byAgency.set(p.agency, [...(byAgency.get(p.agency) ?? []), p.personId]);
  return [...byAgency].map(([agency, personIds]) => ({
    agency,
    category: `${agency}.identity`,
    decision: 'disclose' as const,
    fields: [],
    recordIds: [],
    markers: 0,
    personIds,
    reason: 'Resolved from an identifier for a subject access request (who accessed the person).',
  }));
}
