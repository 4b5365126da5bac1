package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store/pgtest"
)

// TestCopyCoversEveryTable: every table of either database is copied by
// CopyTo (copyTables) or left out on purpose (notCopied), so that a table
// a new migration adds cannot be forgotten by the copy; and every table
// copied is in both. (cmd/localcrm's TestCopyToPostgres copies a database
// with the real binary.)
func TestCopyCoversEveryTable(t *testing.T) {
	ctx := t.Context()
	lite := openFor(t, filepath.Join(t.TempDir(), "copy.db"))
	// Shadow tables are a virtual table's own: customer_search's.
	check(t, "SQLite", tableNames(t, ctx, lite, `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name <> 'sqlite_schema'`))
	if !onPostgres() {
		return
	}
	pg := openFor(t, pgtest.NewDatabase(t))
	check(t, "PostgreSQL", tableNames(t, ctx, pg, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`))
}

// TestCopyDropsSetupLinks: a setup link a server printed for the empty
// PostgreSQL database does not make an admin of the copy, even of a
// customer file with no user (one run from the command line alone).
func TestCopyDropsSetupLinks(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only")
	}
	ctx := t.Context()
	lite := openFor(t, filepath.Join(t.TempDir(), "copy.db"))
	pg := openFor(t, pgtest.NewDatabase(t))
	secret := []byte("a setup link's hash")
	if err := pg.CreateSetupLink(ctx, secret, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	noFiles := func(context.Context, int64) (SourceFile, error) { return SourceFile{}, nil }
	if _, err := lite.CopyTo(ctx, pg, noFiles); err != nil {
		t.Fatal(err)
	}
	if err := pg.CheckSetupLink(ctx, secret); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("the empty database's setup link after the copy: %v; want it gone", err)
	}
}

func check(t *testing.T, db string, tables []string) {
	t.Helper()
	for _, table := range tables {
		if _, ok := notCopied[table]; !ok && !slices.Contains(copyTables, table) {
			t.Errorf("%s's table %s is neither copied by CopyTo (copyTables) nor left out on purpose (notCopied)", db, table)
		}
	}
	for _, table := range copyTables {
		if !slices.Contains(tables, table) {
			t.Errorf("CopyTo copies %s, which %s does not have", table, db)
		}
	}
}

func tableNames(t *testing.T, ctx context.Context, s *Store, q string) []string {
	t.Helper()
	rows, err := s.read.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}
