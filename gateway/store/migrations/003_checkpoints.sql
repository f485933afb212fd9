-- Signed checkpoints of the audit chain (gateway/audit/checkpoint.ts). Each row is a JWS (ES256)
-- over the chain head at `seq`: its hash, the RFC 6962 Merkle root of the chain hashes 1..seq, the
-- time, and the seq of the checkpoint before it. `jws` is what is trusted; the other columns copy its
-- payload for queries and are checked against it by `audit verify`.
CREATE TABLE audit_checkpoint (
  seq      bigint      PRIMARY KEY CHECK (seq > 0),
  prev_seq bigint      NOT NULL CHECK (prev_seq >= 0 AND prev_seq < seq),
  hash     text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  root     text        NOT NULL CHECK (root ~ '^[0-9a-f]{64}$'),
  at       timestamptz NOT NULL,
  key_id   text        NOT NULL,
  jws      text        NOT NULL
);

-- Roots of aligned, perfect subtrees of the Merkle tree (2^level leaves each: 256 and 65,536), so an
-- inclusion proof or a checkpoint reads a few hundred rows instead of every hash in the log. Derived
-- data: proofs are checked against the signed root before they are handed out, and `audit verify`
-- recomputes the tree from the events themselves.
CREATE TABLE audit_merkle_node (
  level smallint NOT NULL CHECK (level IN (8, 16)),
  idx   bigint   NOT NULL CHECK (idx >= 0),
  hash  text     NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (level, idx)
);

-- Append-only, like audit_event: enforced by the database, not only by the gateway's code.
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          DETAIL = format('%s on %s was refused.', TG_OP, TG_TABLE_NAME),
          HINT = 'Audit records can only be inserted.';
END;
$$;

CREATE TRIGGER audit_checkpoint_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_checkpoint_no_truncate
  BEFORE TRUNCATE ON audit_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_merkle_node_no_update_or_delete
  BEFORE UPDATE OR DELETE ON audit_merkle_node
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_merkle_node_no_truncate
  BEFORE TRUNCATE ON audit_merkle_node
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
