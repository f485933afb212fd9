-- The MASH decision (gateway/workspace/decision) and the contact log (gateway/workspace/contacts).

-- One row per decision recorded for an enquiry, numbered 1, 2, ... within it: the newest is the
-- current decision, the older ones are its history (superseded, never deleted). A decision waits
-- for a MASH manager's sign-off ('recorded'), then is 'signed-off' (immutable) or 'returned'.
CREATE TABLE IF NOT EXISTS mash_decision (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  seq integer NOT NULL CHECK (seq > 0),
  level text NOT NULL,
  -- The level's label when the decision was recorded (local levels may be renamed later).
  level_label text NOT NULL,
  outcome text NOT NULL,
  rationale text NOT NULL,
  -- [{ action, owner: { name?, team?, agency? }, due }]
  next_steps jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  recorded_by_issuer text NOT NULL,
  recorded_by_name text,
  status text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'signed-off', 'returned')),
  decided_at timestamptz,
  decided_by text,
  decided_by_issuer text,
  decided_by_name text,
  -- The manager's sign-off comment or the reason the decision was returned.
  decision_note text,
  UNIQUE (enquiry_id, seq)
);

-- What was decided and by whom never changes; only a decision still awaiting sign-off may be
-- signed off or returned, once. Enforced by the database, not only by the gateway's code.
CREATE OR REPLACE FUNCTION mash_decision_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'mash_decision rows are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status <> 'recorded' THEN
    RAISE EXCEPTION 'a % MASH decision cannot change', OLD.status USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id OR NEW.enquiry_id IS DISTINCT FROM OLD.enquiry_id OR NEW.seq IS DISTINCT FROM OLD.seq
     OR NEW.level IS DISTINCT FROM OLD.level OR NEW.level_label IS DISTINCT FROM OLD.level_label OR NEW.outcome IS DISTINCT FROM OLD.outcome
     OR NEW.rationale IS DISTINCT FROM OLD.rationale OR NEW.next_steps::text IS DISTINCT FROM OLD.next_steps::text
     OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at OR NEW.recorded_by IS DISTINCT FROM OLD.recorded_by
     OR NEW.recorded_by_issuer IS DISTINCT FROM OLD.recorded_by_issuer OR NEW.recorded_by_name IS DISTINCT FROM OLD.recorded_by_name THEN
    RAISE EXCEPTION 'what a MASH decision records cannot change; record a new decision' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS mash_decision_guard ON mash_decision;
CREATE TRIGGER mash_decision_guard
  BEFORE UPDATE OR DELETE ON mash_decision
  FOR EACH ROW EXECUTE FUNCTION mash_decision_guard();

-- The signed-off decision an enquiry was closed on.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS closure_decision_id text REFERENCES mash_decision (id);

-- The contact log: information received outside the agencies' systems (a phone call with the GP,
-- an email from a school), about one subject of an enquiry. Append-only: a correction is a new
-- entry naming the one it corrects.
CREATE TABLE IF NOT EXISTS contact_log_entry (
  id text PRIMARY KEY,
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  subject_id text NOT NULL REFERENCES enquiry_subject (id),
  -- A connected agency, or 'other' (then organisation names who it was).
  agency text NOT NULL,
  organisation text,
  -- The policy category the information belongs to: the gate decides it as that category.
  category text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('phone', 'email', 'meeting', 'letter', 'other')),
  occurred_at timestamptz NOT NULL,
  contact_name text NOT NULL,
  contact_role text NOT NULL,
  contact_phone text,
  contact_email text,
  account text NOT NULL,
  corrects text REFERENCES contact_log_entry (id),
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  recorded_by_issuer text NOT NULL,
  recorded_by_name text
);
CREATE INDEX IF NOT EXISTS contact_log_entry_subject ON contact_log_entry (enquiry_id, subject_id, occurred_at);

CREATE OR REPLACE FUNCTION contact_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'contact_log_entry is append-only'
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = format('%s on contact_log_entry was refused.', TG_OP),
          HINT = 'Corrections are recorded as new entries that name the entry they correct.';
END;
$$;

DROP TRIGGER IF EXISTS contact_log_no_update_or_delete ON contact_log_entry;
CREATE TRIGGER contact_log_no_update_or_delete
  BEFORE UPDATE OR DELETE ON contact_log_entry
  FOR EACH ROW EXECUTE FUNCTION contact_log_refuse_change();
DROP TRIGGER IF EXISTS contact_log_no_truncate ON contact_log_entry;
CREATE TRIGGER contact_log_no_truncate
  BEFORE TRUNCATE ON contact_log_entry
  FOR EACH STATEMENT EXECUTE FUNCTION contact_log_refuse_change();
