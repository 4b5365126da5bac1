-- An import counts the values it left out of the records it kept, as
-- SQLite's migration 0015 says.
ALTER TABLE imports ADD COLUMN left_out BIGINT NOT NULL DEFAULT 0;
