package importer

import (
	"context"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// Batches is the import loop's seam to a database: what it needs to write
// the batches of an import, and nothing more. Each database has its own
// implementation (today internal/store serves both of localcrm's); the
// loop, the duplicate decision (decider) and the report are the same on
// all of them.
type Batches interface {
	// BeginBatch opens the transaction of a batch of imp, whose records
	// were validated against sc. While it is open, what the batch finds
	// with Existing cannot be taken by another writer.
	BeginBatch(ctx context.Context, imp *crm.Import, sc *crm.Schema) (Batch, error)
	// Existing finds customers as Batch.Existing does, outside any batch:
	// for a dry run, which writes nothing.
	Existing(ctx context.Context, emailKeys []string, accounts []int64) (byEmail map[string]*crm.Existing, byAccount map[int64]*crm.Existing, err error)
	// ChunkSize is how many records the database takes best at once: the
	// loop hands a batch over in chunks of at most that many.
	ChunkSize() int
}

// Batch is one open batch of an import: its customers, its rejects, its
// report lines and the job's checkpoint commit together or not at all, so
// that a resume goes on exactly after the last committed batch.
type Batch interface {
	// Existing returns the customers whose email key or account number is
	// among those given, keyed by each, as this batch sees them.
	Existing(ctx context.Context, emailKeys []string, accounts []int64) (byEmail map[string]*crm.Existing, byAccount map[int64]*crm.Existing, err error)
	// Insert saves new customers with the lines of the file they came
	// from, and sets their account numbers. words, when not nil, are the
	// customers' search words, made by the reader beside the database's
	// work (store.SearchWords).
	Insert(ctx context.Context, cs []*crm.Customer, lines []int, words []store.Words) error
	// Update saves after, an existing customer updated by the record at
	// line, keeping before, its values until now, for a revert.
	Update(ctx context.Context, before, after *crm.Customer, line int) error
	// Commit writes cp and commits the batch, and reports whether someone
	// asked meanwhile to cancel the import.
	Commit(ctx context.Context, cp crm.Checkpoint) (cancelRequested bool, err error)
	// Rollback abandons the batch; after Commit it does nothing.
	Rollback()
}

// storeBatches is internal/store's Batches, on SQLite and on PostgreSQL.
type storeBatches struct{ st *store.Store }

func (s storeBatches) BeginBatch(ctx context.Context, imp *crm.Import, sc *crm.Schema) (Batch, error) {
	b, err := s.st.BeginBatch(ctx, imp, sc)
	if err != nil {
		return nil, err // not a nil *store.Batch in a non-nil Batch
	}
	return b, nil
}

func (s storeBatches) ChunkSize() int { return s.st.RowsPerStatement() }

func (s storeBatches) Existing(ctx context.Context, emailKeys []string, accounts []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	return s.st.Existing(ctx, emailKeys, accounts)
}
