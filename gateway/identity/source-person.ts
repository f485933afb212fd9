/**
 * From the connector contract to the matcher's input: an agency's search answer (a SourcePerson,
 * MAIS person standard) and the researcher's query, each as a PersonRecord. Pure; the records
 * made here stay inside the disclosure path (they are raw agency data, never shown).
 */
import type { Address, PersonName, PersonQuery, SourcePerson } from '../../connectors/sdk/index.js';
import type { PersonRecord } from './types.js';

/** NHS stated gender codes (MAIS): 1 male, 2 female; 0 (not known) and 9 (indeterminate) say nothing. */
const SEX_OF_GENDER: Readonly<Record<string, string>> = { '1': 'male', '2': 'female' };

/** The name a record is filed under: the first official or usual one (MAIS `use`). */
const MAIN_USES: ReadonlySet<string | undefined> = new Set(['official', 'usual']);

const clean = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

function nameParts(name: PersonName): { given?: string; family?: string } {
  const given = clean(name.given.map((g) => g.trim()).filter(Boolean).join(' '));
  const family = clean(name.family);
  return { ...(given ? { given } : {}), ...(family ? { family } : {}) };
}

/** The main name first, then every other name (aliases, nicknames, former names). */
function splitNames(names: readonly PersonName[]): { main: PersonName | undefined; others: PersonName[] } {
  const index = [names.findIndex((n) => MAIN_USES.has(n.use)), names.findIndex((n) => n.use === undefined), 0].find((i) => i >= 0 && i < names.length);
  if (index === undefined) return { main: undefined, others: [] };
  return { main: names[index], others: names.filter((_, i) => i !== index) };
}

/**
 * A partial date (police and health record `2011-06` or `2011` when that is all that is known)
 * becomes the first day of the period, marked estimated, as the matcher expects of 01/01 dates.
 */
function birthOf(person: SourcePerson): { birthDate?: string; birthDateEstimated?: boolean } {
  const date = clean(person.birthDate);
  if (date === undefined) return {};
  // MAIS accuracy, one letter each for year, month and day: E estimated, U unknown, X expected
  // (an unborn child's due date): any of them means the date is not exactly known.
  const inexact = /[EUX]/i.test(person.birthDateAccuracy ?? '');
  if (/^\d{4}-\d{2}$/.test(date)) return { birthDate: `${date}-01`, birthDateEstimated: true };
  if (/^\d{4}$/.test(date)) return { birthDate: `${date}-01-01`, birthDateEstimated: true };
  return { birthDate: date, ...(inexact ? { birthDateEstimated: true } : {}) };
}

/** Where the person lives now: the first address with no end date. A past address is not used. */
function currentAddress(addresses: readonly Address[]): Pick<PersonRecord, 'postcode' | 'addressLine' | 'city' | 'uprn'> {
  const address = addresses.find((a) => clean(a.to) === undefined);
  if (!address) return {};
  const postcode = clean(address.postalCode);
  const addressLine = clean([clean(address.line1), clean(address.line2)].filter(Boolean).join(', '));
  const city = clean(address.city);
  const uprn = clean(address.uprn);
  return { ...(postcode ? { postcode } : {}), ...(addressLine ? { addressLine } : {}), ...(city ? { city } : {}), ...(uprn ? { uprn } : {}) };
}

/** One agency's answer to a person search, as the matcher reads it; id `agency|personId`. */
export function personRecordFromSource(p: SourcePerson): PersonRecord {
  const { main, others } = splitNames(p.names);
  const sex = p.gender === undefined ? undefined : SEX_OF_GENDER[p.gender];
  const otherNames = others.map(nameParts).filter((n) => n.given !== undefined || n.family !== undefined);
  const identifiers = p.identifiers.filter((i) => clean(i.system) && clean(i.value)).map((i) => ({ system: i.system, value: i.value }));
  return {
    id: `${p.agency}|${p.personId}`,
    source: p.agency,
    ...(main ? nameParts(main) : {}),
    ...(otherNames.length > 0 ? { otherNames } : {}),
    ...birthOf(p),
    ...(sex ? { sex } : {}),
    ...currentAddress(p.addresses),
    ...(identifiers.length > 0 ? { identifiers } : {}),
  };
}

/** The researcher's search (already validated at the GraphQL edge), as the matcher reads it. */
export function personRecordFromQuery(q: PersonQuery): PersonRecord {
  const given = clean(q.given);
  const family = clean(q.family);
  const birthDate = clean(q.birthDate);
  const postcode = clean(q.postalCode);
  const identifiers = (q.identifiers ?? []).filter((i) => clean(i.system) && clean(i.value)).map((i) => ({ system: i.system, value: i.value }));
  return {
    id: 'query',
    ...(given ? { given } : {}),
    ...(family ? { family } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(postcode ? { postcode } : {}),
    ...(identifiers.length > 0 ? { identifiers } : {}),
  };
}
