-- Break-glass review: a MASH manager of the owning team records, once, whether an emergency
-- enquiry opened as break-glass was justified, with a note (required when it was not). The
-- review is kept with the enquiry; the note never goes into the audit log.
CREATE TABLE IF NOT EXISTS break_glass_review (
  enquiry_id          text PRIMARY KEY REFERENCES enquiry (id),
  outcome             text NOT NULL CHECK (outcome IN ('justified', 'not-justified')),
  note                text,
  reviewed_at         timestamptz NOT NULL,
  reviewed_by         text NOT NULL,
  reviewed_by_issuer  text NOT NULL,
  reviewed_by_name    text,
  CHECK (outcome = 'justified' OR note IS NOT NULL)
);
