-- Operation Encompass: one notification per domestic-abuse incident and child (the incident's
-- agency person id), planned when the feed stores the incident and worked by the Operation
-- Encompass worker: PENDING (find the school) -> PLANNED (school and key adult known) -> SENT
-- (audited, then the school's inbox and email) -> ACKNOWLEDGED by the school's DSL; EXCEPTION
-- when the MASH must act instead (encompass_exception). The school and key adult are kept as
-- configured when the notification was planned; `content` is the disclosure gate's output as it
-- was sent (names, date of birth and the incident's fixed fields the policy names), read only
-- by the school's DSL and never by anything else.
CREATE TABLE IF NOT EXISTS encompass_notification (
  id                  uuid PRIMARY KEY,
  seq                 bigserial NOT NULL UNIQUE,
  incident_id         uuid NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
  agency              text NOT NULL,
  person_id           text NOT NULL,
  role                text NOT NULL CHECK (role IN ('child-present', 'child-in-household')),
  status              text NOT NULL CHECK (status IN ('pending', 'planned', 'sent', 'acknowledged', 'exception')),
  school_laestab      text,
  school_name         text,
  key_adult_name      text,
  key_adult_email     text,
  key_adult_phone     text,
  school_day          date,
  due_by              timestamptz,
  escalate_at         timestamptz,
  content             jsonb,
  rule_id             text,
  channels            text[] NOT NULL DEFAULT '{}',
  audit_event_id      uuid,
  sent_at             timestamptz,
  acknowledged_at     timestamptz,
  acknowledged_by_issuer  text,
  acknowledged_by_subject text,
  acknowledged_by_name    text,
  escalated_at        timestamptz,
  attempts            integer NOT NULL DEFAULT 0,
  -- A worker working this row (finding the school, or sending) until then: several gateway
  -- processes may run the worker, and only the one whose claim set this works the row.
  lease_until         timestamptz,
  last_error          text,
  created_at          timestamptz NOT NULL,
  UNIQUE (incident_id, person_id)
);
CREATE INDEX IF NOT EXISTS encompass_notification_status ON encompass_notification (status, created_at);
CREATE INDEX IF NOT EXISTS encompass_notification_school ON encompass_notification (school_laestab, seq);
CREATE INDEX IF NOT EXISTS encompass_notification_person ON encompass_notification (agency, person_id);

-- What the MASH must do instead of (or besides) the worker: no school found or confirmed, no key
-- adult, an agency that did not answer, not sent or not acknowledged in time. At most one
-- unresolved exception per notification and reason; each is told to the MASH once.
CREATE TABLE IF NOT EXISTS encompass_exception (
  id                  uuid PRIMARY KEY,
  seq                 bigserial NOT NULL UNIQUE,
  notification_id     uuid NOT NULL REFERENCES encompass_notification (id) ON DELETE CASCADE,
  reason              text NOT NULL CHECK (reason IN ('NO_SCHOOL_FOUND', 'SCHOOL_NOT_CONFIRMED', 'NO_KEY_ADULT', 'AGENCY_UNAVAILABLE', 'NOT_SENT_IN_TIME', 'NOT_ACKNOWLEDGED')),
  detail              text NOT NULL,
  raised_at           timestamptz NOT NULL,
  school_day          date,
  resolved_at         timestamptz,
  resolved_by_issuer  text,
  resolved_by_subject text,
  resolved_by_name    text,
  resolution          text
);
CREATE UNIQUE INDEX IF NOT EXISTS encompass_exception_open ON encompass_exception (notification_id, reason) WHERE resolved_at IS NULL;

-- A team message for one school's DSLs (an Operation Encompass notification), and the address
-- the email channel sends this one to (the school's key adult) instead of the configured mailboxes.
ALTER TABLE notification ADD COLUMN IF NOT EXISTS recipient_school text;
ALTER TABLE notification ADD COLUMN IF NOT EXISTS recipient_email text;
