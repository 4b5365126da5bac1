-- Named mapping templates: how to map the columns of a file that comes
-- again and again (the same export every month), saved once and applied by
-- name. name_key is the name in lower case, so that names differ by more
-- than case. mapping is a JSON object of header key (a column's name read
-- as the importer reads headers, so that "E-mail" and "Email" are one
-- column) → field key, "" for a column left out. Only the choices that are
-- not about one file are kept: the duplicate policy, the date format, the
-- batch size and the update rules (JSON), never a record limit or an
-- encoding. from_import is the import the template was saved from, for
-- people; it may have been deleted since.
CREATE TABLE templates (
	name_key     TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	mapping      TEXT NOT NULL,
	on_duplicate TEXT NOT NULL,
	date_format  TEXT NOT NULL,
	batch_size   BIGINT NOT NULL,
	update_rules TEXT NOT NULL,
	from_import  BIGINT NOT NULL DEFAULT 0,
	saved_by     TEXT NOT NULL,
	saved_at     TEXT NOT NULL
);
