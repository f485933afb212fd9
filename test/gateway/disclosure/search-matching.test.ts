import { describe, expect, it } from 'vitest';
import type { SourcePerson } from '../../../connectors/sdk/index.js';
import { auditSearchDecisions, discloseSearch, isDisclosed, type PersonAnswer, type SearchRanking } from '../../../gateway/disclosure/index.js';
import type { Band, FieldReason, PairScore } from '../../../gateway/identity/types.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';

/**
 * The gate's side of identity matching, with hand-made rankings so that each case states exactly
 * what the matcher said: proportionality (only likely people reach the gate), what a likely person
 * shows, and what the audit event says.
 */

const abilityFor = createAbilityCache(loadPolicyFile());
const ability = (purpose: string, consent = false, roles = ['mash-researcher']) => abilityFor({ roles, purpose, consent, relation: 'child', relevance: false });
const contact = { name: 'Safeguarding team', phone: '01632 960000' };

function person(agency: string, personId: string, given: string, birthDate: string): SourcePerson {
  return {
    agency,
    personId,
    identifiers: [],
    names: [{ use: 'official', family: 'Knight', given: [given] }],
    birthDate,
    gender: '2',
    addresses: [{ line1: '35 Canal Crescent', postalCode: 'MH3 1EU' }],
    provenance: { system: `https://${agency}.test`, recordId: `person/${personId}`, asOf: '2026-11-01T00:00:00Z' },
  };
}

const reasons: FieldReason[] = [
  { field: 'given', level: 'exact', weight: 6.1, explanation: 'Given names agree exactly.' },
  { field: 'family', level: 'exact', weight: 7.9, explanation: 'Family names agree exactly.' },
  { field: 'birthDate', level: 'exact', weight: 10.2, explanation: 'Dates of birth agree exactly.' },
  { field: 'postcode', level: 'exact', weight: 4.4, explanation: 'Postcodes agree exactly.' },
  { field: 'id:https://fhir.nhs.uk/Id/nhs-number', level: 'missing', weight: 0, explanation: 'NHS number: not recorded on both records.' },
  { field: 'email', level: 'missing', weight: 0, explanation: 'Email: not recorded on both records.' },
];
const score = (probability: number, band: Band | null, caution?: string): PairScore => ({ weight: 10, probability, band, reasons, ...(caution ? { caution } : {}) });
const member = (agency: string, personId: string, probability: number, band: Band | null, caution?: string) => ({ agency, personId, score: score(probability, band, caution) });

const lilyHealth = person('health', 'pat-1', 'Lily', '2011-06-11');
const lilyPolice = person('police', 'NOM0000003', 'Lily', '2011-06-11');
const otherHealth = person('health', 'pat-2', 'Lola', '1990-04-04');
const otherPolice = person('police', 'NOM0000042', 'Leo', '1985-01-01');
const answers: PersonAnswer[] = [
  { agency: 'health', status: 'answered', persons: [lilyHealth, otherHealth], contact },
  { agency: 'police', status: 'answered', persons: [lilyPolice, otherPolice], contact },
  { agency: 'education', status: 'answered', persons: [person('education', 'UPN-9', 'Lucy', '2012-01-01')], contact },
  { agency: 'housing', status: 'unavailable', reason: 'housing did not answer within 3000 ms (timeout).' },
  { agency: 'social-care', status: 'answered', persons: [], contact },
];
const ranking: SearchRanking = {
  groups: [{ key: 'P1', band: 'certain', probability: 0.9995, members: [member('health', 'pat-1', 0.9995, 'certain'), member('police', 'NOM0000003', 0.97, 'probable')] }],
  belowThreshold: [member('health', 'pat-2', 0.2, null), member('police', 'NOM0000042', 0.01, null), member('education', 'UPN-9', 0.3, null)],
  queryProblems: ['The postcode "MH3" is not a full UK postcode.'],
};

describe('a person search after identity matching', () => {
  it('shows one likely person with each agency’s gated record, band, score and reasons', () => {
    const result = discloseSearch(ability('s47'), answers, ranking);
    expect(result.people).toHaveLength(1);
    const [lily] = result.people;
    expect(isDisclosed(lily)).toBe(true);
    expect(lily).toMatchObject({ key: 'P1', band: 'certain', score: 0.9995 });
    expect(lily!.records.map((r) => [r.agency, r.personId, r.band, r.score])).toEqual([
      ['health', 'pat-1', 'certain', 0.9995],
      ['police', 'NOM0000003', 'probable', 0.97],
    ]);
    const health = lily!.records[0]!;
    expect(isDisclosed(health)).toBe(true);
    expect(health.reasons).toEqual(reasons);
    expect(health.reasons[0]).not.toBe(reasons[0]); // a copy, not the matcher's object
    // The person is the gate's own output, the very one the agency's answer lists.
    expect(health.person).toBe(result.agencies.find((a) => a.agency === 'health')!.persons[0]);
    expect(isDisclosed(health.person)).toBe(true);
    expect(result.queryProblems).toEqual(['The postcode "MH3" is not a full UK postcode.']);
  });

  it('does not let a candidate below the possible band reach the gate: only a count per agency', () => {
    const result = discloseSearch(ability('s47'), answers, ranking);
    expect(result.notShown).toEqual([
      { agency: 'health', count: 1 },
      { agency: 'police', count: 1 },
      { agency: 'education', count: 1 },
    ]);
    const shown = JSON.stringify({ agencies: result.agencies, people: result.people, decisions: result.decisions });
    for (const hidden of ['pat-2', 'Lola', '1990-04-04', 'NOM0000042', 'Leo', 'UPN-9', 'Lucy']) expect(shown).not.toContain(hidden);
    const byAgency = Object.fromEntries(result.agencies.map((a) => [a.agency, a]));
    expect(byAgency.health!.persons.map((p) => p.personId)).toEqual(['pat-1']);
    expect(byAgency.police!.persons.map((p) => p.personId)).toEqual(['NOM0000003']);
    // An agency left with nothing that matches says so; one that could not answer still says why.
    expect(byAgency.education).toMatchObject({ status: 'NO_RECORD', persons: [], detail: '1 record found at education did not match the search closely enough to be shown.' });
    expect(byAgency.housing).toMatchObject({ status: 'UNAVAILABLE', detail: 'housing did not answer within 3000 ms (timeout).' });
    expect(byAgency['social-care']).toMatchObject({ status: 'NO_RECORD', persons: [] });
    expect(byAgency['social-care']!.detail).toBeUndefined();
  });

  it('treats a candidate the matcher did not place in a likely person, or placed without a band, as not shown', () => {
    const odd: SearchRanking = {
      groups: [{ key: 'P1', band: 'certain', probability: 0.9995, members: [member('health', 'pat-1', 0.9995, 'certain'), member('police', 'NOM0000003', 0.5, null)] }],
      belowThreshold: [], // the other candidates are in neither list
      queryProblems: [],
    };
    const result = discloseSearch(ability('s47'), answers, odd);
    expect(result.people[0]!.records.map((r) => r.personId)).toEqual(['pat-1']);
    expect(result.notShown).toEqual([
      { agency: 'health', count: 1 },
      { agency: 'police', count: 2 },
      { agency: 'education', count: 1 },
    ]);
  });

  it('lists a record in one likely person only, and numbers people best first', () => {
    const twice: SearchRanking = {
      groups: [
        { key: 'P1', band: 'possible', probability: 0.85, members: [member('police', 'NOM0000042', 0.85, 'possible')] },
        { key: 'P2', band: 'certain', probability: 0.9995, members: [member('health', 'pat-1', 0.9995, 'certain'), member('police', 'NOM0000042', 0.85, 'possible')] },
      ],
      belowThreshold: [],
      queryProblems: [],
    };
    const result = discloseSearch(ability('s47'), answers, twice);
    // The matcher's P2 lost NOM0000042 to its P1, so it is judged on what it shows, pat-1 alone,
    // and, being the better match, comes first.
    expect(result.people.map((p) => [p.key, p.band, p.score, p.records.map((r) => r.personId)])).toEqual([
      ['P1', 'certain', 0.9995, ['pat-1']],
      ['P2', 'possible', 0.85, ['NOM0000042']],
    ]);
  });

  it('shows under early help without consent only that the agency knows the person, and reasons about nothing withheld', () => {
    const caution = 'Same family name and date of birth but different given names: possibly twins or siblings.';
    const withCaution: SearchRanking = { ...ranking, groups: [{ key: 'P1', band: 'possible', probability: 0.9, members: [member('health', 'pat-1', 0.9, 'possible', caution)] }] };
    const result = discloseSearch(ability('early-help', false), answers, withCaution);
    const [record] = result.people[0]!.records;
    expect(record!.person.names).toBeUndefined();
    expect(record!.person.birthDate).toBeUndefined();
    expect(record!.person.withheldFields.sort()).toEqual(['addresses', 'birthDate', 'gender', 'identifiers', 'names']);
    // Every identity field is withheld, and so is every reason about one, and the caution.
    expect(record!.reasons).toEqual([]);
    expect(record!.caution).toBeUndefined();
    expect(result.people[0]).toMatchObject({ band: 'possible', score: 0.9 });
    const full = discloseSearch(ability('s47'), answers, withCaution).people[0]!.records[0]!;
    expect(full.caution).toMatch(/possibly twins/);
  });

  it('lists no record whose identity the policy does not disclose, and judges the person on what is shown', () => {
    const probation: PersonAnswer = { agency: 'probation', status: 'answered', persons: [person('probation', 'PRB-1', 'Lily', '2011-06-11')], contact };
    const mixed: SearchRanking = {
      groups: [{ key: 'P1', band: 'certain', probability: 0.9999, members: [member('probation', 'PRB-1', 0.9999, 'certain'), member('police', 'NOM0000003', 0.97, 'probable')] }],
      belowThreshold: [],
      queryProblems: [],
    };
    // probation.identity is no category of the policy: default deny, no marker.
    const result = discloseSearch(ability('s47'), [probation, answers[1]!], mixed);
    expect(result.people).toHaveLength(1);
    expect(result.people[0]).toMatchObject({ key: 'P1', band: 'probable', score: 0.97 });
    expect(result.people[0]!.records.map((r) => r.agency)).toEqual(['police']);
    expect(JSON.stringify(result.people)).not.toContain('PRB-1');
    expect(result.agencies.find((a) => a.agency === 'probation')).toMatchObject({ status: 'NO_RECORD', persons: [], withheld: [] });

    const nobody = discloseSearch(ability('s47', false, ['nobody']), answers, ranking);
    expect(nobody.people).toEqual([]);
  });

  it('audits which person ids were shown, in which likely person, with band and score, and how many were not', () => {
    const result = discloseSearch(ability('s47'), answers, ranking);
    const decisions = auditSearchDecisions(result);
    expect(decisions.find((d) => d.category === 'health.identity')).toMatchObject({
      decision: 'disclose',
      recordIds: ['person/pat-1'],
      reason: 'Shown as search matches: pat-1 (P1, certain, 1.000). 1 candidate below the possible match band not shown.',
    });
    expect(decisions.find((d) => d.category === 'police.identity')!.reason).toBe('Shown as search matches: NOM0000003 (P1, probable, 0.970). 1 candidate below the possible match band not shown.');
    expect(decisions.find((d) => d.category === 'education.identity')).toEqual({
      agency: 'education',
      category: 'education.identity',
      decision: 'no-record',
      fields: [],
      recordIds: [],
      markers: 0,
      reason: '1 candidate below the possible match band not shown.',
    });
    expect(decisions.find((d) => d.agency === 'housing')).toMatchObject({ decision: 'unavailable' });
    expect(JSON.stringify(decisions)).not.toMatch(/pat-2|NOM0000042|UPN-9/);
  });
});
