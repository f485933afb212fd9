-- An enquiry's version: raised by every change to what an enquiry read is made of (the enquiry
-- row, its members, subjects, links, consents and purpose changes), by whichever process or
-- replica makes it. A gateway keeps the enquiry it last loaded and, on each request, reads only
-- this version (one primary-key read) to know whether it may use it: a closed enquiry, a removed
-- member or an unlinked subject is seen on the very next request, as if the enquiry were loaded.
ALTER TABLE enquiry ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0;

-- Any update of the enquiry row raises its version (unless the update raised it already).
CREATE OR REPLACE FUNCTION enquiry_version_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS enquiry_version_bump ON enquiry;
CREATE TRIGGER enquiry_version_bump
  BEFORE UPDATE ON enquiry
  FOR EACH ROW EXECUTE FUNCTION enquiry_version_on_update();

-- A row of an enquiry's part table (keyed by enquiry_id) changed: raise the enquiry's version.
CREATE OR REPLACE FUNCTION enquiry_part_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE enquiry SET version = version + 1 WHERE id = OLD.enquiry_id;
    RETURN OLD;
  END IF;
  UPDATE enquiry SET version = version + 1 WHERE id = NEW.enquiry_id;
  IF TG_OP = 'UPDATE' AND NEW.enquiry_id IS DISTINCT FROM OLD.enquiry_id THEN
    UPDATE enquiry SET version = version + 1 WHERE id = OLD.enquiry_id;
  END IF;
  RETURN NEW;
END;
$$;

-- A subject link changed: raise the version of the enquiry its subject belongs to.
CREATE OR REPLACE FUNCTION enquiry_link_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE enquiry SET version = version + 1 WHERE id = (SELECT enquiry_id FROM enquiry_subject WHERE id = OLD.subject_id);
    RETURN OLD;
  END IF;
  UPDATE enquiry SET version = version + 1 WHERE id = (SELECT enquiry_id FROM enquiry_subject WHERE id = NEW.subject_id);
  IF TG_OP = 'UPDATE' AND NEW.subject_id IS DISTINCT FROM OLD.subject_id THEN
    UPDATE enquiry SET version = version + 1 WHERE id = (SELECT enquiry_id FROM enquiry_subject WHERE id = OLD.subject_id);
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS enquiry_member_version ON enquiry_member;
CREATE TRIGGER enquiry_member_version
  AFTER INSERT OR UPDATE OR DELETE ON enquiry_member
  FOR EACH ROW EXECUTE FUNCTION enquiry_part_changed();
DROP TRIGGER IF EXISTS enquiry_subject_version ON enquiry_subject;
CREATE TRIGGER enquiry_subject_version
  AFTER INSERT OR UPDATE OR DELETE ON enquiry_subject
  FOR EACH ROW EXECUTE FUNCTION enquiry_part_changed();
DROP TRIGGER IF EXISTS enquiry_consent_version ON enquiry_consent;
CREATE TRIGGER enquiry_consent_version
  AFTER INSERT OR UPDATE OR DELETE ON enquiry_consent
  FOR EACH ROW EXECUTE FUNCTION enquiry_part_changed();
DROP TRIGGER IF EXISTS enquiry_purpose_change_version ON enquiry_purpose_change;
CREATE TRIGGER enquiry_purpose_change_version
  AFTER INSERT OR UPDATE OR DELETE ON enquiry_purpose_change
  FOR EACH ROW EXECUTE FUNCTION enquiry_part_changed();
DROP TRIGGER IF EXISTS subject_link_version ON subject_link;
CREATE TRIGGER subject_link_version
  AFTER INSERT OR UPDATE OR DELETE ON subject_link
  FOR EACH ROW EXECUTE FUNCTION enquiry_link_changed();
