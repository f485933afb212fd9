-- Originator review and notifications.

-- The likely person (P1, P2, ...) each shown record belonged to in its search, so that
-- linkPerson can link one search result's records as one subject. Rows from before this
-- migration have none and cannot be linked that way (linkSubject still works for them).
ALTER TABLE enquiry_search_shown ADD COLUMN IF NOT EXISTS match_key text;
CREATE INDEX IF NOT EXISTS enquiry_search_shown_event ON enquiry_search_shown (enquiry_id, audit_event_id, match_key);

-- A notification is addressed to one actor (issuer and subject) or to a team: a role within an
-- agency (recipient_agency NULL: every holder of the role, e.g. IG officers). Its text names the
-- enquiry reference and says what happened, never anything about the people concerned; the
-- receiver reads the detail through the API. The idempotency key makes a notification that
-- several gateway processes may raise at once (deadline near) exist once.
CREATE TABLE IF NOT EXISTS notification (
  id                 uuid PRIMARY KEY,
  seq                bigserial NOT NULL UNIQUE,
  kind               text NOT NULL,
  recipient_issuer   text,
  recipient_subject  text,
  recipient_agency   text,
  recipient_role     text,
  enquiry_id         text REFERENCES enquiry (id),
  referral_reference text,
  review_request_id  uuid,
  body               text NOT NULL,
  created_at         timestamptz NOT NULL,
  idempotency_key    text UNIQUE,
  CHECK ((recipient_issuer IS NOT NULL AND recipient_subject IS NOT NULL AND recipient_role IS NULL)
      OR (recipient_issuer IS NULL AND recipient_subject IS NULL AND recipient_role IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS notification_actor ON notification (recipient_issuer, recipient_subject, seq);
CREATE INDEX IF NOT EXISTS notification_team ON notification (recipient_role, recipient_agency, seq);

-- Read state is the reader's own: in a team inbox one reviewer reading a notification does not
-- mark it read for the others.
CREATE TABLE IF NOT EXISTS notification_read (
  notification_id uuid NOT NULL REFERENCES notification (id),
  reader_issuer   text NOT NULL,
  reader_subject  text NOT NULL,
  read_at         timestamptz NOT NULL,
  PRIMARY KEY (notification_id, reader_issuer, reader_subject)
);

-- The transactional outbox: one row per notification and configured channel, written in the same
-- transaction as the notification. A delivery worker claims due rows (FOR UPDATE SKIP LOCKED, and a
-- lease in next_attempt_at so a claimed row is not claimed again while it is being sent), and
-- marks each delivered, due again after a backoff, or dead after the last attempt.
CREATE TABLE IF NOT EXISTS notification_outbox (
  id              uuid PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notification (id),
  channel         text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS notification_outbox_due ON notification_outbox (status, next_attempt_at);
