package importer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// TestBatchEnds imports files whose last batch ends in every way a batch
// travelling in chunks of chunkSize can: on a chunk's end, inside a chunk,
// on the batch size, and with fewer records than one batch holds.
func TestBatchEnds(t *testing.T) {
	for _, tc := range []struct{ records, batch, batches int }{
		{2 * chunkSize, 1000, 1},
		{2*chunkSize + 50, 1000, 1},
		{1000, 1000, 1},
		{1000, 300, 4},
		{chunkSize, chunkSize, 1},
		{7, 3, 3},
	} {
		t.Run(fmt.Sprintf("%d records in batches of %d", tc.records, tc.batch), func(t *testing.T) {
			e := newEnv(t)
			ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
			defer cancel()
			imp := e.prepare("people.csv", people(tc.records), crm.ImportOptions{BatchSize: tc.batch})
			imp, err := e.im.Start(ctx, imp.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if imp.Status != crm.ImportCompleted {
				t.Errorf("status = %s, want completed", imp.Status)
			}
			wantCounts(t, imp, crm.ImportCounts{Records: tc.records, Created: tc.records, Batches: tc.batches})
			if n := e.count(); n != tc.records {
				t.Errorf("%d customers, want %d", n, tc.records)
			}
		})
	}
}

// TestFailedBatchWritesNothing makes the database refuse a record in the
// middle of a batch's second chunk: the import fails without writing any of
// that batch, and once the cause is gone, resume loads every record.
func TestFailedBatchWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.refuseInserts("customers", "NEW.email = 'person450@example.com'", "disk trouble")
	imp := e.prepare("people.csv", people(1000), crm.ImportOptions{BatchSize: 400})
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	got, err := e.im.Start(ctx, imp.ID, nil)
	if err == nil {
		t.Fatal("the import succeeded although the database refused a record")
	}
	if got.Status != crm.ImportFailed {
		t.Fatalf("status = %s, want failed", got.Status)
	}
	wantCounts(t, got, crm.ImportCounts{Records: 400, Created: 400, Batches: 1})
	if n := e.count(); n != 400 {
		t.Fatalf("%d customers after the second batch failed, want the first batch's 400", n)
	}
	e.allowInserts("customers")
	got, err = e.im.Resume(ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, got, crm.ImportCounts{Records: 1000, Created: 1000, Batches: 3})
	if n := e.count(); n != 1000 {
		t.Fatalf("%d customers after resume, want 1000", n)
	}
}
