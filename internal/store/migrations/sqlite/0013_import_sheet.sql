-- The sheet an import of an Excel workbook reads (issue 12): such an
-- import's encoding and delimiter are those of the CSV localcrm made of
-- the sheet, and its page and the command line name the workbook's sheet
-- instead. "" for a CSV file, and for imports made before this version.
ALTER TABLE imports ADD COLUMN sheet TEXT NOT NULL DEFAULT '';
