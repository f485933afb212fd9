import { describe, expect, it } from 'vitest';
import type { SourcePerson, SourceRecord } from '../../../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';
import { auditDecisions, disclosePersons, discloseRecords, isDisclosed, type AgencyAnswer } from '../../../gateway/disclosure/index.js';

const abilityFor = createAbilityCache(loadPolicyFile());
const ability = (purpose: string, consent = false) => abilityFor({ roles: ['mash-researcher'], purpose, consent, relation: 'child', relevance: false });
const contact = { name: 'Safeguarding team', organisation: 'County health', phone: '01632 960000' };

let serial = 0;
function record(category: string, tier: SourceRecord['tier'], overrides: Partial<SourceRecord['fields']> = {}): SourceRecord {
  serial += 1;
  return {
    kind: 'event',
    agency: 'health',
    category,
    tier,
    personId: 'p1',
    provenance: { system: 'https://fhir.test/fhir', recordId: `Encounter/${serial}`, asOf: '2026-11-01T00:00:00Z' },
    fields: { type: 'ae-attendance', title: 'A&E attendance', start: '2026-10-01', location: 'County General ED', narrative: 'Presented with a head injury.', contactName: 'Named nurse', ...overrides },
  };
}

const answered = (records: SourceRecord[]): AgencyAnswer => ({ agency: 'health', status: 'answered', records, contact });

describe('the disclosure gate', () => {
  it('discloses every permitted field for s47 and marks the output as the gate’s', () => {
    const { agencies } = discloseRecords(ability('s47'), [answered([record('health.summary', 'T1')])]);
    const [health] = agencies;
    expect(health!.status).toBe('RECORDS');
    expect(health!.records[0]!.fields.narrative).toBe('Presented with a head injury.');
    expect(health!.records[0]!.withheldFields).toEqual([]);
    expect(isDisclosed(health)).toBe(true);
    expect(isDisclosed(health!.records[0])).toBe(true);
    expect(isDisclosed({ ...health!.records[0] })).toBe(false); // a copy is not the gate's output
    expect(isDisclosed({ fields: {} })).toBe(false);
    expect(Object.isFrozen(health!.records[0])).toBe(true);
  });

  it('summarises clinical records for early help with consent: no narrative, no location', () => {
    const { agencies, decisions } = discloseRecords(ability('early-help', true), [answered([record('health.clinical', 'T3')])]);
    const disclosed = agencies[0]!.records[0]!;
    expect(disclosed.decision).toBe('summarise');
    expect(disclosed.fields.narrative).toBeUndefined();
    expect(disclosed.fields.location).toBeUndefined();
    expect(disclosed.fields.start).toBe('2026-10-01');
    expect(disclosed.withheldFields.sort()).toEqual(['location', 'narrative']);
    expect(decisions[0]).toMatchObject({ category: 'health.clinical', decision: 'summarise', ruleId: 'early-help-consent/health.clinical' });
  });

  it('withholds health summary without consent: a marker with whom to contact, no content', () => {
    const { agencies } = discloseRecords(ability('early-help', false), [answered([record('health.summary', 'T1'), record('health.summary', 'T1')])]);
    const health = agencies[0]!;
    expect(health.records).toEqual([]);
    expect(health.withheld).toHaveLength(1);
    expect(health.withheld[0]).toMatchObject({ agency: 'health', count: 2, contact });
    expect(JSON.stringify(health.withheld)).not.toContain('head injury');
  });

  it('denies clinical records without consent: no content and no marker, but the decision is audited', () => {
    const result = discloseRecords(ability('early-help', false), [answered([record('health.clinical', 'T3')])]);
    expect(result.agencies[0]).toMatchObject({ status: 'NO_RECORD', records: [], withheld: [] });
    const audit = auditDecisions(result);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ category: 'health.clinical', decision: 'deny', fields: [], recordIds: [result.decisions[0]!.recordIds[0]] });
  });

  it('never discloses or hints at sealed records, even under s47', () => {
    const sealed = record('health.sexual-health', 'T4', { narrative: 'GUM clinic attendance' });
    const result = discloseRecords(ability('s47'), [answered([sealed])]);
    expect(result.agencies[0]).toMatchObject({ status: 'NO_RECORD', records: [], withheld: [] });
    expect(JSON.stringify(result.agencies)).not.toMatch(/sexual|GUM/i);
    expect(result.decisions[0]!.decision).toBe('deny');
  });

  it('keeps a record the connector marks T4 out of an otherwise disclosed category', () => {
    const mislabelled = record('health.summary', 'T4', { narrative: 'sealed detail' });
    const result = discloseRecords(ability('s47'), [answered([record('health.summary', 'T1'), mislabelled])]);
    expect(result.agencies[0]!.records).toHaveLength(1);
    expect(JSON.stringify(result.agencies)).not.toContain('sealed detail');
    expect(result.decisions.find((d) => d.recordIds.includes(mislabelled.provenance.recordId))!.decision).toBe('deny');
  });

  it('denies a category the policy does not know, whatever the connector says', () => {
    const result = discloseRecords(ability('s47'), [answered([record('health.genomics', 'T1')])]);
    expect(result.agencies[0]!.records).toEqual([]);
    expect(result.decisions[0]).toMatchObject({ decision: 'deny', ruleId: 'default-deny' });
  });

  it('answers UNAVAILABLE with why for an agency that failed, and NO_RECORD where nothing is linked', () => {
    const result = discloseRecords(ability('s47'), [
      { agency: 'health', status: 'unavailable', reason: 'health did not answer within 3000 ms (timeout).' },
      { agency: 'police', status: 'not-linked' },
    ]);
    expect(result.agencies.map((a) => a.status)).toEqual(['UNAVAILABLE', 'NO_RECORD']);
    expect(result.agencies[0]!.detail).toContain('timeout');
    expect(auditDecisions(result)).toEqual([expect.objectContaining({ agency: 'health', decision: 'unavailable' })]);
  });
});

describe('the gate on person-search answers', () => {
  const person: SourcePerson = {
    agency: 'health',
    personId: 'pat-1',
    identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }],
    names: [{ use: 'official', family: 'Example', given: ['Sam'] }],
    birthDate: '2015-03-02',
    gender: '1',
    addresses: [{ line1: '1 High Street', postalCode: 'XM1 1AA' }],
    contact,
    provenance: { system: 'https://fhir.test/fhir', recordId: 'Patient/pat-1', asOf: '2026-11-01T00:00:00Z' },
  };

  it('shows the whole identity for s47', () => {
    const { agencies } = disclosePersons(ability('s47'), [{ agency: 'health', status: 'answered', persons: [person], contact }]);
    expect(agencies[0]!.persons[0]).toMatchObject({ personId: 'pat-1', birthDate: '2015-03-02', decision: 'disclose' });
  });

  it('shows only that health knows the person, and whom to contact, for early help without consent', () => {
    const { agencies } = disclosePersons(ability('early-help', false), [{ agency: 'health', status: 'answered', persons: [person], contact }]);
    const shown = agencies[0]!.persons[0]!;
    expect(shown.personId).toBe('pat-1');
    expect(shown.contact).toEqual(contact);
    expect(shown.names).toBeUndefined();
    expect(shown.birthDate).toBeUndefined();
    expect(shown.withheldFields.sort()).toEqual(['addresses', 'birthDate', 'gender', 'identifiers', 'names']);
  });
});
