/**
 * The social care case management database: SQL tables shaped like the Ofsted Annex A lists
 * (one table per list, the list's own columns and code values), plus the person, address, team
 * and worker tables every case management system has, and the two sealed tables. Plain
 * PostgreSQL: the same DDL and loader run on PGlite (the sandbox) and on a real server (tests with
 * DATABASE_URL).
 */
import type {
  SocialCareAdoption,
  SocialCareAssessment,
  SocialCareChildInNeed,
  SocialCareContact,
  SocialCareCpPlan,
  SocialCareGenderHistory,
  SocialCareLookedAfter,
  SocialCarePerson,
  SocialCareReferral,
  SocialCareRelationship,
  SocialCareSection47,
  SocialCareView,
} from '../county/views/social-care.js';

export const SOCIAL_CARE_TABLES = [
  'team',
  'worker',
  'person',
  'person_address',
  'contact',
  'referral',
  'assessment',
  'section47',
  'child_in_need',
  'cp_plan',
  'looked_after',
  'adoption',
  'gender_history',
  'person_relationship',
] as const;
export type SocialCareTable = (typeof SOCIAL_CARE_TABLES)[number];

const ALLOCATION = `
  allocated_team text REFERENCES team (team_id),
  allocated_worker text REFERENCES worker (worker_id),`;

/** DDL for every table, in dependency order. */
export const SOCIAL_CARE_SCHEMA_SQL = `
CREATE TABLE team (
  team_id text PRIMARY KEY,
  team_name text NOT NULL,
  phone text,
  email text
);
CREATE TABLE worker (
  worker_id text PRIMARY KEY,
  worker_name text NOT NULL,
  role text NOT NULL,
  team_id text NOT NULL REFERENCES team (team_id),
  phone text,
  email text
);
CREATE TABLE person (
  person_id text PRIMARY KEY,
  nhs_number text,
  forename text NOT NULL,
  middle_names text,
  surname text NOT NULL,
  known_as text,
  date_of_birth date,
  gender text NOT NULL CHECK (gender IN ('M', 'F', 'U')),
  person_type text NOT NULL CHECK (person_type IN ('child', 'adult')),
  last_updated timestamptz NOT NULL
);
CREATE INDEX person_nhs_number ON person (nhs_number);
CREATE INDEX person_surname_dob ON person (lower(surname), date_of_birth);
-- Person search: surname prefixes as the connector compares them (squashed), and dates of birth.
CREATE INDEX person_surname_squashed ON person (regexp_replace(lower(surname), '[[:space:]''’-]', '', 'g') text_pattern_ops);
CREATE INDEX person_date_of_birth ON person (date_of_birth);
CREATE TABLE person_address (
  person_id text NOT NULL REFERENCES person (person_id),
  address_line1 text NOT NULL,
  address_line2 text,
  town text,
  postcode text,
  uprn text,
  start_date date,
  end_date date
);
CREATE INDEX person_address_person ON person_address (person_id);
-- Annex A List 1: contacts
CREATE TABLE contact (
  contact_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  date_of_contact date NOT NULL,
  contact_source text NOT NULL,
  last_updated timestamptz NOT NULL
);
CREATE INDEX contact_person ON contact (person_id);
-- Annex A List 3: referrals
CREATE TABLE referral (
  referral_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  date_of_referral date NOT NULL,
  referral_source text NOT NULL,
  referral_nfa text NOT NULL,${ALLOCATION}
  last_updated timestamptz NOT NULL
);
CREATE INDEX referral_person ON referral (person_id);
-- Annex A List 4: assessments
CREATE TABLE assessment (
  assessment_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  referral_id text REFERENCES referral (referral_id),
  assessment_start_date date NOT NULL,
  child_seen text,
  assessment_authorised_date date,
  requires_support text,${ALLOCATION}
  last_updated timestamptz NOT NULL
);
CREATE INDEX assessment_person ON assessment (person_id);
-- Annex A List 5: section 47 enquiries and initial child protection conferences
CREATE TABLE section47 (
  s47_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  strategy_discussion_date date NOT NULL,
  icpc_unnecessary text,
  icpc_date date,
  icpc_resulted_in_plan text,${ALLOCATION}
  last_updated timestamptz NOT NULL
);
CREATE INDEX section47_person ON section47 (person_id);
-- Annex A List 6: children in need
CREATE TABLE child_in_need (
  cin_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  cin_start_date date NOT NULL,
  primary_need_code text NOT NULL,
  date_last_seen date,
  cin_closure_date date,
  reason_for_closure text,
  case_status text NOT NULL,${ALLOCATION}
  last_updated timestamptz NOT NULL
);
CREATE INDEX child_in_need_person ON child_in_need (person_id);
-- Annex A List 7: child protection plans
CREATE TABLE cp_plan (
  cp_plan_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  plan_start_date date NOT NULL,
  initial_category_of_abuse text NOT NULL,
  latest_category_of_abuse text NOT NULL,
  date_last_statutory_visit date,
  seen_alone text,
  date_latest_review_conference date,
  plan_end_date date,
  emergency_protection_last_six_months text NOT NULL,
  previous_plans integer NOT NULL,${ALLOCATION}
  last_updated timestamptz NOT NULL
);
CREATE INDEX cp_plan_person ON cp_plan (person_id);
-- Annex A List 8: children looked after
CREATE TABLE looked_after (
  lac_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  date_started_looked_after date NOT NULL,
  category_of_need text NOT NULL,
  legal_status text NOT NULL,
  legal_status_start_date date NOT NULL,
  date_latest_review date,
  date_last_visit date,
  permanence_plan text,
  placements_last_12_months integer NOT NULL,
  date_ceased date,
  reason_ceased text,
  placement_start_date date NOT NULL,
  placement_type text NOT NULL,
  placement_provider text NOT NULL,
  placement_postcode text NOT NULL,
  placement_location text NOT NULL,
  missing_episodes_last_12_months integer NOT NULL,${ALLOCATION}
  last_updated timestamptz NOT NULL
);
CREATE INDEX looked_after_person ON looked_after (person_id);
-- Annex A List 10: adoption (sealed: Adoption Agencies Regulations 2005 regs 41-42)
CREATE TABLE adoption (
  adoption_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  date_entered_care date NOT NULL,
  date_decision_adoption date NOT NULL,
  date_placement_order date,
  date_matched date,
  date_placed date,
  date_adoption_order date,
  last_updated timestamptz NOT NULL
);
CREATE INDEX adoption_person ON adoption (person_id);
-- Protected gender history (sealed: Gender Recognition Act 2004 s22)
CREATE TABLE gender_history (
  record_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  date_recorded date NOT NULL,
  note text NOT NULL,
  last_updated timestamptz NOT NULL
);
CREATE INDEX gender_history_person ON gender_history (person_id);
-- Family and household composition (the person's relationships): related_person_id is
-- relationship of person_id ('Mother': the related person is the person's mother), in both directions.
CREATE TABLE person_relationship (
  relationship_id text PRIMARY KEY,
  person_id text NOT NULL REFERENCES person (person_id),
  related_person_id text NOT NULL REFERENCES person (person_id),
  relationship text NOT NULL,
  start_date date,
  end_date date,
  last_updated timestamptz NOT NULL
);
CREATE INDEX person_relationship_person ON person_relationship (person_id);
CREATE INDEX person_address_uprn ON person_address ((nullif(btrim(uprn), '')));
CREATE INDEX person_address_postcode_key ON person_address ((upper(regexp_replace(coalesce(postcode, ''), '\\s+', '', 'g'))));
`;

type Row = Record<string, string | number | null>;

const yesNo = (value: boolean | undefined): string | null => (value === undefined ? null : value ? 'a) Yes' : 'b) No');
const opt = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function personRows(p: SocialCarePerson): Row {
  return {
    person_id: p.id,
    nhs_number: opt(p.nhsNumber),
    forename: p.forename,
    middle_names: opt(p.middleNames),
    surname: p.surname,
    known_as: opt(p.knownAs),
    date_of_birth: p.birthDate,
    gender: p.gender,
    person_type: p.personType,
    last_updated: p.lastUpdated,
  };
}

const allocation = (a: { teamId: string; workerId: string }): Row => ({ allocated_team: a.teamId, allocated_worker: a.workerId });

/** The view as rows, table by table (column names as in the DDL). */
export function socialCareRows(view: SocialCareView): Array<{ table: SocialCareTable; rows: Row[] }> {
  return [
    { table: 'team', rows: view.teams.map((t) => ({ team_id: t.id, team_name: t.name, phone: t.phone, email: t.email })) },
    { table: 'worker', rows: view.workers.map((w) => ({ worker_id: w.id, worker_name: w.name, role: w.role, team_id: w.teamId, phone: w.phone, email: w.email })) },
    { table: 'person', rows: view.persons.map(personRows) },
    {
      table: 'person_address',
      rows: view.persons.flatMap((p) =>
        p.addresses.map((a) => ({
          person_id: p.id,
          address_line1: a.line1,
          address_line2: opt(a.line2),
          town: a.town,
          postcode: a.postcode,
          uprn: a.uprn,
          start_date: opt(a.start),
          end_date: opt(a.end),
        })),
      ),
    },
    {
      table: 'contact',
      rows: view.contacts.map((c: SocialCareContact) => ({ contact_id: c.id, person_id: c.personId, date_of_contact: c.date, contact_source: c.source, last_updated: c.lastUpdated })),
    },
    {
      table: 'referral',
      rows: view.referrals.map((r: SocialCareReferral) => ({
        referral_id: r.id,
        person_id: r.personId,
        date_of_referral: r.date,
        referral_source: r.source,
        referral_nfa: yesNo(r.nfa),
        ...allocation(r),
        last_updated: r.lastUpdated,
      })),
    },
    {
      table: 'assessment',
      rows: view.assessments.map((a: SocialCareAssessment) => ({
        assessment_id: a.id,
        person_id: a.personId,
        referral_id: a.referralId,
        assessment_start_date: a.start,
        child_seen: yesNo(a.childSeen),
        assessment_authorised_date: opt(a.authorised),
        requires_support: yesNo(a.requiresSupport),
        ...allocation(a),
        last_updated: a.lastUpdated,
      })),
    },
    {
      table: 'section47',
      rows: view.section47s.map((s: SocialCareSection47) => ({
        s47_id: s.id,
        person_id: s.personId,
        strategy_discussion_date: s.strategyDiscussion,
        icpc_unnecessary: yesNo(s.icpcUnnecessary),
        icpc_date: opt(s.icpcDate),
        icpc_resulted_in_plan: yesNo(s.icpcPlan),
        ...allocation(s),
        last_updated: s.lastUpdated,
      })),
    },
    {
      table: 'child_in_need',
      rows: view.childrenInNeed.map((c: SocialCareChildInNeed) => ({
        cin_id: c.id,
        person_id: c.personId,
        cin_start_date: c.start,
        primary_need_code: c.primaryNeed,
        date_last_seen: opt(c.lastSeen),
        cin_closure_date: opt(c.closure),
        reason_for_closure: opt(c.closureReason),
        case_status: c.caseStatus,
        ...allocation(c),
        last_updated: c.lastUpdated,
      })),
    },
    {
      table: 'cp_plan',
      rows: view.cpPlans.map((c: SocialCareCpPlan) => ({
        cp_plan_id: c.id,
        person_id: c.personId,
        plan_start_date: c.start,
        initial_category_of_abuse: c.initialCategory,
        latest_category_of_abuse: c.latestCategory,
        date_last_statutory_visit: opt(c.lastVisit),
        seen_alone: yesNo(c.seenAlone),
        date_latest_review_conference: opt(c.latestReview),
        plan_end_date: opt(c.end),
        emergency_protection_last_six_months: yesNo(c.emergencyProtection),
        previous_plans: c.previousPlans,
        ...allocation(c),
        last_updated: c.lastUpdated,
      })),
    },
    {
      table: 'looked_after',
      rows: view.lookedAfter.map((l: SocialCareLookedAfter) => ({
        lac_id: l.id,
        person_id: l.personId,
        date_started_looked_after: l.start,
        category_of_need: l.categoryOfNeed,
        legal_status: l.legalStatus,
        legal_status_start_date: l.legalStatusStart,
        date_latest_review: opt(l.latestReview),
        date_last_visit: opt(l.lastVisit),
        permanence_plan: opt(l.permanencePlan),
        placements_last_12_months: l.placementsLast12Months,
        date_ceased: opt(l.ceased),
        reason_ceased: opt(l.reasonCeased),
        placement_start_date: l.placementStart,
        placement_type: l.placementType,
        placement_provider: l.placementProvider,
        placement_postcode: l.placementPostcode,
        placement_location: l.placementLocation,
        missing_episodes_last_12_months: l.missingLast12Months,
        ...allocation(l),
        last_updated: l.lastUpdated,
      })),
    },
    {
      table: 'adoption',
      rows: view.adoptions.map((a: SocialCareAdoption) => ({
        adoption_id: a.id,
        person_id: a.personId,
        date_entered_care: a.enteredCare,
        date_decision_adoption: a.decision,
        date_placement_order: opt(a.placementOrder),
        date_matched: opt(a.matched),
        date_placed: opt(a.placed),
        date_adoption_order: opt(a.adoptionOrder),
        last_updated: a.lastUpdated,
      })),
    },
    {
      table: 'person_relationship',
      rows: view.relationships.map((r: SocialCareRelationship) => ({
        relationship_id: r.id,
        person_id: r.personId,
        related_person_id: r.relatedPersonId,
        relationship: r.relationship,
        start_date: opt(r.start),
        end_date: opt(r.end),
        last_updated: r.lastUpdated,
      })),
    },
    {
      table: 'gender_history',
      rows: view.genderHistory.map((g: SocialCareGenderHistory) => ({ record_id: g.id, person_id: g.personId, date_recorded: g.recorded, note: g.note, last_updated: g.lastUpdated })),
    },
  ];
}

/** Runs one SQL statement (with parameters); any PostgreSQL client can provide one. */
export type SocialCareSqlRunner = (sql: string, params?: unknown[]) => Promise<unknown>;

/**
 * Creates the tables and loads the view: one INSERT per table, the rows passed as one JSON
 * parameter (`json_populate_recordset`), which PGlite and PostgreSQL both run quickly.
 */
export async function loadSocialCareDatabase(run: SocialCareSqlRunner, view: SocialCareView, options: { createTables?: boolean } = {}): Promise<void> {
  if (options.createTables !== false) {
    for (const statement of SOCIAL_CARE_SCHEMA_SQL.split(';').map((s) => s.trim()).filter(Boolean)) await run(statement);
  }
  for (const { table, rows } of socialCareRows(view)) {
    if (rows.length === 0) continue;
    await run(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, [JSON.stringify(rows)]);
  }
}
