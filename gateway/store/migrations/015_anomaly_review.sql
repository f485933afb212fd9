-- Information governance's sign-offs of audit anomalies.

-- One row per review. An anomaly is recomputed from the log on every auditAnomalies call, so a
-- review names it by what defines it: its kind, its actor (issuer and subject) and its events;
-- anomaly_key is the SHA-256 of those, to find an anomaly's reviews. A later review of the same
-- anomaly supersedes the earlier one, which is kept. The note stays here, never in the audit log.
CREATE TABLE IF NOT EXISTS anomaly_review (
  id               uuid PRIMARY KEY,
  seq              bigserial NOT NULL UNIQUE,
  anomaly_key      text NOT NULL,
  kind             text NOT NULL,
  actor_issuer     text,
  actor_subject    text,
  event_ids        jsonb NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('reviewed-no-action', 'action-taken')),
  note             text,
  reviewed_at      timestamptz NOT NULL,
  reviewer_issuer  text NOT NULL,
  reviewer_subject text NOT NULL,
  reviewer_name    text
);
CREATE INDEX IF NOT EXISTS anomaly_review_key ON anomaly_review (anomaly_key, seq);
CREATE INDEX IF NOT EXISTS anomaly_review_at ON anomaly_review (reviewed_at, seq);
