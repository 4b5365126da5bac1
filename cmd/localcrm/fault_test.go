package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", for looking at the file directly

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// faultFile is a file of n people for the fault tests, with some rows that
// must be rejected: an invalid email on every 97th, and every 211th (from
// the 5th) repeating the email of the row three before it.
type faultFile struct {
	path  string
	n     int
	valid map[string]bool // the emails that must each belong to one customer
	bad   map[int]bool    // the lines that must be rejected
}

func writeFaultFile(t *testing.T, dir string, n int) *faultFile {
	t.Helper()
	ff := &faultFile{path: filepath.Join(dir, "people.csv"), n: n, valid: map[string]bool{}, bad: map[int]bool{}}
	invalid := func(i int) bool { return i%97 == 0 }
	generate(t, ff.path, func(w *bufio.Writer) {
		w.WriteString("First Name,Last Name,Email,Company\n")
		for i := range n {
			line := i + 2
			email := fmt.Sprintf("person%d@example.com", i)
			switch {
			case invalid(i):
				email = fmt.Sprintf("person%d at example.com", i)
				ff.bad[line] = true
			case i%211 == 5 && !invalid(i-3):
				email = fmt.Sprintf("Person%d@Example.com", i-3) // the same email, as the store sees it
				ff.bad[line] = true
			default:
				ff.valid[email] = true
			}
			fmt.Fprintf(w, "Zoë%d,Lee%d,%s,\"Acme, Inc.\"\n", i, i, email)
		}
	})
	return ff
}

// checkExact checks that the import id of ff ended completed with errors,
// that the customers are exactly its valid rows, each email once, and that
// its report and rejects list every line once, the rejected ones as such.
func checkExact(t *testing.T, c *cli, ff *faultFile, id int64) {
	t.Helper()
	s := decodeImport(t, c.ok("imports", "show", strconv.FormatInt(id, 10), "--json"))
	valid := ff.n - len(ff.bad)
	if s.Status != "completed_with_errors" || s.Records != ff.n || s.Created != valid || s.Rejected != len(ff.bad) {
		t.Errorf("import %d: %s, %d records, %d created, %d rejected; want completed_with_errors, %d, %d, %d",
			id, s.Status, s.Records, s.Created, s.Rejected, ff.n, valid, len(ff.bad))
	}

	emails := exportedEmails(t, c)
	if len(emails) != valid {
		t.Errorf("%d customers, want exactly the %d valid rows", len(emails), valid)
	}
	assertUnique(t, emails)
	for _, e := range emails {
		if !ff.valid[e] {
			t.Errorf("customer with email %q, which no valid row has", e)
		}
	}

	// The report: a header, then every line of the file once, in order.
	rep, err := csv.NewReader(strings.NewReader(c.ok("imports", "report", strconv.FormatInt(id, 10), "--csv", "-"))).ReadAll()
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if len(rep) != ff.n+1 {
		t.Errorf("report has %d rows, want %d records and a header", len(rep), ff.n)
	}
	for i, row := range rep[1:] {
		line, want := i+2, "created"
		if ff.bad[line] {
			want = "rejected"
		}
		if row[0] != strconv.Itoa(line) || row[1] != want {
			t.Errorf("report row %d is %q, want line %d %s", i+1, row, line, want)
			break
		}
	}

	// The rejects file lists every rejected line exactly once.
	rej, err := csv.NewReader(strings.NewReader(c.ok("imports", "report", strconv.FormatInt(id, 10), "--rejects", "-"))).ReadAll()
	if err != nil {
		t.Fatalf("rejects: %v", err)
	}
	if len(rej) != len(ff.bad)+1 {
		t.Errorf("rejects file has %d rows, want %d rejected rows and a header", len(rej), len(ff.bad))
	}

	// And in SQL, on the file itself.
	db := openSQL(t, c.db)
	var customers, distinct, rejects, rejectLines int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT lower(email)) FROM customers`).Scan(&customers, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT line) FROM import_rejects WHERE import_id = ?`, id).Scan(&rejects, &rejectLines); err != nil {
		t.Fatal(err)
	}
	if customers != valid || distinct != valid || rejects != len(ff.bad) || rejectLines != len(ff.bad) {
		t.Errorf("in SQL: %d customers, %d distinct emails, %d rejects on %d lines; want %d, %d, %d, %d",
			customers, distinct, rejects, rejectLines, valid, valid, len(ff.bad), len(ff.bad))
	}
	integrity(t, db)
}

// openSQL opens a database file with database/sql alone, for what the
// command line does not show.
func openSQL(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// integrity runs PRAGMA integrity_check, which must say "ok".
func integrity(t *testing.T, db *sql.DB) {
	t.Helper()
	var got []string
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if !slices.Equal(got, []string{"ok"}) {
		t.Errorf("integrity_check: %q", got)
	}
}

// listImports returns the imports of c's database, newest first.
func listImports(t *testing.T, c *cli) []importJSON {
	t.Helper()
	var imps []importJSON
	if err := json.Unmarshal([]byte(c.ok("imports", "list", "--json")), &imps); err != nil {
		t.Fatal(err)
	}
	return imps
}

// TestFaultCrashLoop kills a 50,000-record import with SIGKILL at ten
// random moments, resuming it after each, and checks that it ends with
// exactly the valid customers, no email twice, and a complete report. The
// seed is logged; LOCALCRM_FAULT_SEED replays a run.
func TestFaultCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 50,000 records eleven times over")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOCALCRM_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (LOCALCRM_FAULT_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	c := newCLI(t)
	ff := writeFaultFile(t, c.dir, 50000)
	c.ok("fields", "list") // create the database first

	var id int64 // the import being loaded, once it has started
	kills, killedPending := 0, 0
	for kills < 10 {
		args := []string{"--db", c.db, "import", ff.path, "--batch-size", "50", "--json"}
		if id != 0 {
			args = []string{"--db", c.db, "imports", "resume", strconv.FormatInt(id, 10), "--json"}
		}
		// A moment in the first 250 ms of the run: the whole import takes
		// a few seconds here, so each kill lands before its end, some of
		// them before the first batch (while the file is read, or the
		// import claimed).
		delay := time.Duration(rng.IntN(250)) * time.Millisecond
		cmd := exec.Command(binary, args...)
		cmd.Dir = c.dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			// It ended before the kill: it must have finished the import.
			t.Logf("run %d ended by itself before %v: %v %s", kills+1, delay, err, stderr.String())
			if ee != nil && ee.ExitCode() != 3 {
				t.Fatalf("%q: %v\n%s", args, err, stderr.String())
			}
			break
		}
		kills++
		// Which import is it? A kill before the import was claimed leaves
		// none, or a pending one that cannot be resumed: import again.
		if id == 0 {
			for _, imp := range listImports(t, c) {
				if imp.Status != "pending" {
					id = imp.ImportID
				}
			}
			if id == 0 {
				killedPending++
			}
		}
		if id != 0 {
			s := decodeImport(t, c.ok("imports", "show", strconv.FormatInt(id, 10), "--json"))
			t.Logf("kill %d after %v: import %d %s, %d of %d records", kills, delay, id, s.Status, s.Records, ff.n)
			if s.Status != "interrupted" && s.Status != "completed_with_errors" {
				t.Fatalf("after kill %d the import is %s, want interrupted", kills, s.Status)
			}
			if s.Status == "completed_with_errors" {
				break
			}
		} else {
			t.Logf("kill %d after %v: before the import started", kills, delay)
		}
	}
	if id == 0 {
		t.Fatal("the import never started")
	}
	if s := decodeImport(t, c.ok("imports", "show", strconv.FormatInt(id, 10), "--json")); s.Status == "interrupted" {
		if r := c.do("imports", "resume", strconv.FormatInt(id, 10), "--json"); r.code != 3 {
			t.Fatalf("last resume: exit %d, %s", r.code, r.stderr)
		}
	}
	t.Logf("%d kills, %d of them before the import started", kills, killedPending)
	checkExact(t, c, ff, id)
	// Imports killed before they started stay pending, with nothing loaded.
	for _, imp := range listImports(t, c) {
		if imp.ImportID != id && (imp.Status != "pending" || imp.Records != 0) {
			t.Errorf("import %d: %s with %d records; only pending imports, with none, may be left", imp.ImportID, imp.Status, imp.Records)
		}
	}
}

// holdWriteLock takes the database's write lock (BEGIN IMMEDIATE) on a
// connection of the test's own process, which is another process than the
// localcrm it runs; release gives it back.
func holdWriteLock(t *testing.T, path string) (conn *sql.Conn, release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(60000)")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err = db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		conn.ExecContext(ctx, `ROLLBACK`)
		conn.Close()
		db.Close()
	}
	t.Cleanup(release)
	return conn, release
}

// TestFaultBusyStore: a batch that cannot get the write lock within the
// store's busy timeout gives up with crm.ErrUnavailable, and begins as soon
// as the lock is free again.
func TestFaultBusyStore(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	const timeout = 300 * time.Millisecond
	st, err := store.OpenOptions(ctx, c.db, store.Options{BusyTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sc, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	imp := &crm.Import{Status: crm.ImportPending, FileName: "people.csv", Columns: []string{"First Name"},
		Options: crm.ImportOptions{BatchSize: 10, Mapping: map[string]string{"First Name": crm.KeyFirstName}}}
	if err := st.CreateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}

	_, release := holdWriteLock(t, c.db)
	start := time.Now()
	b, err := st.BeginBatch(ctx, imp, sc)
	waited := time.Since(start)
	if err == nil {
		b.Rollback()
		t.Fatal("BeginBatch began a batch while another process held the write lock")
	}
	if !errors.Is(err, crm.ErrUnavailable) || !strings.Contains(err.Error(), "the database is busy") {
		t.Errorf("BeginBatch = %v, want crm.ErrUnavailable saying the database is busy", err)
	}
	if waited < timeout {
		t.Errorf("BeginBatch gave up after %v, before the busy timeout of %v", waited, timeout)
	}
	t.Logf("gave up after %v: %v", waited, err)

	release()
	b, err = st.BeginBatch(ctx, imp, sc)
	if err != nil {
		t.Fatalf("BeginBatch once the lock is free: %v", err)
	}
	if _, err := b.Commit(ctx, crm.Checkpoint{}); err != nil {
		t.Fatal(err)
	}
}

// TestFaultBusyImport holds the write lock from another process in the
// middle of a real import, for longer than localcrm waits: the import stops
// cleanly, interrupted after whole batches, saying the database is busy,
// and once the lock is free a resume completes it exactly.
//
// The binary waits store.DefaultBusyTimeout (10 s) for a batch, then as long
// again for its last update of the import, which the lock also blocks: the
// test takes about 20 s.
func TestFaultBusyImport(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the busy timeout twice")
	}
	c := newCLI(t)
	ff := writeFaultFile(t, c.dir, 30000)
	c.ok("fields", "list")
	const batch = 10
	cmd := exec.Command(binary, "--db", c.db, "import", ff.path, "--batch-size", strconv.Itoa(batch), "--json")
	cmd.Dir = c.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Once some batches are in, take the lock.
	db := openSQL(t, c.db)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var records int
		err := db.QueryRow(`SELECT records FROM imports WHERE id = 1`).Scan(&records)
		if err == nil && records >= 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no batch committed in 60 s (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	conn, release := holdWriteLock(t, c.db)
	lockedAt := time.Now()

	var runErr error
	select {
	case runErr = <-exited:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the import still runs 3 minutes after the lock was taken; stderr:\n%s", stderr.String())
	}
	t.Logf("the import ended %v after the lock was taken: %v\nstderr: %s", time.Since(lockedAt).Round(time.Millisecond), runErr, stderr.String())
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1 (interrupted or failed, to be resumed)", code)
	}
	if !strings.Contains(stderr.String(), "the database is busy") {
		t.Errorf("stderr does not say the database is busy:\n%s", stderr.String())
	}

	// While the lock is still held, nobody has written: whole batches only.
	var customers, records, created int
	ctx := context.Background()
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&customers); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT records, created FROM imports WHERE id = 1`).Scan(&records, &created); err != nil {
		t.Fatal(err)
	}
	if records%batch != 0 || records >= ff.n || customers != created {
		t.Errorf("with the lock held: %d records, %d created, %d customers; want whole batches of %d, and a customer for each created", records, created, customers, batch)
	}
	release()

	s := decodeImport(t, c.ok("imports", "show", "1", "--json"))
	if s.Status != "interrupted" {
		// Waits on the importer leaving an import interrupted, not failed,
		// on crm.ErrUnavailable.
		t.Errorf("after the lock: import is %s, want interrupted", s.Status)
	}
	if s.Records != records || s.Records%batch != 0 {
		t.Errorf("after the lock: %d records; want the %d committed before it", s.Records, records)
	}
	if r := c.do("imports", "resume", "1", "--json"); r.code != 3 {
		t.Fatalf("resume: exit %d, %s", r.code, r.stderr)
	}
	checkExact(t, c, ff, 1)
}

// TestFaultDiskFull runs an import whose database and imports folder are on
// a tmpfs mounted in a mount namespace of the test's own (unshare, as
// root), and fills that file system mid-import: the import fails saying the
// disk is full, the database passes integrity_check with whole batches
// only, and once space is freed a resume completes the import exactly.
//
// The file system has 208 MB, just over the 200 MB free an upload needs
// (importer.DefaultMinFree); a file of zeros fills the rest once some
// batches are in.
func TestFaultDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a file system")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare is not installed:", err)
	}
	c := newCLI(t)
	ff := writeFaultFile(t, c.dir, 50000)
	small := filepath.Join(c.dir, "small")
	snaps := filepath.Join(c.dir, "snapshots")
	for _, d := range []string{small, snaps} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Everything happens inside the namespace, whose mount is gone when
	// the script ends: it copies the folder out after each step, for the
	// test to look at. It waits for the database's WAL to pass 400 KB (a
	// few hundred records committed) before filling the disk; the whole
	// import takes seconds at batches of 10.
	const script = `
set -u
mount -t tmpfs -o size=208m,mode=0700 localcrm-fault "$SMALL" || { echo "mount_failed"; exit 0; }
"$BIN" --db "$SMALL/crm.db" fields list >/dev/null
"$BIN" --db "$SMALL/crm.db" import "$SRC" --batch-size 10 --json >"$SNAPS/import.out" 2>"$SNAPS/import.err" &
pid=$!
i=0
while [ "$(stat -c %s "$SMALL/crm.db-wal" 2>/dev/null || echo 0)" -lt 400000 ] && [ $i -lt 6000 ]; do
	sleep 0.01; i=$((i+1))
done
dd if=/dev/zero of="$SMALL/filler" bs=64k 2>/dev/null
wait $pid
echo "import_exit=$?"
df -k "$SMALL" | tail -1
mkdir "$SNAPS/full" && cp -a "$SMALL/crm.db" "$SMALL/crm.db-wal" "$SNAPS/full/" 2>/dev/null
rm "$SMALL/filler"
"$BIN" --db "$SMALL/crm.db" imports resume 1 --json >"$SNAPS/resume.out" 2>"$SNAPS/resume.err"
echo "resume_exit=$?"
mkdir "$SNAPS/final" && cp -a "$SMALL/." "$SNAPS/final/"
umount "$SMALL"
`
	cmd := exec.CommandContext(t.Context(), unshare, "--mount", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "SMALL="+small, "SNAPS="+snaps, "BIN="+binary, "SRC="+ff.path)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "mount_failed") {
		// unshare without the right (not root, or in a container that
		// forbids it) fails with EPERM; that is no fault of localcrm.
		t.Skipf("cannot mount a tmpfs in a mount namespace of our own: %v\n%s", err, out)
	}
	t.Logf("script:\n%s", out)
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(snaps, name))
		return string(b)
	}
	if !strings.Contains(string(out), "import_exit=1\n") {
		t.Fatalf("the import on the full file system did not fail with exit 1:\n%s\nstdout:\n%s\nstderr:\n%s", out, read("import.out"), read("import.err"))
	}
	errText := read("import.err")
	t.Logf("import stderr: %s", errText)
	if !strings.Contains(errText, "full") && !strings.Contains(errText, "no space left") {
		t.Errorf("the import's message does not say the disk is full:\n%s", errText)
	}

	// Just after the failure: intact, and whole batches only.
	full := filepath.Join(snaps, "full", "crm.db")
	db := openSQL(t, full)
	integrity(t, db)
	var status string
	var records, created, customers int
	if err := db.QueryRow(`SELECT status, records, created FROM imports WHERE id = 1`).Scan(&status, &records, &created); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM customers`).Scan(&customers); err != nil {
		t.Fatal(err)
	}
	t.Logf("when full: import %s with %d of %d records, %d customers", status, records, ff.n, customers)
	if records == 0 || records >= ff.n || records%10 != 0 || customers != created {
		t.Errorf("when full: %d records, %d created, %d customers; want some whole batches of 10, not all, and a customer for each created", records, created, customers)
	}

	if !strings.Contains(string(out), "resume_exit=3\n") {
		t.Fatalf("the resume once there was space did not finish (exit 3 for rejected records):\n%s\nstderr:\n%s", out, read("resume.err"))
	}
	final := newCLI(t)
	final.dir, final.db = filepath.Join(snaps, "final"), filepath.Join(snaps, "final", "crm.db")
	checkExact(t, final, ff, 1)
}
