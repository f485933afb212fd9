import { describe, expect, it } from 'vitest';
import {
  bandPrecision,
  bCubed,
  bestF1Threshold,
  blockingRecall,
  canonicalPairs,
  clusterPairMetrics,
  evaluateLinkage,
  exactPeople,
  overMergedClusters,
  pairwiseAtThreshold,
  truePairCount,
  truthLabels,
} from '../../../gateway/identity/evaluate.js';

/*
 * The worked example (numbers by hand):
 *   records   0  1  2  3  4  5
 *   person    A  A  A  B  B  C      true pairs: A 3 (0-1, 0-2, 1-2), B 1 (3-4), C 0 -> 4
 *   cluster   x  x  y  z  z  y      x = {0,1}, y = {2,5}, z = {3,4}
 *   scored pairs: 0-1 0.9 (true), 1-2 0.4 (true), 3-4 0.97 (true), 2-5 0.6 (false), 0-3 0.2 (false)
 *   true pair 0-2 was never proposed.
 */
const truth = ['A', 'A', 'A', 'B', 'B', 'C'];
const clusters = ['x', 'x', 'y', 'z', 'z', 'y'];
const pairs = {
  left: Uint32Array.from([0, 1, 3, 2, 0]),
  right: Uint32Array.from([1, 2, 4, 5, 3]),
  probability: Float64Array.from([0.9, 0.4, 0.97, 0.6, 0.2]),
};

describe('identity evaluation: pairs', () => {
  it('counts true pairs as the sum of n(n-1)/2 over true people', () => {
    expect(truePairCount(truth)).toBe(4);
    expect(truePairCount(['p', 'p', 'p', 'p', 'p', 'q'])).toBe(10);
    expect(truePairCount([])).toBe(0);
  });

  it('blocking recall: 3 of the 4 true pairs were proposed', () => {
    expect(blockingRecall(truth, pairs)).toEqual({ candidatePairs: 5, truePairs: 4, proposedTruePairs: 3, recall: 0.75 });
  });

  it('pairwise at 0.5: the unproposed true pair and the low-scored one are false negatives', () => {
    // predicted: 0-1 (T), 3-4 (T), 2-5 (F) -> TP 2, FP 1, FN 4 - 2 = 2; P 2/3, R 1/2, F1 4/7
    const m = pairwiseAtThreshold(truth, pairs, 0.5);
    expect(m).toMatchObject({ threshold: 0.5, truePositives: 2, falsePositives: 1, falseNegatives: 2 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(0.5, 12);
    expect(m.f1).toBeCloseTo(4 / 7, 12);
  });

  it('a pair exactly at the threshold is predicted a match', () => {
    expect(pairwiseAtThreshold(truth, pairs, 0.6)).toMatchObject({ truePositives: 2, falsePositives: 1 });
    expect(pairwiseAtThreshold(truth, pairs, 0.61)).toMatchObject({ truePositives: 2, falsePositives: 0 });
  });

  it('sweeps thresholds for the best F1', () => {
    // 0.97: TP1 FP0 F1 .4; 0.9: TP2 FP0 F1 2/3; 0.6: TP2 FP1 F1 4/7; 0.4: TP3 FP1 F1 .75; 0.2: TP3 FP2 F1 2/3
    const best = bestF1Threshold(truth, pairs)!;
    expect(best).toMatchObject({ threshold: 0.4, truePositives: 3, falsePositives: 1, falseNegatives: 1 });
    expect(best.precision).toBeCloseTo(0.75, 12);
    expect(best.recall).toBeCloseTo(0.75, 12);
    expect(best.f1).toBeCloseTo(0.75, 12);
  });

  it('on a tie in F1 the higher threshold wins', () => {
    // A A B B: both true pairs at 0.8, a false pair at 0.3 -> at 0.8 P 1 R 1 F1 1
    const t = ['A', 'A', 'B', 'B'];
    const p = { left: [0, 2, 0], right: [1, 3, 2], probability: [0.8, 0.8, 0.3] };
    expect(bestF1Threshold(t, p)).toMatchObject({ threshold: 0.8, f1: 1 });
    // equal F1 at 0.9 (TP1 FP0: P1 R1/2 F1 2/3) and at 0.5 (TP2 FP2: P1/2 R1 F1 2/3): 0.9 reported
    const tie = { left: [0, 2, 0, 1], right: [1, 3, 2, 3], probability: [0.9, 0.5, 0.5, 0.5] };
    const best = bestF1Threshold(t, tie)!;
    expect(best.threshold).toBe(0.9);
    expect(best.f1).toBeCloseTo(2 / 3, 12);
  });

  it('precision within a band [lo, hi)', () => {
    // [0.5, 0.95): 0-1 0.9 (T) and 2-5 0.6 (F) -> 1/2; [0.95, Infinity): 3-4 0.97 (T) -> 1
    expect(bandPrecision(truth, pairs, 0.5, 0.95)).toEqual({ lo: 0.5, hi: 0.95, pairs: 2, truePairs: 1, precision: 0.5 });
    expect(bandPrecision(truth, pairs, 0.95, Infinity)).toEqual({ lo: 0.95, hi: Infinity, pairs: 1, truePairs: 1, precision: 1 });
    expect(bandPrecision(truth, pairs, 0.9, 0.9).pairs).toBe(0);
    expect(bandPrecision(truth, pairs, 0.98, 1).precision).toBeNull();
    // probability exactly 1 is in [0.95, Infinity) but not in [0.95, 1)
    const one = { left: [0], right: [1], probability: [1] };
    expect(bandPrecision(truth, one, 0.95, Infinity).pairs).toBe(1);
    expect(bandPrecision(truth, one, 0.95, 1).pairs).toBe(0);
  });

  it('counts a pair proposed twice (either order) once, at its highest probability, and drops self-pairs', () => {
    const messy = {
      left: [1, 0, 3, 2, 2, 0, 1],
      right: [0, 1, 4, 5, 2, 3, 0],
      probability: [0.3, 0.9, 0.97, 0.6, 0.99, 0.2, 0.1],
    };
    const c = canonicalPairs(6, messy);
    expect({ duplicates: c.duplicates, selfPairs: c.selfPairs }).toEqual({ duplicates: 2, selfPairs: 1 });
    const rows = Array.from(c.left, (l, i) => [l, c.right[i], c.probability[i]]);
    expect(rows).toEqual([
      [0, 1, 0.9],
      [0, 3, 0.2],
      [2, 5, 0.6],
      [3, 4, 0.97],
    ]);
    expect(pairwiseAtThreshold(truth, messy, 0.5)).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 2 });
    expect(blockingRecall(truth, messy)).toMatchObject({ candidatePairs: 4, proposedTruePairs: 2 });
  });

  it('refuses indexes outside the records', () => {
    expect(() => canonicalPairs(6, { left: [0], right: [6], probability: [1] })).toThrow(RangeError);
    expect(() => canonicalPairs(6, { left: [-1], right: [2], probability: [1] })).toThrow(RangeError);
    expect(() => canonicalPairs(6, { left: [0, 1], right: [2], probability: [1] })).toThrow(RangeError);
  });

  it('gives null, not 0 or 1, for a ratio over nothing', () => {
    const singletons = ['a', 'b', 'c'];
    const none = { left: [], right: [], probability: [] };
    expect(pairwiseAtThreshold(singletons, none, 0.5)).toEqual({
      threshold: 0.5, truePositives: 0, falsePositives: 0, falseNegatives: 0, precision: null, recall: null, f1: null,
    });
    expect(blockingRecall(singletons, none).recall).toBeNull();
    expect(bestF1Threshold(singletons, none)).toBeNull();
    // something to find, nothing predicted: recall 0, precision undefined
    expect(pairwiseAtThreshold(truth, pairs, 0.99)).toMatchObject({ truePositives: 0, falseNegatives: 4, precision: null, recall: 0, f1: null });
    // predictions, all wrong: P 0, R 0, F1 0
    expect(pairwiseAtThreshold(truth, { left: [0], right: [5], probability: [0.9] }, 0.5)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});

describe('identity evaluation: clusters', () => {
  it('cluster-induced pairs', () => {
    // predicted pairs: x 0-1 (T), y 2-5 (F), z 3-4 (T): TP 2, FP 1, FN 4 - 2 = 2
    const m = clusterPairMetrics(truth, clusters);
    expect(m).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 2 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(0.5, 12);
    expect(m.f1).toBeCloseTo(4 / 7, 12);
  });

  it('B-cubed', () => {
    // precision per record: 0 2/2, 1 2/2, 2 1/2, 3 2/2, 4 2/2, 5 1/2 -> 5/6
    // recall per record: 0 2/3, 1 2/3, 2 1/3, 3 2/2, 4 2/2, 5 1/1 -> (14/3)/6 = 7/9
    // F1 = 2 (5/6)(7/9) / (5/6 + 7/9) = 70/87
    const b = bCubed(truth, clusters);
    expect(b.precision).toBeCloseTo(5 / 6, 12);
    expect(b.recall).toBeCloseTo(7 / 9, 12);
    expect(b.f1).toBeCloseTo(70 / 87, 12);
  });

  it('people reconstructed exactly', () => {
    // A is split (x, y), B is exactly z, C shares y with one of A's records
    expect(exactPeople(truth, clusters)).toEqual({ people: 3, exact: 1, share: 1 / 3, multiRecordPeople: 2, multiRecordExact: 1, multiRecordShare: 0.5 });
    expect(exactPeople(truth, ['a', 'a', 'a', 'b', 'b', 'c'])).toMatchObject({ exact: 3, share: 1, multiRecordShare: 1 });
  });

  it('over-merged clusters, and those holding a child', () => {
    // y holds A and C: 1 cluster, 2 people
    expect(overMergedClusters(truth, clusters)).toEqual({ clusters: 1, people: 2, childClusters: 0, children: 0, largestCluster: 2 });
    expect(overMergedClusters(truth, clusters, { isChild: (id) => id === 'C' })).toMatchObject({ childClusters: 1, children: 1 });
    expect(overMergedClusters(truth, clusters, { isChild: (id) => id === 'B' })).toMatchObject({ childClusters: 0, children: 0 });
    // everyone in one cluster: 1 over-merged cluster of 3 people, 2 of them children (A is in it too)
    expect(overMergedClusters(truth, ['k', 'k', 'k', 'k', 'k', 'k'], { isChild: (id) => id !== 'A' })).toEqual({
      clusters: 1, people: 3, childClusters: 1, children: 2, largestCluster: 6,
    });
    // a person split across two over-merged clusters counts once
    expect(overMergedClusters(['A', 'A', 'B', 'C'], ['1', '2', '1', '2'])).toMatchObject({ clusters: 2, people: 3 });
  });

  it('refuses clusters of the wrong length', () => {
    expect(() => bCubed(truth, ['x'])).toThrow(RangeError);
  });

  it('counts pairs from the contingency table, not by enumerating them (50,000 records)', () => {
    // 25,000 people with two records each, all predicted as one cluster
    const n = 50_000;
    const big = Array.from({ length: n }, (_, i) => `p${i >> 1}`);
    const one = new Array<string>(n).fill('everyone');
    const labels = truthLabels(big);
    expect(labels.truePairs).toBe(25_000);
    const m = clusterPairMetrics(labels, one);
    expect(m).toMatchObject({ truePositives: 25_000, falsePositives: (n * (n - 1)) / 2 - 25_000, falseNegatives: 0, recall: 1 });
    expect(m.precision).toBeCloseTo(25_000 / 1_249_975_000, 15);
    const b = bCubed(labels, one);
    expect(b.precision).toBeCloseTo(2 / n, 12);
    expect(b.recall).toBe(1);
    expect(overMergedClusters(labels, one)).toMatchObject({ clusters: 1, people: 25_000, largestCluster: n });
    expect(exactPeople(labels, big)).toMatchObject({ exact: 25_000, share: 1 });
  });
});

describe('evaluateLinkage', () => {
  it('puts the pieces together', () => {
    const e = evaluateLinkage(truth, { clusters, pairs }, { threshold: 0.5, bands: { certain: { lo: 0.95, hi: Infinity } }, isChild: (id) => id === 'C' });
    expect(e).toMatchObject({
      records: 6,
      people: 3,
      truePairs: 4,
      blocking: { candidatePairs: 5, proposedTruePairs: 3, recall: 0.75, duplicatePairs: 0, selfPairs: 0 },
      pairwise: { threshold: 0.5, truePositives: 2 },
      bestF1: { threshold: 0.4 },
      bands: { certain: { pairs: 1, precision: 1 } },
      clusterPairs: { truePositives: 2 },
      exactPeople: { exact: 1 },
      overMerged: { clusters: 1, childClusters: 1 },
    });
    expect(evaluateLinkage(truth, { clusters })).not.toHaveProperty('pairwise');
    expect(evaluateLinkage(truth, { pairs }, { sweep: false })).not.toHaveProperty('bestF1');
  });
});
