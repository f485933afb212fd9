/**
 * The SQL the housing connector runs, and the shape of each row (zod). Dates are selected as
 * text and times as UTC ISO strings, so `pg` and PGlite answer alike (pg would otherwise turn
 * `date` columns into local-time Date objects). Every record query takes the whole batch of
 * person refs as one array parameter and joins through `household_members`, so a batch of any
 * size is one query per table.
 */
import { z } from 'zod';
import { birthDateRange } from '../sdk/index.js';

const ts = (column: string, as: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${as}`;
const officer = (t: string): string => `${t}.officer_name, ${t}.officer_role, ${t}.officer_phone, ${t}.officer_email`;

const MEMBER_COLUMNS = `m.person_ref, m.household_ref, m.member_no, m.relationship, m.given_names, m.family_name,
  m.birth_date::text AS birth_date, m.sex, ${ts('m.updated_at', 'updated_at')}`;

/** Still a member today: not left, or leaving later. */
const STILL_MEMBER = (m: string): string => `(${m}.left_on IS NULL OR ${m}.left_on > current_date)`;

/** A first address line as compared: lower case, runs of anything but letters and digits as one space. */
const LINE1_KEY = (column: string): string => `btrim(regexp_replace(lower(${column}), '[^a-z0-9]+', ' ', 'g'))`;
/** A postcode as compared: upper case without spaces. */
const POSTCODE_KEY = (column: string): string => `upper(regexp_replace(${column}, '\\s+', '', 'g'))`;

/**
 * Household records that mention an address with one of `uprns` or `postcodes` (as compared): a
 * superset of those at the address, found through indexes (sandbox/housing/schema.ts), so the
 * current addresses are worked out for those households only, not the whole table.
 */
const CANDIDATES = (uprns: string, postcodes: string): string => `candidates AS (
  SELECT t.tenancy_ref AS household_ref FROM tenancies t WHERE t.uprn IN (${uprns})
  UNION SELECT t.tenancy_ref FROM tenancies t WHERE ${POSTCODE_KEY('t.postcode')} IN (${postcodes})
  UNION SELECT c.household_ref FROM homelessness_cases c WHERE c.uprn IN (${uprns})
  UNION SELECT c.household_ref FROM homelessness_cases c WHERE c.moved_on_uprn IN (${uprns})
  UNION SELECT c.household_ref FROM homelessness_cases c WHERE ${POSTCODE_KEY('c.postcode')} IN (${postcodes})
  UNION SELECT c.household_ref FROM homelessness_cases c WHERE ${POSTCODE_KEY('c.moved_on_postcode')} IN (${postcodes})
)`;

/**
 * Every current member's current address, with the record that gives it: the tenancy while it
 * runs; for a household known only through homelessness applications, the latest application's
 * home while it is open (still there, threatened), or the home it moved on to when the council
 * recorded one (otherwise housing does not know where they live now).
 */
const CURRENT_ADDRESS = (name: string, members: string): string => `${name} AS (
  SELECT m.person_ref, m.household_ref, 'tenancies/' || t.tenancy_ref AS source, t.uprn, t.address_line1 AS line1, t.address_line2 AS line2,
    t.town, t.postcode, t.start_date::text AS since, ${ts('t.updated_at', 'as_of')},
    ${LINE1_KEY('t.address_line1')} AS line1_key, ${POSTCODE_KEY('t.postcode')} AS postcode_key
  FROM household_members m JOIN tenancies t ON t.tenancy_ref = m.household_ref
  WHERE ${members} AND ${STILL_MEMBER('m')} AND (t.end_date IS NULL OR t.end_date > current_date)
  UNION ALL
  SELECT m.person_ref, m.household_ref, 'homelessness_cases/' || c.case_ref,
    CASE WHEN c.status = 'open' THEN c.uprn ELSE c.moved_on_uprn END,
    CASE WHEN c.status = 'open' THEN c.address_line1 ELSE c.moved_on_address_line1 END,
    CASE WHEN c.status = 'open' THEN c.address_line2 ELSE c.moved_on_address_line2 END,
    CASE WHEN c.status = 'open' THEN c.town ELSE c.moved_on_town END,
    CASE WHEN c.status = 'open' THEN c.postcode ELSE c.moved_on_postcode END,
    CASE WHEN c.status = 'open' THEN NULL ELSE c.closed_date::text END,
    ${ts('c.updated_at', 'as_of')},
    ${LINE1_KEY("CASE WHEN c.status = 'open' THEN c.address_line1 ELSE c.moved_on_address_line1 END")},
    ${POSTCODE_KEY("CASE WHEN c.status = 'open' THEN c.postcode ELSE c.moved_on_postcode END")}
  FROM household_members m
  JOIN LATERAL (SELECT * FROM homelessness_cases x WHERE x.household_ref = m.household_ref ORDER BY x.approach_date DESC, x.case_ref DESC LIMIT 1) c ON true
  WHERE ${members} AND ${STILL_MEMBER('m')} AND NOT EXISTS (SELECT 1 FROM tenancies t WHERE t.tenancy_ref = m.household_ref)
    AND (c.status = 'open' OR c.moved_on_address_line1 IS NOT NULL)
)`;

export const SQL = {
  membersByRef: `SELECT ${MEMBER_COLUMNS}
FROM household_members m
WHERE m.person_ref = ANY($1::text[])
ORDER BY m.person_ref`,

  /**
   * $1 family prefix, $2 given prefix (any given name), $3 birth date prefix, $4 postcode prefix
   * (spaces removed), each null when not searched on; $5 the row limit. Prefixes are lower case
   * with LIKE wildcards escaped.
   */
  membersByDemographics: `SELECT ${MEMBER_COLUMNS}
FROM household_members m
WHERE ($1::text IS NULL OR lower(m.family_name) LIKE ($1 || '%') ESCAPE '\\')
  AND ($2::text IS NULL OR lower(m.given_names) LIKE ($2 || '%') ESCAPE '\\' OR lower(m.given_names) LIKE ('% ' || $2 || '%') ESCAPE '\\')
  AND ($3::text IS NULL OR m.birth_date::text LIKE ($3 || '%'))
  AND ($4::text IS NULL
       OR EXISTS (SELECT 1 FROM tenancies t WHERE t.tenancy_ref = m.household_ref AND replace(upper(t.postcode), ' ', '') LIKE ($4 || '%'))
       OR EXISTS (SELECT 1 FROM homelessness_cases c WHERE c.household_ref = m.household_ref
                  AND (replace(upper(c.postcode), ' ', '') LIKE ($4 || '%') OR replace(upper(c.moved_on_postcode), ' ', '') LIKE ($4 || '%'))))
ORDER BY m.person_ref
LIMIT $5`,

  tenancies: `SELECT m.person_ref, m.member_no, m.relationship, t.tenancy_ref, t.uprn, t.address_line1, t.address_line2, t.town, t.postcode,
  t.tenancy_type, t.landlord, t.start_date::text AS start_date, t.end_date::text AS end_date, t.end_reason,
  ${officer('t')}, ${ts('t.updated_at', 'updated_at')},
  (SELECT count(*)::int FROM household_members x WHERE x.household_ref = t.tenancy_ref AND x.left_on IS NULL) AS household_size
FROM household_members m JOIN tenancies t ON t.tenancy_ref = m.household_ref
WHERE m.person_ref = ANY($1::text[])`,

  homelessnessCases: `SELECT m.person_ref, c.case_ref, c.approach_date::text AS approach_date, c.uprn, c.address_line1, c.address_line2,
  c.town, c.postcode, c.reason_code, c.reason, c.prevention_duty_start::text AS prevention_duty_start,
  c.relief_duty_start::text AS relief_duty_start, c.main_duty_decision, c.main_duty_date::text AS main_duty_date, c.status,
  c.closed_date::text AS closed_date, c.outcome, c.moved_on_uprn, c.moved_on_address_line1, c.moved_on_address_line2,
  c.moved_on_town, c.moved_on_postcode, ${officer('c')}, ${ts('c.updated_at', 'updated_at')}
FROM household_members m JOIN homelessness_cases c ON c.household_ref = m.household_ref
WHERE m.person_ref = ANY($1::text[])`,

  temporaryAccommodation: `SELECT m.person_ref, p.placement_ref, p.case_ref, p.ta_type, p.ta_type_label, p.provider, p.address_line1,
  p.address_line2, p.town, p.postcode, p.out_of_area, p.start_date::text AS start_date, p.end_date::text AS end_date,
  ${officer('c')}, ${ts('p.updated_at', 'updated_at')}
FROM household_members m JOIN temporary_accommodation p ON p.household_ref = m.household_ref
LEFT JOIN homelessness_cases c ON c.case_ref = p.case_ref
WHERE m.person_ref = ANY($1::text[])`,

  asbCases: `SELECT m.person_ref, a.asb_ref, a.party_role, a.category, a.opened::text AS opened, a.closed::text AS closed, a.status,
  a.action_taken, a.summary, ${officer('a')}, ${ts('a.updated_at', 'updated_at')}
FROM household_members m JOIN asb_cases a ON a.household_ref = m.household_ref
WHERE m.person_ref = ANY($1::text[]) AND (a.person_ref IS NULL OR a.person_ref = m.person_ref)`,

  rentAccounts: `SELECT m.person_ref, r.tenancy_ref, r.balance_pence, r.arrears_weeks, r.recovery_stage, ${officer('r')},
  ${ts('r.updated_at', 'updated_at')}
FROM household_members m JOIN rent_accounts r ON r.tenancy_ref = m.household_ref
WHERE m.person_ref = ANY($1::text[]) AND r.balance_pence > 0`,

  possessionActions: `SELECT m.person_ref, p.action_ref, p.tenancy_ref, p.action, p.ground, p.action_date::text AS action_date, p.notes,
  COALESCE(r.officer_name, t.officer_name) AS officer_name, COALESCE(r.officer_role, t.officer_role) AS officer_role,
  COALESCE(r.officer_phone, t.officer_phone) AS officer_phone, COALESCE(r.officer_email, t.officer_email) AS officer_email,
  ${ts('p.updated_at', 'updated_at')}
FROM household_members m JOIN possession_actions p ON p.tenancy_ref = m.household_ref
LEFT JOIN rent_accounts r ON r.tenancy_ref = p.tenancy_ref
LEFT JOIN tenancies t ON t.tenancy_ref = p.tenancy_ref
WHERE m.person_ref = ANY($1::text[])`,

  /**
   * Household: for each person asked about ($1, person refs) who is still a member of a household
   * record that is current (a tenancy not ended, or a homelessness application household), the
   * other current members of that record.
   */
  householdRelated: `SELECT a.person_ref AS of_ref, m.person_ref AS member_ref, m.member_role, m.household_ref,
  (t.tenancy_ref IS NOT NULL) AS on_tenancy, ${ts('m.updated_at', 'as_of')}
FROM household_members a
JOIN household_members m ON m.household_ref = a.household_ref AND m.person_ref <> a.person_ref
LEFT JOIN tenancies t ON t.tenancy_ref = a.household_ref
WHERE a.person_ref = ANY($1::text[]) AND ${STILL_MEMBER('a')} AND ${STILL_MEMBER('m')}
  AND (t.tenancy_ref IS NULL OR t.end_date IS NULL OR t.end_date > current_date)
ORDER BY a.person_ref, m.member_no`,

  /**
   * Household: for each person asked about ($1), the members of other household records at the
   * same current address: the same UPRN where both records have one, else the same first line and
   * postcode as compared (LINE1_KEY, POSTCODE_KEY). Two joins, each on equal keys.
   */
  householdSameAddress: `WITH ${CURRENT_ADDRESS('asked', 'm.person_ref = ANY($1::text[])')},
${CANDIDATES('SELECT uprn FROM asked', 'SELECT postcode_key FROM asked')},
${CURRENT_ADDRESS('current_address', 'm.household_ref IN (SELECT household_ref FROM candidates)')},
matched AS (
  SELECT a.person_ref AS of_ref, o.person_ref AS member_ref, o.household_ref, o.source, o.uprn, o.line1, o.line2, o.town, o.postcode, o.since, o.as_of
  FROM asked a JOIN current_address o ON o.uprn = a.uprn
  UNION
  SELECT a.person_ref, o.person_ref, o.household_ref, o.source, o.uprn, o.line1, o.line2, o.town, o.postcode, o.since, o.as_of
  FROM asked a JOIN current_address o ON o.line1_key = a.line1_key AND o.postcode_key = a.postcode_key
  WHERE a.uprn IS NULL OR o.uprn IS NULL
)
SELECT x.* FROM matched x
WHERE x.member_ref <> x.of_ref
  AND NOT EXISTS (SELECT 1 FROM household_members s WHERE s.person_ref = x.of_ref AND s.household_ref = x.household_ref)
ORDER BY x.of_ref, x.member_ref`,

  /**
   * Persons at an address: $1 a UPRN, $2 a first line as compared (LINE1_KEY) with $3 a postcode as
   * compared (POSTCODE_KEY), each null when not given; the UPRN decides where a record has one,
   * the first line and postcode where it has none. $4 the row limit.
   */
  personsAtAddress: `WITH ${CANDIDATES('$1::text', '$3::text')},
${CURRENT_ADDRESS('current_address', 'm.household_ref IN (SELECT household_ref FROM candidates)')}
SELECT DISTINCT o.person_ref FROM current_address o
WHERE ($1::text IS NOT NULL AND o.uprn = $1::text)
   OR ($2::text IS NOT NULL AND $3::text IS NOT NULL AND o.line1_key = $2::text AND o.postcode_key = $3::text AND ($1::text IS NULL OR o.uprn IS NULL))
ORDER BY o.person_ref
LIMIT $4`,
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const text = z.string();
const optText = z.string().nullable().optional().transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v.trim()));
const date = z.string().regex(DATE);
const optDate = z.string().regex(DATE).nullable().optional().transform((v) => v ?? undefined);
const time = z.string().refine((v) => !Number.isNaN(Date.parse(v)));
const int = z.number().int();

const OfficerColumns = {
  officer_name: optText,
  officer_role: optText,
  officer_phone: optText,
  officer_email: optText,
};

export const MemberRow = z.object({
  person_ref: text,
  household_ref: text,
  member_no: int,
  relationship: text,
  given_names: text,
  family_name: text,
  birth_date: optDate,
  sex: optText,
  updated_at: time,
});
export type MemberRow = z.infer<typeof MemberRow>;

export const TenancyRow = z.object({
  person_ref: text,
  member_no: int,
  relationship: text,
  tenancy_ref: text,
  uprn: optText,
  address_line1: text,
  address_line2: optText,
  town: text,
  postcode: text,
  tenancy_type: text,
  landlord: text,
  start_date: date,
  end_date: optDate,
  end_reason: optText,
  ...OfficerColumns,
  updated_at: time,
  household_size: int,
});
export type TenancyRow = z.infer<typeof TenancyRow>;

export const HomelessnessRow = z.object({
  person_ref: text,
  case_ref: text,
  approach_date: date,
  uprn: optText,
  address_line1: text,
  address_line2: optText,
  town: text,
  postcode: text,
  reason_code: text,
  reason: text,
  prevention_duty_start: optDate,
  relief_duty_start: optDate,
  main_duty_decision: optText,
  main_duty_date: optDate,
  status: text,
  closed_date: optDate,
  outcome: optText,
  moved_on_uprn: optText,
  moved_on_address_line1: optText,
  moved_on_address_line2: optText,
  moved_on_town: optText,
  moved_on_postcode: optText,
  ...OfficerColumns,
  updated_at: time,
});
export type HomelessnessRow = z.infer<typeof HomelessnessRow>;

export const PlacementRow = z.object({
  person_ref: text,
  placement_ref: text,
  case_ref: text,
  ta_type: text,
  ta_type_label: text,
  provider: text,
  address_line1: optText,
  address_line2: optText,
  town: optText,
  postcode: optText,
  out_of_area: z.boolean(),
  start_date: date,
  end_date: optDate,
  ...OfficerColumns,
  updated_at: time,
});
export type PlacementRow = z.infer<typeof PlacementRow>;

export const AsbRow = z.object({
  person_ref: text,
  asb_ref: text,
  party_role: text,
  category: text,
  opened: date,
  closed: optDate,
  status: text,
  action_taken: optText,
  summary: optText,
  ...OfficerColumns,
  updated_at: time,
});
export type AsbRow = z.infer<typeof AsbRow>;

export const RentRow = z.object({
  person_ref: text,
  tenancy_ref: text,
  balance_pence: int,
  arrears_weeks: int,
  recovery_stage: optText,
  ...OfficerColumns,
  updated_at: time,
});
export type RentRow = z.infer<typeof RentRow>;

export const PossessionRow = z.object({
  person_ref: text,
  action_ref: text,
  tenancy_ref: text,
  action: text,
  ground: text,
  action_date: date,
  notes: optText,
  ...OfficerColumns,
  updated_at: time,
});
export type PossessionRow = z.infer<typeof PossessionRow>;

export const RelatedRow = z.object({
  of_ref: text,
  member_ref: text,
  member_role: text,
  household_ref: text,
  on_tenancy: z.boolean(),
  as_of: time,
});
export type RelatedRow = z.infer<typeof RelatedRow>;

export const SameAddressRow = z.object({
  of_ref: text,
  member_ref: text,
  household_ref: text,
  source: text,
  uprn: optText,
  line1: text,
  line2: optText,
  town: optText,
  postcode: optText,
  since: optDate,
  as_of: time,
});
export type SameAddressRow = z.infer<typeof SameAddressRow>;

export const PersonRefRow = z.object({ person_ref: text });

/** A member row with, per predicate of `membersMatchingAny`, whether the member meets it. */
export const MemberRowMatched = MemberRow.extend({ matched: z.array(z.boolean().nullable()) });
export type MemberRowMatched = z.infer<typeof MemberRowMatched>;

/**
 * One predicate of a search for several queries at once: members by reference, or by the
 * demographics of `membersByDemographics` (LIKE prefixes, lower case, wildcards escaped; the
 * postcode upper case without spaces).
 */
export type MemberPredicate = { refs: string[] } | { family?: string; given?: string; birthDate?: string; postalCode?: string };

/**
 * One statement for several member searches: the predicates OR'd (so the database can use an
 * index for each and combine them), and for each row which predicates it meets, in order. Every
 * value is a parameter; the SQL text is built from fixed fragments and parameter numbers only.
 * A null predicate is left out (its slot in `matched` is false). Null when none is left.
 */
export function membersMatchingAny(predicates: readonly (MemberPredicate | null)[], limit: number): { sql: string; params: unknown[] } | null {
  const params: unknown[] = [];
  const param = (value: unknown, cast = ''): string => `$${params.push(value)}${cast}`;
  const conditions = predicates.map((p): string | null => {
    if (p === null) return null;
    if ('refs' in p) return `m.person_ref = ANY(${param(p.refs, '::text[]')})`;
    const parts: string[] = [];
    if (p.family !== undefined) parts.push(`lower(m.family_name) LIKE ${param(`${p.family}%`, '::text')} ESCAPE '\\'`);
    if (p.given !== undefined) {
      parts.push(`(lower(m.given_names) LIKE ${param(`${p.given}%`, '::text')} ESCAPE '\\' OR lower(m.given_names) LIKE ${param(`% ${p.given}%`, '::text')} ESCAPE '\\')`);
    }
    if (p.birthDate !== undefined) {
      // A range rather than a text prefix, so the birth date index serves it; no real day, no one.
      const range = birthDateRange(p.birthDate);
      parts.push(range === null ? 'false' : `(m.birth_date >= ${param(range[0], '::date')} AND m.birth_date < ${param(range[1], '::date')})`);
    }
    if (p.postalCode !== undefined) {
      const pc = param(`${p.postalCode}%`, '::text');
      parts.push(`(EXISTS (SELECT 1 FROM tenancies t WHERE t.tenancy_ref = m.household_ref AND replace(upper(t.postcode), ' ', '') LIKE ${pc})
       OR EXISTS (SELECT 1 FROM homelessness_cases c WHERE c.household_ref = m.household_ref
                  AND (replace(upper(c.postcode), ' ', '') LIKE ${pc} OR replace(upper(c.moved_on_postcode), ' ', '') LIKE ${pc})))`);
    }
    return parts.length === 0 ? 'false' : `(${parts.join(' AND ')})`;
  });
  const used = conditions.filter((c): c is string => c !== null);
  if (used.length === 0) return null;
  return {
    sql: `SELECT ${MEMBER_COLUMNS}, ARRAY[${conditions.map((c) => c ?? 'false').join(', ')}] AS matched
FROM household_members m
WHERE ${used.join('\n   OR ')}
ORDER BY m.person_ref
LIMIT ${param(limit, '::int')}`,
    params,
  };
}
