package store

import (
	"os"
	"testing"
)

// onPostgres says whether this run of the tests is PostgreSQL's (make
// test runs the store's tests once on each database).
func onPostgres() bool { return os.Getenv("LOCALCRM_TEST_BACKEND") == "postgres" }

// openFor opens the database at dsn (a SQLite file, or PostgreSQL's URL)
// for t, and closes it when t ends.
func openFor(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
