-- Phone numbers an agent can dial, and search the way agents type (issue
-- 11, items 5 and 6).
--
-- Each phone field keeps its value as written and gains its international
-- form (E.164, such as +442079460958), read with the country in effect
-- when it was written: NULL when the value is not a phone number of that
-- country.
ALTER TABLE customers ADD COLUMN voice_e164 TEXT;
ALTER TABLE customers ADD COLUMN alternative_e164 TEXT;
ALTER TABLE customers ADD COLUMN fax_e164 TEXT;

-- search_words is what the search index holds of a customer, computed by
-- the store (search.go) wherever it writes one: the words of its names,
-- company and email, folded in Go (case and the accents of every script),
-- and a key per phone number, "_" and its last five digits, so that a
-- search finds numbers by their endings (search.go, phoneKey). The index replaces migration 0007's, which
-- folded with unicode61 (Latin accents only) and held names and company.
ALTER TABLE customers ADD COLUMN search_words TEXT;

-- The words are separated by single spaces, so the index uses the
-- cheapest tokenizer, ascii, with "_" kept inside words for the phone keys'
-- marker. detail=none and content='' are as in 0007; columnsize=0 and
-- deletes that give the words deleted (from search_words, which holds
-- exactly what was indexed) instead of contentless_delete, whose table of
-- each row's size cost an import of a million customers 2 s.
DROP TRIGGER customer_search_insert;
DROP TRIGGER customer_search_update;
DROP TRIGGER customer_search_delete;
DROP TABLE customer_search;
CREATE VIRTUAL TABLE customer_search USING fts5 (
	words,
	content = '', detail = none, columnsize = 0,
	tokenize = "ascii tokenchars '_'"
);
-- FTS5 writes each batch's words as a segment and merges segments into
-- larger ones as they accumulate, rewriting every word of every customer
-- once per level; at commits of 100, most of the index's cost. Merging
-- sixteen segments at a time instead of four halves the levels (a million
-- customers in commits of 100: 3.8 s of merging instead of 5.1 s), and a
-- search reads a few dozen segments at most, still well under a
-- millisecond a word.
INSERT INTO customer_search (customer_search, rank) VALUES ('automerge', 16);
INSERT INTO customer_search (customer_search, rank) VALUES ('crisismerge', 32);

-- The index's vocabulary, read by searches: a search for the beginning of
-- a word looks for the few words it begins instead (store.expand says
-- why). It is a view of the index: it costs writes nothing.
CREATE VIRTUAL TABLE customer_search_vocab USING fts5vocab (customer_search, 'row');

-- New customers enter the index by the store's own statement, a few
-- thousand at a time, in the transaction of the import batch (or save)
-- that makes them that many; until then a search reads them from the
-- customers table itself, by search_words (store.catchUp and tailMax say
-- why). customer_search_upto holds the highest account number the index
-- has taken in; the store's Go step (fillSearchSQLite) computes the column
-- of the customers that exist and indexes them all.
CREATE TABLE customer_search_upto (upto INTEGER NOT NULL);
INSERT INTO customer_search_upto (upto) VALUES (0);

-- Changes and deletes, by whatever code, of customers the index holds are
-- kept by the triggers, in the writing transaction: a customer is found,
-- or not, the moment its change commits. The words deleted are given from
-- search_words, which holds exactly what was indexed.
CREATE TRIGGER customer_search_update AFTER UPDATE OF search_words ON customers
WHEN old.search_words IS NOT new.search_words AND old.account_number <= (SELECT upto FROM customer_search_upto) BEGIN
	INSERT INTO customer_search (customer_search, rowid, words)
	SELECT 'delete', old.account_number, old.search_words WHERE old.search_words IS NOT NULL;
	INSERT INTO customer_search (rowid, words)
	SELECT new.account_number, new.search_words WHERE new.search_words IS NOT NULL;
END;

CREATE TRIGGER customer_search_delete AFTER DELETE ON customers
WHEN old.search_words IS NOT NULL AND old.account_number <= (SELECT upto FROM customer_search_upto) BEGIN
	INSERT INTO customer_search (customer_search, rowid, words) VALUES ('delete', old.account_number, old.search_words);
END;

-- The default country, an admin's setting: "" for none.
INSERT INTO settings (key, value) VALUES ('default_country', '""');

-- An import counts the phone values it loaded as written.
ALTER TABLE imports ADD COLUMN phones_as_written INTEGER NOT NULL DEFAULT 0;
