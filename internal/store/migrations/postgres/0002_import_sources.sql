-- The uploaded files of imports, in chunks, so that any server sharing the
-- database can start or resume an import whatever server received its
-- file (issue 10). A chunk is at most a megabyte: a file is written and
-- read one chunk at a time, never whole in memory. source_removed_at is
-- when the retention sweep removed an unused upload, for the message that
-- says so.
CREATE TABLE import_sources (
	import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	seq       BIGINT NOT NULL,
	data      BYTEA NOT NULL,
	PRIMARY KEY (import_id, seq)
);
ALTER TABLE imports ADD COLUMN source_removed_at TEXT NOT NULL DEFAULT '';
