-- What the MASH's daily domestic-abuse meeting decided for each incident (gateway/incidents/triage).
-- Append-only: a later outcome is a new row; the current outcome is the latest (by recorded_at,
-- then seq), the earlier ones its history. The reason is kept here and never in the audit log.
CREATE TABLE IF NOT EXISTS incident_outcome (
  id                  uuid PRIMARY KEY,
  seq                 bigserial NOT NULL UNIQUE,
  incident_id         uuid NOT NULL REFERENCES incident (id),
  outcome             text NOT NULL CHECK (outcome IN ('marac-referral', 'mash-enquiry', 'encompass-only', 'no-further-action')),
  reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  -- The enquiry opened from the incident (mash-enquiry only).
  enquiry_id          text REFERENCES enquiry (id),
  recorded_at         timestamptz NOT NULL,
  recorded_by         text NOT NULL,
  recorded_by_issuer  text NOT NULL,
  recorded_by_name    text,
  CHECK ((outcome = 'mash-enquiry') = (enquiry_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS incident_outcome_incident ON incident_outcome (incident_id, recorded_at DESC, seq DESC);
-- The meeting's list reads the outcomes recorded on its day.
CREATE INDEX IF NOT EXISTS incident_outcome_recorded ON incident_outcome (recorded_at);

CREATE OR REPLACE FUNCTION incident_outcome_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'incident_outcome is append-only'
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = format('%s on incident_outcome was refused.', TG_OP),
          HINT = 'A changed outcome is recorded as a new outcome; the latest is the current one.';
END;
$$;

DROP TRIGGER IF EXISTS incident_outcome_no_update_or_delete ON incident_outcome;
CREATE TRIGGER incident_outcome_no_update_or_delete
  BEFORE UPDATE OR DELETE ON incident_outcome
  FOR EACH ROW EXECUTE FUNCTION incident_outcome_refuse_change();
DROP TRIGGER IF EXISTS incident_outcome_no_truncate ON incident_outcome;
CREATE TRIGGER incident_outcome_no_truncate
  BEFORE TRUNCATE ON incident_outcome
  FOR EACH STATEMENT EXECUTE FUNCTION incident_outcome_refuse_change();

-- The incident an enquiry was opened from (openEnquiryFromIncident); null for a referral.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS source_incident_id uuid REFERENCES incident (id);
