-- The précis of an enquiry: each saved version kept whole (never updated), numbered from 1 per
-- enquiry. A save names the version it was based on; the primary key makes two saves on the same
-- base race to one winner, and the other is told of the conflict (optimistic concurrency).
CREATE TABLE IF NOT EXISTS precis_version (
  enquiry_id text NOT NULL REFERENCES enquiry (id),
  version integer NOT NULL CHECK (version > 0),
  -- The structured content (sections, statements with references, analysis), bounded in size by the service.
  content jsonb NOT NULL,
  -- SHA-256 of the content's canonical JSON (RFC 8785): what the save's audit event names.
  content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  -- Which sections changed against the version before: [{ "key": ..., "change": "added" | "changed" | "removed" }].
  changes jsonb NOT NULL,
  saved_at timestamptz NOT NULL,
  saved_by text NOT NULL,
  saved_by_issuer text NOT NULL,
  saved_by_name text,
  PRIMARY KEY (enquiry_id, version)
);
