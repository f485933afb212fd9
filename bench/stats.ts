/**
 * Summaries for benchmarks that run in rounds: nearest-rank percentiles of one round's latencies,
 * and the spread (min, median, max) of a figure across rounds. Pure.
 */

/** The nearest-rank percentile (0 < q <= 1) of the values; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`percentile: q must be in (0, 1], got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1]!;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Min, median (the mean of the middle two for an even count) and max; NaN for no values. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

/** `value` rounded to `digits` decimals (for JSON lines a reader can scan). */
export const rounded = (value: number, digits = 1): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
