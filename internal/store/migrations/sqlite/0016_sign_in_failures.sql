-- Failed sign-ins, for the sign-in throttle (internal/auth): kept in the
-- database rather than in each server's memory, so that servers sharing a
-- database share the limit (an attacker behind a load balancer does not
-- get a quota per server) and a restart does not forget it. A key is the
-- SHA-256 of "a:" and a folded user name, or "c:" and a client address:
-- names people mistype (sometimes a password) are not kept in clear.
CREATE TABLE sign_in_failures (
	key BLOB NOT NULL,
	at  TEXT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
