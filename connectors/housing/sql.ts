/**
 * The SQL the housing connector runs, and the shape of each row (zod). Dates are selected as
 * text and times as UTC ISO strings, so `pg` and PGlite answer alike (pg would otherwise turn
 * `date` columns into local-time Date objects). Every record query takes the whole batch of
 * person refs as one array parameter and joins through `household_members`, so a batch of any
 * size is one query per table.
 */
import { z } from 'zod';

const ts = (column: string, as: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${as}`;
const officer = (t: string): string => `${t}.officer_name, ${t}.officer_role, ${t}.officer_phone, ${t}.officer_email`;

const MEMBER_COLUMNS = `m.person_ref, m.household_ref, m.member_no, m.relationship, m.given_names, m.family_name,
  m.birth_date::text AS birth_date, m.sex, ${ts('m.updated_at', 'updated_at')}`;

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
