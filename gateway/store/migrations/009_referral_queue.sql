-- Referral intake and the triage queue (docs/workspace.md, "Referral intake and triage queue").

-- When the MASH received the referral (the RAG timescale runs from it); enquiries opened before it
-- was recorded count from their opening.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS received_at timestamptz;
UPDATE enquiry SET received_at = opened_at WHERE received_at IS NULL;
ALTER TABLE enquiry ALTER COLUMN received_at SET NOT NULL;
-- The concern categories (ids of the vocabulary in gateway/workspace/queue/concern-categories.ts),
-- a JSON array: the queue shows them, so they live on the enquiry, not with the referral text.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS concern_categories jsonb NOT NULL DEFAULT '[]'::jsonb;
-- The deadline is when the MASH decision is due; access ends separately, a grace after it (or at
-- closure). Enquiries opened before the two were separated keep their old end: access ended at
-- the deadline, so it still does (nothing gains access by this migration).
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS access_ends_at timestamptz;
UPDATE enquiry SET access_ends_at = deadline WHERE access_ends_at IS NULL;
ALTER TABLE enquiry ALTER COLUMN access_ends_at SET NOT NULL;
-- The deadline the RAG timescale gives from received_at (what a non-manager may not go beyond,
-- and what a manager's extension is bounded from).
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS computed_deadline timestamptz;
UPDATE enquiry SET computed_deadline = deadline WHERE computed_deadline IS NULL;
ALTER TABLE enquiry ALTER COLUMN computed_deadline SET NOT NULL;
-- The current assignee (one at a time); enquiry_assignment keeps every assignment with its note.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS assignee_issuer text;
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS assignee_id text;
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS assignee_name text;
CREATE INDEX IF NOT EXISTS enquiry_queue ON enquiry (owner_agency, closed_at, deadline);

-- The referral itself: who referred and what they said. Kept apart from the enquiry row so that
-- only the audited read (Enquiry.referral) loads it. An enquiry opened without one has no row.
CREATE TABLE IF NOT EXISTS enquiry_referral (
  enquiry_id text PRIMARY KEY REFERENCES enquiry (id),
  source_kind text CHECK (source_kind IN ('agency', 'professional', 'public', 'anonymous')),
  source_organisation text,
  referrer_name text,
  referrer_role text,
  referral_text text
);

CREATE TABLE IF NOT EXISTS enquiry_assignment (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  assignee_issuer text NOT NULL,
  assignee_id text NOT NULL,
  assignee_name text,
  previous_issuer text,
  previous_id text,
  note text,
  assigned_at timestamptz NOT NULL,
  assigned_by text NOT NULL,
  assigned_by_issuer text NOT NULL
);
CREATE INDEX IF NOT EXISTS enquiry_assignment_enquiry ON enquiry_assignment (enquiry_id, assigned_at);

CREATE TABLE IF NOT EXISTS enquiry_deadline_change (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  from_deadline timestamptz NOT NULL,
  to_deadline timestamptz NOT NULL,
  access_ends_at timestamptz NOT NULL,
  reason text NOT NULL,
  changed_at timestamptz NOT NULL,
  changed_by text NOT NULL,
  changed_by_issuer text NOT NULL
);
CREATE INDEX IF NOT EXISTS enquiry_deadline_change_enquiry ON enquiry_deadline_change (enquiry_id, changed_at);

-- Members removed from an enquiry (their row leaves enquiry_member, so every membership check
-- refuses them from then on); kept here as history.
CREATE TABLE IF NOT EXISTS enquiry_member_removed (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  actor_issuer text NOT NULL,
  actor_id text NOT NULL,
  actor_name text,
  actor_agency text,
  added_at timestamptz NOT NULL,
  added_by text NOT NULL,
  added_by_issuer text NOT NULL,
  removed_at timestamptz NOT NULL,
  removed_by text NOT NULL,
  removed_by_issuer text NOT NULL,
  reason text NOT NULL
);
CREATE INDEX IF NOT EXISTS enquiry_member_removed_enquiry ON enquiry_member_removed (enquiry_id, removed_at);
