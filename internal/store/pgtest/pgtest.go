// Package pgtest gives tests a PostgreSQL database of their own, in the
// throwaway cluster that the test command starts (scripts/postgres) and
// names in LOCALCRM_TEST_POSTGRES.
package pgtest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the cluster's own statements
)

var seq atomic.Int64

// NewDatabase creates an empty database for t and returns its URL; the
// database is dropped when t ends. A test that needs PostgreSQL fails when
// the cluster is not there, rather than passing without running.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("LOCALCRM_TEST_POSTGRES")
	if admin == "" {
		t.Fatal("LOCALCRM_TEST_POSTGRES is not set: run the tests with make test, which starts a PostgreSQL cluster for them")
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), seq.Add(1))
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
