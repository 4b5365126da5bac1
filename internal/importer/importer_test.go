package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// TestBatches checks that records commit in batches of the chosen size,
// with progress after each, and that an invalid record never costs its
// neighbours in the batch.
func TestBatches(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(string(people(10)), "First5,", ",", 1) // line 6 has no first name
	body = strings.Replace(body, "person9@", "person9.@", 1)       // line 10 has a bad email
	imp := e.prepare("ten.csv", []byte(body), crm.ImportOptions{BatchSize: 3})
	var seen []crm.ImportCounts
	imp, err := e.im.Start(e.ctx, imp.ID, func(p Progress) {
		seen = append(seen, p.Import.Counts)
		if p.Import.Status != crm.ImportRunning && p.Import.Counts.Records < 10 {
			t.Errorf("progress with status %s before the end", p.Import.Status)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 10, Created: 8, Rejected: 2, Batches: 4})
	var records, batches []int
	for _, c := range seen {
		records = append(records, c.Records)
		batches = append(batches, c.Batches)
	}
	// Once as the job starts, once per batch, once at the end.
	if want := []int{0, 3, 6, 9, 10, 10}; !slices.Equal(records, want) {
		t.Errorf("progress saw records %v, want %v", records, want)
	}
	if want := []int{0, 1, 2, 3, 4, 4}; !slices.Equal(batches, want) {
		t.Errorf("progress saw batches %v, want %v", batches, want)
	}
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(6, "first_name", "", "First Name must have a value."),
		rowErr(10, "email", "person9.@example.com", "Email is not a valid email address: it must look like name@example.com."),
	})
	if n := e.count(); n != 8 {
		t.Errorf("%d customers, want 8", n)
	}
	for _, email := range []string{"person4@example.com", "person6@example.com", "person8@example.com", "person10@example.com"} {
		e.mustEmail(email) // the neighbours of the invalid records
	}
}

// TestRecordLimit checks that a file over the import's record limit is
// refused before anything is written, saying how many records it holds.
func TestRecordLimit(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("six.csv", people(6), crm.ImportOptions{MaxRecords: 5})
	_, err := e.im.Start(e.ctx, imp.ID, nil)
	if !errors.Is(err, crm.ErrTooLarge) {
		t.Fatalf("Start = %v, want crm.ErrTooLarge", err)
	}
	if want := "the file holds 6 records; one import may load at most 5"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q", err, want)
	}
	if n := e.count(); n != 0 {
		t.Errorf("%d customers after a refused import", n)
	}
	got, err := e.im.Get(e.ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != crm.ImportPending || !reflect.DeepEqual(got.Counts, crm.ImportCounts{}) {
		t.Errorf("refused import is %s with %+v", got.Status, got.Counts)
	}
	if rows := e.report(imp.ID); len(rows) != 1 {
		t.Errorf("a refused import has a report: %q", rows)
	}
	// Exactly at the limit is allowed.
	imp = e.prepare("five.csv", people(5), crm.ImportOptions{MaxRecords: 5})
	if imp, err = e.im.Start(e.ctx, imp.ID, nil); err != nil || imp.Counts.Created != 5 {
		t.Fatalf("Start at the limit: %v, %+v", err, imp)
	}

	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 61234: "61,234", 50000: "50,000", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// thousandRecords is a file of 1,000 valid people.
var thousandRecords = people(1000)

// checkComplete checks that an import of thousandRecords loaded each
// record once and reported each once.
func checkComplete(t *testing.T, e *env, imp *crm.Import) {
	t.Helper()
	if imp.Status != crm.ImportCompleted {
		t.Errorf("status = %s (%s), want completed", imp.Status, imp.Error)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 1000, Created: 1000, Batches: 100})
	cs := e.customers()
	if len(cs) != 1000 {
		t.Errorf("%d customers, want 1000", len(cs))
	}
	emails := map[string]bool{}
	for _, c := range cs {
		emails[c.Get("email")] = true
	}
	if len(emails) != len(cs) {
		t.Errorf("%d customers but %d emails: some record was imported twice", len(cs), len(emails))
	}
	rep := e.report(imp.ID)
	if len(rep) != 1001 {
		t.Errorf("report has %d rows, want 1001", len(rep))
	}
	for i, row := range rep[1:] {
		if row[0] != strconv.Itoa(i+2) || row[1] != "created" {
			t.Errorf("report row %d = %q, want line %d created", i+1, row, i+2)
			break
		}
	}
}

// TestResumeAfterInterrupt stops an import by ending its context after the
// third batch, as a shutting-down server does, and resumes it.
func TestResumeAfterInterrupt(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("people.csv", thousandRecords, crm.ImportOptions{BatchSize: 10})
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	imp, err := e.im.Start(ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 3 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != crm.ImportInterrupted {
		t.Fatalf("status = %s, want interrupted", imp.Status)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 30, Created: 30, Batches: 3})
	if n := e.count(); n != 30 {
		t.Errorf("%d customers after 3 batches, want 30", n)
	}
	if got, _ := e.im.Get(e.ctx, imp.ID); got.Status != crm.ImportInterrupted || !reflect.DeepEqual(got.Counts, imp.Counts) {
		t.Errorf("stored job: %s %+v", got.Status, got.Counts)
	}
	if _, err := e.im.Start(e.ctx, imp.ID, nil); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Start of an interrupted import: %v", err)
	}

	var first Progress
	imp, err = e.im.Resume(e.ctx, imp.ID, func(p Progress) {
		if first.Import.ID == 0 {
			first = p
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if first.Import.Counts.Records != 30 || first.Import.Status != crm.ImportRunning {
		t.Errorf("resume began at %d records, %s", first.Import.Counts.Records, first.Import.Status)
	}
	checkComplete(t, e, imp)
	if _, err := e.im.Resume(e.ctx, imp.ID, nil); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Resume of a completed import: %v", err)
	}
}

// TestRunTimeLeavesOutTheWait interrupts an import, lets a day pass, and
// resumes it: its running time, rate and reported duration must count the
// two runs only, not the day it waited.
func TestRunTimeLeavesOutTheWait(t *testing.T) {
	e := newEnv(t)
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	e.im.now = func() time.Time { return clock }
	tick := func(p Progress) { clock = clock.Add(time.Second) } // each batch takes a second

	imp := e.prepare("people.csv", thousandRecords, crm.ImportOptions{BatchSize: 10})
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	imp, err := e.im.Start(ctx, imp.ID, func(p Progress) {
		tick(p)
		if p.Import.Counts.Batches == 4 {
			cancel()
		}
	})
	if err != nil || imp.Status != crm.ImportInterrupted {
		t.Fatalf("first run: %v, %v", imp.Status, err)
	}
	firstRun := imp.RunTime
	if firstRun < 4*time.Second || firstRun > 10*time.Second {
		t.Errorf("running time after four batches of a second = %v", firstRun)
	}

	clock = clock.Add(24 * time.Hour)
	imp, err = e.im.Resume(e.ctx, imp.ID, tick)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, e, imp)
	if imp.RunTime < 100*time.Second || imp.RunTime > 5*time.Minute {
		t.Errorf("running time after 100 batches of a second in two runs = %v, want no day in it", imp.RunTime)
	}
	if span := imp.FinishedAt.Sub(imp.StartedAt); span < 24*time.Hour {
		t.Errorf("started to finished = %v, want the day it waited in it", span)
	}
	stored, err := e.im.Get(e.ctx, imp.ID)
	if err != nil || stored.RunTime != imp.RunTime.Truncate(time.Millisecond) {
		t.Errorf("stored running time = %v (%v), want %v", stored.RunTime, err, imp.RunTime)
	}
	if s := summary(stored, nil); s.Seconds != stored.RunTime.Seconds() {
		t.Errorf("summary duration = %vs, want the running time %v", s.Seconds, stored.RunTime)
	}
}

// TestResumeAfterFailure breaks the database in the middle of an import, so
// that a batch fails after its report lines were written, and checks that
// the failed import resumes without losing or repeating a record or a
// report line.
func TestResumeAfterFailure(t *testing.T) {
	e := newEnv(t)
	var log bytes.Buffer
	e.im.Log = slog.New(slog.NewTextHandler(&log, nil))
	// Every tenth record is rejected, so that each batch saves a reject.
	body := string(thousandRecords)
	for i := 5; i <= 1000; i += 10 {
		body = strings.Replace(body, "First"+strconv.Itoa(i)+",", ",", 1)
	}
	imp := e.prepare("people.csv", []byte(body), crm.ImportOptions{BatchSize: 10})
	imp, err := e.im.Start(e.ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 3 {
			e.refuseInserts("import_rejects", "true", "disk on fire")
		}
	})
	// People are told what happened in their terms, with a ref; the cause
	// is logged under that ref, and wrapped for the caller.
	if err == nil || errors.Unwrap(err) == nil || !strings.Contains(errors.Unwrap(err).Error(), "disk on fire") {
		t.Fatalf("Start = %v, want an error wrapping the database's error", err)
	}
	ref := regexp.MustCompile(`unexpected error \(ref ([0-9a-f]{6})\)`).FindStringSubmatch(imp.Error)
	if imp.Status != crm.ImportFailed || ref == nil || strings.Contains(imp.Error, "disk on fire") {
		t.Fatalf("status = %s (%q), want failed with a message for people quoting a ref", imp.Status, imp.Error)
	}
	if !strings.Contains(err.Error(), imp.Error) {
		t.Errorf("Start = %q, want it to say %q", err, imp.Error)
	}
	if l := log.String(); strings.Count(l, "ref="+ref[1]) != 1 || !strings.Contains(l, "disk on fire") {
		t.Errorf("log = %q, want the cause once under ref %s", l, ref[1])
	}
	got, err := e.im.Get(e.ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != crm.ImportFailed || got.Counts.Records != 30 || got.Counts.Batches != 3 {
		t.Errorf("stored job: %s %+v, want failed after 30 records", got.Status, got.Counts)
	}
	if n := e.count(); n != 27 {
		t.Errorf("%d customers after 3 batches, want 27", n)
	}
	if rep := e.report(imp.ID); len(rep) != 31 {
		t.Errorf("report of the failed import has %d rows, want 31", len(rep))
	}

	e.allowInserts("import_rejects")
	imp, err = e.im.Resume(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != crm.ImportCompletedWithErrors || imp.Error != "" {
		t.Errorf("status = %s (%q)", imp.Status, imp.Error)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 1000, Created: 900, Rejected: 100, Batches: 100})
	if n := e.count(); n != 900 {
		t.Errorf("%d customers, want 900", n)
	}
	rep := e.report(imp.ID)
	if len(rep) != 1001 {
		t.Errorf("report has %d rows, want 1001", len(rep))
	}
	for i, row := range rep[1:] {
		if row[0] != strconv.Itoa(i+2) {
			t.Errorf("report row %d is line %s, want %d: a line is missing or repeated", i+1, row[0], i+2)
			break
		}
	}
	if errs := e.errors(imp); len(errs) != 100 {
		t.Errorf("%d errors, want 100", len(errs))
	}
}

// TestResumeAfterCrash checks that an import whose process died while it
// ran shows as interrupted, and resumes.
func TestResumeAfterCrash(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("people.csv", thousandRecords, crm.ImportOptions{BatchSize: 10})
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	imp, err := e.im.Start(ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 5 {
			cancel()
		}
	})
	if err != nil || imp.Status != crm.ImportInterrupted {
		t.Fatalf("Start: %v, %v", err, imp.Status)
	}
	// Another process on this machine took the import and died.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("cannot run a process to kill: %v", err)
	}
	worker := e.im.host + ":" + strconv.Itoa(dead.Process.Pid)
	if err := e.st.ClaimImport(e.ctx, imp.ID, crm.ImportInterrupted, worker); err != nil {
		t.Fatal(err)
	}
	got, err := e.im.Get(e.ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != crm.ImportInterrupted || got.Counts.Records != 50 {
		t.Fatalf("the dead worker's import is %s at %d records, want interrupted at 50", got.Status, got.Counts.Records)
	}
	imp, err = e.im.Resume(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkComplete(t, e, imp)
}

// TestWorkerOfEarlierBoot checks that an import whose worker was recorded in
// an earlier boot of this machine is interrupted, even when a process with
// its pid runs now: this very process, as a server restarted with the
// machine may be.
func TestWorkerOfEarlierBoot(t *testing.T) {
	e := newEnv(t)
	if e.im.boot == "" {
		t.Skip("this system does not say which boot it is in")
	}
	for _, tt := range []struct {
		boot    string
		running bool
	}{
		{e.im.boot, true},          // this process, this boot: alive
		{"an-earlier-boot", false}, // the same pid, before the machine restarted
	} {
		imp := e.prepare("people.csv", thousandRecords, crm.ImportOptions{})
		worker := fmt.Sprintf("%s:%d:%s", e.im.host, os.Getpid(), tt.boot)
		if err := e.st.ClaimImport(e.ctx, imp.ID, crm.ImportPending, worker); err != nil {
			t.Fatal(err)
		}
		got, err := e.im.Get(e.ctx, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if running := got.Status == crm.ImportRunning; running != tt.running {
			t.Errorf("worker %s: import is %s", worker, got.Status)
		}
	}
}

// TestCancel checks that a cancel request stops a running import after the
// batch in flight, keeping what was committed, and that a pending import can
// be cancelled before it starts.
func TestCancel(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("people.csv", thousandRecords, crm.ImportOptions{BatchSize: 10})
	var cancelErr error
	imp, err := e.im.Start(e.ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 3 {
			_, cancelErr = e.im.Cancel(e.ctx, p.Import.ID)
		}
	})
	if err != nil || cancelErr != nil {
		t.Fatalf("Start: %v; Cancel: %v", err, cancelErr)
	}
	if imp.Status != crm.ImportCancelled || imp.FinishedAt.IsZero() {
		t.Errorf("status = %s, finished %v; want cancelled", imp.Status, imp.FinishedAt)
	}
	// The request is seen when the batch in flight (the fourth) commits.
	wantCounts(t, imp, crm.ImportCounts{Records: 40, Created: 40, Batches: 4})
	if n := e.count(); n != 40 {
		t.Errorf("%d customers, want 40", n)
	}
	if rep := e.report(imp.ID); len(rep) != 41 {
		t.Errorf("report has %d rows, want 41", len(rep))
	}
	if _, err := e.im.Cancel(e.ctx, imp.ID); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Cancel of a cancelled import: %v", err)
	}

	pending := e.prepare("people.csv", people(3), crm.ImportOptions{})
	got, err := e.im.Cancel(e.ctx, pending.ID)
	if err != nil || got.Status != crm.ImportCancelled {
		t.Fatalf("Cancel of a pending import: %v, %v", err, got)
	}
	if _, err := e.im.Start(e.ctx, pending.ID, nil); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Start of a cancelled import: %v", err)
	}
	if _, err := e.im.Resume(e.ctx, pending.ID, nil); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Resume of an import cancelled before it started: %v", err)
	}
	if n := e.count(); n != 40 {
		t.Errorf("%d customers, want 40", n)
	}

	// Whoever cancelled may think again: the import resumes after its last
	// committed batch, and loads the rest once.
	imp, err = e.im.Resume(e.ctx, imp.ID, nil)
	if err != nil || imp.Status != crm.ImportCompleted {
		t.Fatalf("Resume of a cancelled import: %v, %+v", err, imp)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 1000, Created: 1000, Batches: 100})
	if n := e.count(); n != 1000 {
		t.Errorf("%d customers, want 1000", n)
	}
}

// TestListAndDelete checks that List shows every job, newest first, and
// that Delete removes a job and its files but not its customers.
func TestListAndDelete(t *testing.T) {
	e := newEnv(t)
	a := e.load("a.csv", people(2), crm.ImportOptions{})
	b := e.prepare("b.csv", []byte("first_name,last_name\nX,Y\n"), crm.ImportOptions{})
	imps, err := e.im.List(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(imps) != 2 || imps[0].ID != b.ID || imps[1].ID != a.ID || imps[0].FileName != "b.csv" {
		t.Fatalf("List = %+v", imps)
	}
	if err := e.im.Delete(e.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.im.Get(e.ctx, a.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Get of a deleted import: %v", err)
	}
	if _, err := os.Stat(diskSources{e.im.dir}.jobDir(a.ID)); !errors.Is(err, os.ErrNotExist) || e.hasSource(a.ID) {
		t.Errorf("the deleted import's files remain: %v", err)
	}
	var lines int
	if err := e.sql().QueryRow(`SELECT count(*) FROM import_report WHERE import_id = $1`, a.ID).Scan(&lines); err != nil || lines != 0 {
		t.Errorf("the deleted import's report remains: %d batches, %v", lines, err)
	}
	if n := e.count(); n != 2 {
		t.Errorf("%d customers after deleting their import, want 2", n)
	}
}

// TestRunner checks that the background runner starts an import, returns
// the reason when it cannot, and on shutdown leaves a running import
// interrupted (or finished), never half-written.
func TestRunner(t *testing.T) {
	e := newEnv(t)
	r := NewRunner(e.im, slog.New(slog.DiscardHandler))

	big := e.prepare("six.csv", people(6), crm.ImportOptions{MaxRecords: 5})
	if _, err := r.Start(context.Background(), big.ID); !errors.Is(err, crm.ErrTooLarge) {
		t.Errorf("Start over the limit: %v", err)
	}

	imp := e.prepare("people.csv", thousandRecords, crm.ImportOptions{BatchSize: 10})
	got, err := r.Start(context.Background(), imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != crm.ImportRunning {
		t.Errorf("Start returned the import %s", got.Status)
	}
	if err := r.Shutdown(e.ctx); err != nil {
		t.Fatal(err)
	}
	imp, err = e.im.Get(e.ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	switch imp.Status {
	case crm.ImportInterrupted:
		if n := e.count(); n != imp.Counts.Created || n%10 != 0 {
			t.Errorf("interrupted with %d customers and counts %+v", n, imp.Counts)
		}
		if imp, err = e.im.Resume(e.ctx, imp.ID, nil); err != nil {
			t.Fatal(err)
		}
	case crm.ImportCompleted:
	default:
		t.Fatalf("after shutdown the import is %s", imp.Status)
	}
	checkComplete(t, e, imp)
}

// TestCreateRefusesAnEmptyFile checks that a file without a header row is
// refused and leaves no job and no file behind.
func TestCreateRefusesAnEmptyFile(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{"", "\ufeff", "\n\n\r\n"} {
		_, err := e.im.Create(e.ctx, Upload{Name: "empty.csv", Body: strings.NewReader(body)})
		if !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("Create(%q) = %v, want crm.ErrInvalid", body, err)
		}
	}
	if imps, err := e.im.List(e.ctx); err != nil || len(imps) != 0 {
		t.Errorf("List = %v, %v", imps, err)
	}
	if files, _ := os.ReadDir(e.im.dir); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}

// TestResumeAfterFieldDeleted checks that an import whose mapped custom
// field was deleted while it stood interrupted is not resumed into
// rejecting every record that is left, but refused with the reason.
func TestResumeAfterFieldDeleted(t *testing.T) {
	e := newEnv(t)
	e.field(crm.Field{Key: "team", Label: "Team", Type: crm.TypeText})
	var b strings.Builder
	b.WriteString("first_name,last_name,team\n")
	for i := range 40 {
		b.WriteString("F" + strconv.Itoa(i) + ",L,red\n")
	}
	imp := e.prepare("team.csv", []byte(b.String()), crm.ImportOptions{BatchSize: 10})
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	imp, err := e.im.Start(ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 1 {
			cancel()
		}
	})
	if err != nil || imp.Status != crm.ImportInterrupted {
		t.Fatalf("Start: %v, %s", err, imp.Status)
	}
	if err := e.st.DeleteField(e.ctx, "team"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.im.Resume(e.ctx, imp.ID, nil); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Resume without the mapped field: %v, want crm.ErrInvalid", err)
	}
	if got, _ := e.im.Get(e.ctx, imp.ID); got.Status != crm.ImportInterrupted || got.Counts.Records != 10 {
		t.Errorf("after the refusal the import is %s at %d records", got.Status, got.Counts.Records)
	}
	e.field(crm.Field{Key: "team", Label: "Team", Type: crm.TypeText})
	imp, err = e.im.Resume(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 40, Created: 40, Batches: 4})
}

// TestConcurrentImports runs two imports of overlapping files at once and
// checks that each email still belongs to one customer.
func TestConcurrentImports(t *testing.T) {
	e := newEnv(t)
	var a, b strings.Builder
	a.WriteString("first_name,last_name,email\n")
	b.WriteString("first_name,last_name,email\n")
	for i := range 300 {
		a.WriteString("A,A" + strconv.Itoa(i) + ",p" + strconv.Itoa(i) + "@example.com\n")
		b.WriteString("B,B" + strconv.Itoa(i) + ",p" + strconv.Itoa(i+150) + "@example.com\n")
	}
	ia := e.prepare("a.csv", []byte(a.String()), crm.ImportOptions{BatchSize: 10})
	ib := e.prepare("b.csv", []byte(b.String()), crm.ImportOptions{BatchSize: 10})
	type result struct {
		imp *crm.Import
		err error
	}
	done := make(chan result)
	for _, id := range []int64{ia.ID, ib.ID} {
		go func() {
			imp, err := e.im.Start(e.ctx, id, nil)
			done <- result{imp, err}
		}()
	}
	var created, rejected int
	for range 2 {
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		created += r.imp.Counts.Created
		rejected += r.imp.Counts.Rejected
	}
	if created != 450 || rejected != 150 {
		t.Errorf("created %d, rejected %d; want 450 and 150", created, rejected)
	}
	cs := e.customers()
	emails := map[string]bool{}
	for _, c := range cs {
		emails[c.Get("email")] = true
	}
	if len(cs) != 450 || len(emails) != 450 {
		t.Errorf("%d customers with %d emails, want 450", len(cs), len(emails))
	}
}

// TestConfigureKeepsTheAdminsLimit: an import may lower the record limit
// but not raise it past the importer's (localcrm serve --max-records).
func TestConfigureKeepsTheAdminsLimit(t *testing.T) {
	e := newEnv(t)
	e.im.MaxRecords = 10
	imp := e.prepare("three.csv", people(3), crm.ImportOptions{MaxRecords: 5})
	o := imp.Options
	o.MaxRecords = 11
	_, err := e.im.Configure(e.ctx, imp.ID, o)
	if !errors.Is(err, crm.ErrInvalid) || err.Error() != "The record limit is 10; an administrator can raise it." {
		t.Errorf("Configure over the limit: %v", err)
	}
}

// TestUploadKeptOrNothing: when the uploaded file cannot be put in its
// import's folder, the upload fails and leaves no import behind. Before,
// the error was dropped, and the import failed later, at its start, with
// "open …/imports/1/source: no such file".
func TestUploadKeptOrNothing(t *testing.T) {
	e := newEnv(t)
	if onPostgres() {
		e.refuseInserts("import_sources", "true", "disk trouble")
	} else {
		// A file where the first import's folder must go.
		dir := e.im.dir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "1"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.im.Create(e.ctx, Upload{Name: "people.csv", Body: bytes.NewReader(people(3))})
	if err == nil || !strings.Contains(err.Error(), "keep uploaded file") {
		t.Fatalf("upload into a blocked folder: %v, want it refused", err)
	}
	if imps, _ := e.st.ListImports(e.ctx); len(imps) != 0 {
		t.Errorf("%d imports left behind", len(imps))
	}
}
