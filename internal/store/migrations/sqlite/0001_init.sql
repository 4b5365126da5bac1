-- The customer file. Standard fields are columns named by their keys; custom
-- field values live in one JSON object so that adding or deleting a custom
-- field never rewrites the table. A field with no value is NULL: binding
-- NULL costs an import less than binding '', and email's unique index
-- ignores NULLs.
CREATE TABLE customers (
	account_number INTEGER PRIMARY KEY AUTOINCREMENT,
	first_name     TEXT,
	last_name      TEXT,
	email          TEXT,
	email_key      TEXT, -- crm.EmailKey(email): uniqueness ignores case
	company        TEXT,
	voice          TEXT,
	alternative    TEXT,
	fax            TEXT,
	comments       TEXT,
	customer_type  TEXT,
	addr1_street1  TEXT,
	addr1_street2  TEXT,
	addr1_city     TEXT,
	addr1_state    TEXT,
	addr1_zip      TEXT,
	addr1_country  TEXT,
	addr2_street1  TEXT,
	addr2_street2  TEXT,
	addr2_city     TEXT,
	addr2_state    TEXT,
	addr2_zip      TEXT,
	addr2_country  TEXT,
	custom         TEXT NOT NULL DEFAULT '{}',
	-- Which import created the customer, and which import (and line of its
	-- file) created or last changed it. No foreign keys: checking them on
	-- every imported row costs more than it protects; DeleteImport clears
	-- them itself.
	created_import INTEGER,
	import_id      INTEGER,
	import_line    INTEGER,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX customers_email_key ON customers (email_key);

-- Account numbers start at 10000000 and, thanks to AUTOINCREMENT, are never reused.
INSERT INTO sqlite_sequence (name, seq) VALUES ('customers', 9999999);

-- Custom field definitions, in display order.
CREATE TABLE fields (
	name          TEXT PRIMARY KEY,
	label         TEXT NOT NULL,
	type          TEXT NOT NULL,
	max_length    INTEGER NOT NULL,
	required      INTEGER NOT NULL DEFAULT 0,
	default_value TEXT NOT NULL DEFAULT '',
	picklist      TEXT NOT NULL DEFAULT '[]', -- JSON array of values, in order
	position      INTEGER NOT NULL,
	created_at    TEXT NOT NULL
);

-- Settings an admin changes, such as the customer types; values are JSON.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('customer_types', '["Default"]');

-- Import jobs. Counters and report_size are the checkpoint, committed in
-- the same transaction as each batch of customers.
CREATE TABLE imports (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	status           TEXT NOT NULL,
	file_name        TEXT NOT NULL,
	file_size        INTEGER NOT NULL,
	encoding         TEXT NOT NULL,
	delimiter        TEXT NOT NULL,
	header_line      INTEGER NOT NULL,
	columns          TEXT NOT NULL, -- JSON array
	options          TEXT NOT NULL, -- JSON crm.ImportOptions
	total            INTEGER NOT NULL DEFAULT 0,
	records          INTEGER NOT NULL DEFAULT 0,
	created          INTEGER NOT NULL DEFAULT 0,
	updated          INTEGER NOT NULL DEFAULT 0,
	skipped          INTEGER NOT NULL DEFAULT 0,
	rejected         INTEGER NOT NULL DEFAULT 0,
	batches          INTEGER NOT NULL DEFAULT 0,
	report_size      INTEGER NOT NULL DEFAULT 0,
	error            TEXT NOT NULL DEFAULT '',
	created_by       TEXT NOT NULL DEFAULT '',
	worker           TEXT NOT NULL DEFAULT '',
	cancel_requested INTEGER NOT NULL DEFAULT 0,
	created_at       TEXT NOT NULL,
	started_at       TEXT NOT NULL DEFAULT '',
	finished_at      TEXT NOT NULL DEFAULT '',
	heartbeat_at     TEXT NOT NULL DEFAULT ''
);

-- Every reason a record of an import was rejected, one row per problem.
CREATE TABLE import_errors (
	import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	line      INTEGER NOT NULL,
	field     TEXT NOT NULL,
	value     TEXT NOT NULL,
	message   TEXT NOT NULL
);
CREATE INDEX import_errors_import ON import_errors (import_id, line);

-- The rejected records themselves, as read, for the rejects file.
CREATE TABLE import_rejects (
	import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	line      INTEGER NOT NULL,
	cells     TEXT NOT NULL, -- JSON array of the row's cells; [raw text] when the row could not be parsed
	message   TEXT NOT NULL,
	PRIMARY KEY (import_id, line)
);

-- The values a customer had before an import updated it, so that the
-- import can be reverted.
CREATE TABLE import_changes (
	import_id      INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	account_number INTEGER NOT NULL,
	line           INTEGER NOT NULL,
	before         TEXT NOT NULL, -- JSON object of the changed fields' previous values
	PRIMARY KEY (import_id, account_number)
);
