-- The audit appender's write path (gateway/audit/log.ts), made cheaper per event and checked by the
-- database itself. Measured with bench:audit; every rule of 001_audit.sql still holds.

-- 1. The hash checks ran the regex engine over a 64-fold repetition twice per row (about a sixth of
--    the database's time per event). The same rule, about fifteen times cheaper: exactly 64 bytes,
--    none of them anything but a lower-case hex digit. Existing rows are checked again as the
--    constraints are added.
ALTER TABLE audit_event
  DROP CONSTRAINT audit_event_prev_hash_check,
  DROP CONSTRAINT audit_event_hash_check,
  ADD CONSTRAINT audit_event_prev_hash_check CHECK (octet_length(prev_hash) = 64 AND prev_hash !~ '[^0-9a-f]'),
  ADD CONSTRAINT audit_event_hash_check CHECK (octet_length(hash) = 64 AND hash !~ '[^0-9a-f]');

-- 2. An event's body (~1.9 KB of JSON) is just over the size PostgreSQL compresses, and pglz was
--    another sixth. lz4 stores it in about the same space in a fraction of the time. Only new rows
--    are affected; older ones stay readable as they are. A server built without lz4 (PGlite) keeps
--    pglz.
DO $$
BEGIN
  ALTER TABLE audit_event ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END;
$$;

-- 3. One batch of events in one call: the appender has chained them onto the event at
--    p_first_seq - 1 (p_prev_hash is its hash, or the genesis hash before the first event). Under the
--    chain lock (the appender's: 0x4d410002 and the schema) it checks that this event is in the log
--    with that hash, as committed by then, and only then inserts. The appender keeps up to two
--    batches in flight: the second, sent before the first has committed, waits here for the lock
--    and, if the first did not commit, raises serialization_failure (40001) and writes nothing, so
--    a gap can never enter the chain. A batch chained onto a head that is no longer the head (another
--    process appended) collides with the seq primary key (23505). The events arrive as the text of
--    one JSON array and are parsed after the lock is taken, so calls reach the lock in about the
--    order they were sent rather than in order of size. The indexed columns are read out of each
--    body, so they cannot disagree with what was hashed.
CREATE FUNCTION audit_append(p_first_seq bigint, p_prev_hash text, p_hashes text[], p_events text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(x'4d410002'::int, hashtext(coalesce(current_schema(), '')));
  -- A new statement, so a new snapshot: it sees what committed while this call waited for the lock.
  IF NOT (CASE WHEN p_first_seq = 1 THEN p_prev_hash = repeat('0', 64)
               ELSE EXISTS (SELECT 1 FROM audit_event e WHERE e.seq = p_first_seq - 1 AND e.hash = p_prev_hash) END) THEN
    RAISE EXCEPTION 'audit batch does not chain onto the event before it'
      USING ERRCODE = 'serialization_failure',
            DETAIL = format('No event %s with the hash this batch chains onto.', p_first_seq - 1);
  END IF;
  INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
  SELECT p_first_seq + e.i - 1, (e.b->>'id')::uuid, (e.b->>'at')::timestamptz, e.b->>'requestId', e.b->>'operation',
         e.b->>'outcome', e.b->'actor'->>'id', e.b->'enquiry'->>'id',
         CASE WHEN e.i = 1 THEN p_prev_hash ELSE p_hashes[e.i::int - 1] END, p_hashes[e.i::int], e.b
    FROM jsonb_array_elements(p_events::jsonb) WITH ORDINALITY AS e(b, i);
END;
$$;
