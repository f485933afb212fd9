import { describe, expect, it } from 'vitest';
import { percentile, rounded, spread } from '../../bench/stats.js';

describe('benchmark summaries', () => {
  it('takes the nearest-rank percentile whatever the order of the values', () => {
    const values = [7, 1, 10, 3, 9, 2, 8, 4, 6, 5];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.95)).toBe(10);
    expect(percentile(values, 0.9)).toBe(9);
    expect(percentile(values, 1)).toBe(10);
    expect(percentile([42], 0.95)).toBe(42);
    expect(values).toEqual([7, 1, 10, 3, 9, 2, 8, 4, 6, 5]);
  });

  it('has no percentile of no values, and refuses a percentile outside (0, 1]', () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1, 2], 0)).toThrow(RangeError);
    expect(() => percentile([1, 2], 95)).toThrow(/q must be in/);
  });

  it('gives the min, median and max across rounds, the median of an even count being the mean of the middle two', () => {
    expect(spread([30, 10, 20])).toEqual({ min: 10, median: 20, max: 30 });
    expect(spread([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 });
    expect(spread([5])).toEqual({ min: 5, median: 5, max: 5 });
    expect(spread([]).median).toBeNaN();
  });

  it('rounds to the given decimals', () => {
    expect(rounded(12.345)).toBe(12.3);
    expect(rounded(12.355, 2)).toBe(12.36);
    expect(rounded(0.04)).toBe(0);
  });
});
