-- The order of an enquiry's subjects: the order in which they joined it. created_at ties when two
-- subjects are added in the same millisecond, and the id that broke the tie is random, so each
-- subject gets a number from one sequence as it is inserted; subjects are listed by it.

CREATE SEQUENCE IF NOT EXISTS enquiry_subject_seq;
ALTER TABLE enquiry_subject ADD COLUMN IF NOT EXISTS seq bigint;

-- Subjects that joined before this migration keep the order they were listed in until now.
UPDATE enquiry_subject s SET seq = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM enquiry_subject) o
 WHERE s.id = o.id AND s.seq IS NULL;
SELECT setval('enquiry_subject_seq', coalesce((SELECT max(seq) FROM enquiry_subject), 0) + 1, false);

ALTER TABLE enquiry_subject ALTER COLUMN seq SET DEFAULT nextval('enquiry_subject_seq');
ALTER TABLE enquiry_subject ALTER COLUMN seq SET NOT NULL;
ALTER SEQUENCE enquiry_subject_seq OWNED BY enquiry_subject.seq;
CREATE UNIQUE INDEX IF NOT EXISTS enquiry_subject_order ON enquiry_subject (enquiry_id, seq);
