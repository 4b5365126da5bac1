package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"localcrm/internal/store/pgtest"
)

// TestCopyToPostgres: a team moves its SQLite customer file to PostgreSQL
// with copy-to. A running import stops the copy; once the server is
// stopped (the import interrupted), everything is copied: the customers
// exactly, with their account numbers, the imports with their reports,
// rejected rows and what a revert needs, the settings, fields, users,
// tokens and templates, and the audit log, which records the copy. On
// PostgreSQL the interrupted import resumes from the copied file and
// checkpoint, an update import is reverted, the token made on SQLite
// works, and a new customer's number follows the last one ever given.
func TestCopyToPostgres(t *testing.T) {
	const n = 3000
	c := newCLI(t)
	c.ok("fields", "add", "tier", "--type", "text")
	c.ok("settings", "set", "default_country", "GB")
	if r := c.input(annPassword+"\n", "users", "add", "ann", "--role", "admin"); r.code != 0 {
		t.Fatalf("users add: %d %s", r.code, r.stderr)
	}
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	base, server := startServer(t, c)
	pg := *c
	pg.db = pgtest.NewDatabase(t)
	file := writePeople(t, c.dir, "people.csv", 0, n, nil)
	apiImport(t, base, token, file, n)
	// The server is stopped in its tracks, its import running, at once:
	// a few milliseconds after the import started, of the second it takes.
	server.Process.Signal(syscall.SIGSTOP)
	if r := c.do("copy-to", pg.db); r.code != 2 || !strings.Contains(r.stderr, "Import 1 is running") {
		t.Fatalf("copy-to during an import: exit %d, %s; want 2 and the running import named", r.code, r.stderr)
	}
	server.Process.Signal(syscall.SIGCONT)
	server.Process.Signal(syscall.SIGTERM)
	if err := server.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	interrupted := decodeImport(t, c.ok("imports", "show", "1", "--json"))
	if interrupted.Status != "interrupted" {
		t.Fatalf("import 1 after SIGTERM: %+v", interrupted)
	}
	// An import with rejected rows, a template of it, and an update
	// import to revert on PostgreSQL.
	if r := c.do("import", writePeople(t, c.dir, "more.csv", n, n+50, func(i int) bool { return i%10 == 0 })); r.code != 3 {
		t.Fatalf("import with rejected rows: exit %d, %s", r.code, r.stderr)
	}
	c.ok("templates", "save", "2", "people")
	beforeUpdate := c.ok("export", "-", "--format", "json")
	update := c.file("update.csv", "Email,Company,Tier\nperson3001@example.com,Umbrella,gold\nperson3002@example.com,Umbrella,silver\n")
	c.ok("import", update, "--on-duplicate", "update", "--map", "Tier=tier")
	var last struct {
		AccountNumber int64 `json:"account_number"`
	}
	all := customerLines(t, c.ok("export", "-", "--format", "json"))
	json.Unmarshal([]byte(all[len(all)-1]), &last)
	c.ok("customers", "delete", fmt.Sprint(last.AccountNumber)) // its number is never given again

	out := c.ok("copy-to", pg.db)
	for _, want := range []string{"customers          " + thousands(len(all)-1), "imports            3", "imports' files     3", "users              1", "API tokens         1"} {
		if !strings.Contains(out, want) {
			t.Errorf("copy-to said:\n%s\nwant a line %q", out, want)
		}
	}
	// A second copy would mix the two: refused, the first left whole.
	if r := c.do("copy-to", pg.db); r.code != 2 || !strings.Contains(r.stderr, "is not empty (it has rows in fields, users, tokens, templates, customers,") {
		t.Errorf("a copy into the copy: exit %d, %s; want 2 and the tables that have rows", r.code, r.stderr)
	}
	var sqliteAudit, pgAudit []map[string]any
	json.Unmarshal([]byte(c.ok("audit", "--json", "--limit", "1000")), &sqliteAudit)
	json.Unmarshal([]byte(pg.ok("audit", "--json", "--limit", "1000")), &pgAudit)
	if len(pgAudit) != len(sqliteAudit)+1 || pgAudit[0]["action"] != "database-copied" {
		t.Errorf("PostgreSQL's audit log has %d entries, the first %v; want SQLite's %d and the copy first", len(pgAudit), pgAudit[0], len(sqliteAudit))
	} else {
		b1, _ := json.Marshal(pgAudit[1:])
		b2, _ := json.Marshal(sqliteAudit)
		equal(t, "the copied audit log", string(b1), string(b2))
	}
	for _, args := range [][]string{
		{"export", "-", "--format", "json"},
		{"imports", "list", "--json"},
		{"imports", "show", "2", "--json"},
		{"imports", "report", "2", "--csv", "-"},
		{"imports", "report", "2", "--rejects", "-"},
		{"fields", "list", "--json"},
		{"settings", "--json"},
		{"users", "list", "--json"},
		{"tokens", "list", "--json"},
		{"templates", "list", "--json"},
	} {
		equal(t, strings.Join(args, " ")+" on PostgreSQL", pg.ok(args...), c.ok(args...))
	}
	// The copy works on PostgreSQL as it did on SQLite.
	pg.ok("imports", "revert", "3")
	before := customerLines(t, beforeUpdate)
	before = before[:len(before)-1] // but the customer deleted
	equal(t, "the customers after reverting the update on PostgreSQL", strings.Join(customerLines(t, pg.ok("export", "-", "--format", "json")), "\n"), strings.Join(before, "\n"))
	if got := strings.TrimSpace(pg.ok("customers", "add", "--set", "first_name=Ada", "--set", "last_name=New")); got != fmt.Sprint(last.AccountNumber+1) {
		t.Errorf("a new customer on PostgreSQL got account number %s; want %d, after the last one SQLite gave", got, last.AccountNumber+1)
	}
	resumed := decodeImport(t, pg.ok("imports", "resume", "1", "--json"))
	if resumed.Status != "completed" || resumed.Created != n || resumed.Records != n {
		t.Errorf("import 1 resumed on PostgreSQL: %+v; want completed with %d created", resumed, n)
	}
	pgBase, _ := startServer(t, &pg)
	if code := getStatus(t, pgBase+"/api/v1/customers?limit=1", token); code != http.StatusOK {
		t.Errorf("the token made on SQLite, on PostgreSQL: status %d, want 200", code)
	}
	if _, err := os.Stat(c.db); err != nil {
		t.Errorf("the SQLite file after the copy: %v", err)
	}
}

// customerLines returns the customers of a JSON export, one a line.
func customerLines(t *testing.T, export string) []string {
	t.Helper()
	var customers []json.RawMessage
	if err := json.Unmarshal([]byte(export), &customers); err != nil {
		t.Fatalf("not an export as JSON: %v", err)
	}
	lines := make([]string, len(customers))
	for i, c := range customers {
		lines[i] = string(c)
	}
	return lines
}
