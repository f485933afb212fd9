import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { SourcePerson } from '../../../connectors/sdk/index.js';
import { createMatcher } from '../../../gateway/identity/search.js';
import { requestCost } from '../../../gateway/limits/cost.js';
import { createSchema } from '../../../gateway/resolvers/index.js';
import { addressSearches, collectCandidates, HOUSEHOLD_CALLS_PER_AGENCY, MAX_ADDRESS_SEARCHES, rankHousehold } from '../../../gateway/workspace/household/index.js';

const home = { line1: '12 High Street', postalCode: 'MH1 1AA', uprn: '990000000012' };
const person = (agency: string, personId: string, given: string, family: string, birthDate: string, address = home): SourcePerson => ({
  agency,
  personId,
  identifiers: [],
  names: [{ use: 'official', family, given: [given] }],
  birthDate,
  addresses: [address],
  provenance: { system: agency, recordId: `rec-${personId}`, asOf: '2026-11-01T00:00:00Z' },
});
const link = (of: SourcePerson, relationship: 'parent' | 'associate' | 'sibling') => ({
  person: of,
  basis: 'related-person' as const,
  relationship,
  provenance: { system: of.agency, recordId: `link-${of.personId}`, asOf: '2026-11-01T00:00:00Z' },
});

describe('household candidates (pure)', () => {
  const matcher = createMatcher();
  const child = person('health', 'H-C', 'Lily', 'Walker', '2012-05-04');

  it('searches each of the child’s distinct current addresses once, UPRN first, the most recorded first, at most the limit', () => {
    const other = { line1: '3 Mill Lane', postalCode: 'MH2 2BB' };
    const { queries, agreed } = addressSearches([home, { line1: '12 High St', postalCode: 'mh1 1aa', uprn: '990000000012' }, other, { line1: '1 A', postalCode: 'MH3 3CC' }, { line1: '2 B', postalCode: 'MH4 4DD' }]);
    expect(queries[0]).toEqual({ uprn: '990000000012' });
    expect(queries[1]).toEqual({ line1: '3 Mill Lane', postalCode: 'MH2 2BB' });
    expect(queries).toHaveLength(MAX_ADDRESS_SEARCHES);
    expect(agreed).toEqual([home]);
    // Two agencies disagreeing about the child's address: neither is agreed.
    expect(addressSearches([home, other]).agreed).toEqual([]);
  });

  it('groups one person’s records across agencies, sets the child’s own records aside, and bands on the evidence', () => {
    const motherPolice = person('police', 'P-M', 'Sarah', 'Walker', '1988-02-11');
    const motherHousing = person('housing', 'T1/1', 'Sarah', 'Walker', '1988-02-11');
    const childHousing = person('housing', 'T1/2', 'Lily', 'Walker', '2012-05-04');
    const lodger = person('housing', 'T9/1', 'Gary', 'Price', '1970-07-07');
    const associate = person('police', 'P-X', 'Dean', 'Fletcher', '1991-02-17', { line1: '99 Quarry Road', postalCode: 'MH9 9ZZ', uprn: '990999999999' });
    const candidates = collectCandidates(
      [
        { agency: 'police', member: link(motherPolice, 'parent') },
        { agency: 'police', member: link(associate, 'associate') },
      ],
      [motherHousing, childHousing, lodger, child].map((p) => ({ agency: p.agency, person: p })),
      [home],
      (agency, personId) => agency === 'health' && personId === 'H-C',
    );
    expect(candidates.map((c) => c.personId).sort()).toEqual(['P-M', 'P-X', 'T1/1', 'T1/2', 'T9/1']);
    const ranking = rankHousehold(matcher, candidates, [child], [home], '2026-12-03');
    expect(ranking.childRecords).toEqual([{ agency: 'housing', personId: 'T1/2' }]);
    const byId = (id: string) => ranking.groups.find((g) => g.members.some((m) => m.personId === id))!;
    expect(byId('P-M').members.map((m) => m.personId).sort()).toEqual(['P-M', 'T1/1']);
    expect(byId('P-M')).toMatchObject({ band: 'certain', householdBand: 'certain', relation: 'adult' });
    // One agency's address alone may be out of date; a weak relationship is weak evidence.
    expect(byId('T9/1')).toMatchObject({ band: 'possible', members: [{ personId: 'T9/1' }] });
    expect(byId('P-X').band).toBe('possible');
  });

  it('a relationship one agency records is probable; the same address at two agencies is probable only at the child’s agreed address', () => {
    const sibling = person('police', 'P-S', 'Noah', 'Walker', '2024-01-20');
    const ranking = rankHousehold(matcher, collectCandidates([{ agency: 'police', member: link(sibling, 'sibling') }], [], [], () => false), [child], [home], '2026-12-03');
    expect(ranking.groups[0]).toMatchObject({ band: 'probable', relation: 'child' });
    const a = person('police', 'P-A', 'Gary', 'Price', '1970-07-07');
    const b = person('housing', 'T9/1', 'Gary', 'Price', '1970-07-07');
    const found = collectCandidates([], [a, b].map((p) => ({ agency: p.agency, person: p })), [home], () => false);
    expect(rankHousehold(matcher, found, [child], [home], '2026-12-03').groups[0]!.band).toBe('probable');
    expect(rankHousehold(matcher, found, [child], [], '2026-12-03').groups[0]!.band).toBe('possible');
  });

  it('costs the agencies it fans out to: household five calls each, conflicts one', () => {
    const schema = createSchema();
    const cost = (query: string) => requestCost(schema, parse(query), undefined, undefined, () => 5);
    expect(HOUSEHOLD_CALLS_PER_AGENCY).toBe(5);
    expect(cost('{ household(enquiryId: "e", subjectId: "s") { auditEventId } }')).toBe(25);
    expect(cost('{ conflicts(enquiryId: "e", subjectId: "s") { auditEventId } }')).toBe(5);
  });
});
