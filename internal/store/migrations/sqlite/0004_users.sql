-- People who sign in. name_key is the name in lower case: names differ by
-- more than case. password is an argon2id hash in the PHC string format.
CREATE TABLE users (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL UNIQUE,
	role       TEXT NOT NULL,
	password   TEXT NOT NULL,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of each random session id is kept,
-- so a copy of the database signs no one in. seen_at is when the session
-- was last used, for the idle timeout; created_at, for the absolute one.
CREATE TABLE sessions (
	id_hash    BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	seen_at    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens, kept as the SHA-256 of their secret.
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	secret_hash  BLOB NOT NULL UNIQUE,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL DEFAULT '',
	last_used_at TEXT NOT NULL DEFAULT '',
	revoked_at   TEXT NOT NULL DEFAULT ''
);

-- One-time links that let the first person in create the first admin,
-- kept as the SHA-256 of their secret.
CREATE TABLE setup_links (
	secret_hash BLOB PRIMARY KEY,
	expires_at  TEXT NOT NULL
);

-- Who did what, when and from where. Rows are only ever added: the
-- triggers refuse to change or delete one, whoever asks, or to replace one
-- with INSERT OR REPLACE (which deletes without firing a DELETE trigger).
CREATE TABLE audit_log (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	at         TEXT NOT NULL,
	actor      TEXT NOT NULL,
	actor_kind TEXT NOT NULL,
	addr       TEXT NOT NULL,
	action     TEXT NOT NULL,
	target     TEXT NOT NULL,
	detail     TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
