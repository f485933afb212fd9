-- The audit appender's batches write their rows side by side and only commit in chain order
-- (gateway/audit/log.ts; measured with bench:audit). Until now a batch took the chain lock before
-- inserting anything, so a second batch in flight did no work until the first had committed: the
-- inserts, most of a batch's cost in the database, ran one at a time.
--
-- Now a batch first marks itself in flight (a lock on its last seq), inserts its rows, and only then
-- waits for the batch it is chained onto to end (that batch's lock on the seq before its own first),
-- and checks, as before, that the event it chains onto is committed with the hash it was chained
-- onto. Nothing else changes: a batch whose predecessor did not commit raises
-- serialization_failure (40001) and its rows roll back with it, so a gap can never enter the chain;
-- a batch chained onto a head that is no longer the head collides with the seq primary key (23505);
-- the rows only become visible when the whole statement commits. The chain lock (0x4d410002 and the
-- schema) is now taken shared: batches in flight do not exclude each other, but a writer that reads
-- the head itself (the appender takes that lock exclusively, after meeting another process) still
-- has the chain to itself until it commits, so writers take turns and none is starved.
--
-- The in-flight lock is keyed by the schema and the seq (modulo 2^31: the two-int4 form of an
-- advisory lock). Two keys that collide only make a batch wait longer.
CREATE OR REPLACE FUNCTION audit_append(p_first_seq bigint, p_prev_hash text, p_hashes text[], p_events text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_schema_key int := hashtext('audit_append:' || coalesce(current_schema(), ''));
BEGIN
  -- The first event of the log can only follow the genesis hash: refused before anything is written.
  IF p_first_seq = 1 AND p_prev_hash <> repeat('0', 64) THEN
    RAISE EXCEPTION 'audit batch does not chain onto the event before it'
      USING ERRCODE = 'serialization_failure',
            DETAIL = 'The first event of the log follows the genesis hash.';
  END IF;
  PERFORM pg_advisory_xact_lock_shared(x'4d410002'::int, hashtext(coalesce(current_schema(), '')));
  PERFORM pg_advisory_xact_lock(v_schema_key, ((p_first_seq + cardinality(p_hashes) - 1) % 2147483647)::int);
  INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
  SELECT p_first_seq + e.i - 1, (e.b->>'id')::uuid, (e.b->>'at')::timestamptz, e.b->>'requestId', e.b->>'operation',
         e.b->>'outcome', e.b->'actor'->>'id', e.b->'enquiry'->>'id',
         CASE WHEN e.i = 1 THEN p_prev_hash ELSE p_hashes[e.i::int - 1] END, p_hashes[e.i::int], e.b
    FROM jsonb_array_elements(p_events::jsonb) WITH ORDINALITY AS e(b, i);
  -- Wait for the batch this one is chained onto to commit or roll back, then look with a new
  -- snapshot (a new statement): it sees what committed while this call waited.
  PERFORM pg_advisory_xact_lock(v_schema_key, ((p_first_seq - 1) % 2147483647)::int);
  IF p_first_seq > 1 AND NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.seq = p_first_seq - 1 AND e.hash = p_prev_hash) THEN
    RAISE EXCEPTION 'audit batch does not chain onto the event before it'
      USING ERRCODE = 'serialization_failure',
            DETAIL = format('No event %s with the hash this batch chains onto.', p_first_seq - 1);
  END IF;
END;
$$;
