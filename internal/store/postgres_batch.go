package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"localcrm/internal/crm"
)

// pgBatch is an import batch's transaction on PostgreSQL (Batch). It
// speaks pgx's own protocol on one connection of the pool, so that the
// statements that need no answer in between travel together, in one round
// trip (a pgx.Batch): the transaction's start, its write lock and its
// fence with the first lookup; the rejects, the report, the checkpoint and
// COMMIT at the end. A batch is three round trips where, through
// database/sql, it was eight, which at commits of 100 was most of an
// import's time: the client and the server waited on each other.
type pgBatch struct {
	conn    *sql.Conn
	pending *pgx.Batch // statements waiting for the next round trip
	open    bool       // its transaction is begun (or BEGIN queued) and not yet ended
}

// fenceSQL fences the batch: the import must still be this worker's, and
// the row lock it takes keeps it so until the batch ends (no takeover can
// change the worker meanwhile), which is why the checkpoint and COMMIT can
// travel together. The write lock is taken first, as by every writer.
const fenceSQL = `SELECT 1 FROM imports WHERE id = $1 AND worker = $2 FOR UPDATE`

// beginPostgresBatch takes a connection for a batch of imp and queues the
// start of its transaction, to go out with its first lookup or insert.
func (s *Store) beginPostgresBatch(ctx context.Context, imp *crm.Import) (*pgBatch, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	b := &pgBatch{conn: conn, pending: &pgx.Batch{}, open: true}
	b.pending.Queue("BEGIN")
	// pgx prepares each statement once per connection, and PostgreSQL then
	// plans it once for all arguments after a few runs: planned while the
	// table was nearly empty, the lookups read every customer of each
	// batch (8 ms a batch instead of 0.5 ms at 50,000 customers). Each
	// batch's statements are planned for their arguments instead.
	b.pending.Queue("SET LOCAL plan_cache_mode = force_custom_plan")
	b.pending.Queue(`SELECT pg_advisory_xact_lock($1)`, writeLock)
	b.pending.Queue(fenceSQL, imp.ID, imp.Worker).QueryRow(func(row pgx.Row) error {
		var one int
		if err := row.Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return takenOver(imp.ID)
		} else if err != nil {
			return fmt.Errorf("fence: %w", err)
		}
		return nil
	})
	return b, nil
}

// queue adds a statement written for the store (SQLite's parameters) to
// the next round trip, with its text arguments as PostgreSQL takes them
// (rebindConn does the same for database/sql).
func (b *pgBatch) queue(q string, args ...any) *pgx.QueuedQuery {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = validText(s)
		}
	}
	return b.pending.Queue(rebind(q), args...)
}

// send sends the pending statements in one round trip and runs their
// callbacks. A failed statement fails the round trip; the transaction is
// then aborted, and only a rollback is left.
func (b *pgBatch) send(ctx context.Context) error {
	q := b.pending
	b.pending = &pgx.Batch{}
	return b.conn.Raw(func(dc any) error {
		return down(dc.(rebindConn).Conn.Conn().SendBatch(ctx, q).Close())
	})
}

// existing is Batch.Existing, with the statements of findExisting.
func (b *pgBatch) existing(ctx context.Context, emailKeys []string, accounts []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	byEmail, byAccount := map[string]*crm.Existing{}, map[int64]*crm.Existing{}
	find := func(rows pgx.Rows) error { return collectExisting(rows, byEmail, byAccount) }
	if len(emailKeys) > 0 {
		list, _ := json.Marshal(emailKeys)
		b.queue(postgresSQL[existingByEmailSQL], string(list)).Query(find)
	}
	if len(accounts) > 0 {
		list, _ := json.Marshal(accounts)
		b.queue(postgresSQL[existingByAccountSQL], string(list)).Query(find)
	}
	if err := b.send(ctx); err != nil {
		return nil, nil, fmt.Errorf("find existing customers: %w", err)
	}
	return byEmail, byAccount, nil
}

// insert inserts cs with postgresInsert, in the round trip with whatever
// is pending, and returns their account numbers in order.
func (b *pgBatch) insert(ctx context.Context, sc *crm.Schema, cs []*crm.Customer, words []Words, cols []int, importID int64, lines []int, now string) ([]int64, error) {
	q, args := postgresInsert(sc, cs, words, cols, importID, lines, now)
	var accounts []int64
	b.pending.Queue(q, args...).Query(func(rows pgx.Rows) (err error) {
		accounts, err = accountNumbers(rows)
		return err
	})
	if err := b.send(ctx); err != nil {
		return nil, fmt.Errorf("insert customers: %w", err)
	}
	return accounts, nil
}

// commit sends the pending statements, the checkpoint (checkpointSQL's
// arguments) and COMMIT in one round trip, and reports whether someone
// asked to cancel the import.
func (b *pgBatch) commit(ctx context.Context, checkpoint []any) (cancelRequested bool, err error) {
	b.queue(checkpointSQL, checkpoint...).QueryRow(func(row pgx.Row) error {
		var cancel int64
		if err := row.Scan(&cancel); err != nil {
			// Not for want of a row: the fence's lock keeps it this
			// worker's.
			return fmt.Errorf("checkpoint: %w", err)
		}
		cancelRequested = cancel != 0
		return nil
	})
	b.pending.Queue("COMMIT")
	if err := b.send(ctx); err != nil {
		return false, err
	}
	b.open = false
	return cancelRequested, nil
}

// rollback ends the batch, rolling back what it did unless it committed,
// and gives its connection back to the pool. A connection whose rollback
// fails is closed, not given back with its transaction open.
func (b *pgBatch) rollback() {
	if b.conn == nil {
		return
	}
	if b.open {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.conn.Raw(func(dc any) error {
			if _, err := dc.(rebindConn).Conn.Conn().Exec(ctx, "ROLLBACK"); err != nil {
				return driver.ErrBadConn
			}
			return nil
		})
	}
	b.conn.Close()
	b.conn = nil
}
