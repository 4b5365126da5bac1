-- A template keeps the import's other choices that are not about one
-- file, as SQLite's migration 0014 says.
ALTER TABLE templates
	ADD COLUMN keep_record BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN country TEXT NOT NULL DEFAULT '',
	ADD COLUMN country_column TEXT NOT NULL DEFAULT '',
	ADD COLUMN check_phones BIGINT NOT NULL DEFAULT 0;
