-- The sheet an import of an Excel workbook reads, as SQLite's migration
-- 0013 says.
ALTER TABLE imports ADD COLUMN sheet TEXT NOT NULL DEFAULT '';
