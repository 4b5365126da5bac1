-- The row a spreadsheet shows a rejected record on (its line, less the
-- line breaks inside cells before it), kept beside its physical line so
-- that the report and the pages give both (issue 12). Errors recorded
-- before this version have 0: not known.
ALTER TABLE import_errors ADD COLUMN sheet_row INTEGER NOT NULL DEFAULT 0;
