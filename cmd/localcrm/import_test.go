package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writePeople writes a CSV of generated people numbered from..to-1 to a file
// in dir; every row whose number bad says is bad gets an invalid email.
func writePeople(t *testing.T, dir, name string, from, to int, bad func(int) bool) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "First Name,Last Name,Email,Company,Phone")
	for i := from; i < to; i++ {
		email := fmt.Sprintf("person%d@example.com", i)
		if bad != nil && bad(i) {
			email = fmt.Sprintf("person%d at example.com", i)
		}
		fmt.Fprintf(w, "Zoë%d,Lee%d,%s,\"Acme, Inc.\",+1 555 %07d\n", i, i, email, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// importJSON is what `import --json` and `imports show --json` print.
type importJSON struct {
	ImportID int64  `json:"import_id"`
	Status   string `json:"status"`
	Total    int    `json:"total"`
	Records  int    `json:"records"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Skipped  int    `json:"skipped"`
	Rejected int    `json:"rejected"`
	Batches  int    `json:"batches"`
	Errors   []struct {
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Value   string `json:"value"`
		Message string `json:"message"`
	} `json:"errors"`
}

func decodeImport(t *testing.T, out string) importJSON {
	t.Helper()
	var s importJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not an import as JSON: %v\n%s", err, out)
	}
	return s
}

// exportedEmails returns every customer's email, from the JSON export.
func exportedEmails(t *testing.T, c *cli) []string {
	t.Helper()
	var customers []map[string]any
	if err := json.Unmarshal([]byte(c.ok("export", "-", "--format", "json")), &customers); err != nil {
		t.Fatal(err)
	}
	emails := make([]string, len(customers))
	for i, cu := range customers {
		emails[i], _ = cu["email"].(string)
	}
	return emails
}

// assertUnique fails if any email is there twice, ignoring case.
func assertUnique(t *testing.T, emails []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range emails {
		k := strings.ToLower(e)
		if seen[k] {
			t.Errorf("email %s belongs to two customers", e)
		}
		seen[k] = true
	}
}

// TestImportSurvivesSIGKILL kills a real import process in the middle of a
// large file, then resumes it: every valid record is there exactly once,
// every invalid one is reported, and the report has each record once.
func TestImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large file")
	}
	c := newCLI(t)
	const n = 30000
	bad := func(i int) bool { return i%97 == 0 }
	valid := 0
	for i := range n {
		if !bad(i) {
			valid++
		}
	}
	file := writePeople(t, c.dir, "people.csv", 0, n, bad)
	c.ok("fields", "list") // create the database before timing anything

	// Small batches, so that the import lasts long after the first commits
	// however fast the machine: the kill must land in the middle.
	const batch = 4
	cmd := exec.Command(binary, "--db", c.db, "import", file, "--batch-size", strconv.Itoa(batch), "--json")
	cmd.Dir = c.dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until some batches are committed, then kill without warning.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := c.do("imports", "show", "1", "--json")
		if r.code == 0 && decodeImport(t, r.stdout).Records >= 200 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the import committed no batch in 30 s: %s %s", r.stdout, r.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	killed := decodeImport(t, c.ok("imports", "show", "1", "--json"))
	if killed.Status != "interrupted" || killed.Records >= n || killed.Records%batch != 0 {
		t.Fatalf("after SIGKILL: status %s with %d of %d records; want interrupted at a batch boundary", killed.Status, killed.Records, n)
	}

	r := c.do("imports", "resume", "1", "--json")
	if r.code != 3 {
		t.Fatalf("imports resume: exit %d, stderr %s", r.code, r.stderr)
	}
	done := decodeImport(t, r.stdout)
	if done.Status != "completed_with_errors" || done.Records != n || done.Created != valid || done.Rejected != n-valid {
		t.Errorf("after resume: %+v; want completed_with_errors, %d records, %d created, %d rejected", done, n, valid, n-valid)
	}
	emails := exportedEmails(t, c)
	if len(emails) != valid {
		t.Errorf("%d customers, want exactly the %d valid records", len(emails), valid)
	}
	assertUnique(t, emails)

	// The report has every record once, in file order, each with its outcome.
	report := filepath.Join(c.dir, "report.csv")
	c.ok("imports", "report", "1", "--csv", report)
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != n+1 {
		t.Fatalf("report has %d lines, want %d records and a header", len(lines), n)
	}
	for i, l := range lines[1:] {
		want := fmt.Sprintf("%d,created,", i+2)
		if bad(i) {
			want = fmt.Sprintf("%d,rejected,,", i+2)
		}
		if !strings.HasPrefix(l, want) {
			t.Fatalf("report line %d is %q, want it to start %q", i+2, l, want)
		}
	}
}

// TestConcurrentImportsShareEmails runs two imports at once whose files
// share 500 emails: no customer is created twice, and each record that lost
// the race is rejected with a message naming the customer that has it.
func TestConcurrentImportsShareEmails(t *testing.T) {
	c := newCLI(t)
	a := writePeople(t, c.dir, "a.csv", 0, 1000, nil)
	b := writePeople(t, c.dir, "b.csv", 500, 1500, nil)
	c.ok("fields", "list")

	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, file := range []string{a, b} {
		wg.Go(func() { results[i] = c.do("import", file, "--batch-size", "10", "--json") })
	}
	wg.Wait()

	created, rejected := 0, 0
	for i, r := range results {
		if r.code != 0 && r.code != 3 {
			t.Fatalf("import %d: exit %d, stderr %s", i, r.code, r.stderr)
		}
		s := decodeImport(t, r.stdout)
		created += s.Created
		rejected += s.Rejected
		if len(s.Errors) != s.Rejected {
			t.Errorf("import %d: %d rejected but %d errors", i, s.Rejected, len(s.Errors))
		}
		for _, e := range s.Errors {
			if e.Field != "email" || !strings.Contains(e.Message, "already belongs to customer 1000") {
				t.Errorf("import %d, line %d: %s: %s; want the email's owner named", i, e.Line, e.Field, e.Message)
			}
		}
	}
	if created != 1500 || rejected != 500 {
		t.Errorf("created %d and rejected %d in all; want 1500 and 500", created, rejected)
	}
	emails := exportedEmails(t, c)
	if len(emails) != 1500 {
		t.Errorf("%d customers, want 1500", len(emails))
	}
	assertUnique(t, emails)
}

// TestImportRefusesUnreadableFiles: an empty file and a header row that
// cannot be parsed are the user's to fix: exit 2, the reason, nothing kept.
func TestImportRefusesUnreadableFiles(t *testing.T) {
	c := newCLI(t)
	for name, tt := range map[string]struct{ body, stderr string }{
		"empty.csv": {"", "localcrm: import: empty.csv: The file is empty: it has no header row.\n"},
		"quote.csv": {"First \"Name,Last Name\n",
			"localcrm: import: quote.csv: The header row (line 1) cannot be read: it has a quote (\") in an unquoted cell; put the whole cell in double quotes and double the quote inside it.\n"},
		// With records after it, the broken header is still taken for the header,
		// not passed over as a title.
		"quote-rows.csv": {"First \"Name,Last Name,Email\nAda,Lovelace,ada@example.com\nBob,Stone,bob@example.com\n",
			"localcrm: import: quote-rows.csv: The header row (line 1) cannot be read: it has a quote (\") in an unquoted cell; put the whole cell in double quotes and double the quote inside it.\n"},
	} {
		path := filepath.Join(c.dir, name)
		if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
			t.Fatal(err)
		}
		c.fail(2, tt.stderr, "import", name) // relative to the working directory, as a person types it
	}
	if out := c.ok("imports", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("refused files left imports behind: %s", out)
	}
}
