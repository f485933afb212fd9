import { describe, expect, it } from 'vitest';
import {
  compareAddresses,
  compareBirthDate,
  compareFamily,
  compareGender,
  compareGiven,
  compareHouseholds,
  compareIdentities,
  compareNhsNumber,
  type IdentityView,
} from '../../../gateway/workspace/conflicts/compare.js';

const kindOf = (relation: { kind: string }) => relation.kind;

describe('conflicts: comparing one detail', () => {
  it.each([
    ['2011-04-03', '2011-04-03', 'same'],
    ['2011-04-03', '2011-03-04', 'likely-data-entry-error'], // day/month swap
    ['2011-04-03', '2011-04-08', 'likely-data-entry-error'], // one digit
    ['2011-04-03', '2012-04-03', 'likely-data-entry-error'], // one digit (the year)
    ['2011-04-03', '2011-04', 'variant'], // police record only the month
    ['2011-04-03', '2011', 'variant'],
    ['2011-04-03', '2011-05', 'conflict'],
    ['2011-04-03', '1987-11-20', 'conflict'],
    ['2011-04-13', '2011-13-04', 'likely-data-entry-error'],
  ])('date of birth %s against %s: %s', (a, b, expected) => {
    expect(kindOf(compareBirthDate(a, b))).toBe(expected);
  });

  it.each([
    ['Elizabeth', 'Elizabeth', 'same'],
    ['elizabeth ', 'ELIZABETH', 'same'],
    ['Elizabeth', 'Beth', 'variant'], // nickname: not a conflict
    ['William', 'Bill', 'variant'],
    ['Zoë', 'Zoe', 'same'],
    ['Jessica', 'Jesica', 'likely-data-entry-error'],
    ['Amelia', 'Olivia', 'conflict'],
    ['Amy', 'Ava', 'conflict'], // short names are not called slips
  ])('given name %s against %s: %s', (a, b, expected) => {
    expect(kindOf(compareGiven(a, b))).toBe(expected);
  });

  it('a given name one agency records as the other’s nickname or alias is a variant', () => {
    expect(kindOf(compareGiven('Kayleigh', 'Kay-Kay', { a: ['Kay-Kay'], b: [] }))).toBe('variant');
  });

  it.each([
    ["O'Brien", 'OBrien', 'same'],
    ['Smith-Jones', 'Smith Jones', 'same'],
    ['Smith-Jones', 'Jones', 'variant'],
    ['Thompson', 'Thomson', 'likely-data-entry-error'],
    ['Walker', 'Hussain', 'conflict'],
  ])('family name %s against %s: %s', (a, b, expected) => {
    expect(kindOf(compareFamily(a, b))).toBe(expected);
  });

  it('a family name the other agency holds as a former (maiden) name is a variant', () => {
    expect(kindOf(compareFamily('Walker', 'Hussain', { a: [], b: ['Walker'] }))).toBe('variant');
  });

  it.each([
    ['1', '1', 'same'],
    ['1', '2', 'conflict'],
    ['0', '2', 'same'], // not known says nothing
    ['9', '1', 'same'],
  ] as const)('gender %s against %s: %s', (a, b, expected) => {
    expect(kindOf(compareGender(a, b))).toBe(expected);
  });

  it.each([
    ['9434765919', '9434765919', 'same'],
    ['9434765919', '9434765870', 'conflict'],
    ['9434765919', '9434765991', 'likely-data-entry-error'],
  ])('NHS number %s against %s: %s', (a, b, expected) => {
    expect(kindOf(compareNhsNumber(a, b))).toBe(expected);
  });

  it('addresses: UPRN first, then the normalised first line and postcode; a previous address is stale, not a conflict', () => {
    const home = { line1: '12 St Marys Rd', postalCode: 'mh1 1aa', uprn: '990000000012' };
    expect(kindOf(compareAddresses(home, { line1: '12 Saint Marys Road', postalCode: 'MH1 1AA', uprn: '990000000012' }))).toBe('same');
    expect(kindOf(compareAddresses(home, { line1: '12 Saint Marys Road', postalCode: 'MH11AA' }))).toBe('same');
    expect(kindOf(compareAddresses(home, { line1: '12 St Marys Rd', postalCode: 'MH1 1AA', uprn: '990000000013' }))).toBe('conflict');
    const old = { line1: '3 Mill Lane', postalCode: 'MH2 2BB', uprn: '990000000003' };
    expect(kindOf(compareAddresses(home, old, [[home, { ...old, to: '2026-03-01' }], [old]]))).toBe('stale-address');
    expect(kindOf(compareAddresses(home, old))).toBe('conflict');
  });
});

const provenance = (agency: string) => ({ system: `https://${agency}.test`, recordId: `${agency}-rec`, asOf: '2026-11-01T00:00:00Z' });
const view = (agency: string, fields: Partial<IdentityView> = {}): IdentityView => ({
  agency,
  personId: `${agency}-1`,
  provenance: provenance(agency),
  withheldFields: [],
  names: [{ use: 'official', family: 'Walker', given: ['Elizabeth'] }],
  birthDate: '2011-04-03',
  gender: '2',
  identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }],
  addresses: [{ line1: '12 High Street', postalCode: 'MH1 1AA', uprn: '990000000012' }],
  ...fields,
});

describe('conflicts: comparing agencies’ records of one person', () => {
  it('finds nothing when the agencies agree, or differ only by a detail one does not record', () => {
    expect(compareIdentities([view('health'), view('police', { identifiers: [], gender: '0' }), view('education', { birthDate: undefined })])).toEqual([]);
  });

  it('lists each differing detail with every side’s value, agency and provenance', () => {
    const conflicts = compareIdentities([view('health'), view('police', { birthDate: '2011-03-04' }), view('housing', { birthDate: '2009-12-25', names: [{ family: 'Walker', given: ['Beth'] }] })]);
    const birth = conflicts.find((c) => c.field === 'birthDate')!;
    expect(birth.kind).toBe('conflict');
    expect(birth.sides).toEqual([
      { agency: 'health', personId: 'health-1', value: '2011-04-03', withheld: false, provenance: provenance('health') },
      { agency: 'police', personId: 'police-1', value: '2011-03-04', withheld: false, provenance: provenance('police') },
      { agency: 'housing', personId: 'housing-1', value: '2009-12-25', withheld: false, provenance: provenance('housing') },
    ]);
    expect(birth.explanation).toContain('health (health-1) and police (police-1): day and month swapped: likely a data-entry error');
    expect(birth.explanation).not.toContain('2011');
    const given = conflicts.find((c) => c.field === 'given')!;
    expect(given).toMatchObject({ kind: 'variant', explanation: expect.stringContaining('nickname') });
  });

  it('calls a day/month swap alone a likely data-entry error', () => {
    const [only] = compareIdentities([view('health'), view('police', { birthDate: '2011-03-04' })]);
    expect(only).toMatchObject({ field: 'birthDate', kind: 'likely-data-entry-error' });
  });

  it('never compares or shows a detail the policy withheld: that side is listed as withheld', () => {
    const conflicts = compareIdentities([
      view('health'),
      view('police', { birthDate: '1990-01-01' }),
      view('housing', { withheldFields: ['birthDate', 'addresses'], birthDate: undefined, addresses: undefined }),
    ]);
    const birth = conflicts.find((c) => c.field === 'birthDate')!;
    expect(birth.sides.find((s) => s.agency === 'housing')).toEqual({ agency: 'housing', personId: 'housing-1', withheld: true, provenance: provenance('housing') });
    expect(JSON.stringify(conflicts)).not.toContain('"value":null');
  });

  it('a difference against a withheld side alone is no conflict (nothing to compare)', () => {
    expect(compareIdentities([view('health'), view('police', { withheldFields: ['birthDate'], birthDate: undefined })])).toEqual([]);
  });

  it('different current addresses and NHS numbers are conflicts; a move not yet recorded is a stale address', () => {
    const moved = { line1: '4 New Road', postalCode: 'MH3 3CC', uprn: '990000000044' };
    const old = { line1: '12 High Street', postalCode: 'MH1 1AA', uprn: '990000000012' };
    const conflicts = compareIdentities([
      view('health', { addresses: [moved, { ...old, to: '2026-03-01' }] }),
      view('housing'),
      view('police', { identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765870' }], addresses: [moved] }),
    ]);
    expect(conflicts.find((c) => c.field === 'address')).toMatchObject({ kind: 'stale-address' });
    expect(conflicts.find((c) => c.field === 'nhsNumber')).toMatchObject({ kind: 'conflict' });
  });
});

describe('conflicts: household composition as each agency records it', () => {
  const recorder = (agency: string) => ({ agency, personId: `${agency}-1`, provenance: provenance(agency) });
  const record = (agency: string, relationship?: string) => ({ agency, personId: `${agency}-m`, ...(relationship ? { relationship } : {}), provenance: { ...provenance(agency), recordId: `${agency}-link` } });

  it('lists a member some agencies record and others do not, each side with its provenance', () => {
    const [only, ...rest] = compareHouseholds([recorder('health'), recorder('police'), recorder('housing')], [{ name: 'Noah Walker', records: [record('health', 'sibling'), record('housing')] }]);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ field: 'household', kind: 'conflict', explanation: expect.stringContaining('police records no such person with the subject') });
    expect(only!.sides).toEqual([
      { agency: 'health', personId: 'health-m', value: 'Noah Walker (sibling)', withheld: false, provenance: { ...provenance('health'), recordId: 'health-link' } },
      { agency: 'housing', personId: 'housing-m', value: 'Noah Walker', withheld: false, provenance: { ...provenance('housing'), recordId: 'housing-link' } },
      { agency: 'police', personId: 'police-1', value: 'not recorded in the household', withheld: false, provenance: provenance('police') },
    ]);
  });

  it.each([
    ['every agency records them alike', [record('health', 'parent'), record('police', 'parent')], 0],
    ['one agency records no relationship term', [record('health', 'parent'), record('police')], 0],
    ['the agencies record different relationships', [record('health', 'parent'), record('police', 'sibling')], 1],
  ] as const)('%s', (_, records, expected) => {
    expect(compareHouseholds([recorder('health'), recorder('police')], [{ name: 'Sarah Walker', records }])).toHaveLength(expected);
  });

  it('never names a member whose identity the policy withholds, and compares nothing with one agency alone', () => {
    const [withheld] = compareHouseholds([recorder('health'), recorder('police')], [{ records: [record('health', 'parent')] }]);
    expect(withheld!.sides[0]).toMatchObject({ agency: 'health', withheld: true });
    expect(withheld!.sides[0]).not.toHaveProperty('value');
    expect(compareHouseholds([recorder('health')], [{ name: 'X', records: [record('health')] }])).toEqual([]);
  });
});
