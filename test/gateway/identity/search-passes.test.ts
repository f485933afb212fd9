import { describe, expect, it } from 'vitest';
import { searchPasses } from '../../../gateway/identity/search-passes.js';

describe('search passes: one field relaxed at a time', () => {
  it('asks as given first, then without each name, with the date swapped, and with the names swapped', () => {
    expect(searchPasses({ family: 'Knight', given: 'Lily', birthDate: '2011-06-11' })).toEqual([
      { family: 'Knight', given: 'Lily', birthDate: '2011-06-11' },
      { family: 'Knight', birthDate: '2011-06-11' },
      { given: 'Lily', birthDate: '2011-06-11' },
      { family: 'Knight', given: 'Lily', birthDate: '2011-11-06' },
      { family: 'Lily', given: 'Knight', birthDate: '2011-06-11' },
    ]);
  });

  it('does not swap a date whose day is above 12 or equals the month', () => {
    expect(searchPasses({ family: 'Knight', birthDate: '2011-06-13' })).toEqual([{ family: 'Knight', birthDate: '2011-06-13' }]);
    expect(searchPasses({ family: 'Knight', birthDate: '2011-06-06' })).toEqual([{ family: 'Knight', birthDate: '2011-06-06' }]);
  });

  it('keeps an identifier-only search as it is, and never repeats a pass', () => {
    const nhs = { identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9997118553' }] };
    expect(searchPasses(nhs)).toEqual([nhs]);
    const passes = searchPasses({ family: 'Ann', given: 'Ann', birthDate: '2011-06-11' });
    expect(new Set(passes.map((p) => JSON.stringify(p))).size).toBe(passes.length);
  });
});
