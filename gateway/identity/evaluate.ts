/**
 * Scoring a linkage against ground truth, as PROVENANCE.md's protocol asks (shared/linkage-data):
 * pairwise precision, recall and F1 of scored pairs at a threshold, counting true pairs blocking
 * never proposed as false negatives; the share of true pairs blocking proposed; the same figures
 * for the pairs a clustering implies; B-cubed; people reconstructed exactly; over-merged clusters
 * (two people merged into one: the safeguarding risk); precision within a probability band.
 *
 * Pure and linear in records and pairs (plus a sort of the pair probabilities for the threshold
 * sweep): pair counts come from the cluster contingency table (sum of n(n-1)/2 over cells),
 * never from enumerating pairs of records, so 50,000 records in one cluster cost no more than
 * 50,000 singletons.
 *
 * A ratio whose denominator is zero (precision when nothing is predicted, recall when there is
 * nothing to find) is `null`, never a made-up 0 or 1; the counts beside it say why.
 */

/** Scored pairs of records (input indexes), as `linkRecords` returns them. */
export interface ScoredPairs {
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  probability: ArrayLike<number>;
}

/** True person per record, turned into dense integer labels once and reused. */
export interface TruthLabels {
  readonly kind: 'truth-labels';
  /** Record count. */
  readonly records: number;
  /** Dense person index per record. */
  readonly label: Int32Array;
  /** True person id per dense index. */
  readonly people: readonly string[];
  /** Records per person. */
  readonly size: Int32Array;
  /** Sum over people of n(n-1)/2. */
  readonly truePairs: number;
}

export type Truth = readonly string[] | TruthLabels;

/** Pairs made canonical: left < right, each unordered pair once (its highest probability kept). */
export interface CanonicalPairs extends ScoredPairs {
  readonly kind: 'canonical-pairs';
  left: Uint32Array;
  right: Uint32Array;
  probability: Float64Array;
  /** Repeats of a pair already seen (in either order), dropped. */
  duplicates: number;
  /** Pairs of a record with itself, dropped. */
  selfPairs: number;
}

export interface PairMetrics {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ThresholdMetrics extends PairMetrics {
  /** A pair is predicted a match when its probability is at least this. */
  threshold: number;
}

export interface BlockingMetrics {
  /** Distinct pairs blocking proposed. */
  candidatePairs: number;
  truePairs: number;
  /** True pairs among the candidates. */
  proposedTruePairs: number;
  /** proposedTruePairs / truePairs. */
  recall: number | null;
}

export interface BCubedMetrics {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ExactPeopleMetrics {
  /** True people (distinct truth labels). */
  people: number;
  /** People whose records form exactly one predicted cluster, nothing missing and nothing added. */
  exact: number;
  share: number | null;
  /** The same for people with two or more records (a singleton left alone is easy). */
  multiRecordPeople: number;
  multiRecordExact: number;
  multiRecordShare: number | null;
}

export interface OverMergeMetrics {
  /** Predicted clusters holding records of two or more true people. */
  clusters: number;
  /** Distinct true people with records in such clusters. */
  people: number;
  /** Over-merged clusters holding a child's record (`isChild` given; 0 otherwise). */
  childClusters: number;
  /** Distinct children with records in over-merged clusters. */
  children: number;
  /** Records in the largest predicted cluster. */
  largestCluster: number;
}

export interface BandMetrics {
  /** Pairs with lo <= probability < hi (hi may be Infinity, to include probability 1). */
  lo: number;
  hi: number;
  pairs: number;
  truePairs: number;
  precision: number | null;
}

export interface LinkageEvaluation {
  records: number;
  people: number;
  truePairs: number;
  blocking?: BlockingMetrics & { duplicatePairs: number; selfPairs: number };
  pairwise?: ThresholdMetrics;
  /** The threshold that maximises pairwise F1 on this data: optimistic, it was chosen on the answers. */
  bestF1?: ThresholdMetrics | null;
  bands?: Record<string, BandMetrics>;
  clusterPairs?: PairMetrics;
  bCubed?: BCubedMetrics;
  exactPeople?: ExactPeopleMetrics;
  overMerged?: OverMergeMetrics;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const harmonic = (p: number | null, r: number | null): number | null =>
  p === null || r === null ? null : p + r === 0 ? 0 : (2 * p * r) / (p + r);
const pairsIn = (n: number): number => (n * (n - 1)) / 2;

function metrics(tp: number, predicted: number, actual: number): PairMetrics {
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, actual);
  return { truePositives: tp, falsePositives: predicted - tp, falseNegatives: actual - tp, precision, recall, f1: harmonic(precision, recall) };
}

/** Dense labels for the true person of each record; pass the result to the other functions to map once. */
export function truthLabels(truth: Truth): TruthLabels {
  if (!Array.isArray(truth) && (truth as TruthLabels).kind === 'truth-labels') return truth as TruthLabels;
  const ids = truth as readonly string[];
  const index = new Map<string, number>();
  const label = new Int32Array(ids.length);
  const people: string[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    let l = index.get(id);
    if (l === undefined) {
      l = people.length;
      index.set(id, l);
      people.push(id);
      sizes.push(0);
    }
    label[i] = l;
    sizes[l]! += 1;
  }
  const size = Int32Array.from(sizes);
  let truePairs = 0;
  for (const s of size) truePairs += pairsIn(s);
  return { kind: 'truth-labels', records: ids.length, label, people, size, truePairs };
}

/** Sum over true people of n(n-1)/2. */
export function truePairCount(truth: Truth): number {
  return truthLabels(truth).truePairs;
}

/**
 * Each unordered pair once, left < right, grouped by left (a counting sort: O(records + pairs)).
 * A repeated pair keeps its highest probability. Throws on an index outside 0..records-1.
 */
export function canonicalPairs(records: number, pairs: ScoredPairs): CanonicalPairs {
  if ((pairs as CanonicalPairs).kind === 'canonical-pairs') return pairs as CanonicalPairs;
  const m = pairs.left.length;
  if (pairs.right.length !== m || pairs.probability.length !== m) throw new RangeError('pairs: left, right and probability differ in length');
  const starts = new Uint32Array(records + 1);
  let selfPairs = 0;
  for (let p = 0; p < m; p++) {
    const a = pairs.left[p]!;
    const b = pairs.right[p]!;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= records || b >= records) {
      throw new RangeError(`pair ${p} (${a}, ${b}) is not a pair of record indexes 0..${records - 1}`);
    }
    if (a === b) selfPairs += 1;
    else starts[Math.min(a, b) + 1]! += 1;
  }
  for (let i = 0; i < records; i++) starts[i + 1]! += starts[i]!;
  const kept = m - selfPairs;
  const right = new Uint32Array(kept);
  const probability = new Float64Array(kept);
  const fill = starts.slice(0, records);
  for (let p = 0; p < m; p++) {
    const a = pairs.left[p]!;
    const b = pairs.right[p]!;
    if (a === b) continue;
    const lo = Math.min(a, b);
    const at = fill[lo]!;
    fill[lo] = at + 1;
    right[at] = Math.max(a, b);
    probability[at] = pairs.probability[p]!;
  }
  // Within each left bucket, a right index seen before is a duplicate: `seenAt` holds where.
  const seenBy = new Int32Array(records).fill(-1);
  const seenAt = new Uint32Array(records);
  const outLeft = new Uint32Array(kept);
  const outRight = new Uint32Array(kept);
  const outProbability = new Float64Array(kept);
  let out = 0;
  for (let lo = 0; lo < records; lo++) {
    for (let q = starts[lo]!; q < starts[lo + 1]!; q++) {
      const hi = right[q]!;
      const p = probability[q]!;
      if (seenBy[hi] === lo) {
        const at = seenAt[hi]!;
        if (p > outProbability[at]!) outProbability[at] = p;
        continue;
      }
      seenBy[hi] = lo;
      seenAt[hi] = out;
      outLeft[out] = lo;
      outRight[out] = hi;
      outProbability[out] = p;
      out += 1;
    }
  }
  return {
    kind: 'canonical-pairs',
    left: outLeft.slice(0, out),
    right: outRight.slice(0, out),
    probability: outProbability.slice(0, out),
    duplicates: kept - out,
    selfPairs,
  };
}

/** Pairwise metrics at a threshold: a pair is predicted a match when probability >= threshold. */
export function pairwiseAtThreshold(truth: Truth, pairs: ScoredPairs, threshold: number): ThresholdMetrics {
  const t = truthLabels(truth);
  const c = canonicalPairs(t.records, pairs);
  let tp = 0;
  let predicted = 0;
  for (let p = 0; p < c.left.length; p++) {
    if (!(c.probability[p]! >= threshold)) continue;
    predicted += 1;
    if (t.label[c.left[p]!] === t.label[c.right[p]!]) tp += 1;
  }
  return { threshold, ...metrics(tp, predicted, t.truePairs) };
}

/**
 * The threshold (one of the pair probabilities) with the highest pairwise F1, and its metrics;
 * ties go to the higher threshold. Null when no pair is scored or there is nothing to find.
 */
export function bestF1Threshold(truth: Truth, pairs: ScoredPairs): ThresholdMetrics | null {
  const t = truthLabels(truth);
  const c = canonicalPairs(t.records, pairs);
  let trueCount = 0;
  for (let p = 0; p < c.left.length; p++) if (t.label[c.left[p]!] === t.label[c.right[p]!]) trueCount += 1;
  const yes = new Float64Array(trueCount);
  const no = new Float64Array(c.left.length - trueCount);
  let y = 0;
  let n = 0;
  for (let p = 0; p < c.left.length; p++) {
    const probability = c.probability[p]!;
    if (Number.isNaN(probability)) continue;
    if (t.label[c.left[p]!] === t.label[c.right[p]!]) yes[y++] = probability;
    else no[n++] = probability;
  }
  const ys = yes.subarray(0, y).sort();
  const ns = no.subarray(0, n).sort();
  let i = ys.length - 1;
  let j = ns.length - 1;
  let tp = 0;
  let fp = 0;
  let best: ThresholdMetrics | null = null;
  while (i >= 0 || j >= 0) {
    const threshold = Math.max(i >= 0 ? ys[i]! : -Infinity, j >= 0 ? ns[j]! : -Infinity);
    while (i >= 0 && ys[i] === threshold) {
      tp += 1;
      i -= 1;
    }
    while (j >= 0 && ns[j] === threshold) {
      fp += 1;
      j -= 1;
    }
    const m = metrics(tp, tp + fp, t.truePairs);
    if (m.f1 !== null && (best === null || m.f1 > best.f1!)) best = { threshold, ...m };
  }
  return best;
}

/** The share of true pairs blocking proposed (true pairs it never proposed cannot be found). */
export function blockingRecall(truth: Truth, pairs: ScoredPairs): BlockingMetrics {
  const t = truthLabels(truth);
  const c = canonicalPairs(t.records, pairs);
  let proposed = 0;
  for (let p = 0; p < c.left.length; p++) if (t.label[c.left[p]!] === t.label[c.right[p]!]) proposed += 1;
  return { candidatePairs: c.left.length, truePairs: t.truePairs, proposedTruePairs: proposed, recall: ratio(proposed, t.truePairs) };
}

/** Precision of the pairs scored in [lo, hi). */
export function bandPrecision(truth: Truth, pairs: ScoredPairs, lo: number, hi: number): BandMetrics {
  const t = truthLabels(truth);
  const c = canonicalPairs(t.records, pairs);
  let inBand = 0;
  let tp = 0;
  for (let p = 0; p < c.left.length; p++) {
    const probability = c.probability[p]!;
    if (!(probability >= lo && probability < hi)) continue;
    inBand += 1;
    if (t.label[c.left[p]!] === t.label[c.right[p]!]) tp += 1;
  }
  return { lo, hi, pairs: inBand, truePairs: tp, precision: ratio(tp, inBand) };
}

/** The contingency table of predicted cluster x true person: one cell per (cluster, person) met. */
interface Contingency {
  truth: TruthLabels;
  /** Dense predicted-cluster index per record. */
  cluster: Int32Array;
  clusterSize: Int32Array;
  cellCluster: Int32Array;
  cellPerson: Int32Array;
  cellCount: Int32Array;
}

function contingency(truth: Truth, clusters: readonly string[]): Contingency {
  const t = truthLabels(truth);
  if (clusters.length !== t.records) throw new RangeError(`clusters: ${clusters.length} entries for ${t.records} records`);
  const p = truthLabels(clusters);
  const people = t.people.length;
  const cells = new Map<number, number>();
  const cellCluster: number[] = [];
  const cellPerson: number[] = [];
  const counts: number[] = [];
  for (let r = 0; r < t.records; r++) {
    const key = p.label[r]! * people + t.label[r]!;
    const at = cells.get(key);
    if (at === undefined) {
      cells.set(key, counts.length);
      cellCluster.push(p.label[r]!);
      cellPerson.push(t.label[r]!);
      counts.push(1);
    } else counts[at]! += 1;
  }
  return {
    truth: t,
    cluster: p.label,
    clusterSize: p.size,
    cellCluster: Int32Array.from(cellCluster),
    cellPerson: Int32Array.from(cellPerson),
    cellCount: Int32Array.from(counts),
  };
}

/** Pairwise metrics of the pairs a clustering implies (every pair of records within a predicted cluster). */
export function clusterPairMetrics(truth: Truth, clusters: readonly string[]): PairMetrics {
  const c = contingency(truth, clusters);
  let tp = 0;
  for (const n of c.cellCount) tp += pairsIn(n);
  let predicted = 0;
  for (const n of c.clusterSize) predicted += pairsIn(n);
  return metrics(tp, predicted, c.truth.truePairs);
}

/** B-cubed: per record, the share of its cluster that is its person, and of its person in its cluster; averaged. */
export function bCubed(truth: Truth, clusters: readonly string[]): BCubedMetrics {
  const c = contingency(truth, clusters);
  let precision = 0;
  let recall = 0;
  for (let k = 0; k < c.cellCount.length; k++) {
    const n = c.cellCount[k]!;
    precision += (n * n) / c.clusterSize[c.cellCluster[k]!]!;
    recall += (n * n) / c.truth.size[c.cellPerson[k]!]!;
  }
  const records = c.truth.records;
  const p = ratio(precision, records);
  const r = ratio(recall, records);
  return { precision: p, recall: r, f1: harmonic(p, r) };
}

/** People whose records are exactly one predicted cluster. */
export function exactPeople(truth: Truth, clusters: readonly string[]): ExactPeopleMetrics {
  const c = contingency(truth, clusters);
  let exact = 0;
  let multiExact = 0;
  for (let k = 0; k < c.cellCount.length; k++) {
    const n = c.cellCount[k]!;
    const personSize = c.truth.size[c.cellPerson[k]!]!;
    if (n === personSize && n === c.clusterSize[c.cellCluster[k]!]) {
      exact += 1;
      if (n >= 2) multiExact += 1;
    }
  }
  const people = c.truth.people.length;
  let multi = 0;
  for (const s of c.truth.size) if (s >= 2) multi += 1;
  return { people, exact, share: ratio(exact, people), multiRecordPeople: multi, multiRecordExact: multiExact, multiRecordShare: ratio(multiExact, multi) };
}

/**
 * Predicted clusters holding records of two or more true people. `isChild(trueId)` marks the
 * people whose merging matters most (a child merged with anyone else).
 */
export function overMergedClusters(truth: Truth, clusters: readonly string[], options: { isChild?: (trueId: string) => boolean } = {}): OverMergeMetrics {
  const c = contingency(truth, clusters);
  const clusterCount = c.clusterSize.length;
  const peopleIn = new Int32Array(clusterCount);
  for (const k of c.cellCluster) peopleIn[k]! += 1;
  const child = options.isChild ? Uint8Array.from(c.truth.people, (id) => (options.isChild!(id) ? 1 : 0)) : null;
  const hasChild = new Uint8Array(clusterCount);
  if (child) for (let k = 0; k < c.cellCount.length; k++) if (child[c.cellPerson[k]!] === 1) hasChild[c.cellCluster[k]!] = 1;
  const involved = new Uint8Array(c.truth.people.length);
  let overMerged = 0;
  let childClusters = 0;
  for (let k = 0; k < clusterCount; k++) {
    if (peopleIn[k]! < 2) continue;
    overMerged += 1;
    if (hasChild[k] === 1) childClusters += 1;
  }
  for (let k = 0; k < c.cellCount.length; k++) if (peopleIn[c.cellCluster[k]!]! >= 2) involved[c.cellPerson[k]!] = 1;
  let people = 0;
  let children = 0;
  for (let i = 0; i < involved.length; i++) {
    if (involved[i] !== 1) continue;
    people += 1;
    if (child?.[i] === 1) children += 1;
  }
  let largest = 0;
  for (const s of c.clusterSize) largest = Math.max(largest, s);
  return { clusters: overMerged, people, childClusters, children, largestCluster: largest };
}

export interface EvaluateOptions {
  /** Pairwise threshold (default 0.5, linkRecords' default). */
  threshold?: number;
  /** Named probability bands [lo, hi) to report precision in. */
  bands?: Record<string, { lo: number; hi: number }>;
  /** Sweep thresholds for the best pairwise F1 (default true). */
  sweep?: boolean;
  isChild?: (trueId: string) => boolean;
}

/** Everything above for one linkage: pair metrics when `pairs` is given, cluster metrics when `clusters` is. */
export function evaluateLinkage(
  truth: Truth,
  prediction: { clusters?: readonly string[]; pairs?: ScoredPairs },
  options: EvaluateOptions = {},
): LinkageEvaluation {
  const t = truthLabels(truth);
  const result: LinkageEvaluation = { records: t.records, people: t.people.length, truePairs: t.truePairs };
  if (prediction.pairs) {
    const pairs = canonicalPairs(t.records, prediction.pairs);
    result.blocking = { ...blockingRecall(t, pairs), duplicatePairs: pairs.duplicates, selfPairs: pairs.selfPairs };
    result.pairwise = pairwiseAtThreshold(t, pairs, options.threshold ?? 0.5);
    if (options.sweep !== false) result.bestF1 = bestF1Threshold(t, pairs);
    if (options.bands) {
      result.bands = {};
      for (const [name, band] of Object.entries(options.bands)) result.bands[name] = bandPrecision(t, pairs, band.lo, band.hi);
    }
  }
  if (prediction.clusters) {
    result.clusterPairs = clusterPairMetrics(t, prediction.clusters);
    result.bCubed = bCubed(t, prediction.clusters);
    result.exactPeople = exactPeople(t, prediction.clusters);
    result.overMerged = overMergedClusters(t, prediction.clusters, options.isChild ? { isChild: options.isChild } : {});
  }
  return result;
}
