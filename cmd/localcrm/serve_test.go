package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"localcrm/internal/store/pgtest"
)

// startServer runs `localcrm serve` on a free loopback port and returns its
// base URL and the running command.
func startServer(t *testing.T, c *cli, flags ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--db", c.db, "serve", "--addr", "127.0.0.1:0"}, flags...)...)
	cmd.Dir, cmd.Env = c.dir, c.environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`url=(http://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return u, cmd
	case <-time.After(20 * time.Second):
		t.Fatal("localcrm serve did not say where it listens")
	}
	return "", nil
}

// TestServeStopsGracefully uploads and starts an import through the real
// server's API, stops the server with SIGTERM mid-import, and checks that
// the import is left interrupted at a batch boundary, then resumes it to
// the end with the CLI. The API calls sign in with a manager's token made
// by the CLI, as a script would.
func TestServeStopsGracefully(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { serveStopsGracefully(t, newCLI(t), 30000) })
	t.Run("postgres", func(t *testing.T) {
		c := newCLI(t)
		c.db = pgtest.NewDatabase(t)
		serveStopsGracefully(t, c, 3000)
	})
}

func serveStopsGracefully(t *testing.T, c *cli, n int) {
	file := writePeople(t, c.dir, "people.csv", 0, n, nil)
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	base, cmd := startServer(t, c)
	if code := getStatus(t, base+"/healthz", ""); code != http.StatusOK {
		t.Fatalf("health check: status %d, want 200", code)
	}
	apiImport(t, base, token, file, n)
	waitRecords(t, c, 500)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}

	stopped := decodeImport(t, c.ok("imports", "show", "1", "--json"))
	if stopped.Status != "interrupted" || stopped.Records >= n || stopped.Records%2 != 0 || stopped.Created != stopped.Records {
		t.Fatalf("after SIGTERM: %+v; want interrupted after whole batches", stopped)
	}
	r := c.do("imports", "resume", "1", "--json")
	if done := decodeImport(t, r.stdout); r.code != 0 || done.Status != "completed" || done.Created != n {
		t.Fatalf("resume: exit %d, %+v, %s", r.code, done, r.stderr)
	}
	emails := exportedEmails(t, c)
	if len(emails) != n {
		t.Errorf("%d customers, want %d", len(emails), n)
	}
	assertUnique(t, emails)
}

// TestPostgresServerTakesOver: two servers share one PostgreSQL database;
// an import started on the first goes on, when the first is killed
// mid-import, on the second, which resumes it by itself from its last
// checkpoint: every record once, no email twice, the report whole (issue
// 10, item 6).
func TestPostgresServerTakesOver(t *testing.T) {
	const n = 3000
	c := newCLI(t)
	c.db = pgtest.NewDatabase(t)
	file := writePeople(t, c.dir, "people.csv", 0, n, nil)
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	first, cmd := startServer(t, c, "--lease", "2s")
	startServer(t, c, "--lease", "2s")
	apiImport(t, first, token, file, n)
	waitRecords(t, c, 200)
	cmd.Process.Kill()
	cmd.Wait()
	killed := decodeImport(t, c.ok("imports", "show", "1", "--json"))
	if killed.Records >= n {
		t.Fatalf("the import had ended before its server was killed: %+v", killed)
	}

	waitCompleted(t, c, n)
	emails := exportedEmails(t, c)
	if len(emails) != n {
		t.Errorf("%d customers, want %d", len(emails), n)
	}
	assertUnique(t, emails)
	rows, err := csv.NewReader(strings.NewReader(c.ok("imports", "report", "1", "--csv", "-"))).ReadAll()
	if err != nil || len(rows) != n+1 {
		t.Fatalf("the report has %d rows (%v), want a header and %d", len(rows), err, n)
	}
	lines := map[string]bool{}
	for _, row := range rows[1:] {
		if lines[row[0]] || row[1] != "created" {
			t.Errorf("report row %q: a line twice, or not created", row)
		}
		lines[row[0]] = true
	}
}

// TestPostgresKilledServersUploads: a server killed by SIGKILL cannot
// remove the folder its uploads arrive in; the next localcrm process on
// PostgreSQL removes it, and leaves a running server's folder alone.
func TestPostgresKilledServersUploads(t *testing.T) {
	c := newCLI(t)
	c.db = pgtest.NewDatabase(t)
	tmp := t.TempDir()
	c.env = append(c.env, "TMPDIR="+tmp)
	_, killed := startServer(t, c)
	killedFolders := uploadsFolders(t, tmp)
	startServer(t, c)
	running := uploadsFolders(t, tmp)
	if len(killedFolders) != 1 || len(running) != 2 {
		t.Fatalf("uploads folders %q, then %q; want one per server", killedFolders, running)
	}
	killed.Process.Kill()
	killed.Wait()
	// Folders are removed only past a grace period (uploadsGrace).
	long := time.Now().Add(-time.Hour)
	for _, dir := range running {
		if err := os.Chtimes(dir, long, long); err != nil {
			t.Fatal(err)
		}
	}

	c.ok("import", writePeople(t, c.dir, "people.csv", 0, 10, nil))
	left := uploadsFolders(t, tmp)
	if len(left) != 1 || left[0] == killedFolders[0] {
		t.Errorf("after an import: uploads folders %q; want only the running server's, not the killed one's %q", left, killedFolders[0])
	}
}

// uploadsFolders lists the uploads folders of localcrm processes in tmp.
func uploadsFolders(t *testing.T, tmp string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(tmp, "localcrm-uploads-*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestPostgresServerSurvivesLostConnections cuts every connection of a
// running server, as a PostgreSQL restart does, in the middle of an
// import: the server carries on by itself, without a restart. It answers
// again, and the import, left interrupted at a batch boundary, is resumed
// and completes with every record once (issue 10, item 7).
func TestPostgresServerSurvivesLostConnections(t *testing.T) {
	const n = 3000
	c := newCLI(t)
	c.db = pgtest.NewDatabase(t)
	file := writePeople(t, c.dir, "people.csv", 0, n, nil)
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	base, _ := startServer(t, c, "--lease", "2s")
	apiImport(t, base, token, file, n)
	waitRecords(t, c, 200)

	db, err := sql.Open("pgx", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cut int
	if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&cut); err != nil || cut == 0 {
		t.Fatalf("cut %d connections: %v", cut, err)
	}

	waitCompleted(t, c, n)
	if code := getStatus(t, base+"/api/v1/customers?limit=1", token); code != http.StatusOK {
		t.Fatalf("the server after its connections were cut: status %d", code)
	}
	emails := exportedEmails(t, c)
	if len(emails) != n {
		t.Errorf("%d customers, want %d", len(emails), n)
	}
	assertUnique(t, emails)
}

// TestPostgresOverlappingImports: two servers on one PostgreSQL database
// import, at the same time, two files that share a thousand emails: every
// email is stored once, and each record that lost the race for its email
// is reported as a duplicate, like any other, never as a failed batch
// (issue 10, item 4).
func TestPostgresOverlappingImports(t *testing.T) {
	c := newCLI(t)
	c.db = pgtest.NewDatabase(t)
	a := writePeople(t, c.dir, "a.csv", 0, 2000, nil)
	b := writePeople(t, c.dir, "b.csv", 1000, 3000, nil)
	token := strings.TrimSpace(c.ok("tokens", "create", "--role", "manager"))
	first, _ := startServer(t, c)
	second, _ := startServer(t, c)
	ids := []int64{apiImport(t, first, token, a, 2000), apiImport(t, second, token, b, 2000)}

	rejected := 0
	for _, id := range ids {
		deadline := time.Now().Add(time.Minute)
		for {
			s := decodeImport(t, c.ok("imports", "show", fmt.Sprint(id), "--json"))
			if s.Status == "completed" || s.Status == "completed_with_errors" {
				if s.Records != 2000 || s.Created+s.Rejected != 2000 {
					t.Errorf("import %d: %+v; want 2000 records, each created or rejected", id, s)
				}
				rejected += s.Rejected
				break
			}
			if s.Status == "failed" || time.Now().After(deadline) {
				t.Fatalf("import %d: %+v; want it to complete", id, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
		rows, err := csv.NewReader(strings.NewReader(c.ok("imports", "report", fmt.Sprint(id), "--csv", "-"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			if row[1] == "rejected" && !strings.Contains(row[3], "already belongs to customer") {
				t.Errorf("import %d, line %s rejected for %q, want as a duplicate", id, row[0], row[3])
			}
		}
	}
	if rejected != 1000 {
		t.Errorf("%d records rejected in all, want the 1000 shared", rejected)
	}
	emails := exportedEmails(t, c)
	if len(emails) != 3000 {
		t.Errorf("%d customers, want 3000", len(emails))
	}
	assertUnique(t, emails)
}

// apiImport uploads file through the server at base and starts importing
// it in batches of 2, as a script with token would, and returns its ID.
func apiImport(t *testing.T, base, token, file string, n int) int64 {
	t.Helper()
	do := func(method, url, contentType string, body io.Reader) (*http.Response, error) {
		req, err := http.NewRequest(method, url, body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		return http.DefaultClient.Do(req)
	}

	body := &bytes.Buffer{}
	mw := multipart.NewWriter(body)
	part, _ := mw.CreateFormFile("file", "people.csv")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(part, f)
	f.Close()
	mw.Close()
	res, err := do(http.MethodPost, base+"/api/v1/imports", mw.FormDataContentType(), body)
	if err != nil {
		t.Fatal(err)
	}
	var up struct {
		ID      int64 `json:"id"`
		Records int   `json:"records"`
	}
	json.NewDecoder(res.Body).Decode(&up)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || up.Records != n {
		t.Fatalf("upload: %s, %+v", res.Status, up)
	}
	if res, err := do(http.MethodPut, fmt.Sprintf("%s/api/v1/imports/%d/mapping", base, up.ID), "application/json", strings.NewReader(`{"batch_size": 2}`)); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("mapping: %v %v", res.Status, err)
	}
	if res, err := do(http.MethodPost, fmt.Sprintf("%s/api/v1/imports/%d/start", base, up.ID), "application/json", nil); err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("start: %v %v", res.Status, err)
	}
	return up.ID
}

// getStatus GETs url, with the API token when there is one, and returns
// the status.
func getStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// waitCompleted waits a minute at most for import 1 to complete by itself,
// without a failure on the way, and checks it created all its n records.
func waitCompleted(t *testing.T, c *cli, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := decodeImport(t, c.ok("imports", "show", "1", "--json"))
		if s.Status == "completed" {
			if s.Created != n || s.Records != n {
				t.Errorf("completed with %d records, %d created; want %d", s.Records, s.Created, n)
			}
			return
		}
		if s.Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("the import did not complete by itself in a minute: %+v", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRecords waits until import 1 has committed at least n records.
func waitRecords(t *testing.T, c *cli, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if s := decodeImport(t, c.ok("imports", "show", "1", "--json")); s.Records >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("import 1 did not reach %d records in 30 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
