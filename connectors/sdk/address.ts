import { ConnectorError, type AddressQuery } from './types.js';

/**
 * The check every connector's personsAtAddress runs before it asks its system: an address search
 * names a UPRN, or a first line with a postcode, and nothing else widens it. An empty or blank
 * query is refused (BAD_QUERY, rejectedInput) rather than answered with the whole system, which is
 * what the conformance kit's `address.empty-query` expects.
 */

/** A UPRN (Unique Property Reference Number): up to 12 digits. */
export const UPRN_PATTERN = /^\d{1,12}$/;

/** The longest first line or postcode accepted unless a connector's system takes less. */
export const MAX_ADDRESS_TEXT = 200;

export interface AddressQueryRules {
  /** Who is searching, for the messages: the agency as people say it (`health`, `social care`). */
  label: string;
  /** The longest first line the agency's system takes (default MAX_ADDRESS_TEXT). */
  maxLine1?: number;
  /** The longest postcode the agency's system takes (default MAX_ADDRESS_TEXT). */
  maxPostalCode?: number;
  /**
   * How the agency compares a first line and a postcode (e.g. lower case without punctuation, no
   * spaces in a postcode). Given, the checked query carries these keys, and a line or postcode
   * with nothing left to compare counts as not given.
   */
  keys?: { line1(value: string): string; postalCode(value: string): string };
}

/** A first line with a postcode: trimmed, or the agency's keys when the rules give them. */
export interface AddressLine {
  line1: string;
  postalCode: string;
}

/** An address query fit to run: a UPRN (trimmed, digits only), a first line with a postcode, or both; never neither. */
export type CheckedAddressQuery = { uprn: string; line?: AddressLine } | { uprn?: undefined; line: AddressLine };

function trimmed(value: string | undefined): string | undefined {
  const t = typeof value === 'string' ? value.trim() : undefined;
  return t ? t : undefined;
}

/**
 * The address query checked for `rules.label`'s system: values trimmed, none too long, a UPRN of
 * up to 12 digits, and at least a UPRN or a first line with a postcode. Anything else is the
 * caller's bad value: ConnectorError BAD_QUERY with rejectedInput, saying what was wrong.
 */
export function checkAddressQuery(address: AddressQuery, rules: AddressQueryRules): CheckedAddressQuery {
  const uprn = trimmed(address.uprn);
  const line1 = trimmed(address.line1);
  const postalCode = trimmed(address.postalCode);
  const refuse = (what: string): ConnectorError => new ConnectorError('BAD_QUERY', `${rules.label} address search${what}`, { rejectedInput: true });
  if ((line1?.length ?? 0) > (rules.maxLine1 ?? MAX_ADDRESS_TEXT) || (postalCode?.length ?? 0) > (rules.maxPostalCode ?? MAX_ADDRESS_TEXT)) throw refuse(': the address is too long');
  if (uprn !== undefined && !UPRN_PATTERN.test(uprn)) throw refuse(': a UPRN is up to 12 digits');
  const keyed: AddressLine | undefined = line1 !== undefined && postalCode !== undefined ? (rules.keys ? { line1: rules.keys.line1(line1), postalCode: rules.keys.postalCode(postalCode) } : { line1, postalCode }) : undefined;
  const line = keyed !== undefined && keyed.line1 !== '' && keyed.postalCode !== '' ? keyed : undefined;
  if (uprn !== undefined) return line ? { uprn, line } : { uprn };
  if (line === undefined) throw refuse(' needs a UPRN, or a first line with a postcode');
  return { line };
}
