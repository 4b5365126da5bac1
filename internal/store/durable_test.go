package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPersonSavesAreDurable: a transaction for what a person saves runs
// with synchronous=FULL, so that it is on disk when the save returns; the
// writer goes back to NORMAL afterwards, for import batches, whether the
// transaction committed or failed.
func TestPersonSavesAreDurable(t *testing.T) {
	ctx := context.Background()
	st := openFor(t, filepath.Join(t.TempDir(), "d.db"))
	level := func(q queryer) int {
		t.Helper()
		var n int
		if err := q.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const normal, full = 1, 2
	if n := level(st.write); n != normal {
		t.Fatalf("the writer starts at synchronous=%d, want NORMAL", n)
	}
	for _, fail := range []bool{false, true} {
		err := st.inTx(ctx, "test", func(tx *sql.Tx) error {
			if n := level(tx); n != full {
				t.Errorf("a person's save runs at synchronous=%d, want FULL", n)
			}
			if fail {
				return sql.ErrNoRows
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("inTx: %v", err)
		}
		if n := level(st.write); n != normal {
			t.Errorf("after a save (failed: %v) the writer is at synchronous=%d, want NORMAL", fail, n)
		}
	}
}
