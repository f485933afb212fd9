/**
 * Blocking: which pairs are worth comparing. Each rule gives a record zero or more keys; records
 * sharing a key under any rule become a candidate pair. The rules are loose on purpose (phonetic
 * names, partial dates, swapped names and dates) so that almost every true pair is proposed;
 * scoring then decides. Each rule names the comparisons it blocks on, so training can leave them
 * out of that rule's EM session.
 */
import { IDX } from './comparisons.js';
import type { NormalisedPerson } from './types.js';

export interface BlockingRule {
  name: string;
  /** Comparison indexes the rule's keys are built from. */
  fields: readonly number[];
  /**
   * Its pairs train the model (EM). Only rules whose keys belong to one person (a birth date,
   * a full name, an identifier) do: pairs that share an address or a surname are mostly members
   * of one household, and EM would learn "same household" instead of "same person".
   */
  train?: boolean;
  keys(p: NormalisedPerson): string[];
}

const initial = (s: string | null | undefined) => (s ? s[0]! : '');

function eachName<T>(p: NormalisedPerson, f: (given: string | null, family: string | null, gp: string, fp: string) => T | null): T[] {
  const out: T[] = [];
  for (const n of p.names) {
    const v = f(n.given, n.family, n.givenPhonetic, n.familyPhonetic);
    if (v !== null) out.push(v);
  }
  return out;
}

export const DEFAULT_RULES: readonly BlockingRule[] = [
  {
    name: 'birth date (day and month either way round)',
    fields: [IDX.birthDate],
    train: true,
    keys: (p) => (p.birth ? [`${p.birth.year}|${Math.min(p.birth.month, p.birth.day)}|${Math.max(p.birth.month, p.birth.day)}`] : []),
  },
  {
    name: 'given and family name sounds (either order)',
    fields: [IDX.given, IDX.family],
    train: true,
    keys: (p) => eachName(p, (_g, _f, gp, fp) => (gp && fp ? (gp < fp ? `${gp}|${fp}` : `${fp}|${gp}`) : null)),
  },
  {
    name: 'family name sound and birth year',
    fields: [IDX.family, IDX.birthDate],
    keys: (p) => (p.birth ? eachName(p, (_g, _f, _gp, fp) => (fp ? `${fp}|${p.birth!.year}` : null)) : []),
  },
  {
    name: 'given name sound and birth year',
    fields: [IDX.given, IDX.birthDate],
    keys: (p) => (p.birth ? eachName(p, (_g, _f, gp) => (gp ? `${gp}|${p.birth!.year}` : null)) : []),
  },
  {
    name: 'birth year and month, family initial',
    fields: [IDX.birthDate, IDX.family],
    keys: (p) => (p.birth ? eachName(p, (_g, f) => (f ? `${p.birth!.year}|${p.birth!.month}|${initial(f)}` : null)) : []),
  },
  {
    name: 'birth month and day, given initial',
    fields: [IDX.birthDate, IDX.given],
    keys: (p) => (p.birth ? eachName(p, (g) => (g ? `${p.birth!.month}|${p.birth!.day}|${initial(g)}` : null)) : []),
  },
  {
    name: 'postcode and given initial',
    fields: [IDX.location, IDX.given],
    keys: (p) => (p.postcode ? eachName(p, (g) => (g ? `${p.postcode!.full}|${initial(g)}` : null)) : []),
  },
  {
    name: 'family name sound and given initial',
    fields: [IDX.family, IDX.given],
    keys: (p) => eachName(p, (g, _f, _gp, fp) => (fp && g ? `${fp}|${initial(g)}` : null)),
  },
  {
    name: 'postcode and family initial',
    fields: [IDX.location, IDX.family],
    keys: (p) => (p.postcode ? eachName(p, (_g, f) => (f ? `${p.postcode!.full}|${initial(f)}` : null)) : []),
  },
  {
    name: 'either name with the house number or postcode',
    fields: [IDX.given, IDX.family, IDX.location],
    keys: (p) => {
      const keys: string[] = [];
      for (const n of p.names) {
        for (const word of [n.given, n.family]) {
          if (!word) continue;
          if (p.houseNumber) keys.push(`${word}|h${p.houseNumber}`);
          if (p.postcode) keys.push(`${word}|p${p.postcode.full}`);
        }
      }
      return keys;
    },
  },
  {
    name: 'house number and street',
    fields: [IDX.location],
    keys: (p) => {
      if (!p.address || !p.houseNumber) return [];
      const street = p.address.slice(p.houseNumber.length).trim().split(' ')[0];
      return street && street.length > 2 ? [`${p.houseNumber}|${street}`] : [];
    },
  },
  {
    name: 'email user name',
    fields: [IDX.email],
    keys: (p) => {
      const user = p.email ? p.email.slice(0, p.email.indexOf('@')) : '';
      return user.length > 3 ? [user] : [];
    },
  },
  {
    name: 'address (UPRN or address line)',
    fields: [IDX.location],
    keys: (p) => [...(p.uprn ? [`u|${p.uprn}`] : []), ...(p.address && p.address.length > 6 ? [`a|${p.address}`] : [])],
  },
  {
    name: 'email',
    fields: [IDX.email],
    keys: (p) => (p.email ? [p.email] : []),
  },
  {
    name: 'phone',
    fields: [IDX.phone],
    keys: (p) => (p.phone ? [p.phone] : []),
  },
];

/** Identifier systems get one rule: the same value under the same system. */
export function identifierRule(systems: readonly string[], firstIdentifierIndex: number): BlockingRule {
  return {
    name: 'identifier',
    fields: systems.map((_, i) => firstIdentifierIndex + i),
    train: true,
    keys: (p) => [...p.identifiers].map(([system, value]) => `${system}|${value}`),
  };
}

export interface CandidatePairs {
  left: Uint32Array;
  right: Uint32Array;
  /** A bit per rule that proposed the pair. */
  ruleMask: Uint32Array;
  /** Pairs left out because a block was larger than the cap, per rule. */
  skipped: number[];
}

/**
 * Candidate pairs under the rules. A block larger than `maxBlock` records (a very common name in
 * one year, say) is not expanded: other rules still propose its true pairs, and the count of pairs
 * left out is reported.
 */
export function candidatePairs(persons: readonly NormalisedPerson[], rules: readonly BlockingRule[], maxBlock = 400, compareAllUpTo = 0): CandidatePairs {
  const n = persons.length;
  const pairs = new Map<number, number>();
  // Few enough records to compare every pair: blocking exists for scale, so nothing is left out.
  if ((n * (n - 1)) / 2 <= compareAllUpTo) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.set(i * n + j, 0);
  }
  const skipped = rules.map(() => 0);
  rules.forEach((rule, r) => {
    const bit = 1 << r;
    const blocks = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const keys = rule.keys(persons[i]!);
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]!;
        if (k > 0 && keys.indexOf(key) < k) continue;
        const block = blocks.get(key);
        if (block) block.push(i);
        else blocks.set(key, [i]);
      }
    }
    for (const block of blocks.values()) {
      const size = block.length;
      if (size < 2) continue;
      if (size > maxBlock) {
        skipped[r]! += (size * (size - 1)) / 2;
        continue;
      }
      for (let x = 0; x < size; x++) {
        const i = block[x]!;
        for (let y = x + 1; y < size; y++) {
          const j = block[y]!;
          const id = i < j ? i * n + j : j * n + i;
          pairs.set(id, (pairs.get(id) ?? 0) | bit);
        }
      }
    }
  });
  const left = new Uint32Array(pairs.size);
  const right = new Uint32Array(pairs.size);
  const ruleMask = new Uint32Array(pairs.size);
  let p = 0;
  for (const [id, mask] of pairs) {
    left[p] = Math.floor(id / n);
    right[p] = id % n;
    ruleMask[p] = mask;
    p++;
  }
  return { left, right, ruleMask, skipped };
}
