package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// TestRunnerQueues: with every slot taken, a started import is queued with
// its place in line, refused at once if it cannot run, and runs when a slot
// is free; a dry run waits for a slot too; and on shutdown a queued import
// goes back to pending, for the next process. Issue 9, item 7: before,
// imports started without limit and dry runs ran inside the request.
func TestRunnerQueues(t *testing.T) {
	e := newEnv(t)
	r := NewRunner(e.im, slog.New(slog.DiscardHandler))
	r.SetLimit(1)
	if _, ok := r.take(0); !ok { // the one slot, taken as a busy import would
		t.Fatal("the first slot was not free")
	}

	a := e.prepare("a.csv", people(20), crm.ImportOptions{})
	b := e.prepare("b.csv", bytes.ReplaceAll(people(20), []byte("@example.com"), []byte("@example.org")), crm.ImportOptions{})
	for i, imp := range []*crm.Import{a, b} {
		got, err := r.Start(context.Background(), imp.ID)
		if err != nil || got.Status != crm.ImportQueued {
			t.Fatalf("Start with no free slot: %+v, %v; want queued", got, err)
		}
		if p := r.Place(imp.ID); p != i+1 {
			t.Errorf("import %d is %d in line, want %d", imp.ID, p, i+1)
		}
		if stored, _ := e.im.Get(e.ctx, imp.ID); stored.Status != crm.ImportQueued {
			t.Errorf("import %d is %s in the database, want queued", imp.ID, stored.Status)
		}
	}
	big := e.prepare("six.csv", people(6), crm.ImportOptions{MaxRecords: 5})
	if _, err := r.Start(context.Background(), big.ID); !errors.Is(err, crm.ErrTooLarge) {
		t.Errorf("queueing an import over its limit: %v, want it refused at once", err)
	}

	// A dry run waits in line too, and gives up when its request ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.DryRun(ctx, a.ID, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("dry run with no free slot: %v, want it to wait until its request ends", err)
	}

	r.release() // the busy import ends: a, then b, run in turn
	for _, imp := range []*crm.Import{a, b} {
		waitStatus(t, e, imp.ID, crm.ImportCompleted)
	}
	if e.count() != 40 {
		t.Errorf("%d customers, want 40", e.count())
	}

	// Shut down with an import in line: it goes back to pending. b's
	// status is saved before its goroutine gives the slot back, so wait
	// for the slot.
	if w, ok := r.take(0); !ok {
		select {
		case <-w.ready:
		case <-time.After(10 * time.Second):
			t.Fatal("no slot free after both imports ended")
		}
	}
	c := e.prepare("c.csv", bytes.ReplaceAll(people(3), []byte("@example.com"), []byte("@example.net")), crm.ImportOptions{})
	if got, err := r.Start(context.Background(), c.ID); err != nil || got.Status != crm.ImportQueued {
		t.Fatalf("Start c: %+v, %v", got, err)
	}
	if err := r.Shutdown(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.im.Get(e.ctx, c.ID); got.Status != crm.ImportPending || got.Worker != "" {
		t.Errorf("a queued import after shutdown: %s (worker %q), want pending", got.Status, got.Worker)
	}
}

// waitStatus waits until the import has the status.
func waitStatus(t *testing.T, e *env, id int64, want crm.ImportStatus) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		imp, err := e.im.Get(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d is %s after a minute, want %s", id, imp.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLeaseLost: a process whose import another process has taken over
// (which happens when it stayed silent longer than the lease) commits no
// further batch and writes nothing over the new worker's state, nor logs
// the takeover as an unexpected error (issue 10, item 6).
func TestLeaseLost(t *testing.T) {
	e := newEnv(t)
	var log bytes.Buffer
	e.im.Log = slog.New(slog.NewTextHandler(&log, nil))
	imp := e.prepare("people.csv", people(200), crm.ImportOptions{BatchSize: 10})
	_, err := e.im.Start(e.ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 3 {
			e.exec(`UPDATE imports SET worker = 'elsewhere:1' WHERE id = ` + strconv.FormatInt(imp.ID, 10))
		}
	})
	if !errors.Is(err, store.ErrTakenOver) || !errors.Is(err, crm.ErrConflict) || !strings.Contains(err.Error(), "another process took it over") {
		t.Errorf("Start after the takeover = %v, want it stopped, saying so", err)
	}
	if l := log.String(); strings.Contains(l, "unexpected error") || strings.Contains(l, "ref=") {
		t.Errorf("the takeover was logged as an unexpected error:\n%s", l)
	}
	got, _ := e.im.Get(e.ctx, imp.ID)
	if got.Worker != "elsewhere:1" || got.Status != crm.ImportRunning || got.Counts.Records != 30 || got.Error != "" {
		t.Errorf("after the takeover the job is %s, worker %q, %d records, error %q; want the new worker's, at 30 records",
			got.Status, got.Worker, got.Counts.Records, got.Error)
	}
	if n := e.count(); n != 30 {
		t.Errorf("%d customers, want the 30 of the batches committed before the takeover", n)
	}
}

// TestCrossedImportExplained: a batch PostgreSQL stopped because another
// import held the same customers leaves its import interrupted, to be
// resumed, with a message that says so, not "failed".
func TestCrossedImportExplained(t *testing.T) {
	e := newEnv(t)
	imp := &crm.Import{ID: 7, Total: 2000, Counts: crm.ImportCounts{Records: 300}}
	cause := fmt.Errorf("import 7: find existing customers: %w: %w (ERROR: deadlock detected)", store.ErrImportsCrossed, crm.ErrUnavailable)
	status, msg := e.im.explain(imp, cause)
	if status != crm.ImportInterrupted || !strings.Contains(msg, "Another import was loading some of the same customers") ||
		!strings.Contains(msg, "after 300 of 2,000 records") || !strings.Contains(msg, "localcrm imports resume 7") {
		t.Errorf("explain = %s, %q; want interrupted, saying another import crossed it and how to resume", status, msg)
	}
}
