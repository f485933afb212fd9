/**
 * Bounds on the household fan-out, shared with the cost estimator (gateway/limits/cost.ts): per
 * agency, one householdOf call, one fetchPersons call for the child's own identity, and at most
 * this many address searches (the child's distinct current addresses, UPRN first).
 */
export const MAX_ADDRESS_SEARCHES = 3;

/** Agency calls per agency for one household read. */
export const HOUSEHOLD_CALLS_PER_AGENCY = 2 + MAX_ADDRESS_SEARCHES;
