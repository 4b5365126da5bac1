-- How many values of each field an import's updates changed, as a JSON
-- object of field key → count, committed with every batch's checkpoint so
-- that the report agrees with the dry run that announced them.
ALTER TABLE imports ADD COLUMN changes TEXT NOT NULL DEFAULT '{}';
