-- The agency persons each search showed, per enquiry (linkSubject accepts only these). Written once
-- the search's audit event has committed and before its answer leaves the gateway, naming that event.
CREATE TABLE IF NOT EXISTS enquiry_search_shown (
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  agency text NOT NULL,
  person_id text NOT NULL,
  audit_event_id uuid NOT NULL,
  shown_at timestamptz NOT NULL,
  shown_to text NOT NULL,
  shown_to_issuer text,
  PRIMARY KEY (enquiry_id, agency, person_id, audit_event_id)
);
