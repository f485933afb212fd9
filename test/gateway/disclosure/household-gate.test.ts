import { describe, expect, it } from 'vitest';
import type { SourcePerson } from '../../../connectors/sdk/index.js';
import { auditHouseholdDecisions, candidateKey, discloseHousehold, isDisclosed, shownHouseholdPersons, type HouseholdRankingInput } from '../../../gateway/disclosure/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';

const abilityFor = createAbilityCache(loadPolicyFile());
const abilities = (purpose: string, consent = false) => (relation: 'child' | 'adult') => abilityFor({ roles: ['mash-researcher'], purpose, consent, relation, relevance: false });
const home = { line1: '12 High Street', postalCode: 'MH1 1AA', uprn: '990000000012' };
const person = (agency: string, personId: string): SourcePerson => ({
  agency,
  personId,
  identifiers: [],
  names: [{ use: 'official', family: 'Walker', given: ['Sarah'] }],
  birthDate: '1988-02-11',
  addresses: [home],
  provenance: { system: agency, recordId: `rec-${personId}`, asOf: '2026-11-01T00:00:00Z' },
});
const evidence = (agency: string) => [
  { agency, basis: 'related-person' as const, relationship: 'parent' as const, agencyRelationship: 'MOTHER', provenance: { system: agency, recordId: `link-${agency}`, asOf: '2026-11-01T00:00:00Z' } },
  { agency, basis: 'same-address' as const, address: home, provenance: { system: agency, recordId: `rec-${agency}`, asOf: '2026-11-01T00:00:00Z' } },
];
const ranking = (agencies: string[]): HouseholdRankingInput => ({
  groups: [{ band: 'certain', identityBand: 'certain', householdBand: 'certain', relation: 'adult', members: agencies.map((agency) => ({ agency, personId: `${agency}-m`, score: null, evidence: evidence(agency) })).map((m, i) => (i === 0 ? m : { ...m, score: { weight: 20, probability: 0.9999, band: 'certain' as const, reasons: [] } })) }],
});
const persons = (agencies: string[]) => new Map(agencies.map((a) => [candidateKey(a, `${a}-m`), person(a, `${a}-m`)]));
const contacts = new Map([['police', { name: 'PPU' }], ['health', { name: 'Safeguarding' }], ['unlisted', { name: 'Unknown system' }]]);

describe('the gate for household candidates', () => {
  it('discloses each record’s identity as for the candidate’s relation, with the evidence, and only gate-made values', () => {
    const disclosure = discloseHousehold(abilities('s47'), ranking(['police', 'health']), persons(['police', 'health']), contacts);
    const [candidate] = disclosure.candidates;
    expect(isDisclosed(candidate)).toBe(true);
    expect(candidate).toMatchObject({ key: 'H1', band: 'certain', relation: 'adult' });
    const police = candidate!.records.find((r) => r.agency === 'police')!;
    expect(isDisclosed(police.person) && isDisclosed(police.evidence[0])).toBe(true);
    expect(police.evidence[0]).toMatchObject({ relationship: 'parent', agencyRelationship: 'MOTHER' });
    expect(police.evidence[1]).toMatchObject({ basis: 'same-address', address: home });
    expect(shownHouseholdPersons(disclosure)).toEqual([{ agency: 'police', personId: 'police-m', matchKey: 'H1' }, { agency: 'health', personId: 'health-m', matchKey: 'H1' }]);
    const audit = auditHouseholdDecisions(disclosure);
    expect(audit).toContainEqual(expect.objectContaining({ agency: 'police', category: 'police.identity', decision: 'disclose', personIds: ['police-m'], reason: 'Shown as household adult candidates: police-m (H1, certain).' }));
  });

  it('under a summary shows whom to contact only: no name, relationship or address in the evidence', () => {
    const [candidate] = discloseHousehold(abilities('early-help'), ranking(['police']), persons(['police']), contacts).candidates;
    const [record] = candidate!.records;
    expect(record!.person.decision).toBe('summarise');
    expect(record!.person.names).toBeUndefined();
    expect(record!.evidence.map((e) => Object.keys(e).sort())).toEqual([['agency', 'basis', 'provenance'], ['agency', 'basis', 'provenance']]);
  });

  it('a record whose identity the policy does not name is not shown (default deny), and its candidate is possible at most', () => {
    const disclosure = discloseHousehold(abilities('s47'), ranking(['police', 'unlisted']), persons(['police', 'unlisted']), contacts);
    const [candidate] = disclosure.candidates;
    expect(candidate!.records.map((r) => r.agency)).toEqual(['police']);
    expect(candidate).toMatchObject({ band: 'possible', identityBand: 'possible', householdBand: 'possible' });
    expect(auditHouseholdDecisions(disclosure)).toContainEqual(expect.objectContaining({ agency: 'unlisted', decision: 'deny', fields: [] }));
    expect(JSON.stringify(disclosure.candidates)).not.toContain('unlisted-m');
  });
});
