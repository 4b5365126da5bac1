-- An import's report, one row per committed batch holding the batch's
-- report lines (CSV, without the header). It commits in the batch's own
-- transaction, so the report is always exactly as long as the checkpoint
-- says, with no file to sync before each commit and none to lose. Imports
-- run before this version keep their first lines in the old report.csv
-- file, report_size bytes long.
CREATE TABLE import_report (
	import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	batch     INTEGER NOT NULL,
	lines     TEXT NOT NULL,
	PRIMARY KEY (import_id, batch)
);
