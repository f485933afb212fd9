/**
 * The SQL the connector runs and the failure vocabulary around it. Every query is parameterised;
 * dates and times are turned into text in SQL (`to_char`), so `pg`, PGlite or any other client
 * returns the same strings whatever its type parsers do. Row shapes are checked with zod.
 *
 * Failures: the caller's signal aborted, or SQLSTATE 57014 (query cancelled) -> TIMEOUT;
 * connection refused / reset / lost (Node network codes, SQLSTATE class 08, 57P01-57P03) ->
 * UNREACHABLE; a table or column the connector reads is missing (42P01, 42703, 42883) or rows of
 * the wrong shape -> MALFORMED_RESPONSE; anything else -> UPSTREAM_ERROR. Messages name the list
 * and the SQLSTATE only: never the SQL, its parameters or a driver's message (PGlite's and pg's
 * errors carry the query and its parameters).
 */
import { z } from 'zod';
import { birthDateRange, ConnectorError } from '../sdk/index.js';

export interface SqlQueryResult {
  rows: readonly unknown[];
}

/**
 * One parameterised query. `pg`: `(sql, params) => pool.query(sql, params)`; PGlite:
 * `(sql, params) => db.query(sql, params)`. The signal is the caller's deadline: pass it on to a
 * client that can cancel (the connector stops waiting when it aborts either way).
 */
export type SqlQuery = (sql: string, params: unknown[], options: { signal: AbortSignal }) => Promise<SqlQueryResult>;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ETIMEDOUT']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function mapSqlError(error: unknown, what: string, signal: AbortSignal): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = codeOf(error);
  const sqlstate = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const shown = sqlstate ? ` (SQLSTATE ${sqlstate})` : code && NETWORK_CODES.has(code) ? ` (${code})` : '';
  if (signal.aborted || (error as { name?: unknown } | null)?.name === 'AbortError' || sqlstate === '57014') {
    return new ConnectorError('TIMEOUT', `social care database did not answer the ${what} query in time`);
  }
  if ((code && NETWORK_CODES.has(code)) || sqlstate?.startsWith('08') || sqlstate === '57P01' || sqlstate === '57P02' || sqlstate === '57P03') {
    return new ConnectorError('UNREACHABLE', `social care database is unreachable${shown}`);
  }
  // Class 22 (data exception): the database refused a value of the query, not a failure of the system.
  if (sqlstate?.startsWith('22')) {
    return new ConnectorError('BAD_QUERY', `social care database refused a value in the ${what} query as invalid data${shown}`, { rejectedInput: true });
  }
  if (sqlstate === '42P01' || sqlstate === '42703' || sqlstate === '42883') {
    return new ConnectorError('MALFORMED_RESPONSE', `social care database does not have the tables or columns the ${what} query reads${shown}`);
  }
  return new ConnectorError('UPSTREAM_ERROR', `social care database failed the ${what} query${shown}`);
}

/** Runs one query, stops waiting when the signal aborts, validates every row. */
export async function select<S extends z.ZodType>(
  query: SqlQuery,
  what: string,
  sql: string,
  params: unknown[],
  schema: S,
  signal: AbortSignal,
): Promise<Array<z.infer<S>>> {
  if (signal.aborted) throw new ConnectorError('TIMEOUT', `social care database did not answer the ${what} query in time`);
  let result: SqlQueryResult;
  let onAbort: (() => void) | undefined;
  try {
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new ConnectorError('TIMEOUT', `social care database did not answer the ${what} query in time`));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const running = Promise.resolve().then(() => query(sql, params, { signal }));
    // A late failure of a query we stopped waiting for must not become an unhandled rejection.
    running.catch(() => undefined);
    result = await Promise.race([running, aborted]);
  } catch (error) {
    throw mapSqlError(error, what, signal);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  if (!result || !Array.isArray(result.rows)) throw new ConnectorError('MALFORMED_RESPONSE', `social care database answered the ${what} query without rows`);
  const rows: Array<z.infer<S>> = [];
  for (const raw of result.rows) {
    const row = schema.safeParse(raw);
    if (!row.success) throw new ConnectorError('MALFORMED_RESPONSE', `social care database answered the ${what} query with rows of the wrong shape`);
    rows.push(row.data);
  }
  return rows;
}

// ---- row shapes ------------------------------------------------------------------------------

const text = z.string();
const maybe = z.string().nullable().optional();
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const maybeDate = date.nullable().optional();
const stamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const count = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const allocation = {
  team_name: maybe,
  worker_name: maybe,
  worker_role: maybe,
  worker_phone: maybe,
  worker_email: maybe,
  team_phone: maybe,
};

export const PersonRow = z.looseObject({
  person_id: text,
  nhs_number: maybe,
  forename: text,
  middle_names: maybe,
  surname: text,
  known_as: maybe,
  date_of_birth: maybeDate,
  gender: text,
  person_type: text,
  last_updated: stamp,
});
/** A person row with, per predicate of `personsMatchingAny`, whether the person meets it. */
export const PersonRowMatched = PersonRow.extend({ matched: z.array(z.boolean().nullable()) });
export const AddressRow = z.looseObject({
  person_id: text,
  address_line1: text,
  address_line2: maybe,
  town: maybe,
  postcode: maybe,
  uprn: maybe,
  start_date: maybeDate,
  end_date: maybeDate,
});
export const AllocationRow = z.looseObject({ person_id: text, ...allocation });
export const ContactRow = z.looseObject({ contact_id: text, person_id: text, date_of_contact: date, contact_source: text, last_updated: stamp });
export const ReferralRow = z.looseObject({
  referral_id: text,
  person_id: text,
  date_of_referral: date,
  referral_source: text,
  referral_nfa: maybe,
  ...allocation,
  last_updated: stamp,
});
export const AssessmentRow = z.looseObject({
  assessment_id: text,
  person_id: text,
  assessment_start_date: date,
  child_seen: maybe,
  assessment_authorised_date: maybeDate,
  requires_support: maybe,
  ...allocation,
  last_updated: stamp,
});
export const Section47Row = z.looseObject({
  s47_id: text,
  person_id: text,
  strategy_discussion_date: date,
  icpc_unnecessary: maybe,
  icpc_date: maybeDate,
  icpc_resulted_in_plan: maybe,
  ...allocation,
  last_updated: stamp,
});
export const ChildInNeedRow = z.looseObject({
  cin_id: text,
  person_id: text,
  cin_start_date: date,
  primary_need_code: text,
  date_last_seen: maybeDate,
  cin_closure_date: maybeDate,
  reason_for_closure: maybe,
  case_status: text,
  ...allocation,
  last_updated: stamp,
});
export const CpPlanRow = z.looseObject({
  cp_plan_id: text,
  person_id: text,
  plan_start_date: date,
  initial_category_of_abuse: text,
  latest_category_of_abuse: text,
  date_last_statutory_visit: maybeDate,
  seen_alone: maybe,
  date_latest_review_conference: maybeDate,
  plan_end_date: maybeDate,
  previous_plans: count,
  ...allocation,
  last_updated: stamp,
});
export const LookedAfterRow = z.looseObject({
  lac_id: text,
  person_id: text,
  date_started_looked_after: date,
  category_of_need: text,
  legal_status: text,
  date_latest_review: maybeDate,
  date_last_visit: maybeDate,
  date_ceased: maybeDate,
  reason_ceased: maybe,
  missing_episodes_last_12_months: count,
  ...allocation,
  last_updated: stamp,
});
export const AdoptionRow = z.looseObject({
  adoption_id: text,
  person_id: text,
  date_entered_care: date,
  date_decision_adoption: date,
  date_placement_order: maybeDate,
  date_matched: maybeDate,
  date_placed: maybeDate,
  date_adoption_order: maybeDate,
  last_updated: stamp,
});
export const GenderHistoryRow = z.looseObject({ record_id: text, person_id: text, date_recorded: date, note: text, last_updated: stamp });

export type PersonRowT = z.infer<typeof PersonRow>;
export type AddressRowT = z.infer<typeof AddressRow>;
export type AllocationRowT = z.infer<typeof AllocationRow>;

// ---- SQL -------------------------------------------------------------------------------------

const d = (column: string, alias = column.replace(/^\w+\./, '')): string => `to_char(${column}, 'YYYY-MM-DD') AS ${alias}`;
const ts = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_updated`;
/** The allocated team and worker of a list row (`x`), for who to contact. */
const WORKER_COLUMNS = 't.team_name, t.phone AS team_phone, w.worker_name, w.role AS worker_role, w.phone AS worker_phone, w.email AS worker_email';
const WORKER_JOIN = 'LEFT JOIN worker w ON w.worker_id = x.allocated_worker LEFT JOIN team t ON t.team_id = x.allocated_team';

const PERSON_COLUMNS = `p.person_id, p.nhs_number, p.forename, p.middle_names, p.surname, p.known_as, ${d('p.date_of_birth')}, p.gender, p.person_type, ${ts('p.last_updated')}`;

/** Names compared without case, spaces, apostrophes or hyphens ("O'Brien" = "obrien"). */
const squash = (expr: string): string => `regexp_replace(lower(${expr}), '[[:space:]''’-]', '', 'g')`;
export const squashName = (name: string): string => name.toLowerCase().replace(/[\s'’-]/g, '');

/** A first address line as compared: lower case, runs of anything but letters and digits as one space. */
const LINE1_KEY = (column: string): string => `btrim(regexp_replace(lower(${column}), '[^a-z0-9]+', ' ', 'g'))`;
/** A postcode as compared: upper case without spaces. */
const POSTCODE_KEY = (column: string): string => `upper(regexp_replace(coalesce(${column}, ''), '\\s+', '', 'g'))`;
/** A UPRN as compared: trimmed, empty as none. */
const UPRN_KEY = (column: string): string => `nullif(btrim(${column}), '')`;

/** The current addresses (no end date, or one still to come) of the persons `persons` selects, with their comparison keys. */
const CURRENT_ADDRESS = (name: string, persons: string): string => `${name} AS (
  SELECT a.person_id, a.address_line1 AS line1, a.address_line2 AS line2, a.town, a.postcode, ${UPRN_KEY('a.uprn')} AS uprn,
    to_char(a.start_date, 'YYYY-MM-DD') AS since, ${LINE1_KEY('a.address_line1')} AS line1_key, ${POSTCODE_KEY('a.postcode')} AS postcode_key
  FROM person_address a
  WHERE ${persons} AND (a.end_date IS NULL OR a.end_date > current_date)
)`;

/**
 * Persons with an address (current or not) of one of `uprns` or `postcodes`: a superset of those
 * at the address, found through indexes (sandbox/social-care/schema.ts), so current addresses are
 * worked out for them only, not for the whole table.
 */
const CANDIDATES = (uprns: string, postcodes: string): string => `candidates AS (
  SELECT a.person_id FROM person_address a WHERE ${UPRN_KEY('a.uprn')} IN (${uprns})
  UNION SELECT a.person_id FROM person_address a WHERE ${POSTCODE_KEY('a.postcode')} IN (${postcodes})
)`;

export const SQL = {
  /** Household: the current relationships recorded on each person asked about ($1). */
  relationships: `SELECT r.relationship_id, r.person_id AS of_id, r.related_person_id AS member_id, r.relationship, ${ts('r.last_updated')}
    FROM person_relationship r
    WHERE r.person_id = ANY($1::text[]) AND r.related_person_id <> r.person_id AND (r.end_date IS NULL OR r.end_date > current_date)
    ORDER BY r.person_id, r.relationship_id`,
  /**
   * Household: for each person asked about ($1), other persons with a current address the same as
   * one of theirs: the same UPRN where both have one, else the same first line and postcode as
   * compared. Two equality joins.
   */
  sameAddress: `WITH ${CURRENT_ADDRESS('asked', 'a.person_id = ANY($1::text[])')},
    ${CANDIDATES('SELECT uprn FROM asked', 'SELECT postcode_key FROM asked')},
    ${CURRENT_ADDRESS('current_address', 'a.person_id IN (SELECT person_id FROM candidates)')},
    matched AS (
      SELECT a.person_id AS of_id, o.person_id AS member_id, o.line1, o.line2, o.town, o.postcode, o.uprn, o.since
      FROM asked a JOIN current_address o ON o.uprn = a.uprn
      UNION
      SELECT a.person_id, o.person_id, o.line1, o.line2, o.town, o.postcode, o.uprn, o.since
      FROM asked a JOIN current_address o ON o.line1_key = a.line1_key AND o.postcode_key = a.postcode_key
      WHERE (a.uprn IS NULL OR o.uprn IS NULL) AND a.postcode_key <> ''
    )
    SELECT m.of_id, m.member_id, m.line1, m.line2, m.town, m.postcode, m.uprn, m.since, ${ts('p.last_updated')}
    FROM matched m JOIN person p ON p.person_id = m.member_id
    WHERE m.member_id <> m.of_id
    ORDER BY m.of_id, m.member_id`,
  /** Persons at an address: $1 UPRN, $2 first line as compared, $3 postcode as compared (null when not given); $4 limit. */
  personsAtAddress: `WITH ${CANDIDATES('$1::text', '$3::text')},
    ${CURRENT_ADDRESS('current_address', 'a.person_id IN (SELECT person_id FROM candidates)')}
    SELECT DISTINCT o.person_id FROM current_address o
    WHERE ($1::text IS NOT NULL AND o.uprn = $1::text)
       OR ($2::text IS NOT NULL AND $3::text IS NOT NULL AND o.line1_key = $2::text AND o.postcode_key = $3::text AND ($1::text IS NULL OR o.uprn IS NULL))
    ORDER BY o.person_id LIMIT $4`,
  personsByNhsNumber: `SELECT ${PERSON_COLUMNS} FROM person p WHERE p.nhs_number = ANY($1::text[]) ORDER BY p.person_id LIMIT $2`,
  personsById: `SELECT ${PERSON_COLUMNS} FROM person p WHERE p.person_id = ANY($1::text[]) ORDER BY p.person_id LIMIT $2`,
  /**
   * $1 surname prefix, $2 forename prefix (legal or known-as), $3 dates of birth (full or
   * partial, any of them), $4 postcode prefix (no spaces); null means "any". $5 limit.
   */
  personsByDemographics: `SELECT ${PERSON_COLUMNS} FROM person p
    WHERE ($1::text IS NULL OR starts_with(${squash('p.surname')}, $1::text))
      AND ($2::text IS NULL OR starts_with(${squash('p.forename')}, $2::text) OR starts_with(${squash("coalesce(p.known_as, '')")}, $2::text))
      AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS dob(v) WHERE starts_with(to_char(p.date_of_birth, 'YYYY-MM-DD'), dob.v)))
      AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM person_address a WHERE a.person_id = p.person_id AND starts_with(replace(upper(a.postcode), ' ', ''), $4::text)))
    ORDER BY p.person_id LIMIT $5`,
  addresses: `SELECT a.person_id, a.address_line1, a.address_line2, a.town, a.postcode, a.uprn, ${d('a.start_date')}, ${d('a.end_date')}
    FROM person_address a WHERE a.person_id = ANY($1::text[]) ORDER BY a.person_id, (a.end_date IS NULL) DESC, a.start_date DESC NULLS LAST`,
  /** Open child in need episodes: the allocated worker is who to contact about the child. */
  allocations: `SELECT x.person_id, ${WORKER_COLUMNS} FROM child_in_need x ${WORKER_JOIN}
    WHERE x.person_id = ANY($1::text[]) AND x.cin_closure_date IS NULL ORDER BY x.person_id, x.cin_start_date DESC`,
  contacts: `SELECT x.contact_id, x.person_id, ${d('x.date_of_contact')}, x.contact_source, ${ts('x.last_updated')}
    FROM contact x WHERE x.person_id = ANY($1::text[]) ORDER BY x.date_of_contact, x.contact_id`,
  referrals: `SELECT x.referral_id, x.person_id, ${d('x.date_of_referral')}, x.referral_source, x.referral_nfa, ${WORKER_COLUMNS}, ${ts('x.last_updated')}
    FROM referral x ${WORKER_JOIN} WHERE x.person_id = ANY($1::text[]) ORDER BY x.date_of_referral, x.referral_id`,
  assessments: `SELECT x.assessment_id, x.person_id, ${d('x.assessment_start_date')}, x.child_seen, ${d('x.assessment_authorised_date')}, x.requires_support, ${WORKER_COLUMNS}, ${ts('x.last_updated')}
    FROM assessment x ${WORKER_JOIN} WHERE x.person_id = ANY($1::text[]) ORDER BY x.assessment_start_date, x.assessment_id`,
  section47s: `SELECT x.s47_id, x.person_id, ${d('x.strategy_discussion_date')}, x.icpc_unnecessary, ${d('x.icpc_date')}, x.icpc_resulted_in_plan, ${WORKER_COLUMNS}, ${ts('x.last_updated')}
    FROM section47 x ${WORKER_JOIN} WHERE x.person_id = ANY($1::text[]) ORDER BY x.strategy_discussion_date, x.s47_id`,
  childrenInNeed: `SELECT x.cin_id, x.person_id, ${d('x.cin_start_date')}, x.primary_need_code, ${d('x.date_last_seen')}, ${d('x.cin_closure_date')}, x.reason_for_closure, x.case_status, ${WORKER_COLUMNS}, ${ts('x.last_updated')}
    FROM child_in_need x ${WORKER_JOIN} WHERE x.person_id = ANY($1::text[]) ORDER BY x.cin_start_date, x.cin_id`,
  cpPlans: `SELECT x.cp_plan_id, x.person_id, ${d('x.plan_start_date')}, x.initial_category_of_abuse, x.latest_category_of_abuse, ${d('x.date_last_statutory_visit')}, x.seen_alone, ${d('x.date_latest_review_conference')}, ${d('x.plan_end_date')}, x.previous_plans, ${WORKER_COLUMNS}, ${ts('x.last_updated')}
    FROM cp_plan x ${WORKER_JOIN} WHERE x.person_id = ANY($1::text[]) ORDER BY x.plan_start_date, x.cp_plan_id`,
  /** Placement postcode, type and permanence plan are not read: they can reveal where a child lives and an adoption plan. */
  lookedAfter: `SELECT x.lac_id, x.person_id, ${d('x.date_started_looked_after')}, x.category_of_need, x.legal_status, ${d('x.date_latest_review')}, ${d('x.date_last_visit')}, ${d('x.date_ceased')}, x.reason_ceased, x.missing_episodes_last_12_months, ${WORKER_COLUMNS}, ${ts('x.last_updated')}
    FROM looked_after x ${WORKER_JOIN} WHERE x.person_id = ANY($1::text[]) ORDER BY x.date_started_looked_after, x.lac_id`,
  adoptions: `SELECT x.adoption_id, x.person_id, ${d('x.date_entered_care')}, ${d('x.date_decision_adoption')}, ${d('x.date_placement_order')}, ${d('x.date_matched')}, ${d('x.date_placed')}, ${d('x.date_adoption_order')}, ${ts('x.last_updated')}
    FROM adoption x WHERE x.person_id = ANY($1::text[]) ORDER BY x.date_entered_care, x.adoption_id`,
  genderHistory: `SELECT x.record_id, x.person_id, ${d('x.date_recorded')}, x.note, ${ts('x.last_updated')}
    FROM gender_history x WHERE x.person_id = ANY($1::text[]) ORDER BY x.date_recorded, x.record_id`,
  health: 'SELECT count(*) AS persons FROM person',
} as const;

export const RelationshipRow = z.looseObject({ relationship_id: text, of_id: text, member_id: text, relationship: text, last_updated: stamp });
export const SameAddressRow = z.looseObject({
  of_id: text,
  member_id: text,
  line1: text,
  line2: maybe,
  town: maybe,
  postcode: maybe,
  uprn: maybe,
  since: maybeDate,
  last_updated: stamp,
});
export const PersonIdRow = z.looseObject({ person_id: text });

/**
 * One predicate of a search for several queries at once: persons by social care id, by NHS
 * number, or by the demographics of `personsByDemographics` (squashed name prefixes, dates of
 * birth full or partial, postcode without spaces).
 */
export type PersonPredicate = { ids: string[] } | { nhsNumbers: string[] } | { family?: string; given?: string; dates?: string[]; postalCode?: string };

/** A LIKE pattern for values starting with `prefix` (the queries use ESCAPE '\'). */
const startsWith = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One statement for several person searches: the predicates OR'd, each row saying which it meets
 * (`matched`, in order; a null predicate is left out and never met). Name prefixes are LIKE
 * patterns on the squashed names and dates of birth ranges, so the indexes of the person table
 * serve them (starts_with and to_char would be read row by row). Every value is a parameter.
 * Null when no predicate is left.
 */
export function personsMatchingAny(predicates: readonly (PersonPredicate | null)[], limit: number): { sql: string; params: unknown[] } | null {
  const params: unknown[] = [];
  const param = (value: unknown, cast: string): string => `$${params.push(value)}${cast}`;
  const conditions = predicates.map((p): string | null => {
    if (p === null) return null;
    if ('ids' in p) return `p.person_id = ANY(${param(p.ids, '::text[]')})`;
    if ('nhsNumbers' in p) return `p.nhs_number = ANY(${param(p.nhsNumbers, '::text[]')})`;
    const parts: string[] = [];
    if (p.family !== undefined) parts.push(`${squash('p.surname')} LIKE ${param(startsWith(p.family), '::text')} ESCAPE '\\'`);
    if (p.given !== undefined) {
      const given = param(startsWith(p.given), '::text');
      parts.push(`(${squash('p.forename')} LIKE ${given} ESCAPE '\\' OR ${squash("coalesce(p.known_as, '')")} LIKE ${given} ESCAPE '\\')`);
    }
    if (p.dates !== undefined) {
      const ranges = p.dates.map(birthDateRange).filter((r): r is [string, string] => r !== null);
      parts.push(ranges.length === 0 ? 'false' : `(${ranges.map(([from, to]) => `(p.date_of_birth >= ${param(from, '::date')} AND p.date_of_birth < ${param(to, '::date')})`).join(' OR ')})`);
    }
    if (p.postalCode !== undefined) {
      parts.push(`EXISTS (SELECT 1 FROM person_address a WHERE a.person_id = p.person_id AND replace(upper(a.postcode), ' ', '') LIKE ${param(startsWith(p.postalCode), '::text')} ESCAPE '\\')`);
    }
    return parts.length === 0 ? 'false' : `(${parts.join(' AND ')})`;
  });
  const used = conditions.filter((c): c is string => c !== null);
  if (used.length === 0) return null;
  return {
    sql: `SELECT ${PERSON_COLUMNS}, ARRAY[${conditions.map((c) => c ?? 'false').join(', ')}] AS matched FROM person p
    WHERE ${used.join('\n       OR ')}
    ORDER BY p.person_id LIMIT ${param(limit, '::int')}`,
    params,
  };
}
