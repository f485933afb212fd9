-- The audit log: one row per AccessEvent, hash-chained (gateway/audit). `body` is the event as
-- hashed; the other columns copy fields of it for indexing and are checked against it by verify.
CREATE TABLE audit_event (
  seq        bigint      PRIMARY KEY CHECK (seq > 0),
  id         uuid        NOT NULL UNIQUE,
  at         timestamptz NOT NULL,
  request_id text        NOT NULL,
  operation  text        NOT NULL,
  outcome    text        NOT NULL,
  actor_id   text        NULL,
  enquiry_id text        NULL,
  prev_hash  text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash       text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  body       jsonb       NOT NULL
);

-- IG questions: "everything this worker accessed", "everything done under this enquiry", "in this period".
CREATE INDEX audit_event_actor_idx   ON audit_event (actor_id, seq) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_event_enquiry_idx ON audit_event (enquiry_id, seq) WHERE enquiry_id IS NOT NULL;
CREATE INDEX audit_event_at_idx      ON audit_event (at);

-- Append-only, enforced by the database itself and not only by the gateway's code.
CREATE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only'
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = format('%s on audit_event was refused.', TG_OP),
          HINT = 'Audit events can only be inserted; corrections are recorded as new events.';
END;
$$;

CREATE TRIGGER audit_event_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();

CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
