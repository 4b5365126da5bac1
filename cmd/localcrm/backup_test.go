package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"localcrm/internal/store/pgtest"
)

// TestBackup: `backup` writes the whole database to a new file only its
// owner can read, consistent even while a server imports into the
// database: the backup's customers are exactly those of the checkpoint it
// holds, and it opens as a localcrm database. It never overwrites a file,
// and is on record in the audit log. On PostgreSQL it points to pg_dump.
func TestBackup(t *testing.T) {
	const n = 3000
	c := newCLI(t)
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	base, _ := startServer(t, c)
	apiImport(t, base, token, writePeople(t, c.dir, "people.csv", 0, n, nil), n)
	waitRecords(t, c, 200)

	file := filepath.Join(c.dir, "backup.db")
	out := c.ok("backup", file)
	if !strings.HasPrefix(out, "Backed up "+c.db+" to "+file+" (") {
		t.Errorf("backup said %q", out)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode is %v, want 0600: it holds password hashes", fi.Mode().Perm())
	}
	integrity(t, openSQL(t, file))
	b := *c
	b.db = file
	imp := decodeImport(t, b.ok("imports", "show", "1", "--json"))
	emails := exportedEmails(t, &b)
	if imp.Records < 200 || imp.Records%2 != 0 || len(emails) != imp.Created || imp.Created != imp.Records {
		t.Errorf("the backup holds import 1 at %d records (%d created) and %d customers; want whole batches, each customer of its checkpoint", imp.Records, imp.Created, len(emails))
	}
	if imp.Status != "running" && imp.Status != "completed" {
		t.Errorf("import 1 in the backup: %s", imp.Status)
	}
	if !strings.Contains(c.ok("audit", "--action", "backup"), file) {
		t.Error("the backup is not in the audit log")
	}

	before, _ := os.ReadFile(file)
	c.fail(2, "localcrm: backup: "+file+" exists already: a backup goes to a new file, so that it never overwrites one. Give another name.\n", "backup", file)
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("a backup to an existing file changed it")
	}

	missing := filepath.Join(c.dir, "no such folder")
	c.fail(1, "localcrm: backup: back up to "+filepath.Join(missing, "b.db")+": cannot write a file in "+missing+": no such file or directory\n", "backup", filepath.Join(missing, "b.db"))

	pg := *c
	pg.db = pgtest.NewDatabase(t)
	if r := pg.do("backup", filepath.Join(c.dir, "pg.db")); r.code != 2 || !strings.Contains(r.stderr, "pg_dump --format=custom") {
		t.Errorf("backup on PostgreSQL: exit %d, %s; want 2 and pg_dump", r.code, r.stderr)
	}
}
