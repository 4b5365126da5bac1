-- Reverting an import (undo). import_changes gains what the updated
-- customer's row said of itself before the import (which import last
-- changed it, from which line, and when), so that a revert gives that back
-- too and an earlier import can be reverted after a later one. It is keyed
-- by line instead of customer, since a revert walks an import's changes
-- newest first: each customer is changed by one line of an import, so the
-- key stays unique. Changes recorded before this version restore no
-- provenance (prev_updated '' means "now").
CREATE TABLE import_changes_new (
	import_id      INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	line           INTEGER NOT NULL,
	account_number INTEGER NOT NULL,
	before         TEXT NOT NULL, -- JSON object of every value before the import
	prev_import    INTEGER,
	prev_line      INTEGER,
	prev_updated   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (import_id, line)
);
INSERT INTO import_changes_new (import_id, line, account_number, before)
	SELECT import_id, line, account_number, before FROM import_changes;
DROP TABLE import_changes;
ALTER TABLE import_changes_new RENAME TO import_changes;

-- An import's revert: at most one per import. It runs in batches, each
-- committed with its place (phase and resume_at) and counts, so that an
-- interrupted revert goes on where it stopped. worker and heartbeat_at
-- keep two processes from running it at once, as for imports.
CREATE TABLE reverts (
	import_id    INTEGER PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
	status       TEXT NOT NULL, -- running, completed, failed
	force        INTEGER NOT NULL DEFAULT 0,
	phase        INTEGER NOT NULL DEFAULT 0, -- 0: deleting created customers; 1: restoring updated ones
	resume_at    INTEGER NOT NULL DEFAULT 0, -- phase 0: last account number done; phase 1: last line done
	deleted      INTEGER NOT NULL DEFAULT 0,
	restored     INTEGER NOT NULL DEFAULT 0,
	kept         INTEGER NOT NULL DEFAULT 0,
	missing      INTEGER NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	created_by   TEXT NOT NULL DEFAULT '',
	worker       TEXT NOT NULL DEFAULT '',
	started_at   TEXT NOT NULL,
	finished_at  TEXT NOT NULL DEFAULT '',
	heartbeat_at TEXT NOT NULL DEFAULT ''
);

-- What the revert did to each customer the import touched, for its report.
CREATE TABLE revert_report (
	import_id      INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	account_number INTEGER NOT NULL,
	line           INTEGER NOT NULL,
	action         TEXT NOT NULL, -- deleted, restored, kept, missing
	reason         TEXT NOT NULL,
	PRIMARY KEY (import_id, account_number)
);
