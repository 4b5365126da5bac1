package store_test

import (
	"bytes"
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
