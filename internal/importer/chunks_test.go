package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// TestBatchEnds imports files whose last batch ends in every way a batch
// travelling in chunks (of the database's ChunkSize) can: on a chunk's end,
// inside a chunk, on the batch size, and with fewer records than one batch
// holds.
func TestBatchEnds(t *testing.T) {
	chunk := newEnv(t).im.batches.ChunkSize()
	for _, tc := range []struct{ records, batch, batches int }{
		{2 * chunk, 10 * chunk, 1},
		{2*chunk + 50, 10 * chunk, 1},
		{10 * chunk, 10 * chunk, 1},
		{10 * chunk, 3 * chunk, 4},
		{chunk, chunk, 1},
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

// TestConnectionKilledMidBatch: PostgreSQL ends the import's connection in
// the middle of a batch (pg_terminate_backend, as an administrator or a
// restart would): the batch rolls back, the import is left interrupted
// saying the database could not be reached, and resumed it loads every
// record once (issue 10, item 7).
func TestConnectionKilledMidBatch(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: a SQLite database has no connection to lose")
	}
	e := newEnv(t)
	e.exec(`CREATE FUNCTION kill_me() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.email = 'person450@example.com' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$`)
	e.exec(`CREATE TRIGGER kill_me BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION kill_me()`)
	imp := e.prepare("people.csv", people(1000), crm.ImportOptions{BatchSize: 100})
	got, err := e.im.Start(e.ctx, imp.ID, nil)
	if err == nil {
		t.Fatal("Start went through a connection that was killed")
	}
	if got == nil || got.Status != crm.ImportInterrupted || got.Counts.Records != 400 || !strings.Contains(got.Error, "The database could not be reached") {
		t.Fatalf("after the connection was killed: %+v, %v; want interrupted after 400 records, saying so", got, err)
	}
	if n := e.count(); n != 400 {
		t.Errorf("%d customers, want the 400 of the batches committed", n)
	}
	e.exec(`DROP FUNCTION kill_me CASCADE`)
	if got, err = e.im.Resume(e.ctx, imp.ID, nil); err != nil || got.Status != crm.ImportCompleted || got.Counts.Created != 1000 {
		t.Fatalf("Resume = %+v, %v", got, err)
	}
	if n := e.count(); n != 1000 {
		t.Errorf("%d customers, want 1000", n)
	}
	if rows := e.report(imp.ID); len(rows) != 1001 {
		t.Errorf("the report has %d rows, want a header and 1000", len(rows))
	}
}
