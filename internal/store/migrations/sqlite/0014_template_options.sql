-- A template keeps the import's other choices that are not about one
-- file (issues 11 and 12): keep the record without a bad optional value,
-- the country of phone numbers written without one, the column that gives
-- each row's country (by its header key, as the mapping's columns are),
-- and whether phone numbers are checked. Templates saved before this
-- version have none of them, as an import's defaults.
ALTER TABLE templates ADD COLUMN keep_record INTEGER NOT NULL DEFAULT 0;
ALTER TABLE templates ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN country_column TEXT NOT NULL DEFAULT '';
ALTER TABLE templates ADD COLUMN check_phones INTEGER NOT NULL DEFAULT 0;
