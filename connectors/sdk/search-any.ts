/**
 * Helpers for `searchPersonsAny`: turning each query into what the agency's system is asked
 * (or nothing, where `searchPersons` would refuse it) and merging the answers the way the
 * gateway merges single searches: each person once, in the order the queries found them.
 */
import { ConnectorError, type PersonQuery, type SourcePerson } from './types.js';

/** A refusal of the query itself (too few fields, too many matches), not a failure or a refused value. */
export function isQueryRefusal(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError && error.kind === 'BAD_QUERY' && !error.rejectedInput;
}

/**
 * `plan` for each query, `null` where it refuses the query (BAD_QUERY): the plan of every query
 * that can be searched. Throws BAD_QUERY when none can, and anything else `plan` throws.
 */
export function planEach<P>(agency: string, queries: readonly PersonQuery[], plan: (query: PersonQuery) => P): (P | null)[] {
  const plans = queries.map((query) => {
    try {
      return plan(query);
    } catch (error) {
      if (isQueryRefusal(error)) return null;
      throw error;
    }
  });
  if (plans.every((p) => p === null)) {
    throw new ConnectorError('BAD_QUERY', `${agency} person search: none of the ${queries.length} queries can be searched (each needs an identifier, or a name with a birth date, or a full name)`);
  }
  return plans;
}

/** Each person once, first found first. */
export function unionByPersonId(lists: Iterable<readonly SourcePerson[]>): SourcePerson[] {
  const seen = new Map<string, SourcePerson>();
  for (const list of lists) for (const person of list) if (!seen.has(person.personId)) seen.set(person.personId, person);
  return [...seen.values()];
}

/**
 * The days a partial ISO birth date (YYYY, YYYY-MM, YYYY-MM-DD) covers, [from, to); null where
 * it names no real day. A text prefix of a date as a range, so SQL can use a date index for it.
 */
export function birthDateRange(prefix: string): [string, string] | null {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(prefix);
  if (!m) return null;
  const year = Number(m[1]);
  if (year < 1) return null;
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  const iso = (d: Date): string => `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  const utc = (y: number, mo: number, d: number): Date => {
    const date = new Date(Date.UTC(2000, mo, d));
    date.setUTCFullYear(y);
    return date;
  };
  if (month === undefined) return [iso(utc(year, 0, 1)), iso(utc(year + 1, 0, 1))];
  if (month < 1 || month > 12) return null;
  if (day === undefined) return [iso(utc(year, month - 1, 1)), iso(utc(year, month, 1))];
  const start = utc(year, month - 1, day);
  if (start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day) return null;
  return [iso(start), iso(utc(year, month - 1, day + 1))];
}
