package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"localcrm/internal/auth"
	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// input runs localcrm --db c.db args with stdin as its standard input,
// which is then not a terminal, as in a script.
func (c *cli) input(stdin string, args ...string) result {
	c.t.Helper()
	cmd := exec.CommandContext(c.t.Context(), binary, append([]string{"--db", c.db}, args...)...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOCALCRM_DB=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, c.env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		c.t.Fatalf("run localcrm %q: %v", args, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// osUser is who the audit log must name for what the tests run: the
// operating-system user, as the system knows it.
func osUser(t *testing.T) string {
	t.Helper()
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

// openStore opens c's database in the test, for what the command line
// does not show (password hashes, tokens by secret). While it is open the
// database keeps its -wal and -shm files.
func openStore(t *testing.T, c *cli) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type auditJSON struct {
	Actor     string `json:"actor"`
	ActorKind string `json:"actor_kind"`
	Action    string `json:"action"`
	Target    string `json:"target"`
	Detail    string `json:"detail"`
}

// auditLog runs localcrm audit --json with args and decodes the entries.
func auditLog(t *testing.T, c *cli, args ...string) []auditJSON {
	t.Helper()
	out := c.ok(append([]string{"audit", "--json", "--limit", "1000"}, args...)...)
	var entries []auditJSON
	if err := json.Unmarshal([]byte(out), &entries); err != nil || entries == nil {
		t.Fatalf("audit --json %q: %v, want an array:\n%s", args, err, out)
	}
	return entries
}

// hasEntry reports whether entries hold one by actor, from the command
// line, of action on target.
func hasEntry(entries []auditJSON, actor, action, target string) bool {
	for _, e := range entries {
		if e.Actor == actor && e.ActorKind == crm.ActorCLI && e.Action == action && e.Target == target {
			return true
		}
	}
	return false
}

type userRow struct{ name, role, state string }

// userRows reads the table of users list.
func userRows(t *testing.T, c *cli) []userRow {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(c.ok("users", "list"), "\n"), "\n")
	if h := columnsRE.Split(lines[0], -1); !slices.Equal(h, []string{"NAME", "ROLE", "STATE", "CREATED"}) {
		t.Fatalf("users list header: %q", lines[0])
	}
	var rows []userRow
	for _, l := range lines[1:] {
		cells := columnsRE.Split(l, -1)
		if len(cells) != 4 {
			t.Fatalf("users list row %q: want 4 columns", l)
		}
		rows = append(rows, userRow{cells[0], cells[1], cells[2]})
	}
	return rows
}

const (
	annPassword = "correct horse battery staple"
	bobPassword = "tr0ub4dor&3 is not enough"
)

// TestUsers manages users from the command line as an admin of the
// machine would: passwords only from standard input, every mistake refused
// with status 2 and a message that says what to do, the last admin kept.
func TestUsers(t *testing.T) {
	c := newCLI(t)

	r := c.input(annPassword+"\n", "users", "add", "ann", "--role", "admin")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("users add ann: exit %d, stdout %q, stderr %q; want a quiet success", r.code, r.stdout, r.stderr)
	}
	// A password piped in without a final line break works as well.
	if r := c.input(bobPassword, "users", "add", "bob", "--role", "agent"); r.code != 0 || strings.Contains(r.stdout+r.stderr, bobPassword) {
		t.Fatalf("users add bob: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	for _, tt := range []struct {
		stdin  string
		args   []string
		stderr string // the whole message, or its beginning when it ends in "..."
	}{
		{"short\n", []string{"users", "add", "carl", "--role", "agent"},
			"localcrm: users add: A password needs at least 12 characters; a few ordinary words in a row make a good one.\n"},
		{"", []string{"users", "add", "carl", "--role", "agent"},
			"localcrm: users add: no password on standard input: ..."},
		{annPassword + "\n", []string{"users", "add", "ANN", "--role", "agent"},
			"localcrm: users add: there is already a user named \"ANN\" (names differ by more than case); `localcrm users list` shows the users\n"},
		{annPassword + "\n", []string{"users", "add", "carl"},
			"localcrm: users add: --role is missing: give one of viewer, agent, manager, admin\n..."},
		{annPassword + "\n", []string{"users", "add", "carl", "--role", "boss"},
			"localcrm: users add: \"boss\" is not a role: give one of viewer, agent, manager, admin\n"},
		{annPassword + "\n", []string{"users", "add", "carl smith", "--role", "agent"},
			"localcrm: users add: A user name cannot hold spaces or control characters; ..."},
		// A password is never a flag: other users could read it in the
		// process list.
		{"", []string{"users", "add", "carl", "--role", "agent", "--password", annPassword},
			"localcrm: users add: flag provided but not defined: -password\n..."},
		{"short\n", []string{"users", "reset-password", "bob"},
			"localcrm: users reset-password: A password needs at least 12 characters; a few ordinary words in a row make a good one.\n"},
		{annPassword + "\n", []string{"users", "reset-password", "nobody"},
			"localcrm: users reset-password: there is no user named \"nobody\"; `localcrm users list` shows the users\n"},
		{"", []string{"users", "set-role", "bob", "boss"},
			"localcrm: users set-role: \"boss\" is not a role: give one of viewer, agent, manager, admin\n"},
		{"", []string{"users", "disable", "nobody"},
			"localcrm: users disable: there is no user named \"nobody\"; `localcrm users list` shows the users\n"},
	} {
		r := c.input(tt.stdin, tt.args...)
		prefix, partial := strings.CutSuffix(tt.stderr, "...")
		if r.code != 2 || r.stdout != "" || (partial && !strings.HasPrefix(r.stderr, prefix)) || (!partial && r.stderr != tt.stderr) {
			t.Errorf("localcrm %q: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and:\n%s", tt.args, r.code, r.stdout, r.stderr, tt.stderr)
		}
		if strings.Contains(r.stderr, annPassword) && !slices.Contains(tt.args, annPassword) {
			t.Errorf("localcrm %q printed the password on stderr:\n%s", tt.args, r.stderr)
		}
	}

	want := []userRow{{"ann", "admin", "enabled"}, {"bob", "agent", "enabled"}}
	if got := userRows(t, c); !slices.Equal(got, want) {
		t.Fatalf("users list after refused adds: %v, want %v", got, want)
	}
	var listed []struct {
		Name      string    `json:"name"`
		Role      string    `json:"role"`
		Disabled  bool      `json:"disabled"`
		CreatedAt time.Time `json:"created_at"`
	}
	if err := json.Unmarshal([]byte(c.ok("users", "list", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0].Name != "ann" || listed[0].Role != "admin" || listed[1].Name != "bob" || listed[1].Disabled ||
		time.Since(listed[0].CreatedAt) > time.Hour {
		t.Errorf("users list --json: %+v", listed)
	}
	if strings.Contains(c.ok("users", "list", "--json"), "argon2") {
		t.Error("users list --json shows password hashes")
	}

	c.ok("users", "set-role", "bob", "manager")
	c.ok("users", "disable", "bob")
	want = []userRow{{"ann", "admin", "enabled"}, {"bob", "manager", "disabled"}}
	if got := userRows(t, c); !slices.Equal(got, want) {
		t.Errorf("after set-role and disable: %v, want %v", got, want)
	}
	c.ok("users", "enable", "bob")
	if got := userRows(t, c); got[1].state != "enabled" {
		t.Errorf("after enable: %v", got)
	}

	const newPassword = "a brand new passphrase"
	if r := c.input(newPassword+"\r\n", "users", "reset-password", "BOB"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("users reset-password: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	st := openStore(t, c)
	_, hash, err := st.UserByName(t.Context(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{newPassword: true, bobPassword: false, newPassword + "\r": false} {
		if ok, err := auth.CheckPassword(hash, pw); ok != want || err != nil {
			t.Errorf("bob's password is %q: %v (%v), want %v", pw, ok, err, want)
		}
	}
	for _, name := range []string{"test.db", "test.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(c.dir, name))
		if bytes.Contains(b, []byte(newPassword)) || bytes.Contains(b, []byte(annPassword)) {
			t.Errorf("%s holds a password in clear", name)
		}
	}

	// The last enabled admin stays: nobody could manage users otherwise.
	const lastAdmin = "ann is the last enabled admin; make another user an admin first, so that someone can still manage users.\n"
	c.fail(2, "localcrm: users disable: "+lastAdmin, "users", "disable", "ann")
	c.fail(2, "localcrm: users set-role: "+lastAdmin, "users", "set-role", "ann", "manager")
	if got := userRows(t, c); got[0] != (userRow{"ann", "admin", "enabled"}) {
		t.Errorf("the last admin changed after refusals: %v", got)
	}
	// With a second admin, the first may go.
	c.ok("users", "set-role", "bob", "admin")
	c.ok("users", "disable", "ann")
	c.fail(2, "localcrm: users set-role: bob is the last enabled admin; make another user an admin first, so that someone can still manage users.\n",
		"users", "set-role", "bob", "viewer")

	me := osUser(t)
	entries := auditLog(t, c)
	for _, e := range []struct{ action, target string }{
		{"user-created", "user ann"},
		{"user-created", "user bob"},
		{"user-changed", "user bob"},
		{"user-changed", "user ann"},
	} {
		if !hasEntry(entries, me, e.action, e.target) {
			t.Errorf("the audit log has no %s of %s by %s from the command line:\n%+v", e.action, e.target, me, entries)
		}
	}
	if n := len(auditLog(t, c, "--action", "user-created")); n != 2 {
		t.Errorf("audit --action user-created: %d entries, want 2", n)
	}
	var details []string
	for _, e := range auditLog(t, c, "--action", "user-changed") {
		details = append(details, e.Detail)
	}
	// Newest first; a refused change leaves no entry.
	if want := []string{"disabled", "role: manager → admin", "password reset", "enabled", "disabled", "role: agent → manager"}; !slices.Equal(details, want) {
		t.Errorf("audit --action user-changed: %q, want %q", details, want)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, newPassword) || strings.Contains(e.Detail, "argon2") {
			t.Errorf("the audit log holds a password: %+v", e)
		}
	}
}

// TestAuditFilters reads the audit log with each filter, and checks that
// the command line is recorded as the operating-system user whatever
// $USER says.
func TestAuditFilters(t *testing.T) {
	c := newCLI(t)
	me := osUser(t)
	c.env = []string{"USER=mallory", "LOGNAME=mallory", "LOCALCRM_USER=mallory"}
	if r := c.input(annPassword, "users", "add", "ann", "--role", "admin"); r.code != 0 {
		t.Fatalf("users add: exit %d, %s", r.code, r.stderr)
	}
	c.ok("fields", "add", "tier", "--type", "text")
	c.ok("customers", "add", "--set", "first_name=Ann", "--set", "last_name=Lee")

	all := auditLog(t, c)
	if len(all) != 3 || all[0].Action != "customer-created" || all[2].Action != "user-created" {
		t.Fatalf("audit: %+v; want 3 entries, newest first", all)
	}
	for _, e := range all {
		if e.Actor != me || e.ActorKind != crm.ActorCLI {
			t.Errorf("entry %+v: want actor %s from the command line", e, me)
		}
	}
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	inAnHour := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	anHourAgo := time.Now().Add(-time.Hour).Format(time.RFC3339)
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"--user", me}, 3},
		{[]string{"--user", "mallory"}, 0},
		{[]string{"--action", "field-created"}, 1},
		{[]string{"--action", "export"}, 0},
		{[]string{"--since", "1h"}, 3},
		{[]string{"--since", yesterday}, 3},
		{[]string{"--since", tomorrow}, 0},
		{[]string{"--since", anHourAgo}, 3},
		{[]string{"--since", inAnHour}, 0},
		{[]string{"--limit", "2"}, 2},
		{[]string{"--user", me, "--action", "user-created", "--since", "10m"}, 1},
	} {
		if got := auditLog(t, c, tt.args...); len(got) != tt.want {
			t.Errorf("audit %q: %d entries, want %d: %+v", tt.args, len(got), tt.want, got)
		}
	}
	// Wait long enough for a --since of one second to leave the others out.
	time.Sleep(1100 * time.Millisecond)
	c.ok("customers", "add", "--set", "first_name=Bob", "--set", "last_name=Stone")
	if got := auditLog(t, c, "--since", "1s"); len(got) != 1 || got[0].Action != "customer-created" {
		t.Errorf("audit --since 1s: %+v, want the last customer only", got)
	}

	table := c.ok("audit", "--action", "user-created")
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) != 3 || columnsRE.Split(lines[0], -1)[1] != "ACTOR" || lines[2] != "1 of 1 entries" {
		t.Fatalf("audit table:\n%s", table)
	}
	if cells := columnsRE.Split(lines[1], -1); len(cells) < 5 || cells[1] != me || cells[2] != "cli" || cells[3] != "user-created" || cells[4] != "user ann" {
		t.Errorf("audit table row %q", lines[1])
	}
	for _, args := range [][]string{{"--since", "yesterday"}, {"--since", "-1h"}, {"--limit", "0"}, {"--action", "user-deleted"}} {
		if r := c.do(append([]string{"audit"}, args...)...); r.code != 2 || !strings.HasPrefix(r.stderr, "localcrm: audit: ") {
			t.Errorf("audit %q: exit %d, stderr %q; want exit 2", args, r.code, r.stderr)
		}
	}
}

// tokenRE is what tokens create prints: the prefix and 256 random bits in
// URL-safe base64, on one line.
var tokenRE = regexp.MustCompile(`^lcrm_[A-Za-z0-9_-]{43}\n$`)

// TestTokens makes, lists and revokes API tokens. A token's secret is
// printed once and never kept: the database files hold only its SHA-256.
func TestTokens(t *testing.T) {
	c := newCLI(t)
	c.ok("customers", "list") // creates the database
	// The test holds the database open, so that what the command line
	// writes stays in the -wal file, where it is read too.
	st := openStore(t, c)

	r := c.do("tokens", "create", "--role", "manager", "--name", "nightly sync", "--expires", "720h")
	if r.code != 0 || r.stderr != "" || !tokenRE.MatchString(r.stdout) {
		t.Fatalf("tokens create: exit %d, stdout %q, stderr %q; want one line lcrm_...", r.code, r.stdout, r.stderr)
	}
	secret := strings.TrimSuffix(r.stdout, "\n")
	var files []byte
	for _, name := range []string{c.db, c.db + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	if bytes.Contains(files, []byte(secret)) || bytes.Contains(files, []byte(strings.TrimPrefix(secret, "lcrm_"))) {
		t.Error("the database files hold the token's secret")
	}
	if !bytes.Contains(files, auth.Hash(secret)) {
		t.Error("the database files do not hold the token's hash: the test reads the wrong files")
	}
	tok, err := st.TokenBySecret(t.Context(), auth.Hash(secret))
	if err != nil {
		t.Fatalf("the store does not find the token by its hash: %v", err)
	}
	me := osUser(t)
	if tok.Role != crm.RoleManager || tok.Name != "nightly sync" || tok.CreatedBy != me ||
		tok.ExpiresAt.Sub(time.Now().Add(720*time.Hour)).Abs() > time.Minute {
		t.Errorf("token made: %+v; want manager, nightly sync, by %s, expiring in 720h", tok, me)
	}
	second := c.ok("tokens", "create", "--role", "viewer")
	if !tokenRE.MatchString(second) || second == r.stdout {
		t.Errorf("second token %q: want a new one", second)
	}

	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"tokens", "create"}, "localcrm: tokens create: --role is missing: give one of viewer, agent, manager, admin\n"},
		{[]string{"tokens", "create", "--role", "root"}, "localcrm: tokens create: \"root\" is not a role: give one of viewer, agent, manager, admin\n"},
		{[]string{"tokens", "create", "--role", "agent", "--expires", "-1h"}, "localcrm: tokens create: --expires must be a duration from now"},
		{[]string{"tokens", "create", "--role", "agent", "--expires", "30d"}, "localcrm: tokens create: invalid value \"30d\" for flag -expires"},
		{[]string{"tokens", "create", "--role", "agent", "--name", strings.Repeat("n", 65)}, "localcrm: tokens create: A token's name has at most 64 characters"},
		{[]string{"tokens", "revoke", "x"}, "localcrm: tokens revoke: \"x\" is not a token ID; `localcrm tokens list` shows them\n"},
		{[]string{"tokens", "revoke", "9"}, "localcrm: tokens revoke: there is no token 9, or it is revoked already; `localcrm tokens list` shows them\n"},
	} {
		if r := c.do(tt.args...); r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, tt.stderr) {
			t.Errorf("localcrm %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.stderr)
		}
	}

	list := c.ok("tokens", "list")
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	if len(lines) != 3 || strings.Contains(list, "lcrm_") {
		t.Fatalf("tokens list: want a header and two tokens, no secret:\n%s", list)
	}
	// Token 1 was used by the lookup above; token 2 never.
	if cells := columnsRE.Split(lines[1], -1); len(cells) != 8 || cells[0] != "1" || cells[1] != "nightly sync" || cells[2] != "manager" ||
		cells[3] != me || cells[6] == "never" || cells[7] != "no" {
		t.Errorf("tokens list row %q", lines[1])
	}
	// Token 2 has no name, so its row has an empty cell.
	if !regexp.MustCompile(`^2 +viewer +` + regexp.QuoteMeta(me) + ` +\S.* never +never +no$`).MatchString(lines[2]) {
		t.Errorf("tokens list row %q", lines[2])
	}

	c.ok("tokens", "revoke", "1")
	if _, err := st.TokenBySecret(t.Context(), auth.Hash(secret)); !errors.Is(err, crm.ErrUnauthenticated) {
		t.Errorf("a revoked token still works: %v", err)
	}
	c.fail(2, "localcrm: tokens revoke: there is no token 1, or it is revoked already; `localcrm tokens list` shows them\n", "tokens", "revoke", "1")
	out := c.ok("tokens", "list", "--json")
	var listed []struct {
		ID        int64      `json:"id"`
		Role      string     `json:"role"`
		CreatedBy string     `json:"created_by"`
		ExpiresAt *time.Time `json:"expires_at"`
		RevokedAt *time.Time `json:"revoked_at"`
		Active    bool       `json:"active"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || strings.Contains(out, "lcrm_") || strings.Contains(out, "hash") {
		t.Fatalf("tokens list --json: %v, want no secret or hash:\n%s", err, out)
	}
	if len(listed) != 2 || listed[0].RevokedAt == nil || listed[0].Active || listed[0].ExpiresAt == nil ||
		listed[1].RevokedAt != nil || !listed[1].Active || listed[1].ExpiresAt != nil || listed[1].CreatedBy != me {
		t.Errorf("tokens list --json after revoking token 1:\n%s", out)
	}

	entries := auditLog(t, c)
	for _, e := range []struct{ action, target string }{
		{"token-created", "token 1 (nightly sync)"},
		{"token-created", "token 2"},
		{"token-revoked", "token 1 (nightly sync)"},
	} {
		if !hasEntry(entries, me, e.action, e.target) {
			t.Errorf("the audit log has no %s of %s by %s:\n%+v", e.action, e.target, me, entries)
		}
	}
	if strings.Contains(c.ok("audit"), "lcrm_") {
		t.Error("the audit log shows a token's secret")
	}
}

// TestExportIsAudited: the whole customer file leaving the database is on
// record, whether to a file or to standard output.
func TestExportIsAudited(t *testing.T) {
	c := newCLI(t)
	c.ok("customers", "add", "--set", "first_name=Ann", "--set", "last_name=Lee")
	c.ok("customers", "add", "--set", "first_name=Bob", "--set", "last_name=Stone")
	if n := len(auditLog(t, c, "--action", "export")); n != 0 {
		t.Fatalf("%d exports on record before any", n)
	}
	c.ok("export", "out.csv")
	c.ok("export", "-", "--format", "json")
	c.fail(2, "localcrm: export: --format must be csv or json, not \"xml\"\n"+exportUsage, "export", "x.xml", "--format", "xml")

	got := auditLog(t, c, "--action", "export")
	abs, err := filepath.Abs(filepath.Join(c.dir, "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []auditJSON{
		{Actor: osUser(t), ActorKind: "cli", Action: "export", Target: "customers", Detail: "format: json; 2 customers; to standard output"},
		{Actor: osUser(t), ActorKind: "cli", Action: "export", Target: "customers", Detail: "format: csv; 2 customers; to " + abs},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("exports on record:\n%+v\nwant:\n%+v", got, want)
	}
}

// TestFilesAreOwnerOnly: the database, its -wal and -shm files, the
// imports folder with its files, reports and exports hold personal data
// and are readable by their owner only, whatever the umask lets through.
func TestFilesAreOwnerOnly(t *testing.T) {
	c := newCLI(t)
	mode := func(name string) fs.FileMode {
		t.Helper()
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	c.ok("customers", "add", "--set", "first_name=Ann", "--set", "last_name=Lee")
	if m := mode(c.db); m != 0o600 {
		t.Errorf("new database file: mode %#o, want 0600", m)
	}

	people := writePeople(t, c.dir, "people.csv", 0, 20, func(i int) bool { return i == 3 })
	r := c.do("import", people, "--report", "report.csv", "--rejects", "rejects.csv")
	if r.code != 3 {
		t.Fatalf("import: exit %d, stderr %q; want 3 (one rejected record)", r.code, r.stderr)
	}
	c.ok("export", "customers.csv")
	c.ok("imports", "report", "1", "--csv", "again.csv", "--json", "summary.json")
	for _, name := range []string{"report.csv", "rejects.csv", "customers.csv", "again.csv", "summary.json"} {
		if m := mode(filepath.Join(c.dir, name)); m != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", name, m)
		}
	}
	imports := filepath.Join(c.dir, "imports")
	var seen int
	err := filepath.WalkDir(imports, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if m := mode(path); m != want {
			t.Errorf("%s: mode %#o, want %#o", path, m, want)
		}
		seen++
		return nil
	})
	if err != nil || seen < 3 { // the folder, the import's folder, its source
		t.Errorf("imports folder: %d entries, %v", seen, err)
	}

	// A database made by an earlier release, or by hand, is tightened, -wal
	// and -shm included; the test holds it open so that they stay.
	openStore(t, c)
	for _, name := range []string{c.db, c.db + "-wal", c.db + "-shm"} {
		if err := os.Chmod(name, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.ok("customers", "add", "--set", "first_name=Bob", "--set", "last_name=Stone")
	for _, name := range []string{c.db, c.db + "-wal", c.db + "-shm"} {
		if m := mode(name); m != 0o600 {
			t.Errorf("%s after the command line opened it: mode %#o, want 0600", filepath.Base(name), m)
		}
	}
}

// TestImportRecordsTheOSUser: an import's report names who ran it as the
// audit log does, not whatever $USER says.
func TestImportRecordsTheOSUser(t *testing.T) {
	c := newCLI(t)
	c.env = []string{"USER=mallory", "LOGNAME=mallory", "LOCALCRM_USER=mallory"}
	people := writePeople(t, c.dir, "people.csv", 0, 3, nil)
	c.ok("import", people)
	var s struct {
		CreatedBy string `json:"created_by"`
	}
	if err := json.Unmarshal([]byte(c.ok("imports", "show", "1", "--json")), &s); err != nil {
		t.Fatal(err)
	}
	if me := osUser(t); s.CreatedBy != me {
		t.Errorf("import created by %q, want %q", s.CreatedBy, me)
	}
}

// TestUsageListsTeamCommands: the usage names every command, and each new
// one has its own help, without a database.
func TestUsageListsTeamCommands(t *testing.T) {
	c := newCLI(t)
	help := c.run("-h")
	for _, want := range []string{"\n  users add", "\n  tokens create", "\n  audit [--since", "\n  import FILE", "\n  imports list",
		"needs no sign-in", "3 when an import\nfinished with rejected records"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("localcrm -h does not mention %q:\n%s", want, help.stdout)
		}
	}
	if strings.Contains(help.stdout, "later release") {
		t.Errorf("localcrm -h still calls something a later release:\n%s", help.stdout)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "users"}, "Usage: localcrm users COMMAND"},
		{[]string{"users", "add", "-h"}, "Usage: localcrm users add NAME --role ROLE"},
		{[]string{"users", "reset-password", "-h"}, "Usage: localcrm users reset-password NAME"},
		{[]string{"tokens", "-h"}, "Usage: localcrm tokens COMMAND"},
		{[]string{"tokens", "create", "--help"}, "Usage: localcrm tokens create --role ROLE"},
		{[]string{"help", "audit"}, "Usage: localcrm audit [--since T]"},
	} {
		if r := c.do(tt.args...); r.code != 0 || !strings.HasPrefix(r.stdout, tt.want) || r.stderr != "" {
			t.Errorf("localcrm %q: exit %d, stdout %q, stderr %q; want %q...", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
	if r := c.do("users"); r.code != 2 || !strings.HasPrefix(r.stderr, "localcrm: users: which one? add, disable, enable, list, reset-password, set-role\n") {
		t.Errorf("users without a subcommand: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(c.db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("help created the database: %v", err)
	}
}
