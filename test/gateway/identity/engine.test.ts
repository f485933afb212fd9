import { describe, expect, it } from 'vitest';
import { cannotLink, clusterPairs } from '../../../gateway/identity/cluster.js';
import { BASE_COMPARISONS, IDX } from '../../../gateway/identity/comparisons.js';
import { countPatterns, expectationMaximisation, prng } from '../../../gateway/identity/model.js';
import { NHS_NUMBER_SYSTEM } from '../../../gateway/identity/nhs-number.js';
import { editDistance, jaro, jaroWinkler } from '../../../gateway/identity/strings.js';

describe('string similarity', () => {
  it.each([
    ['martha', 'marhta', 0.944, 0.961],
    ['dwayne', 'duane', 0.822, 0.84],
    ['dixon', 'dicksonx', 0.767, 0.813],
    ['abc', 'abc', 1, 1],
    ['abc', 'xyz', 0, 0],
    ['', 'abc', 0, 0],
  ])('jaro/jaro-winkler %s ~ %s', (a, b, j, jw) => {
    expect(jaro(a, b)).toBeCloseTo(j, 3);
    expect(jaroWinkler(a, b)).toBeCloseTo(jw, 3);
  });

  it.each([
    ['kitten', 'sitting', 3],
    ['20110611', '20110616', 1],
    ['20110611', '20116011', 1], // two neighbouring digits swapped
    ['abc', 'abc', 0],
    ['', 'ab', 2],
  ])('edit distance %s -> %s', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('stops early past the bound', () => {
    expect(editDistance('abcdef', 'uvwxyz', 1)).toBe(2);
  });
});

describe('EM with u fixed recovers m from data drawn from a known model', () => {
  it('estimates m within 0.03 and the share of matches within 0.01', () => {
    // Three comparisons of three levels each (exact, close, different).
    const mTrue = [
      [0.85, 0.1, 0.05],
      [0.7, 0.2, 0.1],
      [0.9, 0.05, 0.05],
    ];
    const u = [
      [0.01, 0.09, 0.9],
      [0.05, 0.15, 0.8],
      [0.02, 0.08, 0.9],
    ];
    const random = prng(7);
    const draw = (p: number[]) => {
      let x = random();
      for (let l = 0; l < p.length; l++) {
        x -= p[l]!;
        if (x <= 0) return l;
      }
      return p.length - 1;
    };
    const pairs = 40_000;
    const share = 0.2;
    const vectors = new Int8Array(pairs * 3);
    for (let p = 0; p < pairs; p++) {
      const match = random() < share;
      for (let k = 0; k < 3; k++) vectors[p * 3 + k] = draw(match ? mTrue[k]! : u[k]!);
    }
    const start = [
      [0.6, 0.3, 0.1],
      [0.6, 0.3, 0.1],
      [0.6, 0.3, 0.1],
    ];
    const fit = expectationMaximisation(countPatterns(vectors, 3), start, u, [true, true, true], { iterations: 200 });
    expect(fit.lambda).toBeGreaterThan(share - 0.01);
    expect(fit.lambda).toBeLessThan(share + 0.01);
    for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) expect(Math.abs(fit.m[k]![l]! - mTrue[k]![l]!)).toBeLessThan(0.03);
  });
});

describe('cannot-link guards', () => {
  const width = BASE_COMPARISONS.length + 1;
  const vector = (levels: Partial<Record<keyof typeof IDX, number>>, nhs = -1) => {
    const v = new Int8Array(width).fill(-1);
    for (const [k, l] of Object.entries(levels)) v[IDX[k as keyof typeof IDX]] = l;
    v[BASE_COMPARISONS.length] = nhs;
    return v;
  };
  it('refuses different valid NHS numbers, whatever else agrees', () => {
    expect(cannotLink(vector({ given: 0, family: 0, birthDate: 0 }, 2), [NHS_NUMBER_SYSTEM])).toMatch(/NHS numbers/);
  });
  it('refuses possible twins: same family name and birth date, different given names', () => {
    expect(cannotLink(vector({ given: 7, family: 0, birthDate: 0 }), [NHS_NUMBER_SYSTEM])).toMatch(/twins/);
  });
  it('refuses birth dates years apart (a parent and child of one name), unless an identifier agrees', () => {
    expect(cannotLink(vector({ given: 0, family: 0, birthDate: 5, location: 0 }), [NHS_NUMBER_SYSTEM])).toMatch(/three years apart/);
    expect(cannotLink(vector({ given: 0, family: 0, birthDate: 5, location: 0 }, 0), [NHS_NUMBER_SYSTEM])).toBeNull();
  });
  it('refuses birth dates that differ by more than a slip (siblings of one name), but not a one-digit slip', () => {
    expect(cannotLink(vector({ given: 0, family: 0, birthDate: 4, location: 0 }), [NHS_NUMBER_SYSTEM])).toMatch(/siblings/);
    expect(cannotLink(vector({ given: 0, family: 0, birthDate: 2, location: 0 }), [NHS_NUMBER_SYSTEM])).toBeNull();
  });
  it('refuses different unique pupil numbers', () => {
    const upn = 'https://www.gov.uk/government/publications/unique-pupil-numbers';
    expect(cannotLink(vector({ given: 0, family: 0, birthDate: 0 }, 2), [upn])).toMatch(/unique pupil numbers/);
  });
  it('refuses the same first name with different middle names on the same birth date (twins)', () => {
    expect(cannotLink(vector({ given: 1, family: 0, birthDate: 0 }), [NHS_NUMBER_SYSTEM])).toMatch(/twins/);
  });
  it('allows a nickname with the same family name and birth date', () => {
    expect(cannotLink(vector({ given: 2, family: 0, birthDate: 0 }, 0), [NHS_NUMBER_SYSTEM])).toBeNull();
  });
});

describe('clustering refuses to chain weak links', () => {
  it('A~B and B~C strong, but A and C incompatible: C stays apart', () => {
    const left = Uint32Array.from([0, 1]);
    const right = Uint32Array.from([1, 2]);
    const probability = Float64Array.from([0.99, 0.98]);
    const clusters = clusterPairs({ records: 3, left, right, probability, threshold: 0.5, compatible: (i, j) => !((i === 0 && j === 2) || (i === 2 && j === 0)) });
    expect(Array.from(clusters)).toEqual([0, 0, 2]);
  });

  it('takes the strongest link first: B joins C (0.99) rather than A (0.9)', () => {
    const left = Uint32Array.from([0, 1]);
    const right = Uint32Array.from([1, 2]);
    const probability = Float64Array.from([0.9, 0.99]);
    const clusters = clusterPairs({ records: 3, left, right, probability, threshold: 0.5, compatible: (i, j) => !((i === 0 && j === 2) || (i === 2 && j === 0)) });
    expect(Array.from(clusters)).toEqual([0, 1, 1]);
  });

  it('links below the threshold do not merge; compatible chains do', () => {
    const left = Uint32Array.from([0, 1, 3]);
    const right = Uint32Array.from([1, 2, 4]);
    const probability = Float64Array.from([0.9, 0.8, 0.4]);
    const clusters = clusterPairs({ records: 5, left, right, probability, threshold: 0.5, compatible: () => true });
    expect(Array.from(clusters)).toEqual([0, 0, 0, 3, 4]);
  });
});
