/**
 * Batch linkage: normalise, block, compare, train (unless a model is given), score, cluster.
 * What `mash-gateway identity link` runs, and what the benchmarks measure.
 */
import { candidatePairs, DEFAULT_RULES, identifierRule, type BlockingRule } from './blocking.js';
import { cannotLink, clusterPairs, mayBeOnePerson } from './cluster.js';
import { BASE_COMPARISONS, compareInto, comparisonSpecs } from './comparisons.js';
import { CompiledModel, probabilityOf, trainModel, type ModelParameters } from './model.js';
import { normalisePerson } from './normalise.js';
import type { BandThresholds, NormalisedPerson, PersonRecord } from './types.js';

export interface LinkOptions {
  /** Match probability at which two records may join one cluster (default 0.5). */
  threshold?: number;
  /** Use these parameters instead of training on the records. */
  model?: ModelParameters;
  /** Random pairs sampled to estimate u (default 300,000). */
  uSamples?: number;
  /** Blocks larger than this are not expanded (default 400). */
  maxBlock?: number;
  /** Compare every pair when there are at most this many (default 1,000,000; 0 to always block). */
  compareAllUpTo?: number;
  /** Names the data in the trained model's provenance. */
  data?: string;
}

export interface LinkResult {
  /** Cluster id per input record (the id of the cluster's first record), in input order. */
  clusters: string[];
  /**
   * Every pair blocking proposed (input indexes), scored. `caution` is 1 where a cannot-link guard
   * holds (different NHS numbers, possible twins): such a pair is never linked automatically.
   */
  pairs: { left: Uint32Array; right: Uint32Array; probability: Float64Array; caution: Uint8Array };
  model: ModelParameters;
  problems: { index: number; problems: string[] }[];
  stats: {
    records: number;
    candidatePairs: number;
    /** Pairs in blocks too large to expand (other rules may still propose them). */
    skippedPairs: number;
    normaliseMs: number;
    blockingMs: number;
    trainingMs: number;
    scoringMs: number;
    clusteringMs: number;
  };
}

export function identifierSystems(persons: readonly NormalisedPerson[]): string[] {
  const systems = new Set<string>();
  for (const p of persons) for (const system of p.identifiers.keys()) systems.add(system);
  return [...systems].sort();
}

export function blockingRules(systems: readonly string[]): BlockingRule[] {
  return systems.length > 0 ? [...DEFAULT_RULES, identifierRule(systems, BASE_COMPARISONS.length)] : [...DEFAULT_RULES];
}

export function linkRecords(records: readonly PersonRecord[], options: LinkOptions = {}): LinkResult {
  const threshold = options.threshold ?? 0.5;
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - t);
    t = now;
    return ms;
  };
  const persons = records.map((r) => normalisePerson(r));
  const normaliseMs = lap();

  const systems = options.model ? new CompiledModel(options.model).systems : identifierSystems(persons);
  const width = comparisonSpecs(systems).length;
  const rules = blockingRules(systems);
  const candidates = candidatePairs(persons, rules, options.maxBlock, options.compareAllUpTo ?? 1_000_000);
  const count = candidates.left.length;
  const vectors = new Int8Array(count * width);
  for (let p = 0; p < count; p++) {
    compareInto(persons[candidates.left[p]!]!, persons[candidates.right[p]!]!, systems, vectors.subarray(p * width, (p + 1) * width));
  }
  const blockingMs = lap();

  const model =
    options.model ??
    trainModel({
      persons,
      systems,
      vectors,
      ruleMask: candidates.ruleMask,
      ruleFields: rules.map((r) => (r.train ? r.fields : null)),
      data: options.data ?? 'the records being linked',
      ...(options.uSamples !== undefined ? { uSamples: options.uSamples } : {}),
    });
  const trainingMs = lap();

  const compiled = new CompiledModel(model);
  const probability = new Float64Array(count);
  const caution = new Uint8Array(count);
  for (let p = 0; p < count; p++) {
    const vector = vectors.subarray(p * width, (p + 1) * width);
    probability[p] = probabilityOf(compiled.weightOf(vector, persons[candidates.left[p]!], persons[candidates.right[p]!]));
    if (cannotLink(vector, compiled.systems) !== null) caution[p] = 1;
  }
  const scoringMs = lap();

  const cross = new Int8Array(width);
  const representative = clusterPairs({
    records: persons.length,
    left: candidates.left,
    right: candidates.right,
    probability,
    threshold,
    compatible: (i, j) => mayBeOnePerson(compiled, persons[i]!, persons[j]!, cross),
  });
  const clusteringMs = lap();

  return {
    clusters: Array.from(representative, (r) => records[r]!.id),
    pairs: { left: candidates.left, right: candidates.right, probability, caution },
    model,
    problems: persons.flatMap((p, index) => (p.problems.length > 0 ? [{ index, problems: p.problems }] : [])),
    stats: {
      records: records.length,
      candidatePairs: count,
      skippedPairs: candidates.skipped.reduce((x, y) => x + y, 0),
      normaliseMs,
      blockingMs,
      trainingMs,
      scoringMs,
      clusteringMs,
    },
  };
}

/**
 * Pair probabilities as the bands see them: a pair under a cannot-link guard is at most a
 * `possible` match (just under `probable`), whatever its score, as the gateway reports it.
 */
export function guardedProbabilities(pairs: LinkResult['pairs'], bands: BandThresholds): Float64Array {
  const cap = bands.probable - 1e-9;
  return pairs.probability.map((p, i) => (pairs.caution[i] === 1 ? Math.min(p, cap) : p));
}
