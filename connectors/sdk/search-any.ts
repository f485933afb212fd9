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
