/**
 * The Fellegi-Sunter model: for each comparison level, m (how often the level occurs when two
 * records are the same person) and u (how often it occurs when they are not). A level's weight is
 * log2(m/u); a pair's match weight is the prior log2 odds plus the weights of its levels, and its
 * probability follows. No weight is set by hand: u comes from random pairs, m from EM over the
 * pairs blocking proposes (one EM session per blocking rule, leaving out the fields the rule
 * blocked on, as Splink does), and the prior from the expected number of matches.
 */
import { BASE_COMPARISONS, compareInto, comparisonSpecs, IDX, type ComparisonSpec } from './comparisons.js';
import type { Band, BandThresholds, FieldReason, NormalisedPerson, PairScore } from './types.js';

export const MODEL_FORMAT = 'mash-gateway/identity-model@1';

export interface LevelParameters {
  name: string;
  m: number;
  u: number;
}

export interface ComparisonParameters {
  field: string;
  levels: LevelParameters[];
}

export interface ModelParameters {
  format: typeof MODEL_FORMAT;
  /** How the parameters were obtained, for anyone asking why a weight is what it is. */
  trainedOn: { data: string; records: number; candidatePairs: number; method: string };
  /** Prior probability that two records drawn at random are the same person. */
  lambda: number;
  comparisons: ComparisonParameters[];
  /** Share of records with each name, for term-frequency adjustment of exact name agreement. */
  termFrequencies: { given: Record<string, number>; family: Record<string, number> };
}

export const DEFAULT_BANDS: BandThresholds = { certain: 0.999, probable: 0.95, possible: 0.8 };

const log2 = Math.log2;

/**
 * The least m a level may have: a recording error the training data happened not to show is
 * still possible in the next record, so no level is treated as impossible for a true match.
 */
export const M_FLOOR = 0.001;
const clampP = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p));

export function bandOf(probability: number, bands: BandThresholds): Band | null {
  if (probability >= bands.certain) return 'certain';
  if (probability >= bands.probable) return 'probable';
  if (probability >= bands.possible) return 'possible';
  return null;
}

export const probabilityOf = (weight: number): number => {
  if (weight > 60) return 1;
  if (weight < -60) return 0;
  const odds = 2 ** weight;
  return odds / (1 + odds);
};

/** A model ready to score: level weights precomputed, identifier systems in vector order. */
export class CompiledModel {
  readonly specs: ComparisonSpec[];
  readonly systems: string[];
  readonly prior: number;
  /** weights[k][level] = log2(m/u). */
  readonly weights: Float64Array[];
  private readonly tfGiven: Map<string, number>;
  private readonly tfFamily: Map<string, number>;
  private readonly minTf: number;

  constructor(readonly parameters: ModelParameters) {
    this.systems = parameters.comparisons.filter((c) => c.field.startsWith('id:')).map((c) => c.field.slice(3));
    this.specs = comparisonSpecs(this.systems);
    this.weights = this.specs.map((spec) => {
      const params = parameters.comparisons.find((c) => c.field === spec.field);
      if (!params || params.levels.length !== spec.levels.length) {
        throw new Error(`The identity model has no parameters for comparison "${spec.field}" with ${spec.levels.length} levels.`);
      }
      return Float64Array.from(params.levels.map((l) => log2(clampP(l.m) / clampP(l.u))));
    });
    this.prior = log2(parameters.lambda / (1 - parameters.lambda));
    this.tfGiven = new Map(Object.entries(parameters.termFrequencies.given));
    this.tfFamily = new Map(Object.entries(parameters.termFrequencies.family));
    this.minTf = 1 / Math.max(parameters.trainedOn.records, 1);
  }

  get width(): number {
    return this.specs.length;
  }

  vector(a: NormalisedPerson, b: NormalisedPerson, out: Int8Array = new Int8Array(this.width)): Int8Array {
    compareInto(a, b, this.systems, out);
    return out;
  }

  /**
   * Term-frequency adjustment (log2) for exact agreement on a name: agreeing on a rare name is
   * stronger evidence than agreeing on a common one. Zero when the name is not in the table.
   */
  tfAdjustment(k: number, a: NormalisedPerson, b: NormalisedPerson): number {
    const table = k === IDX.given ? this.tfGiven : k === IDX.family ? this.tfFamily : null;
    if (table === null) return 0;
    const na = a.names[0];
    const nb = b.names[0];
    const value = k === IDX.given ? na?.given : na?.family;
    if (!value || value !== (k === IDX.given ? nb?.given : nb?.family)) return 0;
    const tf = table.get(value);
    if (tf === undefined) return 0;
    const u = this.parameters.comparisons[k]!.levels[0]!.u;
    return log2(clampP(u) / Math.max(tf, this.minTf));
  }

  /** Match weight of a vector (log2 odds). Pass the pair for term-frequency adjustment. */
  weightOf(vector: Int8Array, a?: NormalisedPerson, b?: NormalisedPerson): number {
    let w = this.prior;
    for (let k = 0; k < vector.length; k++) {
      const level = vector[k]!;
      if (level < 0) continue;
      w += this.weights[k]![level]!;
      if (level === 0 && a && b && (k === IDX.given || k === IDX.family)) w += this.tfAdjustment(k, a, b);
    }
    return w;
  }

  /** Whether a record holds the field comparison k reads. */
  holds(k: number, p: NormalisedPerson): boolean {
    switch (k) {
      case IDX.given:
        return p.names.some((n) => n.given !== null);
      case IDX.family:
        return p.names.some((n) => n.family !== null);
      case IDX.birthDate:
        return p.birth !== null;
      case IDX.sex:
        return p.sex !== null;
      case IDX.location:
        return p.postcode !== null || p.address !== null || p.uprn !== null || p.city !== null;
      case IDX.email:
        return p.email !== null;
      case IDX.phone:
        return p.phone !== null;
      default:
        return p.identifiers.has(this.systems[k - BASE_COMPARISONS.length]!);
    }
  }

  /** The full answer for one pair: weight, probability, band and field-by-field reasons. Pass the pair's vector if it is already compared. */
  score(a: NormalisedPerson, b: NormalisedPerson, bands: BandThresholds, vector: Int8Array = this.vector(a, b)): PairScore {
    const reasons: FieldReason[] = [];
    let weight = this.prior;
    for (let k = 0; k < vector.length; k++) {
      const spec = this.specs[k]!;
      const level = vector[k]!;
      if (level < 0) {
        // A field neither record holds says nothing and is not listed.
        if (!this.holds(k, a) && !this.holds(k, b)) continue;
        reasons.push({ field: spec.field, level: 'missing', weight: 0, explanation: `${spec.label}: recorded on only one of the records, so no evidence either way.` });
        continue;
      }
      let w = this.weights[k]![level]!;
      let explanation = spec.levels[level]!.explanation;
      if (level === 0 && (k === IDX.given || k === IDX.family)) {
        const tf = this.tfAdjustment(k, a, b);
        if (Math.abs(tf) >= 0.5) explanation += tf > 0 ? ' The name is uncommon, which strengthens the evidence.' : ' The name is common, which weakens the evidence.';
        w += tf;
      }
      weight += w;
      reasons.push({ field: spec.field, level: spec.levels[level]!.name, weight: round(w), explanation });
    }
    const probability = probabilityOf(weight);
    return { weight: round(weight), probability, band: bandOf(probability, bands), reasons };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

// ---------------------------------------------------------------------------------------------
// Training.

/** A small deterministic PRNG (mulberry32): training gives the same model for the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function initialM(levels: number): number[] {
  if (levels === 2) return [0.9, 0.1];
  const middle = 0.25 / (levels - 2);
  return Array.from({ length: levels }, (_, i) => (i === 0 ? 0.7 : i === levels - 1 ? 0.05 : middle));
}

/** u for every level: the level frequencies among random pairs (almost all of them non-matches). */
export function estimateU(persons: readonly NormalisedPerson[], specs: readonly ComparisonSpec[], systems: readonly string[], samples: number, seed = 1): number[][] {
  const counts = specs.map((s) => new Float64Array(s.levels.length));
  const n = persons.length;
  const vector = new Int8Array(specs.length);
  const random = prng(seed);
  const total = (n * (n - 1)) / 2;
  const exhaustive = total <= samples;
  const visit = (i: number, j: number) => {
    compareInto(persons[i]!, persons[j]!, systems, vector);
    for (let k = 0; k < specs.length; k++) if (vector[k]! >= 0) counts[k]![vector[k]!]!++;
  };
  if (exhaustive) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) visit(i, j);
  } else {
    for (let s = 0; s < samples; s++) {
      const i = Math.floor(random() * n);
      let j = Math.floor(random() * (n - 1));
      if (j >= i) j++;
      visit(i, j);
    }
  }
  return counts.map((c) => {
    const seen = c.reduce((x, y) => x + y, 0);
    // A level never seen among random pairs gets half a count: rare, not impossible.
    return Array.from(c, (x) => (seen === 0 ? 1 / c.length : Math.max(x, 0.5) / (seen + 0.5 * c.length)));
  });
}

/** Comparison vectors grouped by pattern, with how many pairs share each. */
export interface PatternCounts {
  patterns: Int8Array[];
  counts: number[];
}

export function countPatterns(vectors: Int8Array, width: number, include?: (pair: number) => boolean): PatternCounts {
  const index = new Map<number, number>();
  const patterns: Int8Array[] = [];
  const counts: number[] = [];
  const pairs = vectors.length / width;
  for (let p = 0; p < pairs; p++) {
    if (include && !include(p)) continue;
    let key = 0;
    for (let k = 0; k < width; k++) key = key * 9 + (vectors[p * width + k]! + 1);
    const at = index.get(key);
    if (at !== undefined) counts[at]!++;
    else {
      index.set(key, patterns.length);
      patterns.push(vectors.slice(p * width, (p + 1) * width));
      counts.push(1);
    }
  }
  return { patterns, counts };
}

/**
 * EM with u fixed: estimates m for the `active` comparisons and the share of matches among the
 * pairs. Returns the m estimates and the expected number of matches.
 */
export function expectationMaximisation(
  data: PatternCounts,
  m: number[][],
  u: number[][],
  active: readonly boolean[],
  options: { iterations?: number; lambda?: number; fixM?: boolean } = {},
): { m: number[][]; lambda: number; expectedMatches: number } {
  let lambda = options.lambda ?? 0.1;
  let current = m.map((l) => [...l]);
  const width = m.length;
  let expected = 0;
  for (let iteration = 0; iteration < (options.iterations ?? 30); iteration++) {
    const num = current.map((l) => new Float64Array(l.length));
    const den = new Float64Array(width);
    let matches = 0;
    let total = 0;
    for (let p = 0; p < data.patterns.length; p++) {
      const pattern = data.patterns[p]!;
      const count = data.counts[p]!;
      let w = Math.log(lambda / (1 - lambda));
      for (let k = 0; k < width; k++) {
        const level = pattern[k]!;
        if (!active[k] || level < 0) continue;
        w += Math.log(clampP(current[k]![level]!) / clampP(u[k]![level]!));
      }
      const posterior = w > 40 ? 1 : w < -40 ? 0 : 1 / (1 + Math.exp(-w));
      matches += count * posterior;
      total += count;
      for (let k = 0; k < width; k++) {
        const level = pattern[k]!;
        if (!active[k] || level < 0) continue;
        num[k]![level]! += count * posterior;
        den[k]! += count * posterior;
      }
    }
    expected = matches;
    const nextLambda = clampP(matches / Math.max(total, 1));
    let change = Math.abs(nextLambda - lambda);
    const next = current.map((levels, k) => {
      // Too few expected matches hold this field to say anything: keep the starting values.
      if (options.fixM || !active[k] || den[k]! < 10) return levels;
      const floored = levels.map((_, l) => Math.max(num[k]![l]! / den[k]!, M_FLOOR));
      const sum = floored.reduce((x, y) => x + y, 0);
      return floored.map((value, l) => {
        change = Math.max(change, Math.abs(value / sum - levels[l]!));
        return value / sum;
      });
    });
    current = next;
    lambda = nextLambda;
    if (change < 1e-6) break;
  }
  return { m: current, lambda, expectedMatches: expected };
}

export interface TrainingInput {
  persons: readonly NormalisedPerson[];
  systems: readonly string[];
  /** Comparison vectors of the candidate pairs, `width` levels each. */
  vectors: Int8Array;
  /** Per candidate pair, a bit per blocking rule that proposed it. */
  ruleMask: Uint32Array;
  /** Per blocking rule, the comparisons it blocked on (left out of its EM session); null: not a training rule. */
  ruleFields: readonly (readonly number[] | null)[];
  data: string;
  uSamples?: number;
}

export function termFrequencies(persons: readonly NormalisedPerson[]): ModelParameters['termFrequencies'] {
  const given = new Map<string, number>();
  const family = new Map<string, number>();
  let withGiven = 0;
  let withFamily = 0;
  for (const p of persons) {
    const name = p.names[0];
    if (name?.given) {
      given.set(name.given, (given.get(name.given) ?? 0) + 1);
      withGiven++;
    }
    if (name?.family) {
      family.set(name.family, (family.get(name.family) ?? 0) + 1);
      withFamily++;
    }
  }
  const table = (counts: Map<string, number>, total: number) =>
    Object.fromEntries([...counts].filter(([, c]) => c > 1).sort((x, y) => y[1] - x[1]).map(([v, c]) => [v, c / total]));
  return { given: table(given, withGiven), family: table(family, withFamily) };
}

/** Trains a model from the records themselves: u by random sampling, m by EM per blocking rule. */
export function trainModel(input: TrainingInput): ModelParameters {
  const specs = comparisonSpecs(input.systems);
  const width = specs.length;
  const n = input.persons.length;
  const samples = input.uSamples ?? 300_000;
  const u = estimateU(input.persons, specs, input.systems, samples);
  const start = specs.map((s) => initialM(s.levels.length));
  const sums = specs.map((s) => new Float64Array(s.levels.length));
  const weights = new Float64Array(width);
  input.ruleFields.forEach((fields, rule) => {
    if (fields === null) return;
    const bit = 1 << rule;
    const data = countPatterns(input.vectors, width, (p) => (input.ruleMask[p]! & bit) !== 0);
    const pairs = data.counts.reduce((x, y) => x + y, 0);
    if (pairs < 50) return;
    const active = specs.map((_, k) => !fields.includes(k));
    const result = expectationMaximisation(data, start, u, active);
    if (result.expectedMatches < 5) return;
    for (let k = 0; k < width; k++) {
      if (!active[k]) continue;
      for (let l = 0; l < specs[k]!.levels.length; l++) sums[k]![l]! += result.m[k]![l]! * result.expectedMatches;
      weights[k]! += result.expectedMatches;
    }
  });
  const m = specs.map((s, k) => (weights[k]! > 0 ? Array.from(sums[k]!, (x) => x / weights[k]!) : start[k]!));
  // The prior: the share of matches among all candidate pairs, scaled to all pairs (blocking keeps
  // almost every true pair, so matches outside the candidates are few).
  const all = countPatterns(input.vectors, width);
  const candidatePairs = input.vectors.length / width;
  const fit = expectationMaximisation(all, m, u, specs.map(() => true), { iterations: 100, lambda: 0.01, fixM: true });
  const totalPairs = (n * (n - 1)) / 2;
  const lambda = Math.min(0.5, Math.max(1e-12, (fit.lambda * candidatePairs) / Math.max(totalPairs, 1)));
  return {
    format: MODEL_FORMAT,
    trainedOn: {
      data: input.data,
      records: n,
      candidatePairs,
      method: `u from ${Math.min(samples, totalPairs)} random pairs; m by EM per blocking rule (rule's own fields left out); prior from the expected matches among candidate pairs`,
    },
    lambda,
    comparisons: specs.map((spec, k) => ({
      field: spec.field,
      levels: spec.levels.map((level, l) => ({ name: level.name, m: round6(m[k]![l]!), u: round6(u[k]![l]!) })),
    })),
    termFrequencies: termFrequencies(input.persons),
  };
}

const round6 = (x: number) => Number(x.toPrecision(6));
