/**
 * Household candidates from what the agencies record with a child: pure and synchronous, over raw
 * agency answers, so it stays inside the disclosure path; only the gate (discloseHousehold) turns
 * its ranking into anything a caller sees.
 *
 * 1. Every person an agency places with the child (householdOf: related persons, same address) or
 *    at the child's current address (personsAtAddress) is a candidate record, with its evidence.
 * 2. The child's own records (an agency record of the child not linked to the enquiry) are set
 *    aside: a candidate the identity matcher judges the child at probable or better is not a
 *    household member.
 * 3. Records of one person across agencies are grouped with the identity matcher, as searchPeople
 *    groups likely people: a record joins a group only if it matches the group's first record at
 *    probable or better and is compatible (no cannot-link caution) with every member.
 * 4. Each group gets a band: the lower of how sure the grouping is (identity) and how well the
 *    household membership is evidenced:
 *      certain   a household relationship (parent, carer, sibling, tenancy member...) recorded by
 *                one agency and the person placed with the child by another agency too;
 *      probable  a household relationship recorded by one agency, or the same address recorded by
 *                two or more agencies at the child's agreed current address;
 *      possible  anything else (one agency's address alone, which may be out of date; a weak
 *                relationship such as "associate").
 */
import type { Address, AddressQuery, HouseholdBasis, HouseholdRelationship, Provenance, SourcePerson } from '../../../connectors/sdk/index.js';
import type { IdentityMatcher } from '../../identity/search.js';
import { personRecordFromSource } from '../../identity/source-person.js';
import type { Band, PairScore, PersonRecord } from '../../identity/types.js';
import { sameAddress } from '../conflicts/compare.js';
import { MAX_ADDRESS_SEARCHES } from './limits.js';

/** Relationships that say the person belongs to the child's household (others are weak evidence). */
export const HOUSEHOLD_RELATIONSHIPS_STRONG: ReadonlySet<HouseholdRelationship> = new Set([
  'parent',
  'step-parent',
  'carer',
  'partner-of-parent',
  'sibling',
  'child',
  'partner',
  'tenancy-member',
  'household-member',
]);

/** Why an agency places a person with the child: the raw evidence (its record and, where given, address). */
export interface RawEvidence {
  agency: string;
  basis: HouseholdBasis;
  relationship?: HouseholdRelationship;
  agencyRelationship?: string;
  address?: Address;
  provenance: Provenance;
}

export interface CandidateRecord {
  agency: string;
  personId: string;
  person: SourcePerson;
  evidence: RawEvidence[];
}

export interface HouseholdGroupMember {
  agency: string;
  personId: string;
  /** The record against the group's first record; null for the first record itself. */
  score: PairScore | null;
  evidence: readonly RawEvidence[];
}

export interface HouseholdGroup {
  band: Band;
  /** How sure the grouping of the records as one person is (the weakest member's band). */
  identityBand: Band;
  /** How well the household membership is evidenced (see above). */
  householdBand: Band;
  /** The relation the candidate would have as a subject: adult unless every dated record says under 18. */
  relation: 'child' | 'adult';
  members: HouseholdGroupMember[];
}

export interface HouseholdRanking {
  groups: HouseholdGroup[];
  /** Candidate records judged to be the child's own (not linked): set aside, counted. */
  childRecords: { agency: string; personId: string }[];
}

const BAND_ORDER: readonly Band[] = ['certain', 'probable', 'possible'];
const lower = (a: Band, b: Band): Band => (BAND_ORDER.indexOf(a) >= BAND_ORDER.indexOf(b) ? a : b);
const atLeastProbable = (band: Band | null): boolean => band === 'certain' || band === 'probable';

const clean = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);
const currentOf = (person: Pick<SourcePerson, 'addresses'>): Address | undefined => person.addresses.find((a) => clean(a.to) === undefined);

/**
 * The child's current addresses to search, from the child's records (as the gate disclosed them):
 * UPRN first, else the first line and postcode; one search per distinct property, most-recorded
 * first, at most MAX_ADDRESS_SEARCHES.
 */
export function addressSearches(childAddresses: readonly Address[]): { queries: AddressQuery[]; agreed: Address[] } {
  const distinct: { address: Address; count: number }[] = [];
  for (const address of childAddresses) {
    if (!clean(address.uprn) && !(clean(address.line1) && clean(address.postalCode))) continue;
    const known = distinct.find((d) => sameAddress(d.address, address));
    if (known) {
      known.count++;
      if (!clean(known.address.uprn) && clean(address.uprn)) known.address = address;
    } else distinct.push({ address, count: 1 });
  }
  distinct.sort((a, b) => b.count - a.count);
  const kept = distinct.slice(0, MAX_ADDRESS_SEARCHES);
  const queries = kept.map(({ address }) => (clean(address.uprn) ? { uprn: clean(address.uprn)! } : { line1: clean(address.line1)!, postalCode: clean(address.postalCode)! }));
  // The child's agreed current address: the one most of the child's records hold (or the only one).
  const top = kept[0]?.count ?? 0;
  const agreed = kept.filter((d) => d.count === top && (top >= 2 || kept.length === 1)).map((d) => d.address);
  return { queries, agreed };
}

/** Adds a candidate record's evidence, one record per agency person id. */
export function collectCandidates(
  householdMembers: readonly { agency: string; member: { person: SourcePerson; basis: HouseholdBasis; relationship: HouseholdRelationship; agencyRelationship?: string; address?: Address; provenance: Provenance } }[],
  atAddress: readonly { agency: string; person: SourcePerson }[],
  searched: readonly Address[],
  exclude: (agency: string, personId: string) => boolean,
): CandidateRecord[] {
  const records = new Map<string, CandidateRecord>();
  const recordOf = (agency: string, person: SourcePerson): CandidateRecord | undefined => {
    if (exclude(agency, person.personId)) return undefined;
    const key = `${agency}\u0000${person.personId}`;
    let record = records.get(key);
    if (!record) {
      record = { agency, personId: person.personId, person, evidence: [] };
      records.set(key, record);
    }
    return record;
  };
  for (const { agency, member } of householdMembers) {
    const record = recordOf(agency, member.person);
    if (!record) continue;
    record.evidence.push({
      agency,
      basis: member.basis,
      relationship: member.relationship,
      ...(member.agencyRelationship !== undefined ? { agencyRelationship: member.agencyRelationship } : {}),
      ...(member.address !== undefined ? { address: member.address } : {}),
      provenance: member.provenance,
    });
  }
  for (const { agency, person } of atAddress) {
    const record = recordOf(agency, person);
    if (!record) continue;
    const current = currentOf(person);
    const address = (current && searched.find((s) => sameAddress(s, current)) ? current : undefined) ?? current ?? searched[0];
    if (record.evidence.some((e) => e.basis === 'same-address' && e.address !== undefined && address !== undefined && sameAddress(e.address, address))) continue;
    record.evidence.push({ agency, basis: 'same-address', ...(address ? { address } : {}), provenance: person.provenance });
  }
  return [...records.values()];
}

function householdBand(evidence: readonly RawEvidence[], agreed: readonly Address[]): Band {
  const agencies = new Set(evidence.map((e) => e.agency));
  const related = evidence.filter((e) => e.basis === 'related-person' && e.relationship !== undefined && HOUSEHOLD_RELATIONSHIPS_STRONG.has(e.relationship));
  if (related.length > 0 && agencies.size >= 2) return 'certain';
  if (related.length > 0) return 'probable';
  const atAgreed = new Set(evidence.filter((e) => e.basis === 'same-address' && e.address !== undefined && agreed.some((a) => sameAddress(a, e.address!))).map((e) => e.agency));
  return atAgreed.size >= 2 ? 'probable' : 'possible';
}

const ADULT_AGE = 18;

function isChild(birthDate: string | undefined, today: string): boolean {
  const date = clean(birthDate);
  if (!date || !/^\d{4}-\d{2}-\d{2}/.test(date)) return false;
  const eighteenth = `${Number(date.slice(0, 4)) + ADULT_AGE}${date.slice(4, 10)}`;
  return eighteenth > today;
}

/**
 * Groups the candidate records into people, sets aside the child's own records, and bands each
 * group. `child` are the child's own records (raw, for matching only); `today` (YYYY-MM-DD)
 * decides who is under 18.
 */
export function rankHousehold(matcher: IdentityMatcher, candidates: readonly CandidateRecord[], child: readonly SourcePerson[], agreed: readonly Address[], today: string): HouseholdRanking {
  const childRecords: { agency: string; personId: string }[] = [];
  const childPeople: PersonRecord[] = child.map(personRecordFromSource);
  const others: { candidate: CandidateRecord; record: PersonRecord }[] = [];
  for (const candidate of candidates) {
    const record = personRecordFromSource(candidate.person);
    const isTheChild = childPeople.some((c) => {
      const score = matcher.score(c, record);
      return score.caution === undefined && atLeastProbable(score.band);
    });
    if (isTheChild) childRecords.push({ agency: candidate.agency, personId: candidate.personId });
    else others.push({ candidate, record });
  }
  // Best-evidenced first, so a group's first record is its strongest.
  const strength = (c: CandidateRecord) => householdBand(c.evidence, agreed);
  others.sort((a, b) => BAND_ORDER.indexOf(strength(a.candidate)) - BAND_ORDER.indexOf(strength(b.candidate)) || b.candidate.evidence.length - a.candidate.evidence.length);
  const groups: { members: { candidate: CandidateRecord; record: PersonRecord; score: PairScore | null }[] }[] = [];
  for (const item of others) {
    const home = groups.find((g) => {
      if (g.members.some((m) => m.candidate.agency === item.candidate.agency)) return false; // one agency's two records are two people
      const withFirst = matcher.score(g.members[0]!.record, item.record);
      if (!atLeastProbable(withFirst.band) || withFirst.caution !== undefined) return false;
      return g.members.every((m) => {
        const score = matcher.score(m.record, item.record);
        return score.band !== null && score.caution === undefined;
      });
    });
    if (home) home.members.push({ ...item, score: matcher.score(home.members[0]!.record, item.record) });
    else groups.push({ members: [{ ...item, score: null }] });
  }
  const ranked = groups.map((g): HouseholdGroup => {
    const evidence = g.members.flatMap((m) => m.candidate.evidence);
    const identityBand = g.members.reduce<Band>((band, m) => (m.score === null ? band : lower(band, m.score.band ?? 'possible')), 'certain');
    const household = householdBand(evidence, agreed);
    const child = g.members.every((m) => isChild(m.candidate.person.birthDate, today));
    return {
      band: lower(identityBand, household),
      identityBand,
      householdBand: household,
      relation: child ? 'child' : 'adult',
      members: g.members.map((m) => ({ agency: m.candidate.agency, personId: m.candidate.personId, score: m.score, evidence: m.candidate.evidence })),
    };
  });
  ranked.sort((a, b) => BAND_ORDER.indexOf(a.band) - BAND_ORDER.indexOf(b.band) || b.members.length - a.members.length);
  return { groups: ranked, childRecords };
}
