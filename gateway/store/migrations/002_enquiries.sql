-- Enquiries: the legal scope of access (ARCHITECTURE.md, "Enquiries: the legitimate relationship").
CREATE TABLE IF NOT EXISTS enquiry (
  id text PRIMARY KEY,
  referral_reference text NOT NULL,
  purpose text NOT NULL,
  legal_basis text NOT NULL,
  consent_recorded boolean NOT NULL DEFAULT false,
  rag text NOT NULL CHECK (rag IN ('RED', 'AMBER', 'GREEN')),
  deadline timestamptz NOT NULL,
  opened_at timestamptz NOT NULL,
  opened_by text NOT NULL,
  closed_at timestamptz,
  closed_by text,
  closure_decision text
);

CREATE TABLE IF NOT EXISTS enquiry_member (
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  actor_id text NOT NULL,
  actor_name text,
  actor_agency text,
  added_at timestamptz NOT NULL,
  added_by text NOT NULL,
  PRIMARY KEY (enquiry_id, actor_id)
);
CREATE INDEX IF NOT EXISTS enquiry_member_actor ON enquiry_member (actor_id);

CREATE TABLE IF NOT EXISTS enquiry_subject (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  relation text NOT NULL CHECK (relation IN ('child', 'adult')),
  label text,
  relevance text,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL
);
CREATE INDEX IF NOT EXISTS enquiry_subject_enquiry ON enquiry_subject (enquiry_id);

CREATE TABLE IF NOT EXISTS subject_link (
  subject_id text NOT NULL REFERENCES enquiry_subject (id),
  agency text NOT NULL,
  person_id text NOT NULL,
  linked_at timestamptz NOT NULL,
  linked_by text NOT NULL,
  PRIMARY KEY (subject_id, agency, person_id)
);
