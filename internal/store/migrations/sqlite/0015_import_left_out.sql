-- An import counts the values it left out of the records it kept without
-- them (the option "keep the record, leave out the bad value", issue 12),
-- so that its page and summary say so after the import as the dry run did
-- before it. Imports made before this version have 0.
ALTER TABLE imports ADD COLUMN left_out INTEGER NOT NULL DEFAULT 0;
