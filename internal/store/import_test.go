package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// TestBatchInsertNumbersEachCustomer inserts a batch that spans several
// INSERT statements, after a deleted customer left a gap, and checks that
// the account number each customer was given is the one it was stored
// under.
func TestBatchInsertNumbersEachCustomer(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	gone := mustCreate(t, st, customer("first_name", "Gone", "last_name", "Soon"))
	if err := st.DeleteCustomer(ctx, gone); err != nil {
		t.Fatal(err)
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	imp := &crm.Import{
		Status: crm.ImportRunning, FileName: "people.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
		Options: crm.ImportOptions{BatchSize: 250, Mapping: map[string]string{"First": "first_name", "Last": "last_name", "Email": "email"}},
	}
	if err := st.CreateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	cs := make([]*crm.Customer, 250)
	lines := make([]int, len(cs))
	for i := range cs {
		cs[i] = customer("first_name", "P", "last_name", fmt.Sprint(i), "email", fmt.Sprintf("p%d@example.com", i))
		lines[i] = i + 2
	}
	b, err := st.BeginBatch(ctx, imp, sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Insert(ctx, cs, lines, nil); err != nil {
		t.Fatal(err)
	}
	cp := crm.Checkpoint{
		Counts:  crm.ImportCounts{Records: 251, Created: 250, Rejected: 1, Batches: 1},
		RunTime: 1500 * time.Millisecond,
		Rejects: []crm.Reject{{Line: 252, Cells: []string{"x"}, Message: "bad", Errors: []crm.RowError{{Line: 252, Field: "email", Value: "x", Message: "bad"}}}},
		Report:  "2,created,10000000,\n",
	}
	if _, err := b.Commit(ctx, cp); err != nil {
		t.Fatal(err)
	}
	// The checkpoint is what Commit was given, and only that: the job's
	// other fields, and the job in memory, are the importer's.
	if !reflect.DeepEqual(imp.Counts, crm.ImportCounts{}) || !imp.HeartbeatAt.IsZero() {
		t.Errorf("Commit wrote into the caller's import: %+v", imp)
	}
	stored, err := st.GetImport(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Counts, cp.Counts) || stored.RunTime != cp.RunTime || stored.Status != crm.ImportRunning || stored.HeartbeatAt.IsZero() {
		t.Errorf("after Commit the job is %s with %+v, %v, heartbeat %v; want running with the checkpoint's", stored.Status, stored.Counts, stored.RunTime, stored.HeartbeatAt)
	}
	var report string
	if err := st.EachReportBatch(ctx, imp.ID, func(lines string) error { report += lines; return nil }); err != nil || report != cp.Report {
		t.Errorf("report %q, %v; want %q", report, err, cp.Report)
	}
	if errs, err := st.ImportErrors(ctx, imp.ID, -1); err != nil || len(errs) != 1 || errs[0] != cp.Rejects[0].Errors[0] {
		t.Errorf("errors %+v, %v; want the checkpoint's", errs, err)
	}
	for i, c := range cs {
		if want := gone + 1 + int64(i); c.AccountNumber != want {
			t.Fatalf("customer %d got account number %d, want %d", i, c.AccountNumber, want)
		}
		got, err := st.GetCustomer(ctx, c.AccountNumber)
		if err != nil {
			t.Fatal(err)
		}
		if got.Get("email") != c.Get("email") {
			t.Fatalf("account %d holds %s, want %s", c.AccountNumber, got.Get("email"), c.Get("email"))
		}
	}
}

// TestSources: on PostgreSQL an import's uploaded file is kept in the
// database in chunks, read back whole from its start, removed with a note
// of when, measured for the quota, and deleted with its import.
func TestSources(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: on SQLite the files stay in the imports folder")
	}
	ctx := t.Context()
	st := openTestStore(t)
	imp := &crm.Import{Status: crm.ImportPending, FileName: "big.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
		Options: crm.ImportOptions{BatchSize: 100, MaxRecords: 10}}
	if err := st.CreateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenSource(ctx, imp.ID); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenSource before any file = %v, want fs.ErrNotExist", err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 200_000) // 3.2 MB: four chunks
	if err := st.KeepSource(ctx, imp.ID, bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	rc, err := st.OpenSource(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes (%v), want the %d kept", len(got), err, len(body))
	}
	if n, err := st.SourcesSize(ctx); err != nil || n != int64(len(body)) {
		t.Errorf("SourcesSize = %d, %v; want %d", n, err, len(body))
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if removed, err := st.RemoveSource(ctx, imp.ID, at); err != nil || !removed {
		t.Fatalf("RemoveSource = %v, %v", removed, err)
	}
	if removed, err := st.RemoveSource(ctx, imp.ID, at); err != nil || removed {
		t.Errorf("RemoveSource again = %v, %v; want nothing removed", removed, err)
	}
	if when, err := st.SourceRemoved(ctx, imp.ID); err != nil || !when.Equal(at) {
		t.Errorf("SourceRemoved = %v, %v; want %v", when, err, at)
	}
	if _, err := st.OpenSource(ctx, imp.ID); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenSource after RemoveSource = %v, want fs.ErrNotExist", err)
	}
	if err := st.KeepSource(ctx, imp.ID, bytes.NewReader(body[:10])); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := st.SourcesSize(ctx); err != nil || n != 0 {
		t.Errorf("SourcesSize after the import was deleted = %d, %v; want 0", n, err)
	}
}

// TestLeases: a worker renews its lease on an import while the import is
// its and runs; once another worker has claimed it, neither a renewal nor
// the old worker's last word (FinishImport) is taken.
func TestLeases(t *testing.T) {
	ctx := t.Context()
	st := openTestStore(t)
	imp := &crm.Import{Status: crm.ImportInterrupted, FileName: "a.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
		Options: crm.ImportOptions{BatchSize: 100, MaxRecords: 10}}
	if err := st.CreateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	if ours, err := st.RenewLease(ctx, imp.ID, "a:1"); err != nil || ours {
		t.Errorf("RenewLease of an import nobody runs = %v, %v; want false", ours, err)
	}
	if err := st.ClaimImport(ctx, imp.ID, crm.ImportInterrupted, "a:1"); err != nil {
		t.Fatal(err)
	}
	if ours, err := st.RenewLease(ctx, imp.ID, "a:1"); err != nil || !ours {
		t.Errorf("RenewLease by its worker = %v, %v; want true", ours, err)
	}
	// a:1 went silent; another process took the import over.
	if err := st.MarkInterrupted(ctx, imp.ID, "a:1"); err != nil {
		t.Fatal(err)
	}
	if err := st.ClaimImport(ctx, imp.ID, crm.ImportInterrupted, "b:2"); err != nil {
		t.Fatal(err)
	}
	if ours, err := st.RenewLease(ctx, imp.ID, "a:1"); err != nil || ours {
		t.Errorf("RenewLease by the old worker = %v, %v; want false", ours, err)
	}
	imp.Status, imp.Worker = crm.ImportCompleted, ""
	if err := st.FinishImport(ctx, imp, "a:1"); !errors.Is(err, store.ErrTakenOver) || !errors.Is(err, crm.ErrConflict) {
		t.Errorf("FinishImport by the old worker = %v, want ErrTakenOver, a conflict", err)
	}
	if got, _ := st.GetImport(ctx, imp.ID); got.Status != crm.ImportRunning || got.Worker != "b:2" {
		t.Errorf("the job is %s, worker %q; want running, b:2's", got.Status, got.Worker)
	}
	if err := st.FinishImport(ctx, imp, "b:2"); err != nil {
		t.Errorf("FinishImport by its worker: %v", err)
	}
}

// TestStopImportKeepsCheckpoint: an import that stops keeps the checkpoint
// its last committed batch wrote, whatever its worker believes (a COMMIT
// can succeed with its answer lost), and only its worker may stop it.
func TestStopImportKeepsCheckpoint(t *testing.T) {
	ctx := t.Context()
	st := openTestStore(t)
	imp := &crm.Import{Status: crm.ImportInterrupted, FileName: "a.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
		Options: crm.ImportOptions{BatchSize: 100, MaxRecords: 1000}}
	if err := st.CreateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	if err := st.ClaimImport(ctx, imp.ID, crm.ImportInterrupted, "a:1"); err != nil {
		t.Fatal(err)
	}
	imp.Counts = crm.ImportCounts{Records: 200, Created: 200, Batches: 2}
	imp.Status, imp.Worker = crm.ImportRunning, "a:1"
	if err := st.UpdateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	if err := st.StopImport(ctx, imp.ID, crm.ImportInterrupted, "paused", "b:2"); !errors.Is(err, store.ErrTakenOver) {
		t.Errorf("StopImport by another worker = %v, want ErrTakenOver", err)
	}
	if err := st.StopImport(ctx, imp.ID, crm.ImportInterrupted, "paused", "a:1"); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetImport(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != crm.ImportInterrupted || got.Error != "paused" || got.Worker != "" || !reflect.DeepEqual(got.Counts, imp.Counts) {
		t.Errorf("stopped import: %s, %q, worker %q, %+v; want interrupted, paused, no worker, %+v", got.Status, got.Error, got.Worker, got.Counts, imp.Counts)
	}
}

// TestPostgresBatchesSideBySide: on PostgreSQL, a batch alone takes the
// write lock alone, and one that comes while it is open waits for it; but
// batches of two imports that met so run at once (the second commits
// while the first is open) unless they want the same customer: then the
// second waits until the first commits and finds the customer it created,
// so that the email is never stored twice. Each store stands for a server
// of its own.
func TestPostgresBatchesSideBySide(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: SQLite has one writer")
	}
	ctx := t.Context()
	first := openTestStore(t)
	second := openStoreAt(t, first.Path())
	sc, err := first.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newImport := func() *crm.Import {
		imp := &crm.Import{Status: crm.ImportRunning, FileName: "people.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
			Options: crm.ImportOptions{Mapping: map[string]string{"Last": "last_name", "Email": "email"}}}
		if err := first.CreateImport(ctx, imp); err != nil {
			t.Fatal(err)
		}
		return imp
	}
	zero, one, two := newImport(), newImport(), newImport()
	person := func(email string) []*crm.Customer {
		return []*crm.Customer{customer("last_name", "P", "email", email)}
	}
	// in runs fn in the background and returns a channel that yields its
	// error when it is done.
	in := func(fn func() error) chan error {
		done := make(chan error, 1)
		go func() { done <- fn() }()
		return done
	}
	wait := func(what string, done chan error) {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: still waiting after 20 s", what)
		}
	}

	b0, err := second.BeginBatch(ctx, zero, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer b0.Rollback()
	if _, _, err := b0.Existing(ctx, []string{"zero@example.com"}, nil); err != nil {
		t.Fatal(err)
	}
	b1, err := first.BeginBatch(ctx, one, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer b1.Rollback()
	begun := in(func() error {
		_, _, err := b1.Existing(ctx, []string{"shared@example.com", "one@example.com"}, nil)
		return err
	})
	waitingForLocks(t, first.Path(), 1)
	if _, err := b0.Commit(ctx, crm.Checkpoint{Counts: crm.ImportCounts{Batches: 1}}); err != nil {
		t.Fatal(err)
	}
	wait("the batch that waited for the one alone", begun)
	if err := b1.Insert(ctx, append(person("shared@example.com"), person("one@example.com")...), []int{2, 3}, nil); err != nil {
		t.Fatal(err)
	}

	wait("a batch of another import, other emails, while the first is open", in(func() error {
		b, err := second.BeginBatch(ctx, two, sc)
		if err != nil {
			return err
		}
		defer b.Rollback()
		if _, _, err := b.Existing(ctx, []string{"two@example.com"}, nil); err != nil {
			return err
		}
		if err := b.Insert(ctx, person("two@example.com"), []int{2}, nil); err != nil {
			return err
		}
		_, err = b.Commit(ctx, crm.Checkpoint{Counts: crm.ImportCounts{Records: 1, Created: 1, Batches: 1}})
		return err
	}))

	var found map[string]*crm.Existing
	shared := in(func() error {
		b, err := second.BeginBatch(ctx, two, sc)
		if err != nil {
			return err
		}
		defer b.Rollback()
		found, _, err = b.Existing(ctx, []string{"shared@example.com"}, nil)
		return err
	})
	waitingForLocks(t, first.Path(), 1) // for the email another open batch is creating
	if _, err := b1.Commit(ctx, crm.Checkpoint{Counts: crm.ImportCounts{Records: 2, Created: 2, Batches: 1}}); err != nil {
		t.Fatal(err)
	}
	wait("the lookup of the shared email once the first batch committed", shared)
	if e := found["shared@example.com"]; e == nil || e.ImportID != one.ID {
		t.Errorf("after waiting, the second import found %+v for the shared email, want the customer import %d created", e, one.ID)
	}
}

// TestPostgresBatchesDeadlock: two batches of several chunks that each
// hold an email the other's next chunk wants cannot both go on. PostgreSQL
// ends one; that batch fails as a fault of the moment (crm.ErrUnavailable,
// so its import is interrupted, to be resumed), and the other goes on.
func TestPostgresBatchesDeadlock(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: SQLite has one writer")
	}
	ctx := t.Context()
	st := openTestStore(t)
	sc, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	begin := func() *store.Batch {
		imp := &crm.Import{Status: crm.ImportRunning, FileName: "people.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1}
		if err := st.CreateImport(ctx, imp); err != nil {
			t.Fatal(err)
		}
		b, err := st.BeginBatch(ctx, imp, sc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Rollback)
		return b
	}
	// A batch alone holds the write lock alone: the two meet behind it, and
	// then share it.
	alone, one, two := begin(), begin(), begin()
	if _, _, err := alone.Existing(ctx, []string{"z@example.com"}, nil); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() { _, _, err := one.Existing(ctx, []string{"x@example.com"}, nil); errs <- err }()
	go func() { _, _, err := two.Existing(ctx, []string{"y@example.com"}, nil); errs <- err }()
	waitingForLocks(t, st.Path(), 2)
	alone.Rollback()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		_, _, err := one.Existing(ctx, []string{"y@example.com"}, nil)
		if err != nil {
			one.Rollback() // as the importer does: the other batch goes on
		}
		errs <- err
	}()
	go func() {
		_, _, err := two.Existing(ctx, []string{"x@example.com"}, nil)
		if err != nil {
			two.Rollback()
		}
		errs <- err
	}()
	var failed []error
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				failed = append(failed, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("both batches still waiting after 30 s")
		}
	}
	if len(failed) != 1 || !errors.Is(failed[0], crm.ErrUnavailable) || !errors.Is(failed[0], store.ErrImportsCrossed) {
		t.Errorf("errors %v; want exactly one batch ended, as unavailable for the moment", failed)
	}
}

// waitingForLocks waits until n statements on the PostgreSQL database at
// url wait for a lock.
func waitingForLocks(t *testing.T, url string, n int) {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statements wait for a lock after 20 s, want %d", waiting, n)
		}
	}
}
