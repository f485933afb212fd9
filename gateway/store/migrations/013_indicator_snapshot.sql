-- The last risk indicators computed for each enquiry: which fired and their counts, when, under
-- which definitions, the subject they were computed for and the access event that disclosed what
-- they counted. No record detail (no references, titles or dates): the triage queue shows these
-- counts per enquiry, and anything more is read through the gate (riskIndicators, chronology).
CREATE TABLE IF NOT EXISTS enquiry_indicator_snapshot (
  enquiry_id text PRIMARY KEY REFERENCES enquiry (id),
  subject_id text NOT NULL,
  definitions_id text NOT NULL,
  definitions_version text NOT NULL,
  -- [{"id": "...", "count": n}, ...] for the indicators that fired, in definition order.
  indicators jsonb NOT NULL,
  computed_at timestamptz NOT NULL,
  audit_event_id uuid NOT NULL,
  computed_by text NOT NULL,
  computed_by_issuer text NOT NULL
);
