/**
 * The shapes of identity matching: a person as input (`identity link` JSON lines, or an agency's
 * search answer turned into one), the normalised form comparisons read, and what a match says.
 * Matching is pure and synchronous (CONVENTIONS.md); nothing here does I/O.
 */

/** A person as one source holds them. Everything but `id` is optional. */
export interface PersonRecord {
  id: string;
  /** Where the record came from (an agency, a file); records of one source may still match. */
  source?: string;
  /** Given names, first name first ("Lily Nevaeh"). */
  given?: string;
  family?: string;
  /** Other names the person is or was known by (aliases, maiden names, former names). */
  otherNames?: { given?: string; family?: string }[];
  /** A date of birth: YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY. */
  birthDate?: string;
  /** The date is estimated or partly unknown (MAIS accuracy E/U; 01/01 recorded when unknown). */
  birthDateEstimated?: boolean;
  /** male/female/m/f/1/2 (NHS codes); anything else is not used. */
  sex?: string;
  postcode?: string;
  addressLine?: string;
  city?: string;
  uprn?: string;
  email?: string;
  phone?: string;
  identifiers?: { system: string; value: string }[];
}

/** One name, normalised for comparison. */
export interface NormalisedName {
  /** The first given name, lower case ASCII letters only; null when missing or a placeholder. */
  given: string | null;
  /** Further given names (middle names), normalised the same way. */
  middle: string[];
  /** Canonical forms of the first given name: itself plus every name it is a short form or nickname of. */
  givenRoots: string[];
  /** The family name as one normalised string: "o'brien" -> "obrien", "smith-jones" -> "smithjones". */
  family: string | null;
  /** The parts of a hyphenated or double-barrelled family name (["smith", "jones"]); one part otherwise. */
  familyParts: string[];
  /** Double Metaphone primary codes (empty string when there is no name). */
  givenPhonetic: string;
  familyPhonetic: string;
  /** "Baby of Smith", "Unknown", "Infant": a placeholder, not a real given name. */
  placeholder: boolean;
}

export interface NormalisedDate {
  iso: string;
  year: number;
  month: number;
  day: number;
  /** Estimated, or 1 January recorded for an unknown day and month. */
  estimated: boolean;
}

/** A UK postcode split into its parts ("LS1 4AB": district "LS1", sector "LS1 4", area "LS"). */
export interface NormalisedPostcode {
  /** The whole code, upper case, one space before the inward code; a non-UK code as given, trimmed. */
  full: string;
  sector: string | null;
  district: string | null;
  area: string | null;
}

export interface NormalisedPerson {
  id: string;
  source: string | null;
  /** The main name first, then other names. */
  names: NormalisedName[];
  birth: NormalisedDate | null;
  sex: 'm' | 'f' | null;
  postcode: NormalisedPostcode | null;
  /** Address line: lower case, punctuation removed, common abbreviations expanded ("rd" -> "road"). */
  address: string | null;
  /** The house number or name at the start of the address line, when there is one. */
  houseNumber: string | null;
  city: string | null;
  uprn: string | null;
  email: string | null;
  /** Digits only, UK national form (+44 7700 -> 07700). */
  phone: string | null;
  /** Valid identifiers by system (an NHS number failing Modulus 11 is left out and reported). */
  identifiers: Map<string, string>;
  /** What could not be used, for the person reading the result; never stops matching. */
  problems: string[];
}

/** Match bands, on the match probability (0..1). DfE's SUI matcher: match >= 0.95, potential >= 0.85. */
export interface BandThresholds {
  certain: number;
  probable: number;
  possible: number;
}

export type Band = 'certain' | 'probable' | 'possible';

/** One field's contribution to a match. */
export interface FieldReason {
  /** The comparison, e.g. `given`, `family`, `birthDate`, `postcode`, `nhsNumber`. */
  field: string;
  /** The comparison level reached, e.g. `exact`, `nickname`, `day-month-swap`, `different`, `missing`. */
  level: string;
  /** log2 Bayes factor: positive is evidence for a match, negative against, 0 when missing. */
  weight: number;
  /** A sentence for the researcher; it names the levels, never the values. */
  explanation: string;
}

export interface PairScore {
  /** Sum of the prior and field weights (log2 odds). */
  weight: number;
  /** Match probability, 0..1. */
  probability: number;
  band: Band | null;
  reasons: FieldReason[];
  /**
   * Why the pair must not be linked without a person checking (different NHS numbers, possible
   * twins); when set, the band is at most `possible` whatever the score.
   */
  caution?: string;
}
