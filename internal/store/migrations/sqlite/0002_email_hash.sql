-- Emails are found through an index of 32-bit hashes of their keys instead
-- of the unique index on the key's text, which held every address: at a
-- million customers it outgrew the page cache, and each committed batch of
-- an import rewrote about one page of it per record. The hash index is a
-- third of its size; an import of a million customers took half the time.
--
-- Different emails may share a hash, so the index is not unique, and
-- lookups compare email_key after the hash. Uniqueness is the store's: every
-- write that sets an email runs in a transaction that takes SQLite's write
-- lock at BEGIN and looks for the email first, so no two writers, in one
-- process or several, can both find an email free. (Triggers that refused
-- duplicates in the database itself cost imports 13-20% more time.)
--
-- The store fills email_hash (emailHash in customer.go); for the customers
-- that exist, the migration's Go step does (fillEmailHash).
ALTER TABLE customers ADD COLUMN email_hash INTEGER;
DROP INDEX customers_email_key;
CREATE INDEX customers_email_hash ON customers (email_hash);
