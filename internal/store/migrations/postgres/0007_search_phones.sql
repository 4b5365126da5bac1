-- Phone numbers an agent can dial, and search the way agents type (issue
-- 11, items 5 and 6), as SQLite's migration 0011 says.
ALTER TABLE customers
	ADD COLUMN voice_e164 TEXT,
	ADD COLUMN alternative_e164 TEXT,
	ADD COLUMN fax_e164 TEXT,
	ADD COLUMN search_words TEXT;

-- The search index is over search_words, which the store fills with the
-- customer's words already folded (search.go) and its phone keys: each
-- space-separated word is one lexeme as it is (array_to_tsvector parses
-- and folds nothing), in place of 0001's index of names and company folded
-- by unaccent, which cost an import a third of its time. The store's Go
-- step (fillSearch) computes the column of the customers that exist.
DROP INDEX customers_words;
DROP FUNCTION customer_words(text, text, text);
DROP FUNCTION fold_text(text);
CREATE INDEX customers_search ON customers USING gin (array_to_tsvector(string_to_array(search_words, ' ')));

-- The default country, an admin's setting: "" for none.
INSERT INTO settings (key, value) VALUES ('default_country', '""');

-- An import counts the phone values it loaded as written.
ALTER TABLE imports ADD COLUMN phones_as_written BIGINT NOT NULL DEFAULT 0;
