-- Incidents read from agencies' incident feeds (police domestic-abuse incidents), for the MASH's
-- daily domestic-abuse meeting and Operation Encompass. One row per agency incident, updated in
-- place when the feed gives a changed version (first_received_at stays). The persons involved
-- are kept as the agency gave them, by their agency-local ids: these are raw agency records,
-- read only through the disclosure gate.
CREATE TABLE IF NOT EXISTS incident (
  id                 uuid PRIMARY KEY,
  seq                bigserial NOT NULL UNIQUE,
  agency             text NOT NULL,
  incident_id        text NOT NULL,
  kind               text NOT NULL,
  occurred_at        timestamptz NOT NULL,
  risk_level         text CHECK (risk_level IN ('standard', 'medium', 'high')),
  children_present   boolean NOT NULL,
  -- Address (with UPRN where known) and description of a public place.
  location           jsonb NOT NULL,
  -- The attending officer / whom to contact: name, role, organisation, phone, email.
  officer            jsonb NOT NULL,
  -- The incident's provenance (system, record id, asOf).
  provenance         jsonb NOT NULL,
  first_received_at  timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  UNIQUE (agency, incident_id)
);
CREATE INDEX IF NOT EXISTS incident_occurred ON incident (kind, occurred_at);

-- Who was involved and in what role, each person once per incident. `person` is the SourcePerson
-- as the agency gave it (names, birth date, addresses), replaced with the incident.
CREATE TABLE IF NOT EXISTS incident_person (
  incident_id  uuid NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
  person_id    text NOT NULL,
  role         text NOT NULL CHECK (role IN ('victim', 'suspect', 'child-present', 'child-in-household', 'witness', 'other')),
  person       jsonb NOT NULL,
  ord          integer NOT NULL,
  PRIMARY KEY (incident_id, person_id)
);
CREATE INDEX IF NOT EXISTS incident_person_person ON incident_person (person_id);

-- Where each agency's feed resumes. Written in the same transaction as the incidents of the page
-- that moved it, so a restart neither loses nor repeats incidents.
CREATE TABLE IF NOT EXISTS incident_feed_cursor (
  agency          text PRIMARY KEY,
  cursor          text NOT NULL,
  updated_at      timestamptz NOT NULL,
  last_poll_at    timestamptz,
  -- The last poll's failure (connector error kind and a message without personal data), cleared on success.
  last_error      text,
  last_error_at   timestamptz,
  received_total  bigint NOT NULL DEFAULT 0
);
