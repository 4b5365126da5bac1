-- How long an import has spent running, over all its runs, in milliseconds.
-- started_at to finished_at also counts the time an interrupted import sat
-- waiting to be resumed, which made its rate and duration look far worse
-- than they were. For the imports that exist, that span is all there is.
ALTER TABLE imports ADD COLUMN run_ms INTEGER NOT NULL DEFAULT 0;
UPDATE imports
SET run_ms = CAST(round((julianday(finished_at) - julianday(started_at)) * 86400000) AS INTEGER)
WHERE started_at != '' AND finished_at != '';
