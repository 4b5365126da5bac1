package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// Tests for issue 9, "Hostile input and faults".

// TestWideHeaderRefused: a file whose header has more columns than the cap
// is refused at upload, saying so, before any import is stored; one at the
// cap is taken. Issue 9, item 2.
func TestWideHeaderRefused(t *testing.T) {
	e := newEnv(t)
	header := func(n int) string {
		cols := make([]string, n)
		for i := range cols {
			cols[i] = "c" + strconv.Itoa(i)
		}
		return strings.Join(cols, ",") + "\n"
	}
	_, err := e.im.Create(e.ctx, Upload{Name: "wide.csv", Body: strings.NewReader(header(DefaultMaxColumns + 1))})
	if !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "has 1,001 columns; localcrm reads at most 1,000") ||
		!strings.Contains(err.Error(), "--max-columns") {
		t.Fatalf("Create of 1,001 columns = %v, want it refused with the count and the limit", err)
	}
	if imps, _ := e.st.ListImports(e.ctx); len(imps) != 0 {
		t.Errorf("%d imports stored after a refused upload, want none", len(imps))
	}
	if entries, _ := os.ReadDir(e.im.dir); len(entries) != 0 {
		t.Errorf("files left in the imports folder after a refused upload: %v", entries)
	}
	e.create("at-the-limit.csv", []byte(header(DefaultMaxColumns)))

	e.im.MaxColumns = 3
	if _, err := e.im.Create(e.ctx, Upload{Name: "four.csv", Body: strings.NewReader("a,b,c,d\n1,2,3,4\n")}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Create of 4 columns with MaxColumns 3 = %v, want it refused", err)
	}
	e.create("three.csv", []byte("a,b,c\n1,2,3\n"))
}

// TestWideRowsKeepMemoryBounded: a 16 MB file of 40 rows of 200,000 cells
// under a narrow header is read in bounded memory, in the dry run and in
// the import, and every row is rejected for its width. Before, the reader
// gathered all 40 rows in one chunk of 100 records, and the dry run's heap
// peaked near 200 MB. Issue 9, item 2.
func TestWideRowsKeepMemoryBounded(t *testing.T) {
	needSQLite(t, "on PostgreSQL an import of such rows peaks at 85 MB: pgx holds an encoded copy of each rejected row's cells, sent as one JSON parameter (issue 10)")
	if testing.Short() {
		t.Skip("writes and reads a 16 MB file")
	}
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "wide.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("first_name,last_name,email\n")
	row := strings.Repeat("x,", 200_000-1) + "x\n"
	for range 40 {
		w.WriteString(row)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p, err := e.im.Create(e.ctx, Upload{Name: "wide.csv", Body: src})
	if err != nil {
		t.Fatal(err)
	}
	if p.Import.FileSize < 16_000_000 || p.Import.Total != 40 {
		t.Fatalf("file of %d bytes, %d records; want 16 MB, 40", p.Import.FileSize, p.Import.Total)
	}
	for _, r := range p.Rows {
		if len(r) > 3 {
			t.Fatalf("a preview row has %d cells, want at most the header's 3", len(r))
		}
	}
	imp, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping})
	if err != nil {
		t.Fatal(err)
	}

	const limit = 64 << 20
	var s *Summary
	peak := peakHeap(func() {
		if s, err = e.im.DryRun(e.ctx, imp.ID, 100); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("dry run: heap in use peaked at %d MB", peak>>20)
	if peak > limit {
		t.Errorf("dry run: heap in use peaked at %d MB, want under %d MB", peak>>20, limit>>20)
	}
	if s.Records != 40 || s.Rejected != 40 || len(s.Errors) != 40 || !strings.Contains(s.Errors[0].Message, "has 200000 cells but the header has 3 columns") {
		t.Errorf("dry run: %d records, %d rejected, errors %v; want all 40 rejected for their width", s.Records, s.Rejected, s.Errors[:min(1, len(s.Errors))])
	}

	peak = peakHeap(func() {
		if imp, err = e.im.Start(e.ctx, imp.ID, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("import: heap in use peaked at %d MB", peak>>20)
	if peak > limit {
		t.Errorf("import: heap in use peaked at %d MB, want under %d MB", peak>>20, limit>>20)
	}
	if imp.Counts.Records != 40 || imp.Counts.Rejected != 40 {
		t.Errorf("import counts %+v, want 40 records rejected", imp.Counts)
	}
}

// peakHeap runs fn and returns the most heap in use seen while it ran,
// sampled every millisecond after a collection that leaves only what lives.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	sample()
	return peak
}

// TestUpdateOneCustomerTwice: with the policy "update", a row naming a
// customer by account number and a row naming the same customer by email
// both resolve to that customer; the second is rejected, naming the first,
// in the same batch or not, and the dry run says what the import does.
// Before, both counted as updates in the dry run, and the import's second
// write broke import_changes' key: the batch failed, and so did every
// resume. Issue 9, item 10.
func TestUpdateOneCustomerTwice(t *testing.T) {
	for _, batch := range []int{100, 1} {
		t.Run(fmt.Sprintf("batch size %d", batch), func(t *testing.T) {
			e := newEnv(t)
			n := e.customer(map[string]string{"first_name": "Ann", "last_name": "Old", "email": "ann@example.com"})
			acct := strconv.FormatInt(n, 10)
			file := "account_number,first_name,last_name,email,company\n" +
				acct + ",Ann,New,,Acme\n" + // 2: by account number
				",Ann,Newer,ann@example.com,Beta\n" + // 3: by email, the same customer
				",Bob,Two,bob@example.com,\n" // 4
			imp := e.prepare("ann.csv", []byte(file), crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate, BatchSize: batch})
			dry, err := e.im.DryRun(e.ctx, imp.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			imp, err = e.im.Start(e.ctx, imp.ID, nil)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			wantCounts(t, imp, crm.ImportCounts{Records: 3, Created: 1, Updated: 1, Rejected: 1, Batches: imp.Counts.Batches})
			if dry.Created != 1 || dry.Updated != 1 || dry.Rejected != 1 {
				t.Errorf("dry run: %d created, %d updated, %d rejected; want what the import did: 1, 1, 1", dry.Created, dry.Updated, dry.Rejected)
			}
			errs := e.errors(imp)
			if len(errs) != 1 || errs[0].Line != 3 || !strings.Contains(errs[0].Message, "line 2") {
				t.Errorf("errors = %+v, want line 3 rejected, naming line 2", errs)
			}
			if batch == 100 && (len(dry.Errors) != 1 || dry.Errors[0] != errs[0]) {
				t.Errorf("dry run errors = %+v, want the import's %+v", dry.Errors, errs)
			}
			if c := e.mustEmail("ann@example.com"); c.Get("last_name") != "New" || c.Get("company") != "Acme" {
				t.Errorf("customer %d = %v, want line 2's update alone", n, c.Values)
			}
		})
	}
}

// TestFailureMessages: an import that stops on an unexpected error tells
// its users so in plain words with a ref, and logs the cause once under
// that ref; a database locked past every retry leaves it interrupted, to be
// resumed; a full disk says so. Issue 9, item 11.
func TestFailureMessages(t *testing.T) {
	t.Run("unexpected", func(t *testing.T) {
		e := newEnv(t)
		var log bytes.Buffer
		e.im.Log = slog.New(slog.NewTextHandler(&log, nil))
		imp := e.prepare("ten.csv", people(10), crm.ImportOptions{})
		// The report cannot be saved: its table is gone.
		e.exec(`DROP TABLE import_report`)
		imp, err := e.im.Start(e.ctx, imp.ID, nil)
		if err == nil {
			t.Fatal("Start succeeded without its report")
		}
		m := regexp.MustCompile(`^The import stopped on an unexpected error \(ref ([0-9a-f]{6})\) after 0 of 10 records; .*resume.*quote the ref\.$`).FindStringSubmatch(imp.Error)
		if imp.Status != crm.ImportFailed || m == nil || strings.Contains(imp.Error, "import_report") {
			t.Fatalf("import %s: %q, want failed with a message for people and a ref", imp.Status, imp.Error)
		}
		if stored, _ := e.im.Get(e.ctx, imp.ID); stored.Error != imp.Error {
			t.Errorf("stored error %q, want %q", stored.Error, imp.Error)
		}
		if l := log.String(); strings.Count(l, "ref="+m[1]) != 1 || !strings.Contains(l, "import_report") {
			t.Errorf("log = %q, want the cause once, under ref %s", l, m[1])
		}
	})
	t.Run("database busy", func(t *testing.T) {
		e := newEnv(t)
		imp := e.prepare("ten.csv", people(10), crm.ImportOptions{})
		imp.Counts.Records = 4
		busy := fmt.Errorf("begin batch: database is locked: %w", crm.ErrUnavailable)
		got, err := e.im.fail(imp, busy)
		if !errors.Is(err, crm.ErrUnavailable) {
			t.Errorf("fail = %v, want it to wrap the cause", err)
		}
		stored, _ := e.im.Get(e.ctx, imp.ID)
		for _, imp := range []*crm.Import{got, stored} {
			if imp.Status != crm.ImportInterrupted || !strings.Contains(imp.Error, "The database was busy") ||
				!strings.Contains(imp.Error, "after 4 of 10 records") || strings.Contains(imp.Error, "locked: temporarily") {
				t.Errorf("import %s: %q, want interrupted, saying the database was busy", imp.Status, imp.Error)
			}
		}
	})
	t.Run("disk full", func(t *testing.T) {
		e := newEnv(t)
		for _, cause := range []error{
			fmt.Errorf("write report: %w", &fs.PathError{Op: "write", Path: "report.csv", Err: syscall.ENOSPC}),
			fmt.Errorf("commit batch: %w", sqliteError{code: 13}),        // SQLITE_FULL
			fmt.Errorf("commit batch: %w", sqliteError{code: 13 | 3<<8}), // an extended code of it
		} {
			imp := e.prepare("ten.csv", people(10), crm.ImportOptions{})
			imp, _ = e.im.fail(imp, cause)
			if imp.Status != crm.ImportFailed || !strings.HasPrefix(imp.Error, "The server's disk is full (ref ") || strings.Contains(imp.Error, "commit") {
				t.Errorf("%v: import %s: %q, want failed, saying the disk is full", cause, imp.Status, imp.Error)
			}
		}
		imp := e.prepare("ten.csv", people(10), crm.ImportOptions{})
		if imp, _ = e.im.fail(imp, sqliteError{code: 19}); strings.Contains(imp.Error, "disk") { // a constraint
			t.Errorf("a constraint error reads as a full disk: %q", imp.Error)
		}
	})
	t.Run("the user's to fix", func(t *testing.T) {
		e := newEnv(t)
		imp := e.prepare("ten.csv", people(10), crm.ImportOptions{})
		cause := crm.Invalid("file", "", "The file is wrong in a way you can fix.")
		if imp, _ = e.im.fail(imp, cause); imp.Error != cause.Error() {
			t.Errorf("error %q, want the cause's own words %q", imp.Error, cause.Error())
		}
	})
}

// sqliteError has the shape of the SQLite driver's errors.
type sqliteError struct{ code int }

func (e sqliteError) Error() string { return "sqlite error " + strconv.Itoa(e.code) }
func (e sqliteError) Code() int     { return e.code }

// TestReportLegacyFile: an import begun by a version that kept its report
// in a file, report_size bytes long at its last checkpoint, resumes with
// its report whole: the file's lines, then the batches'. A file that lost
// lines is refused, never padded with zero bytes, saying what happened and
// what to do. Issue 9, item 12.
func TestReportLegacyFile(t *testing.T) {
	needSQLite(t, "the versions that kept reports in files ran on SQLite only")
	e := newEnv(t)
	imp := e.prepare("people.csv", people(50), crm.ImportOptions{BatchSize: 10})
	imp, err := e.im.Start(e.ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 2 {
			e.exec(`UPDATE imports SET cancel_requested = 1`)
		}
	})
	if err != nil || imp.Status != crm.ImportCancelled {
		t.Fatalf("Start = %s, %v", imp.Status, err)
	}
	// Move the report of the batches committed to a file, as the old version
	// kept it, and leave the import interrupted.
	var first bytes.Buffer
	if err := e.im.WriteReport(e.ctx, imp.ID, &first); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(first.String(), "\n"); n != 1+imp.Counts.Records || n == 51 {
		t.Fatalf("report has %d lines, want a header and one per record of the %d loaded", n, imp.Counts.Records)
	}
	path := e.im.reportPath(imp.ID)
	if err := os.WriteFile(path, first.Bytes()[:first.Len()-10], 0o600); err != nil {
		t.Fatal(err)
	}
	e.exec(`DELETE FROM import_report`)
	e.exec(fmt.Sprintf(`UPDATE imports SET status = 'interrupted', finished_at = '', report_size = %d`, first.Len()))

	_, err = e.im.Resume(e.ctx, imp.ID, nil)
	if !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "cannot be resumed: its report on the server was lost or damaged") {
		t.Errorf("Resume with a short report file = %v, want it refused, saying the report was damaged", err)
	}
	if b, _ := os.ReadFile(path); len(b) != first.Len()-10 || bytes.IndexByte(b, 0) >= 0 {
		t.Errorf("report file of %d bytes after the refusal (zero bytes: %v), want %d as it was", len(b), bytes.IndexByte(b, 0) >= 0, first.Len()-10)
	}
	if got, _ := e.im.Get(e.ctx, imp.ID); got.Status != crm.ImportInterrupted {
		t.Errorf("import is %s after the refusal, want interrupted still", got.Status)
	}

	if err := os.WriteFile(path, first.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if imp, err = e.im.Resume(e.ctx, imp.ID, nil); err != nil || imp.Status != crm.ImportCompleted {
		t.Fatalf("Resume = %v, %v", imp, err)
	}
	var whole bytes.Buffer
	if err := e.im.WriteReport(e.ctx, imp.ID, &whole); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(whole.Bytes())).ReadAll()
	if err != nil || len(rows) != 51 || !strings.HasPrefix(whole.String(), first.String()) {
		t.Fatalf("report after resume: %d rows, %v; want the file's lines, then the rest", len(rows), err)
	}
	for i, row := range rows[1:] {
		if row[0] != strconv.Itoa(i+2) || row[1] != "created" {
			t.Errorf("report row %d = %q, want line %d created", i+1, row, i+2)
		}
	}
}

// TestWorkerPidReused: a worker on this machine is alive only while the
// process with its pid started when it did; a worker recorded by an older
// localcrm, without a start time, is judged by its pid alone. Issue 9,
// item 13.
func TestWorkerPidReused(t *testing.T) {
	e := newEnv(t)
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("cannot start a child process:", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	pid := cmd.Process.Pid
	start, err := processStart(pid)
	if err != nil {
		t.Skip("no /proc here:", err)
	}
	n, _ := strconv.Atoi(start)
	base := fmt.Sprintf("%s:%d:%s", e.im.host, pid, e.im.boot)
	for _, tt := range []struct {
		worker string
		alive  bool
	}{
		{base + ":" + start, true},
		{base + ":" + strconv.Itoa(n+1), false}, // the pid went to another process
		{base, true},                            // no start time: the pid alone
	} {
		if got := e.im.alive(&crm.Import{Worker: tt.worker}); got != tt.alive {
			t.Errorf("alive(%q) = %v, want %v", tt.worker, got, tt.alive)
		}
	}
	if !strings.HasSuffix(e.im.worker, ":"+mustStart(t, os.Getpid())) || !e.im.alive(&crm.Import{Worker: e.im.worker, Status: crm.ImportQueued}) {
		t.Errorf("this process's worker %q lacks its start time", e.im.worker)
	}
	// An import recorded as running here is alive only while this process
	// runs it: one whose run ended with its state unsaved (the database out
	// of reach) must be resumable, not this process's for ever.
	mine := &crm.Import{ID: 7, Worker: e.im.worker, Status: crm.ImportRunning}
	if e.im.alive(mine) {
		t.Errorf("an import this process does not run counts as alive")
	}
	release := e.im.hold(mine.ID)
	if !e.im.alive(mine) {
		t.Errorf("an import this process runs counts as gone")
	}
	release()
	cmd.Process.Kill()
	cmd.Wait()
	if e.im.alive(&crm.Import{Worker: base + ":" + start}) {
		t.Errorf("a worker whose process ended is alive")
	}
}

func mustStart(t *testing.T, pid int) string {
	t.Helper()
	s, err := processStart(pid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSweep: the uploaded files of imports never started, cancelled or
// completed more than KeepUploads ago are removed; the imports stay, and
// starting one says its file was removed and must be uploaded again. Files
// of newer imports, and of imports that can resume, stay. Issue 9, item 6.
func TestSweep(t *testing.T) {
	e := newEnv(t)
	pending := e.prepare("pending.csv", people(3), crm.ImportOptions{})
	cancelled := e.prepare("cancelled.csv", people(3), crm.ImportOptions{})
	if _, err := e.im.Cancel(e.ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	interrupted := e.prepare("interrupted.csv", people(3), crm.ImportOptions{})
	e.exec(`UPDATE imports SET status = 'interrupted' WHERE id = ` + strconv.FormatInt(interrupted.ID, 10))
	failed := e.prepare("failed.csv", people(3), crm.ImportOptions{})
	e.exec(`UPDATE imports SET status = 'failed' WHERE id = ` + strconv.FormatInt(failed.ID, 10))
	completed := e.load("completed.csv", people(3), crm.ImportOptions{})

	if n, err := e.im.Sweep(e.ctx, time.Now().Add(6*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("Sweep after 6 days = %d, %v; want nothing removed", n, err)
	}
	n, err := e.im.Sweep(e.ctx, time.Now().Add(8*24*time.Hour))
	if err != nil || n != 3 {
		t.Errorf("Sweep after 8 days = %d, %v; want 3 files removed", n, err)
	}
	for _, tt := range []struct {
		imp  *crm.Import
		kept bool
	}{{pending, false}, {cancelled, false}, {completed, false}, {interrupted, true}, {failed, true}} {
		if kept := e.hasSource(tt.imp.ID); kept != tt.kept {
			t.Errorf("%s: file kept = %v, want %v", tt.imp.FileName, kept, tt.kept)
		}
		if _, err := e.im.Get(e.ctx, tt.imp.ID); err != nil {
			t.Errorf("%s: the import is gone: %v", tt.imp.FileName, err)
		}
	}
	_, err = e.im.Start(e.ctx, pending.ID, nil)
	if !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "was removed from the server on") ||
		!strings.Contains(err.Error(), "kept for 7 days") || !strings.Contains(err.Error(), "Upload the file again") {
		t.Errorf("Start after the sweep = %v, want it refused, saying the file was removed", err)
	}
	if _, err := e.im.DryRun(e.ctx, pending.ID, 10); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("DryRun after the sweep = %v, want it refused", err)
	}
	if got, _ := e.im.Get(e.ctx, pending.ID); got.Status != crm.ImportPending {
		t.Errorf("import is %s after a refused start, want pending", got.Status)
	}

	// A file lost otherwise is told as lost.
	e.loseSource(interrupted.ID)
	if _, err := e.im.Resume(e.ctx, interrupted.ID, nil); !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "is missing from the server") {
		t.Errorf("Resume without the file = %v, want it refused, saying the file is missing", err)
	}

	e.im.KeepUploads = time.Hour
	fresh := e.prepare("fresh.csv", people(3), crm.ImportOptions{})
	if n, _ := e.im.Sweep(e.ctx, time.Now().Add(2*time.Hour)); n != 1 {
		t.Errorf("Sweep with KeepUploads 1h after 2h removed %d files, want 1", n)
	}
	if e.hasSource(fresh.ID) {
		t.Errorf("the file of a pending import 2 hours old was kept with KeepUploads 1h")
	}
}

// TestUploadRefusedWithoutRoom: an upload is refused, before anything is
// kept, when the imports folder is over its quota or the disk is nearly
// full, saying how much is used or free and what to do. Issue 9, item 6.
func TestUploadRefusedWithoutRoom(t *testing.T) {
	e := newEnv(t)
	first := e.create("first.csv", people(100))

	e.im.Quota = first.Import.FileSize - 1
	_, err := e.im.Create(e.ctx, Upload{Name: "second.csv", Body: bytes.NewReader(people(3))})
	if !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "The uploads kept on the server use") ||
		!strings.Contains(err.Error(), "Delete imports you no longer need") {
		t.Errorf("Create over the quota = %v, want it refused, saying how much is used", err)
	}
	e.im.Quota = 1 << 30
	e.create("second.csv", people(3))

	e.im.freeSpace = func(string) (uint64, error) { return 50 << 20, nil }
	_, err = e.im.Create(e.ctx, Upload{Name: "third.csv", Body: bytes.NewReader(people(3))})
	if !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "disk is nearly full: 50 MB free, and an upload needs at least 200 MB") {
		t.Errorf("Create on a full disk = %v, want it refused, saying how much is free", err)
	}
	if imps, _ := e.st.ListImports(e.ctx); len(imps) != 2 {
		t.Errorf("%d imports stored, want the 2 accepted", len(imps))
	}
	e.im.MinFree = 10 << 20
	e.create("third.csv", people(3))
}
