/**
 * Name vocabularies for identity matching, read once from `./data/` (see its README for sources
 * and licences): given-name variants (FEBRL NSW Health tables and carltonnorthern/nicknames),
 * titles, 'baby of' placeholders and family-name prefixes. Lookups are Maps and Sets built at load.
 */
import { readFileSync } from 'node:fs';

interface TblEntry {
  tag: string | null;
  canonical: string;
  variants: string[];
}

/** FEBRL `.tbl`: `canonical : variant, variant`; `#` comments; `tag=` lines; indented lines continue. */
export function parseFebrlTable(text: string): TblEntry[] {
  const entries: TblEntry[] = [];
  let tag: string | null = null;
  let current: TblEntry | null = null;
  for (const rawLine of text.split('\n')) {
    const hash = rawLine.indexOf('#');
    const line = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).replace(/\s+$/, '');
    const trimmed = line.trim();
    if (trimmed === '') {
      current = null;
      continue;
    }
    if (trimmed.startsWith('tag=')) {
      tag = trimmed.slice(4).trim();
      current = null;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon >= 0) {
      current = { tag, canonical: trimmed.slice(0, trimmed.indexOf(':')).trim(), variants: splitVariants(line.slice(colon + 1)) };
      entries.push(current);
    } else if (current && /^\s/.test(line)) {
      current.variants.push(...splitVariants(trimmed));
    } else {
      current = { tag, canonical: trimmed, variants: [] };
      entries.push(current);
    }
  }
  return entries;
}

function splitVariants(list: string): string[] {
  return list
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** carltonnorthern/nicknames `names.csv`: `name1,relationship,name2` (name2 is a nickname of name1). */
export function parseNicknameCsv(text: string): { canonical: string; variant: string }[] {
  const pairs: { canonical: string; variant: string }[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(',');
    if (fields.length < 3 || fields[1] !== 'has_nickname') continue;
    pairs.push({ canonical: fields[0]!, variant: fields[2]! });
  }
  return pairs;
}

function readData(relative: string): string {
  return readFileSync(new URL(`./data/${relative}`, import.meta.url), 'utf8');
}

/** Table words as matching sees them: lower case letters, one space between words ("k.c." -> "kc"). */
function nameKey(word: string): string {
  return word
    .toLowerCase()
    .replace(/[^a-z ]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const givenTables = [...parseFebrlTable(readData('febrl_lookup/givenname_f.tbl')), ...parseFebrlTable(readData('febrl_lookup/givenname_m.tbl'))];
const nicknamePairs = parseNicknameCsv(readData('nicknames/names.csv'));
const miscTable = parseFebrlTable(readData('febrl_lookup/name_misc.tbl'));
const prefixTable = parseFebrlTable(readData('febrl_lookup/name_prefix.tbl'));
const titleTable = parseFebrlTable(readData('febrl_lookup/name_title.tbl'));

/** name -> the canonical names it is a variant or nickname of (one step, not transitive). */
const canonicalsOf = new Map<string, Set<string>>();
function addVariant(canonical: string, variant: string): void {
  const c = nameKey(canonical);
  const v = nameKey(variant);
  if (c === '' || v === '' || c === v) return;
  let set = canonicalsOf.get(v);
  if (!set) canonicalsOf.set(v, (set = new Set()));
  set.add(c);
}
for (const entry of givenTables) for (const variant of entry.variants) addVariant(entry.canonical, variant);
for (const pair of nicknamePairs) addVariant(pair.canonical, pair.variant);

const rootsCache = new Map<string, string[]>();
for (const [name, canonicals] of canonicalsOf) rootsCache.set(name, Object.freeze([...new Set([name, ...canonicals])].sort()) as string[]);
const KNOWN_ROOTS = rootsCache.size;
const ROOTS_CACHE_LIMIT = KNOWN_ROOTS + 50_000;

/**
 * The name itself plus every canonical name it is a nickname, short form or variant of, in either
 * source; sorted, de-duplicated. Expects a normalised token (lower case letters). The array is
 * shared and frozen: do not modify it.
 */
export function givenRoots(name: string): string[] {
  const cached = rootsCache.get(name);
  if (cached) return cached;
  if (name === '') return [];
  const roots = Object.freeze([name]) as string[];
  if (rootsCache.size >= ROOTS_CACHE_LIMIT) return roots; // unknown names are not worth unbounded memory
  rootsCache.set(name, roots);
  return roots;
}

/** Whether two given names are nickname-equivalent: their root sets intersect. */
export function sameGivenRoot(a: string, b: string): boolean {
  if (a === '' || b === '') return false;
  if (a === b) return true;
  const ra = givenRoots(a);
  const rb = givenRoots(b);
  // both sorted: merge walk
  let i = 0;
  let j = 0;
  while (i < ra.length && j < rb.length) {
    const x = ra[i]!;
    const y = rb[j]!;
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

const knownCanonicals = new Set<string>([...givenTables.map((e) => nameKey(e.canonical)), ...nicknamePairs.map((p) => nameKey(p.canonical))]);

/** Whether the name is in either given-name list (as a canonical or a variant). */
export function isKnownGivenName(name: string): boolean {
  return canonicalsOf.has(name) || knownCanonicals.has(name);
}

function tableWords(entries: TblEntry[], tag?: string): string[] {
  const words: string[] = [];
  for (const entry of entries) {
    if (tag !== undefined && entry.tag !== tag) continue;
    words.push(nameKey(entry.canonical), ...entry.variants.map(nameKey));
  }
  return words.filter((w) => w !== '');
}

/**
 * Titles dropped from the start of a given name: FEBRL `name_title.tbl` without `col`, `gen`, `jd`
 * and `md` (also short given names, or initials), plus British forms (master, mx, sir, dame, prof...).
 */
export const TITLES: ReadonlySet<string> = new Set(
  [
    ...tableWords(titleTable).filter((w) => !['col', 'gen', 'jd', 'md'].includes(w)),
    ...['master', 'mstr', 'mx', 'sir', 'dame', 'lady', 'lord', 'prof', 'professor', 'revd', 'rt', 'hon', 'madam', 'mast'],
  ],
);

/**
 * Given-name phrases that mark a placeholder, not a name ("Baby of Smith", "Unknown"): the FEBRL
 * `<BO>` words of `name_misc.tbl` without bare `son` (also a Vietnamese given name), plus common
 * UK record placeholders. Each phrase as its words.
 */
export const PLACEHOLDER_PHRASES: readonly (readonly string[])[] = [
  ...new Set([
    ...tableWords(miscTable, '<BO>').filter((w) => w !== 'son'),
    ...['infant', 'infant of', 'child', 'child of', 'twin', 'twin of', 'unknown', 'unnamed', 'newborn', 'not known', 'nk', 'unk', 'not stated', 'stillborn'],
  ]),
]
  .map((phrase) => Object.freeze(phrase.split(' ')))
  .sort((a, b) => b.length - a.length);

/**
 * Family-name prefix words joined onto the word after them ("de la cruz" -> "delacruz"): FEBRL
 * `name_prefix.tbl` (its `mac` variant is left to the Mc/Mac rule in normalise.ts), plus `o`
 * ("O Brien") and `st`/`saint`/`ste`.
 */
export const SURNAME_PREFIXES: ReadonlySet<string> = new Set([...tableWords(prefixTable).filter((w) => w !== 'mac'), 'o', 'st', 'saint', 'ste']);
