-- Email keys are composed (NFC) before they are lower-cased, so that an
-- address written with a composed and with a decomposed accent is one
-- address. The keys of existing non-ASCII emails are recomputed in Go
-- (refillEmailKeys): SQL has no Unicode normalization. This statement only
-- marks the step.
SELECT 1;
