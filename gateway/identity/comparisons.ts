/**
 * Comparison levels per field (Fellegi-Sunter): how closely two records agree on each field.
 * A comparison vector holds one level index per comparison, most agreeing first; -1 means one
 * side lacks the field (no evidence either way). The weights of the levels live in the model;
 * here is only what each level means, in words a researcher can read.
 */
import { NHS_NUMBER_SYSTEM } from './nhs-number.js';
import { editDistance, jaroWinkler } from './strings.js';
import type { NormalisedName, NormalisedPerson } from './types.js';

export interface LevelSpec {
  name: string;
  /** Says what agreement at this level means; names the level, never the values. */
  explanation: string;
}

export interface ComparisonSpec {
  /** The comparison's name, e.g. `given`, `birthDate`, or `id:<system>` for an identifier. */
  field: string;
  label: string;
  levels: readonly LevelSpec[];
  /** The level at which term-frequency adjustment applies (exact agreement on a name). */
  tfLevel?: number;
}

const level = (name: string, explanation: string): LevelSpec => ({ name, explanation });

export const GIVEN: ComparisonSpec = {
  field: 'given',
  label: 'Given name',
  tfLevel: 0,
  levels: [
    level('exact', 'Given names agree exactly.'),
    level('exact-first-name', 'First names agree exactly, but both records hold middle names and they differ.'),
    level('nickname', 'Given names are a name and its nickname or short form.'),
    level('swapped', 'Given and family names agree, recorded the other way round (this level counts both names).'),
    level('close', 'Given names differ by a typing slip (Jaro-Winkler at least 0.92).'),
    level('middle-or-initial', 'One given name is the other record\'s middle name, or its initial.'),
    level('similar', 'Given names sound alike or are similar (Jaro-Winkler at least 0.8).'),
    level('different', 'Given names are different.'),
  ],
};

export const FAMILY: ComparisonSpec = {
  field: 'family',
  label: 'Family name',
  tfLevel: 0,
  levels: [
    level('exact', 'Family names agree exactly.'),
    level('part', 'One family name is part of the other (hyphenated or double-barrelled).'),
    level('close', 'Family names differ by a typing slip (Jaro-Winkler at least 0.92).'),
    level('similar', 'Family names sound alike or are similar (Jaro-Winkler at least 0.8).'),
    level('different', 'Family names are different.'),
  ],
};

export const BIRTH_DATE: ComparisonSpec = {
  field: 'birthDate',
  label: 'Date of birth',
  levels: [
    level('exact', 'Dates of birth agree exactly.'),
    level('day-month-swap', 'Dates of birth agree with day and month swapped.'),
    level('one-digit', 'Dates of birth differ in one digit, or two neighbouring digits are swapped.'),
    level('near', 'Dates of birth are within a month, or one is estimated and within a year.'),
    level('different', 'Dates of birth are different, but within three years of each other.'),
    level('years-apart', 'Dates of birth are more than three years apart.'),
  ],
};

export const SEX: ComparisonSpec = {
  field: 'sex',
  label: 'Sex',
  levels: [level('same', 'Recorded sex agrees.'), level('different', 'Recorded sex differs.')],
};

/**
 * Where the person lives, as one comparison: address line, UPRN, postcode and town are one fact
 * (a household's), so counting each separately would let people sharing a home outscore the
 * evidence that they are different people.
 */
export const LOCATION: ComparisonSpec = {
  field: 'address',
  label: 'Address',
  levels: [
    level('same-address', 'Same property: the same UPRN, or the same address line and postcode.'),
    level('close-address', 'Nearly the same address: same house number and a very similar address line, or the same line with another postcode.'),
    level('same-postcode', 'Same postcode, different address line.'),
    level('same-area', 'Same postcode sector or district, or the same town.'),
    level('different', 'Addresses in different areas.'),
  ],
};

export const EMAIL: ComparisonSpec = {
  field: 'email',
  label: 'Email',
  levels: [
    level('exact', 'Email addresses agree exactly.'),
    level('close', 'Email addresses share the part before the @ or differ by a typing slip.'),
    level('different', 'Email addresses are different.'),
  ],
};

export const PHONE: ComparisonSpec = {
  field: 'phone',
  label: 'Phone',
  levels: [level('exact', 'Phone numbers agree.'), level('different', 'Phone numbers are different.')],
};

const IDENTIFIER_LABELS: Record<string, string> = {
  [NHS_NUMBER_SYSTEM]: 'NHS number',
  'https://www.gov.uk/government/publications/unique-pupil-numbers': 'Unique pupil number',
};

export function identifierSpec(system: string): ComparisonSpec {
  const label = IDENTIFIER_LABELS[system] ?? `Identifier (${system})`;
  return {
    field: `id:${system}`,
    label,
    levels: [
      level('exact', `${label}s agree.`),
      level('one-character', `${label}s differ in one character or by two swapped neighbours.`),
      level('different', `${label}s are different.`),
    ],
  };
}

/** The demographic comparisons every model has, in vector order; identifier comparisons follow. */
export const BASE_COMPARISONS: readonly ComparisonSpec[] = [GIVEN, FAMILY, BIRTH_DATE, SEX, LOCATION, EMAIL, PHONE];

export const IDX = { given: 0, family: 1, birthDate: 2, sex: 3, location: 4, email: 5, phone: 6 } as const;

// ---------------------------------------------------------------------------------------------
// Level functions. Each returns a level index of its spec, or -1 when a side is missing.

/** Level indexes of GIVEN, by name. */
export const G = { exact: 0, exactFirstName: 1, nickname: 2, swapped: 3, close: 4, middleOrInitial: 5, similar: 6, different: 7 } as const;

function givenPair(a: NormalisedName, b: NormalisedName): number {
  const ga = a.given;
  const gb = b.given;
  if (ga === null || gb === null) return -1;
  const middlesDiffer = a.middle.length > 0 && b.middle.length > 0 && !a.middle.some((m) => b.middle.includes(m));
  if (ga === gb) return middlesDiffer ? G.exactFirstName : G.exact;
  if (b.givenRoots.includes(ga) || a.givenRoots.includes(gb)) return G.nickname;
  const jw = jaroWinkler(ga, gb);
  // A slip in the first name and different middle names is two weak signals, not one close one.
  if (jw >= 0.92) return middlesDiffer ? G.similar : G.close;
  if (a.middle.includes(gb) || b.middle.includes(ga)) return G.middleOrInitial;
  if ((ga.length === 1 && gb.startsWith(ga)) || (gb.length === 1 && ga.startsWith(gb))) return G.middleOrInitial;
  if (jw >= 0.8 || (a.givenPhonetic !== '' && a.givenPhonetic === b.givenPhonetic)) return G.similar;
  return G.different;
}

function familyPair(a: NormalisedName, b: NormalisedName): number {
  const fa = a.family;
  const fb = b.family;
  if (fa === null || fb === null) return -1;
  if (fa === fb) return 0;
  if ((a.familyParts.length > 1 || b.familyParts.length > 1) && a.familyParts.some((p) => p.length > 1 && b.familyParts.includes(p))) return 1;
  const jw = jaroWinkler(fa, fb);
  if (jw >= 0.92) return 2;
  if (jw >= 0.8 || (a.familyPhonetic !== '' && a.familyPhonetic === b.familyPhonetic)) return 3;
  return 4;
}

const close = (x: string | null, y: string | null, threshold = 0.92): boolean => x !== null && y !== null && (x === y || jaroWinkler(x, y) >= threshold);

/** Best given and family levels over every pair of names; a full given/family swap is its own level. */
export function nameLevels(a: NormalisedPerson, b: NormalisedPerson, out: Int8Array, offset = 0): void {
  let given = -1;
  let family = -1;
  for (const na of a.names) {
    for (const nb of b.names) {
      const g = givenPair(na, nb);
      const f = familyPair(na, nb);
      if (g !== -1 && (given === -1 || g < given)) given = g;
      if (f !== -1 && (family === -1 || f < family)) family = f;
    }
  }
  // Swapped: the given name of one is the family name of the other, and the other way round. One
  // fact about both names: it is the given comparison's `swapped` level, and family says nothing.
  if (given >= G.close && family > 1) {
    const na = a.names[0];
    const nb = b.names[0];
    // A swap is itself the slip, so each half may also carry a small typing slip.
    if (na && nb && close(na.given, nb.family, 0.85) && close(na.family, nb.given, 0.85)) {
      given = G.swapped;
      family = -1;
    }
  }
  out[offset + IDX.given] = given;
  out[offset + IDX.family] = family;
}

const DAY_MS = 86_400_000;

export function birthDateLevel(a: NormalisedPerson, b: NormalisedPerson): number {
  const da = a.birth;
  const db = b.birth;
  if (da === null || db === null) return -1;
  if (da.iso === db.iso) return 0;
  if (da.year === db.year && da.month === db.day && da.day === db.month) return 1;
  if (editDistance(da.iso, db.iso, 1) <= 1) return 2;
  const apart = Math.abs(Date.UTC(da.year, da.month - 1, da.day) - Date.UTC(db.year, db.month - 1, db.day)) / DAY_MS;
  if (apart <= 31 || ((da.estimated || db.estimated) && apart <= 366)) return 3;
  return apart <= 3 * 365.25 ? 4 : 5;
}

export function locationLevel(a: NormalisedPerson, b: NormalisedPerson): number {
  const pa = a.postcode;
  const pb = b.postcode;
  const la = a.address;
  const lb = b.address;
  const hasA = pa !== null || la !== null || a.uprn !== null || a.city !== null;
  const hasB = pb !== null || lb !== null || b.uprn !== null || b.city !== null;
  if (!hasA || !hasB) return -1;
  const samePostcode = pa !== null && pb !== null && pa.full === pb.full;
  const postcodeConflict = pa !== null && pb !== null && !samePostcode;
  if (a.uprn !== null && a.uprn === b.uprn) return 0;
  if (la !== null && lb !== null) {
    if (la === lb) return postcodeConflict ? 1 : 0;
    if (a.houseNumber !== null && a.houseNumber === b.houseNumber && jaroWinkler(la, lb) >= 0.88) return samePostcode || !postcodeConflict ? 1 : 3;
  }
  if (samePostcode) return 2;
  if (pa !== null && pb !== null) {
    if (pa.sector !== null && (pa.sector === pb.sector || pa.district === pb.district)) return 3;
    if (pa.sector === null && editDistance(pa.full, pb.full, 1) <= 1) return 3;
  }
  if (close(a.city, b.city)) return 3;
  return 4;
}

function simpleLevel(x: string | null, y: string | null, jwClose: number | null): number {
  if (x === null || y === null) return -1;
  if (x === y) return 0;
  if (jwClose !== null) return jaroWinkler(x, y) >= jwClose ? 1 : 2;
  return 1;
}

export function emailLevel(a: NormalisedPerson, b: NormalisedPerson): number {
  const ea = a.email;
  const eb = b.email;
  if (ea === null || eb === null) return -1;
  if (ea === eb) return 0;
  const la = ea.slice(0, ea.indexOf('@'));
  const lb = eb.slice(0, eb.indexOf('@'));
  if ((la.length > 2 && la === lb) || jaroWinkler(ea, eb) >= 0.88) return 1;
  return 2;
}

export function identifierLevel(a: NormalisedPerson, b: NormalisedPerson, system: string): number {
  const x = a.identifiers.get(system);
  const y = b.identifiers.get(system);
  if (x === undefined || y === undefined) return -1;
  if (x === y) return 0;
  return editDistance(x, y, 1) <= 1 ? 1 : 2;
}

/** Fills `out` (length BASE_COMPARISONS.length + systems.length) with the comparison vector of a pair. */
export function compareInto(a: NormalisedPerson, b: NormalisedPerson, systems: readonly string[], out: Int8Array): void {
  nameLevels(a, b, out);
  out[IDX.birthDate] = birthDateLevel(a, b);
  out[IDX.sex] = a.sex === null || b.sex === null ? -1 : a.sex === b.sex ? 0 : 1;
  out[IDX.location] = locationLevel(a, b);
  out[IDX.email] = emailLevel(a, b);
  out[IDX.phone] = simpleLevel(a.phone, b.phone, null);
  for (let i = 0; i < systems.length; i++) out[BASE_COMPARISONS.length + i] = identifierLevel(a, b, systems[i]!);
}

export function comparisonSpecs(systems: readonly string[]): ComparisonSpec[] {
  return [...BASE_COMPARISONS, ...systems.map(identifierSpec)];
}
