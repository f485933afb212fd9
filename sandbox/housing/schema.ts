/**
 * The council housing system's tables (PostgreSQL; PGlite in the sandbox). Housing knows
 * households: `household_ref` is a tenancy reference (`T004512`) for council tenants, or a
 * homelessness case reference (`HL000321`) for households that are not; members are numbered
 * within it as in the MHCLG CORE lettings log (person 1 is the lead tenant), and
 * `person_ref` = `{household_ref}/{member_no}`. Addresses carry the UPRN.
 */
export const HOUSING_SCHEMA = `
CREATE TABLE tenancies (
  tenancy_ref        text PRIMARY KEY,
  uprn               text,
  address_line1      text NOT NULL,
  address_line2      text,
  town               text NOT NULL,
  postcode           text NOT NULL,
  tenancy_type       text NOT NULL,          -- secure | introductory | flexible
  landlord           text NOT NULL,
  start_date         date NOT NULL,
  end_date           date,
  end_reason         text,
  weekly_rent_pence  integer NOT NULL,
  officer_name       text,
  officer_role       text,
  officer_phone      text,
  officer_email      text,
  updated_at         timestamptz NOT NULL
);

CREATE TABLE household_members (
  person_ref     text PRIMARY KEY,
  household_ref  text NOT NULL,
  member_no      integer NOT NULL,
  relationship   text NOT NULL,              -- L lead tenant (CORE person 1), P partner, C child, X other
  member_role    text NOT NULL,              -- Lead tenant | Joint tenant | Household member | Main applicant
  given_names    text NOT NULL,              -- space separated, first name first
  family_name    text NOT NULL,
  birth_date     date,
  sex            text,                       -- CORE: F, M, X, R (refused)
  joined         date,
  left_on        date,
  updated_at     timestamptz NOT NULL,
  UNIQUE (household_ref, member_no)
);
CREATE INDEX household_members_household ON household_members (household_ref);
CREATE INDEX household_members_family ON household_members (lower(family_name) text_pattern_ops);
CREATE INDEX household_members_birth_date ON household_members (birth_date);
CREATE INDEX tenancies_uprn ON tenancies (uprn);
-- The connector's address search compares postcodes upper case without spaces.
CREATE INDEX tenancies_postcode_key ON tenancies (upper(regexp_replace(postcode, '\\s+', '', 'g')));

-- H-CLIC shaped: one case per approach to the housing options service.
CREATE TABLE homelessness_cases (
  case_ref                text PRIMARY KEY,
  household_ref           text NOT NULL,
  approach_date           date NOT NULL,
  uprn                    text,
  address_line1           text NOT NULL,
  address_line2           text,
  town                    text NOT NULL,
  postcode                text NOT NULL,
  reason_code             text NOT NULL,
  reason                  text NOT NULL,
  prevention_duty_start   date,
  relief_duty_start       date,
  main_duty_decision      text,
  main_duty_date          date,
  status                  text NOT NULL,     -- open | closed
  closed_date             date,
  outcome                 text,
  moved_on_uprn           text,
  moved_on_address_line1  text,
  moved_on_address_line2  text,
  moved_on_town           text,
  moved_on_postcode       text,
  officer_name            text,
  officer_role            text,
  officer_phone           text,
  officer_email           text,
  updated_at              timestamptz NOT NULL
);
CREATE INDEX homelessness_cases_household ON homelessness_cases (household_ref);
CREATE INDEX homelessness_cases_uprn ON homelessness_cases (uprn);
CREATE INDEX homelessness_cases_moved_on_uprn ON homelessness_cases (moved_on_uprn);
CREATE INDEX homelessness_cases_postcode_key ON homelessness_cases (upper(regexp_replace(postcode, '\\s+', '', 'g')));
CREATE INDEX homelessness_cases_moved_on_postcode_key ON homelessness_cases (upper(regexp_replace(moved_on_postcode, '\\s+', '', 'g')));

CREATE TABLE temporary_accommodation (
  placement_ref   text PRIMARY KEY,
  household_ref   text NOT NULL,
  case_ref        text NOT NULL REFERENCES homelessness_cases (case_ref),
  ta_type         text NOT NULL,             -- H-CLIC type code
  ta_type_label   text NOT NULL,
  provider        text NOT NULL,
  uprn            text,                      -- never recorded for a refuge
  address_line1   text,
  address_line2   text,
  town            text,
  postcode        text,
  out_of_area     boolean NOT NULL,
  start_date      date NOT NULL,
  end_date        date,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX temporary_accommodation_household ON temporary_accommodation (household_ref);

CREATE TABLE asb_cases (
  asb_ref        text PRIMARY KEY,
  household_ref  text NOT NULL,
  person_ref     text,                       -- null: about the household
  party_role     text NOT NULL,              -- complainant | alleged perpetrator | victim
  category       text NOT NULL,
  opened         date NOT NULL,
  closed         date,
  status         text NOT NULL,
  action_taken   text,
  summary        text,
  officer_name   text,
  officer_role   text,
  officer_phone  text,
  officer_email  text,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX asb_cases_household ON asb_cases (household_ref);

CREATE TABLE rent_accounts (
  tenancy_ref     text PRIMARY KEY REFERENCES tenancies (tenancy_ref),
  balance_pence   integer NOT NULL,          -- positive: owed
  arrears_weeks   integer NOT NULL,
  recovery_stage  text,
  officer_name    text,
  officer_role    text,
  officer_phone   text,
  officer_email   text,
  updated_at      timestamptz NOT NULL
);

CREATE TABLE possession_actions (
  action_ref    text PRIMARY KEY,
  tenancy_ref   text NOT NULL REFERENCES tenancies (tenancy_ref),
  action        text NOT NULL,               -- NOSP | possession-order
  ground        text NOT NULL,
  action_date   date NOT NULL,
  notes         text,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX possession_actions_tenancy ON possession_actions (tenancy_ref);
`;
