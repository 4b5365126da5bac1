-- As SQLite's migration 0012: the row a spreadsheet shows a rejected record on.
ALTER TABLE import_errors ADD COLUMN sheet_row BIGINT NOT NULL DEFAULT 0;
