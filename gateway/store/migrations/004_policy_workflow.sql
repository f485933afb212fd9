-- Consent, purpose changes, break-glass and originator review (POLICY-GUIDANCE.md).

-- Consent (the family's agreement) as recorded on an enquiry: who gave it, when, for what; it may
-- be withdrawn. enquiry.consent_recorded stays the current state, kept in step with this history.
CREATE TABLE IF NOT EXISTS enquiry_consent (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  given_by text NOT NULL,
  scope text NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  withdrawn_at timestamptz,
  withdrawn_by text,
  withdrawal_reason text
);
CREATE INDEX IF NOT EXISTS enquiry_consent_enquiry ON enquiry_consent (enquiry_id);

-- Purpose changes (e.g. early help to s47): by a MASH manager, with a reason.
CREATE TABLE IF NOT EXISTS enquiry_purpose_change (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  from_purpose text NOT NULL,
  to_purpose text NOT NULL,
  reason text NOT NULL,
  changed_at timestamptz NOT NULL,
  changed_by text NOT NULL
);

-- Break-glass: an emergency enquiry opened out of hours, with its written justification, for
-- review by information governance.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS break_glass_justification text;

-- Originator review: a `review` decision waits for the owning agency's reviewer.
CREATE TABLE IF NOT EXISTS review_request (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  subject_id text NOT NULL REFERENCES enquiry_subject (id),
  agency text NOT NULL,
  category text NOT NULL,
  purpose text NOT NULL,
  requested_at timestamptz NOT NULL,
  requested_by text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
  decided_at timestamptz,
  decided_by text,
  decision_reason text,
  UNIQUE (enquiry_id, subject_id, agency, category)
);
CREATE INDEX IF NOT EXISTS review_request_agency_status ON review_request (agency, status);
