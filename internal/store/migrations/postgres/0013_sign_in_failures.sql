-- Failed sign-ins, for the sign-in throttle, as SQLite's migration 0016
-- says.
CREATE TABLE sign_in_failures (
	key BYTEA NOT NULL,
	at  TEXT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
