/**
 * Clustering scored pairs into people, refusing to chain weak links. Links are taken strongest
 * first (as single-linkage would), but two groups merge only if no record of one contradicts a
 * record of the other: every cross pair must have evidence that does not point against a match
 * (Bayes factor at least 1) and no cannot-link guard (different NHS numbers; possible twins;
 * birth dates that differ by more than a slip).
 * So A~B and B~C never put A with C when A and C are plainly different people.
 */
import { BASE_COMPARISONS, BIRTH_DATE, G, IDX } from './comparisons.js';
import type { CompiledModel } from './model.js';
import { NHS_NUMBER_SYSTEM } from './nhs-number.js';
import type { NormalisedPerson } from './types.js';
import { UPN_SYSTEM } from './normalise.js';

/** Identifiers a person keeps for life: two different values are two different people. */
const LIFELONG: readonly (readonly [string, string])[] = [
  [NHS_NUMBER_SYSTEM, 'valid NHS number'],
  [UPN_SYSTEM, 'unique pupil number'],
];

const YEARS_APART = BIRTH_DATE.levels.findIndex((l) => l.name === 'years-apart');
const DIFFERENT_DATE = BIRTH_DATE.levels.findIndex((l) => l.name === 'different');

/** Why two records must not be merged automatically, or null. Reads a comparison vector. */
export function cannotLink(vector: Int8Array, systems: readonly string[]): string | null {
  for (const [system, label] of LIFELONG) {
    const k = systems.indexOf(system);
    if (k >= 0 && vector[BASE_COMPARISONS.length + k] === 2) return `The records hold different ${label}s.`;
  }
  // An identifier held by both and agreeing exactly says they are one person.
  for (let k = BASE_COMPARISONS.length; k < vector.length; k++) if (vector[k] === 0) return null;
  const birth = vector[IDX.birthDate]!;
  // A parent and child, or siblings, may share a name and an address; a date of birth wrong by
  // more than a typing slip, a day/month swap or a few weeks needs a person to confirm.
  if (birth === YEARS_APART) {
    return 'Dates of birth are more than three years apart: possibly a parent and child, or siblings, of the same name.';
  }
  if (birth === DIFFERENT_DATE) {
    return 'Dates of birth differ by more than a typing slip: possibly siblings of the same name.';
  }
  const given = vector[IDX.given]!;
  const family = vector[IDX.family]!;
  if (given === -1) return null;
  // 'similar' or 'different' given names (twins are often given similar names); birth date exact
  // or day/month swapped; family name exact or a part of a double-barrelled one.
  // Twins are rarely given one first name, but different middle names say two people too.
  const givenDifferent = given === G.similar || given === G.different || given === G.exactFirstName;
  if (givenDifferent && birth >= 0 && birth <= 1 && family >= 0 && family <= 1) {
    return 'Same family name and date of birth but different given names: possibly twins or siblings.';
  }
  return null;
}

/**
 * May two records be one person? No cannot-link guard holds, and the evidence does not point
 * against it (Bayes factor at least 1). What clustering and search grouping both ask of every
 * pair before putting two records together. `scratch` holds the comparison vector.
 */
export function mayBeOnePerson(model: CompiledModel, a: NormalisedPerson, b: NormalisedPerson, scratch: Int8Array = new Int8Array(model.width)): boolean {
  model.vector(a, b, scratch);
  return cannotLink(scratch, model.systems) === null && model.weightOf(scratch, a, b) - model.prior >= 0;
}

export interface ClusterInput {
  records: number;
  left: Uint32Array;
  right: Uint32Array;
  probability: Float64Array;
  threshold: number;
  /**
   * For a pair in two groups about to merge: may they be one person? (Bayes factor >= 1 and no
   * cannot-link guard.) Called for cross pairs, scored or not.
   */
  compatible(i: number, j: number): boolean;
  /** Groups larger than this are not grown further (a run-away merge is a fault, not a person). */
  maxClusterSize?: number;
}

/** Cluster representative (smallest record index of its cluster) per record. */
export function clusterPairs(input: ClusterInput): Int32Array {
  const { records, left, right, probability, threshold } = input;
  const maxSize = input.maxClusterSize ?? 100;
  const parent = Int32Array.from({ length: records }, (_, i) => i);
  const members: (number[] | undefined)[] = [];
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const order: number[] = [];
  for (let p = 0; p < probability.length; p++) if (probability[p]! >= threshold) order.push(p);
  order.sort((x, y) => probability[y]! - probability[x]! || x - y);
  for (const p of order) {
    const a = find(left[p]!);
    const b = find(right[p]!);
    if (a === b) continue;
    const ma = members[a] ?? [a];
    const mb = members[b] ?? [b];
    if (ma.length + mb.length > maxSize) continue;
    let ok = true;
    outer: for (const i of ma) {
      for (const j of mb) {
        if (!input.compatible(i, j)) {
          ok = false;
          break outer;
        }
      }
    }
    if (!ok) continue;
    const [root, child] = a < b ? [a, b] : [b, a];
    parent[child] = root;
    members[root] = ma.concat(mb);
    members[child] = undefined;
  }
  const out = new Int32Array(records);
  for (let i = 0; i < records; i++) out[i] = find(i);
  // Representatives are the smallest index in each cluster.
  const smallest = new Map<number, number>();
  for (let i = 0; i < records; i++) if (!smallest.has(out[i]!)) smallest.set(out[i]!, i);
  for (let i = 0; i < records; i++) out[i] = smallest.get(out[i]!)!;
  return out;
}
