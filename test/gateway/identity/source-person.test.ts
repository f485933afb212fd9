import { describe, expect, it } from 'vitest';
import type { SourcePerson } from '../../../connectors/sdk/index.js';
import { NHS_NUMBER_SYSTEM } from '../../../gateway/identity/nhs-number.js';
import { personRecordFromQuery, personRecordFromSource } from '../../../gateway/identity/source-person.js';

const provenance = { system: 'https://fhir.test/fhir', recordId: 'Patient/pat-1', asOf: '2026-11-01T00:00:00Z' };

function person(overrides: Partial<SourcePerson> = {}): SourcePerson {
  return {
    agency: 'health',
    personId: 'pat-1',
    identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '9997118553' }],
    names: [{ use: 'official', family: 'Knight', given: ['Lily', 'Nevaeh'] }],
    birthDate: '2011-06-11',
    birthDateAccuracy: 'AAA',
    gender: '2',
    addresses: [
      { line1: '35 Canal Crescent', city: 'Marlbridge', postalCode: 'MH3 1EU', uprn: '992791816470', from: '2025-02-02' },
      { line1: '20 Alexandra Street', city: 'Marlbridge', postalCode: 'MH2 8RE', uprn: '990135679378', to: '2025-02-02' },
    ],
    contact: { name: 'Marlbridge Surgery' },
    provenance,
    ...overrides,
  };
}

describe('personRecordFromSource', () => {
  it('reads the main name, birth date, sex, current address and identifiers, keyed agency|personId', () => {
    expect(personRecordFromSource(person())).toEqual({
      id: 'health|pat-1',
      source: 'health',
      given: 'Lily Nevaeh',
      family: 'Knight',
      birthDate: '2011-06-11',
      sex: 'female',
      postcode: 'MH3 1EU',
      addressLine: '35 Canal Crescent',
      city: 'Marlbridge',
      uprn: '992791816470',
      identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '9997118553' }],
    });
  });

  it('files the record under the first official or usual name and keeps the others as other names', () => {
    const record = personRecordFromSource(
      person({
        names: [
          { use: 'nickname', given: ['Lil'] },
          { use: 'usual', family: 'Knight', given: ['Lily'] },
          { use: 'maiden', family: 'Smith', given: [] },
          { use: 'old', given: [' '] },
        ],
      }),
    );
    expect(record).toMatchObject({ given: 'Lily', family: 'Knight', otherNames: [{ given: 'Lil' }, { family: 'Smith' }] });
  });

  it('falls back to a name without a use, then to the first name, when none is official or usual', () => {
    expect(personRecordFromSource(person({ names: [{ use: 'nickname', given: ['Lil'] }, { family: 'Knight', given: ['Lily'] }] }))).toMatchObject({ given: 'Lily', family: 'Knight', otherNames: [{ given: 'Lil' }] });
    expect(personRecordFromSource(person({ names: [{ use: 'old', family: 'Knight', given: ['Lily'] }] }))).toMatchObject({ given: 'Lily', family: 'Knight' });
    const nameless = personRecordFromSource(person({ names: [] }));
    expect(nameless.given).toBeUndefined();
    expect(nameless.family).toBeUndefined();
    expect(nameless.otherNames).toBeUndefined();
  });

  it.each([
    ['AAA', '2011-06-11', '2011-06-11', undefined],
    ['AAE', '2011-06-11', '2011-06-11', true],
    ['UUU', '2011-01-01', '2011-01-01', true],
    ['XXX', '2026-03-01', '2026-03-01', true],
    ['AAU', '2011-06', '2011-06-01', true],
    ['AUU', '2011', '2011-01-01', true],
  ])('reads accuracy %s of %s as %s, estimated %s', (accuracy, given, expected, estimated) => {
    const record = personRecordFromSource(person({ birthDate: given, birthDateAccuracy: accuracy }));
    expect(record.birthDate).toBe(expected);
    expect(record.birthDateEstimated).toBe(estimated);
  });

  it('leaves out what the agency does not hold: no birth date, unknown sex, no current address', () => {
    const record = personRecordFromSource(
      person({ birthDate: undefined, birthDateAccuracy: undefined, gender: '9', addresses: [{ line1: '20 Alexandra Street', postalCode: 'MH2 8RE', to: '2025-02-02' }], identifiers: [] }),
    );
    expect(record).toEqual({ id: 'health|pat-1', source: 'health', given: 'Lily Nevaeh', family: 'Knight' });
    expect(personRecordFromSource(person({ gender: '1' })).sex).toBe('male');
    expect(personRecordFromSource(person({ gender: '0' })).sex).toBeUndefined();
  });

  it('joins the two address lines of a flat', () => {
    const record = personRecordFromSource(person({ addresses: [{ line1: 'Flat 9', line2: 'Canal Court, 12 Canal Street', postalCode: 'MH11 7QT' }] }));
    expect(record).toMatchObject({ addressLine: 'Flat 9, Canal Court, 12 Canal Street', postcode: 'MH11 7QT' });
    expect(record.city).toBeUndefined();
    expect(record.uprn).toBeUndefined();
  });

  it('copies identifiers rather than sharing them with the agency answer', () => {
    const source = person();
    const record = personRecordFromSource(source);
    expect(record.identifiers).toEqual(source.identifiers);
    expect(record.identifiers![0]).not.toBe(source.identifiers[0]);
  });
});

describe('personRecordFromQuery', () => {
  it('reads every field of the search, with id "query" and no source', () => {
    expect(
      personRecordFromQuery({ identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '9997118553' }], family: 'Knight', given: 'Lily', birthDate: '2011-06-11', postalCode: 'MH3 1EU' }),
    ).toEqual({ id: 'query', given: 'Lily', family: 'Knight', birthDate: '2011-06-11', postcode: 'MH3 1EU', identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '9997118553' }] });
  });

  it('leaves out what was not asked', () => {
    expect(personRecordFromQuery({ family: ' Knight ', given: '' })).toEqual({ id: 'query', family: 'Knight' });
  });
});
