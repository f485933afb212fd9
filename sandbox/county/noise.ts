/**
 * The errors agencies make when they record who someone is. Each agency view applies these at
 * its own rates, so identity matching is tested against realistic disagreement: typos,
 * nicknames, day/month swaps, missing NHS numbers and addresses not updated after a move.
 * The featured household is never noised, so demos and end-to-end tests can find it exactly.
 */
import { NICKNAMES } from './names.js';
import type { Rng } from './prng.js';

export interface NoiseRates {
  /** Probability an agency record has no NHS number. */
  missingNhsNumber: number;
  /** Probability, for a household that moved, that the agency still has the old address. */
  staleAddress: number;
  /** Probability a name (given or family) carries a one-character typo. */
  typo: number;
  /** Probability the given name was recorded as a nickname. */
  nickname: number;
  /** Probability the birth date has day and month swapped (only when both are 12 or less). */
  dayMonthSwap: number;
}

export const NO_NOISE: NoiseRates = { missingNhsNumber: 0, staleAddress: 0, typo: 0, nickname: 0, dayMonthSwap: 0 };

const KEYBOARD_NEIGHBOURS: Readonly<Record<string, string>> = {
  a: 'sq', b: 'vn', c: 'xv', d: 'sf', e: 'wr', f: 'dg', g: 'fh', h: 'gj', i: 'uo', j: 'hk', k: 'jl',
  l: 'k', m: 'n', n: 'bm', o: 'ip', p: 'o', q: 'w', r: 'et', s: 'ad', t: 'ry', u: 'yi', v: 'cb',
  w: 'qe', x: 'zc', y: 'tu', z: 'x',
};

/** One keying error away from `name`: a neighbour key, a dropped, doubled or transposed letter. */
export function typo(rng: Rng, name: string): string {
  if (name.length < 3) return name;
  // Keep the first letter: it is rarely mistyped and phonetic blocking relies on it.
  const i = rng.int(1, name.length - 1);
  const ch = name[i] as string;
  switch (rng.int(0, 3)) {
    case 0: {
      const neighbours = KEYBOARD_NEIGHBOURS[ch.toLowerCase()];
      if (!neighbours) return name;
      const swap = rng.pick([...neighbours]);
      return name.slice(0, i) + (ch === ch.toUpperCase() ? swap.toUpperCase() : swap) + name.slice(i + 1);
    }
    case 1:
      return name.slice(0, i) + name.slice(i + 1);
    case 2:
      return name.slice(0, i) + ch + name.slice(i);
    default:
      if (i >= name.length - 1) return name;
      return name.slice(0, i) + (name[i + 1] as string) + ch + name.slice(i + 2);
  }
}

/** A common nickname for a given name, if one is known. */
export function nickname(rng: Rng, given: string): string | undefined {
  const options = NICKNAMES[given];
  return options ? rng.pick(options) : undefined;
}

/** YYYY-MM-DD with day and month swapped, when the result is still a date and differs. */
export function swapDayMonth(isoDate: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return undefined;
  const [, y, mm, dd] = m as unknown as [string, string, string, string];
  if (mm === dd || Number(dd) > 12) return undefined;
  return `${y}-${dd}-${mm}`;
}
