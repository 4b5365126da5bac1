-- A full-text index of the words of customers' names and companies, what
-- agents search by most. Before it, every search scanned the table (LIKE,
-- then GLOB, over eight columns): at 200,000 customers, with twenty agents
-- searching while an import ran, a search took seconds.
--
-- One column holds the words of first name, last name and company.
-- unicode61 folds case in every script and, with remove_diacritics, drops
-- the accents of Latin letters, so "zoe" finds "Zoë" and "societe" finds
-- "Société". detail=none keeps only which customers hold a word, the
-- cheapest index for an import to keep current (prefix queries still use
-- it); content='' keeps no copy of the text, and contentless_delete lets a
-- row be deleted by its rowid, the account number. Emails and phone
-- numbers are not in it: each word costs an import time, and they are
-- searched otherwise (store.ListCustomers).
--
-- Triggers keep it current in the writing transaction itself, whichever
-- code writes: a customer is findable the moment its batch commits.
CREATE VIRTUAL TABLE customer_search USING fts5 (
	words,
	content = '', contentless_delete = 1, detail = none,
	tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO customer_search (rowid, words)
SELECT account_number, concat_ws(' ', first_name, last_name, company) FROM customers;

CREATE TRIGGER customer_search_insert AFTER INSERT ON customers BEGIN
	INSERT INTO customer_search (rowid, words)
	VALUES (new.account_number, concat_ws(' ', new.first_name, new.last_name, new.company));
END;

CREATE TRIGGER customer_search_update AFTER UPDATE OF first_name, last_name, company ON customers BEGIN
	DELETE FROM customer_search WHERE rowid = old.account_number;
	INSERT INTO customer_search (rowid, words)
	VALUES (new.account_number, concat_ws(' ', new.first_name, new.last_name, new.company));
END;

CREATE TRIGGER customer_search_delete AFTER DELETE ON customers BEGIN
	DELETE FROM customer_search WHERE rowid = old.account_number;
END;
