-- An actor is (issuer, subject), never a bare subject: two registered issuers may each have a user
-- with the same "sub" (ARCHITECTURE.md, "Who is calling"). Every place an actor is stored gains the
-- issuer that authenticated them. Rows written before this migration cannot say which issuer that
-- was, so they get '' (no issuer): an empty issuer matches no authenticated actor, and such a
-- member has no access until re-added (fail closed). Each column's default is dropped after the
-- backfill, so every new row must name its issuer.

ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS opened_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE enquiry ALTER COLUMN opened_by_issuer DROP DEFAULT;
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS closed_by_issuer text;
-- The owning team: the agency of the actor who opened the enquiry. A MASH manager of that agency
-- may add members (themselves included) without being a member.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS owner_agency text;
UPDATE enquiry e SET owner_agency = m.actor_agency
  FROM enquiry_member m WHERE m.enquiry_id = e.id AND m.actor_id = e.opened_by AND e.owner_agency IS NULL;

ALTER TABLE enquiry_member ADD COLUMN IF NOT EXISTS actor_issuer text NOT NULL DEFAULT '';
ALTER TABLE enquiry_member ALTER COLUMN actor_issuer DROP DEFAULT;
ALTER TABLE enquiry_member ADD COLUMN IF NOT EXISTS added_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE enquiry_member ALTER COLUMN added_by_issuer DROP DEFAULT;
-- Why the member was added (addEnquiryMember requires a reason; the opener has none).
ALTER TABLE enquiry_member ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE enquiry_member DROP CONSTRAINT IF EXISTS enquiry_member_pkey;
ALTER TABLE enquiry_member ADD PRIMARY KEY (enquiry_id, actor_issuer, actor_id);
DROP INDEX IF EXISTS enquiry_member_actor;
CREATE INDEX IF NOT EXISTS enquiry_member_actor ON enquiry_member (actor_issuer, actor_id);

ALTER TABLE enquiry_subject ADD COLUMN IF NOT EXISTS created_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE enquiry_subject ALTER COLUMN created_by_issuer DROP DEFAULT;

ALTER TABLE subject_link ADD COLUMN IF NOT EXISTS linked_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE subject_link ALTER COLUMN linked_by_issuer DROP DEFAULT;
ALTER TABLE subject_link ADD COLUMN IF NOT EXISTS unlinked_by_issuer text;

ALTER TABLE enquiry_consent ADD COLUMN IF NOT EXISTS recorded_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE enquiry_consent ALTER COLUMN recorded_by_issuer DROP DEFAULT;
ALTER TABLE enquiry_consent ADD COLUMN IF NOT EXISTS withdrawn_by_issuer text;

ALTER TABLE enquiry_purpose_change ADD COLUMN IF NOT EXISTS changed_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE enquiry_purpose_change ALTER COLUMN changed_by_issuer DROP DEFAULT;

ALTER TABLE review_request ADD COLUMN IF NOT EXISTS requested_by_issuer text NOT NULL DEFAULT '';
ALTER TABLE review_request ALTER COLUMN requested_by_issuer DROP DEFAULT;
ALTER TABLE review_request ADD COLUMN IF NOT EXISTS decided_by_issuer text;

-- Every actor some registered issuer has authenticated (gateway/auth/known-actors.ts): an enquiry
-- member can only be someone who has signed in at least once, so a mistyped or invented id is
-- refused instead of silently granting access to whoever later gets that id.
CREATE TABLE IF NOT EXISTS actor_seen (
  issuer     text        NOT NULL,
  subject    text        NOT NULL,
  name       text        NOT NULL,
  agency     text        NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL,
  PRIMARY KEY (issuer, subject)
);
