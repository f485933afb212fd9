import { describe, expect, it } from 'vitest';
import {
  compareAddresses,
  compareBirthDate,
  compareFamily,
  compareGender,
  compareGiven,
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
