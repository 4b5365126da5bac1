-- Reverting an import: as SQLite's migration 0009 (it says why).
ALTER TABLE import_changes DROP CONSTRAINT import_changes_pkey;
ALTER TABLE import_changes ADD PRIMARY KEY (import_id, line);
ALTER TABLE import_changes ADD COLUMN prev_import BIGINT;
ALTER TABLE import_changes ADD COLUMN prev_line BIGINT;
ALTER TABLE import_changes ADD COLUMN prev_updated TEXT NOT NULL DEFAULT '';

CREATE TABLE reverts (
	import_id    BIGINT PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
	status       TEXT NOT NULL,
	force        BIGINT NOT NULL DEFAULT 0,
	phase        BIGINT NOT NULL DEFAULT 0,
	resume_at    BIGINT NOT NULL DEFAULT 0,
	deleted      BIGINT NOT NULL DEFAULT 0,
	restored     BIGINT NOT NULL DEFAULT 0,
	kept         BIGINT NOT NULL DEFAULT 0,
	missing      BIGINT NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	created_by   TEXT NOT NULL DEFAULT '',
	worker       TEXT NOT NULL DEFAULT '',
	started_at   TEXT NOT NULL,
	finished_at  TEXT NOT NULL DEFAULT '',
	heartbeat_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE revert_report (
	import_id      BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	account_number BIGINT NOT NULL,
	line           BIGINT NOT NULL,
	action         TEXT NOT NULL,
	reason         TEXT NOT NULL,
	PRIMARY KEY (import_id, account_number)
);
