package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"localcrm/internal/store"
)

const copyUsage = `Usage: localcrm copy-to POSTGRES_URL

Copies the whole customer file, the SQLite database that --db names (as
in localcrm --db localcrm.db copy-to URL), into a new, empty PostgreSQL
database, to run on several servers: every customer with its account
number, the custom fields and customer types, the settings, the users
with their passwords, the API tokens, the mapping templates, the imports
with their reports, rejected rows, files and what a revert needs, and
the audit log. The SQLite file stays, with all it holds. The copy is
one transaction: all of it, or on any error nothing.

Stop localcrm serve first: what changes once the copy has begun is not
copied, and a running import stops it. On PostgreSQL people sign in
again (sessions are not copied), and the servers resume by themselves
the imports that were interrupted.

Then give every command and server the URL (--db or LOCALCRM_DB); see
"Running on PostgreSQL" in the README.
`

func runCopyTo(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("copy-to")
	pos, err := a.parse(fs, args, copyUsage, "POSTGRES_URL")
	if err != nil {
		return err
	}
	if store.IsPostgres(a.dsn) {
		return &usageError{msg: "--db names a PostgreSQL database: give the SQLite file to copy with --db, and the PostgreSQL database to copy into after copy-to", usage: copyUsage}
	}
	if !store.IsPostgres(pos[0]) {
		return &usageError{msg: fmt.Sprintf("%q is not a PostgreSQL URL: copy-to copies into PostgreSQL, given as postgres://USER:PASSWORD@HOST:PORT/DATABASE", pos[0]), usage: copyUsage}
	}
	// Opening a file that is not there would make a new, empty database.
	if _, err := os.Stat(a.dsn); err != nil {
		return &usageError{msg: fmt.Sprintf("there is no SQLite database at %s (%v): give the file to copy with --db", a.dsn, errors.Unwrap(err)), usage: copyUsage}
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	to, err := store.Open(ctx, pos[0])
	if err != nil {
		return err
	}
	defer to.Close()
	c, err := im.CopyTo(ctx, to)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(a.stdout, "Copied %s into %s:\n", a.st.Path(), to.Path()); err != nil {
		return err
	}
	t := newTable()
	for _, r := range []struct {
		what string
		n    int64
	}{
		{"customers", c.Rows["customers"]}, {"custom fields", c.Rows["fields"]}, {"users", c.Rows["users"]},
		{"API tokens", c.Rows["tokens"]}, {"mapping templates", c.Rows["templates"]}, {"imports", c.Rows["imports"]},
		{"imports' files", int64(c.Files)}, {"audit entries", c.Rows["audit_log"]},
	} {
		t.row("  "+r.what, thousands(int(r.n)))
	}
	return t.writeTo(a.stdout)
}
