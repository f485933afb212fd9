/**
 * Normalisation: a PersonRecord as sources hold it -> the NormalisedPerson comparisons read.
 * Pure and synchronous. Token-level work (names, postcodes, phonetic codes) is memoised, because
 * the same names and postcodes recur across tens of thousands of records. Problem strings never
 * contain a value from the record: they may be shown or logged.
 */
import { doubleMetaphone } from 'double-metaphone';
import { SYSTEMS } from '../../connectors/education/codes.js';
import { UPN_SHAPE, upnCheckLetter } from '../../connectors/education/upn.js';
import { givenRoots, PLACEHOLDER_PHRASES, SURNAME_PREFIXES, TITLES } from './names.js';
import { NHS_NUMBER_SYSTEM, normaliseNhsNumber } from './nhs-number.js';
import type { NormalisedDate, NormalisedName, NormalisedPerson, NormalisedPostcode, PersonRecord } from './types.js';

export const UPN_SYSTEM: string = SYSTEMS.upn;

export const PROBLEMS = {
  nhsNumberInvalid: 'An NHS number on the record fails the Modulus 11 check: it is not used for matching.',
  nhsNumberPlaceholder: 'An NHS number on the record is one digit repeated (a placeholder): it is not used for matching.',
  upnForm: 'A UPN on the record is not 13 characters in the DfE form (check letter, 11 digits, digit or letter): it is not used for matching.',
  upnCheckLetter: 'A UPN on the record fails the DfE check-letter test: it is not used for matching.',
  identifierEmpty: 'An identifier on the record is empty: it is not used for matching.',
  identifierRepeated: 'The record has more than one value for one identifier system: only the first is used for matching.',
  dateFormat: 'The date of birth is not in a form read here (YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY): it is not used for matching.',
  dateMonth: 'The date of birth has a month outside 1-12: it is not used for matching.',
  dateDay: 'The date of birth has a day that does not exist in its month: it is not used for matching.',
  dateTooEarly: 'The date of birth is before 1880: it is not used for matching.',
  dateFuture: 'The date of birth is in the future: it is not used for matching.',
  email: "The email address has no '@' with text either side: it is not used for matching.",
  phone: 'The phone number is neither a UK number of 10 or 11 digits nor an international number: it is not used for matching.',
  uprn: 'The UPRN on the record is not a number of up to 12 digits: it is not used for matching.',
} as const;

const CACHE_LIMIT = 100_000;
function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

// ---- text -------------------------------------------------------------------------------------

const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;
const COMBINING_MARKS = /\p{M}+/gu;
/** Removed without a space, before NFKD (which would turn the acute accent into a space). */
const APOSTROPHES = /['\u2018\u2019\u02bc\u02b9`\u00b4]/g;
/** Letters NFKD does not decompose into ASCII; dashes kept as hyphens. */
const FOLD: Record<string, string> = {
  ß: 'ss', æ: 'ae', Æ: 'AE', ø: 'o', Ø: 'O', œ: 'oe', Œ: 'OE', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH', ı: 'i', ħ: 'h', Ħ: 'H',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
};

/** NFKD with combining marks dropped ("Zoë" -> "Zoe"); other non-ASCII characters become spaces. */
export function foldToAscii(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(NON_ASCII_ALL, (c) => FOLD[c] ?? ' ');
}

const phoneticCache = new Map<string, string>();
function phonetic(token: string): string {
  const cached = phoneticCache.get(token);
  if (cached !== undefined) return cached;
  return remember(phoneticCache, token, token === '' ? '' : doubleMetaphone(token)[0]);
}

function frozen<T>(values: T[]): T[] {
  return Object.freeze(values) as T[];
}

// ---- names ------------------------------------------------------------------------------------

interface GivenPart {
  given: string | null;
  middle: string[];
  givenRoots: string[];
  givenPhonetic: string;
  placeholder: boolean;
}
interface FamilyPart {
  family: string | null;
  familyParts: string[];
  familyPhonetic: string;
}

const NO_WORDS = frozen<string>([]);
const EMPTY_GIVEN: GivenPart = Object.freeze({ given: null, middle: NO_WORDS, givenRoots: NO_WORDS, givenPhonetic: '', placeholder: false });
const PLACEHOLDER_GIVEN: GivenPart = Object.freeze({ ...EMPTY_GIVEN, placeholder: true });
const EMPTY_FAMILY: FamilyPart = Object.freeze({ family: null, familyParts: NO_WORDS, familyPhonetic: '' });

const NOT_LOWER_LETTERS = /[^a-z]+/;
const NOT_LETTERS = /[^A-Za-z]+/;
const HYPHEN = /-+/;
/** "MacDonald": Mac then a capital, in a word that is not all capitals. */
const MAC_THEN_CAPITAL = /^[Mm]ac[A-Z]/;
const FAMILY_SUFFIXES = new Set(['jr', 'jnr', 'junior', 'sr', 'snr', 'senior', 'ii', 'iii', 'iv']);
/** Family names that say the name is not known (compared after joining: "not known" -> "notknown"). */
const FAMILY_PLACEHOLDERS = new Set(['unknown', 'notknown', 'nk', 'unk', 'notstated']);

const givenCache = new Map<string, GivenPart>();
const familyCache = new Map<string, FamilyPart>();

function startsWithPlaceholder(words: string[]): boolean {
  for (const phrase of PLACEHOLDER_PHRASES) {
    if (phrase.length > words.length) continue;
    let all = true;
    for (let i = 0; i < phrase.length && all; i++) all = phrase[i] === words[i];
    if (all) return true;
  }
  return false;
}

/**
 * Given names: lower-case ASCII words; hyphens separate words like spaces ("Lily-Mae" -> "lily",
 * middle ["mae"]); leading titles dropped; a leading placeholder phrase ("Baby of Smith",
 * "Unknown", "Infant") makes the whole given name a placeholder.
 */
function givenPart(raw: string): GivenPart {
  const cached = givenCache.get(raw);
  if (cached) return cached;
  const words = foldToAscii(raw.replace(APOSTROPHES, '')).toLowerCase().split(NOT_LOWER_LETTERS);
  const kept: string[] = [];
  for (const word of words) if (word !== '' && !(kept.length === 0 && TITLES.has(word))) kept.push(word);
  let part: GivenPart;
  if (kept.length === 0) part = EMPTY_GIVEN;
  else if (startsWithPlaceholder(kept)) part = PLACEHOLDER_GIVEN;
  else {
    const given = kept[0]!;
    part = Object.freeze({ given, middle: frozen(kept.slice(1)), givenRoots: givenRoots(given), givenPhonetic: phonetic(given), placeholder: false });
  }
  return remember(givenCache, raw, part);
}

/**
 * Family names. Hyphens and spaces both separate parts ("Smith-Jones", "Smith Jones" -> parts
 * ["smith", "jones"], family "smithjones"). Apostrophes are dropped ("O'Brien" -> "obrien"), and a
 * prefix word (FEBRL name_prefix.tbl, plus "o") is joined onto the next word ("O Brien" ->
 * "obrien", "De La Cruz" -> "delacruz"). Mc/Mac: "Mc Donald" -> "mcdonald"; "Mac" becomes "Mc"
 * only as a separate word ("Mac Donald") or when a capital follows it in a word that is not all
 * capitals ("MacDonald"), so "Mack", "Macey", "Machin", "Macdonald" and "MACDONALD" keep their
 * spelling (their phonetic codes still agree with "McDonald"). Jr/Snr suffixes are dropped.
 */
function familyPart(raw: string): FamilyPart {
  const cached = familyCache.get(raw);
  if (cached) return cached;
  const groups = foldToAscii(raw.replace(APOSTROPHES, '')).split(HYPHEN);
  const parts: string[] = [];
  for (let g = 0; g < groups.length; g++) {
    const words = groups[g]!.split(NOT_LETTERS).filter((w) => w !== '');
    const lower: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const lw = word.toLowerCase();
      if (lw === 'mac' && i < words.length - 1) lower.push('mc');
      else if (MAC_THEN_CAPITAL.test(word) && word !== word.toUpperCase()) lower.push('mc' + lw.slice(3));
      else lower.push(lw);
    }
    if (g === groups.length - 1) while (lower.length > 1 && FAMILY_SUFFIXES.has(lower[lower.length - 1]!)) lower.pop();
    let prefix = '';
    for (let i = 0; i < lower.length; i++) {
      const word = lower[i]!;
      if (i < lower.length - 1 && SURNAME_PREFIXES.has(word)) prefix += word;
      else {
        parts.push(prefix + word);
        prefix = '';
      }
    }
  }
  const family = parts.join('');
  const part =
    family === '' || FAMILY_PLACEHOLDERS.has(family)
      ? EMPTY_FAMILY
      : Object.freeze({ family, familyParts: frozen(parts), familyPhonetic: phonetic(family) });
  return remember(familyCache, raw, part);
}

/**
 * One name for comparison. The arrays in the result are shared between calls and frozen.
 * `givenRoots` comes from names.ts (nickname and variant tables).
 */
export function normaliseName(given?: string, family?: string): NormalisedName {
  const g = given ? givenPart(given) : EMPTY_GIVEN;
  const f = family ? familyPart(family) : EMPTY_FAMILY;
  return {
    given: g.given,
    middle: g.middle,
    givenRoots: g.givenRoots,
    family: f.family,
    familyParts: f.familyParts,
    givenPhonetic: g.givenPhonetic,
    familyPhonetic: f.familyPhonetic,
    placeholder: g.placeholder,
  };
}

// ---- dates ------------------------------------------------------------------------------------

export const EARLIEST_BIRTH_YEAR = 1880;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DAY_FIRST_DATE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

let lastToday: { text: string; key: number } | null = null;
function todayKey(today: string): number {
  if (lastToday?.text === today) return lastToday.key;
  const parsed = normaliseDate(today).date;
  if (!parsed) throw new RangeError('normaliseDate: `today` is not a date (use YYYY-MM-DD)');
  lastToday = { text: today, key: parsed.year * 10_000 + parsed.month * 100 + parsed.day };
  return lastToday.key;
}

/**
 * A date of birth: YYYY-MM-DD (a time after it is ignored), YYYYMMDD, or day first D/M/YYYY with
 * `/`, `-` or `.`. Impossible dates give `date: null` and a problem. Dates after `today` (when
 * given) are refused; without `today` there is no clock read and no future check.
 * `estimated` is the flag, or 1 January (what is recorded when the date is unknown).
 */
export function normaliseDate(input: string | undefined, estimated = false, today?: string): { date: NormalisedDate | null; problem?: string } {
  if (input === undefined) return { date: null };
  const text = input.trim();
  if (text === '') return { date: null };
  let year: number;
  let month: number;
  let day: number;
  const yearFirst = ISO_DATE.exec(text) ?? COMPACT_DATE.exec(text);
  if (yearFirst) {
    year = Number(yearFirst[1]);
    month = Number(yearFirst[2]);
    day = Number(yearFirst[3]);
  } else {
    const dayFirst = DAY_FIRST_DATE.exec(text);
    if (!dayFirst) return { date: null, problem: PROBLEMS.dateFormat };
    day = Number(dayFirst[1]);
    month = Number(dayFirst[3]);
    year = Number(dayFirst[4]);
  }
  if (month < 1 || month > 12) return { date: null, problem: PROBLEMS.dateMonth };
  if (day < 1 || day > daysInMonth(year, month)) return { date: null, problem: PROBLEMS.dateDay };
  if (year < EARLIEST_BIRTH_YEAR) return { date: null, problem: PROBLEMS.dateTooEarly };
  if (today !== undefined && year * 10_000 + month * 100 + day > todayKey(today)) return { date: null, problem: PROBLEMS.dateFuture };
  return {
    date: { iso: `${year}-${pad2(month)}-${pad2(day)}`, year, month, day, estimated: estimated || (day === 1 && month === 1) },
  };
}

// ---- postcodes --------------------------------------------------------------------------------

const WHITESPACE_ALL = /\s+/g;
/** Outward codes A9, A99, AA9, AA99, A9A, AA9A. */
const UK_OUTWARD = /^(?:[A-Z]{1,2}\d{1,2}|[A-Z]{1,2}\d[A-Z])$/;
const UK_INWARD = /^\d[A-Z]{2}$/;
const postcodeCache = new Map<string, NormalisedPostcode | null>();

/** A UK postcode in any case and spacing -> "LS1 4AB" and its sector, district and area; other codes as given, trimmed. */
export function normalisePostcode(input?: string): NormalisedPostcode | null {
  if (input === undefined) return null;
  const cached = postcodeCache.get(input);
  if (cached !== undefined) return cached;
  const trimmed = input.trim();
  let result: NormalisedPostcode | null = null;
  if (trimmed !== '') {
    const compact = trimmed.replace(WHITESPACE_ALL, '').toUpperCase();
    const outward = compact.slice(0, -3);
    const inward = compact.slice(-3);
    if ((UK_OUTWARD.test(outward) || outward === 'GIR') && UK_INWARD.test(inward)) {
      let letters = 0;
      while (letters < outward.length && outward.charCodeAt(letters) >= 65) letters++;
      result = { full: `${outward} ${inward}`, sector: `${outward} ${inward[0]}`, district: outward, area: outward.slice(0, letters) };
    } else result = { full: trimmed, sector: null, district: null, area: null };
    Object.freeze(result);
  }
  return remember(postcodeCache, input, result);
}

// ---- addresses --------------------------------------------------------------------------------

const NOT_ALPHANUMERIC = /[^a-z0-9]+/;
const HOUSE_NUMBER = /^\d+[a-z]?$/;
const STARTS_WITH_DIGIT = /^\d/;
/** Whole-word street abbreviations (Royal Mail / PAF usage). "st" is handled apart: street or saint. */
const ADDRESS_ABBREVIATIONS = new Map<string, string>([
  ['rd', 'road'], ['ave', 'avenue'], ['av', 'avenue'], ['avn', 'avenue'], ['cl', 'close'], ['cres', 'crescent'],
  ['cresc', 'crescent'], ['dr', 'drive'], ['drv', 'drive'], ['ln', 'lane'], ['ct', 'court'],
  ['crt', 'court'], ['pl', 'place'], ['sq', 'square'], ['gdns', 'gardens'], ['gdn', 'gardens'], ['tce', 'terrace'],
  ['terr', 'terrace'], ['ter', 'terrace'], ['gr', 'grove'], ['grv', 'grove'], ['pk', 'park'], ['wy', 'way'],
  ['hse', 'house'], ['apt', 'flat'], ['apartment', 'flat'], ['flt', 'flat'], ['pde', 'parade'],
  ['blvd', 'boulevard'], ['wlk', 'walk'], ['mws', 'mews'], ['est', 'estate'], ['bldgs', 'buildings'], ['bldg', 'building'],
  ['cott', 'cottage'], ['cotts', 'cottages'], ['hts', 'heights'], ['mt', 'mount'], ['gt', 'great'], ['lwr', 'lower'],
  ['upr', 'upper'], ['nth', 'north'], ['sth', 'south'], ['cnr', 'corner'], ['ctr', 'centre'], ['rdg', 'ridge'],
]);

function cleanWords(text: string): string[] {
  return foldToAscii(text.replace(APOSTROPHES, ''))
    .toLowerCase()
    .split(NOT_ALPHANUMERIC)
    .filter((w) => w !== '');
}

/**
 * An address line: lower case, punctuation removed, abbreviations expanded. "st" is "saint" when a
 * word follows it and it starts the line or follows a number ("12 St Marys Road"), otherwise
 * "street". `houseNumber`: a leading number with an optional letter ("12a"), or "flat 3" when the
 * line starts with a flat (or apartment) number.
 */
export function normaliseAddress(line?: string): { address: string | null; houseNumber: string | null } {
  if (!line) return { address: null, houseNumber: null };
  const words = cleanWords(line);
  if (words.length === 0) return { address: null, houseNumber: null };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === 'st') {
      const saint = i < words.length - 1 && (i === 0 || STARTS_WITH_DIGIT.test(words[i - 1]!));
      words[i] = saint ? 'saint' : 'street';
    } else {
      const expanded = ADDRESS_ABBREVIATIONS.get(word);
      if (expanded !== undefined) words[i] = expanded;
    }
  }
  const first = words[0]!;
  let houseNumber: string | null = null;
  if (HOUSE_NUMBER.test(first)) houseNumber = first;
  else if (first === 'flat' && words.length > 1 && HOUSE_NUMBER.test(words[1]!)) houseNumber = `flat ${words[1]}`;
  return { address: words.join(' '), houseNumber };
}

/** A town or city: lower case ASCII, punctuation removed, one space between words. */
export function normaliseCity(city?: string): string | null {
  if (!city) return null;
  const words = cleanWords(city);
  return words.length === 0 ? null : words.join(' ');
}

// ---- contact ----------------------------------------------------------------------------------

const NOT_DIGITS = /\D+/g;
const EXTENSION = /\s*(?:ext|extn|x)\.?\s*\d+\s*$/i;

/**
 * Digits only, UK national form: "+44 (0)7700 900123", "0044 7700 900123" and "447700900123" ->
 * "07700900123". A non-UK international number keeps its country code after "00".
 */
export function normalisePhone(input?: string): { phone: string | null; problem?: string } {
  if (!input || input.trim() === '') return { phone: null };
  const text = input.trim().replace(EXTENSION, '');
  let digits = text.replace(NOT_DIGITS, '');
  let international: string | null = null;
  if (text.startsWith('+')) international = digits;
  else if (digits.startsWith('00')) international = digits.slice(2);
  else if (digits.startsWith('44') && (digits.length === 12 || digits.length === 13)) international = digits;
  if (international !== null) {
    if (!international.startsWith('44')) {
      return international.length >= 7 && international.length <= 15 ? { phone: `00${international}` } : { phone: null, problem: PROBLEMS.phone };
    }
    const national = international.slice(2);
    digits = national.startsWith('0') ? national : `0${national}`;
  }
  if (digits.startsWith('0') && (digits.length === 10 || digits.length === 11)) return { phone: digits };
  return { phone: null, problem: PROBLEMS.phone };
}

/** Lower case, trimmed; "mailto:" dropped. Without an '@' between text -> null and a problem. */
export function normaliseEmail(input?: string): { email: string | null; problem?: string } {
  if (!input || input.trim() === '') return { email: null };
  let email = input.trim().toLowerCase();
  if (email.startsWith('mailto:')) email = email.slice(7);
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return { email: null, problem: PROBLEMS.email };
  return { email };
}

/** male/m/1 -> 'm', female/f/2 -> 'f' (NHS codes 1 and 2); anything else (9, unknown) -> null. */
export function normaliseSex(input?: string): 'm' | 'f' | null {
  if (!input) return null;
  switch (input.trim().toLowerCase()) {
    case 'male':
    case 'm':
    case '1':
      return 'm';
    case 'female':
    case 'f':
    case '2':
      return 'f';
    default:
      return null;
  }
}

// ---- identifiers ------------------------------------------------------------------------------

const ONE_DIGIT_REPEATED = /^(\d)\1{9}$/;

/**
 * NHS number: separators removed, Modulus 11 checked. UPN: 13 characters, upper case, DfE check
 * letter validated. Any other system: trimmed, upper case, internal spaces removed.
 */
export function normaliseIdentifier(system: string, value: string): { system: string; value: string } | { problem: string } {
  if (system === NHS_NUMBER_SYSTEM) {
    const nhs = normaliseNhsNumber(value.trim());
    if (nhs === null) return { problem: PROBLEMS.nhsNumberInvalid };
    if (ONE_DIGIT_REPEATED.test(nhs)) return { problem: PROBLEMS.nhsNumberPlaceholder };
    return { system, value: nhs };
  }
  const compact = value.replace(WHITESPACE_ALL, '').toUpperCase();
  if (compact === '') return { problem: PROBLEMS.identifierEmpty };
  if (system === UPN_SYSTEM) {
    if (!UPN_SHAPE.test(compact)) return { problem: PROBLEMS.upnForm };
    if (upnCheckLetter(compact.slice(1)) !== compact[0]) return { problem: PROBLEMS.upnCheckLetter };
  }
  return { system, value: compact };
}

// ---- person -----------------------------------------------------------------------------------

const UPRN = /^\d{1,12}$/;

/** A PersonRecord for comparison. Nothing here stops matching: what cannot be used goes to `problems`. */
export function normalisePerson(record: PersonRecord, options: { today?: string } = {}): NormalisedPerson {
  const problems: string[] = [];

  const names = [normaliseName(record.given, record.family)];
  if (record.otherNames) for (const other of record.otherNames) if (other.given || other.family) names.push(normaliseName(other.given, other.family));

  const birth = normaliseDate(record.birthDate, record.birthDateEstimated ?? false, options.today);
  if (birth.problem) problems.push(birth.problem);

  const { address, houseNumber } = normaliseAddress(record.addressLine);

  let uprn: string | null = null;
  if (record.uprn !== undefined && record.uprn.trim() !== '') {
    const digits = record.uprn.replace(WHITESPACE_ALL, '');
    if (UPRN.test(digits)) uprn = String(Number(digits));
    else problems.push(PROBLEMS.uprn);
  }

  const email = normaliseEmail(record.email);
  if (email.problem) problems.push(email.problem);
  const phone = normalisePhone(record.phone);
  if (phone.problem) problems.push(phone.problem);

  const identifiers = new Map<string, string>();
  if (record.identifiers) {
    for (const identifier of record.identifiers) {
      const result = normaliseIdentifier(identifier.system, identifier.value);
      if ('problem' in result) problems.push(result.problem);
      else {
        const existing = identifiers.get(result.system);
        if (existing === undefined) identifiers.set(result.system, result.value);
        else if (existing !== result.value) problems.push(PROBLEMS.identifierRepeated);
      }
    }
  }

  return {
    id: record.id,
    source: record.source ?? null,
    names,
    birth: birth.date,
    sex: normaliseSex(record.sex),
    postcode: normalisePostcode(record.postcode),
    address,
    houseNumber,
    city: normaliseCity(record.city),
    uprn,
    email: email.email,
    phone: phone.phone,
    identifiers,
    problems,
  };
}
