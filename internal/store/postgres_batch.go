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
	"github.com/jackc/pgx/v5/pgconn"

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
//
// Batches of imports in commits of up to maxSideBySide records run side by
// side with other imports' batches. Such a batch takes the write lock
// alone when it is free, as every other writer does; when it is not, it
// waits to hold it shared, and then locks the keys it looks up, its emails
// and account numbers, before it looks them up (writeLockSQL,
// lockKeysSQL). Two imports of overlapping files thus take turns only on
// the customers they share: what one batch finds, or finds free, no other
// can take before it commits, as Batches promises. An import of new
// customers running alone pays nothing for it; one that finds existing
// customers locks their rows (FOR UPDATE). Larger batches always hold the
// write lock alone: a lock per key would fill PostgreSQL's lock table (64
// locks per connection by default, shared by all).
type pgBatch struct {
	conn       *sql.Conn
	pending    *pgx.Batch // statements waiting for the next round trip
	open       bool       // its transaction is begun (or BEGIN queued) and not yet ended
	sideBySide bool       // it may hold the write lock shared, and lock its keys
}

// writeLockSQL takes the write lock alone if it is free, or else shared,
// and says which in the transaction's setting localcrm.alone, for
// lockKeysSQL.
const writeLockSQL = `SELECT set_config('localcrm.alone', CASE WHEN pg_try_advisory_xact_lock($1) THEN 'true'
	ELSE pg_advisory_xact_lock_shared($1)::text || 'false' END, true)`

// maxSideBySide is the largest batch that runs beside other imports'
// batches. Two imports of 25,000 records in commits of 100 (the default)
// take 2.68 s at once against 3.74 s one after the other (make bench,
// fsync on, 2 cores), and one alone as long as before.
const maxSideBySide = 250

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
	b := &pgBatch{conn: conn, pending: &pgx.Batch{}, open: true, sideBySide: imp.Options.BatchSize <= maxSideBySide}
	b.pending.Queue("BEGIN")
	// pgx prepares each statement once per connection, and PostgreSQL then
	// plans it once for all arguments after a few runs: planned while the
	// table was nearly empty, the lookups read every customer of each
	// batch (8 ms a batch instead of 0.5 ms at 50,000 customers). Each
	// batch's statements are planned for their arguments instead.
	b.pending.Queue("SET LOCAL plan_cache_mode = force_custom_plan")
	if b.sideBySide {
		b.pending.Queue(writeLockSQL, writeLock)
	} else {
		b.pending.Queue(`SELECT pg_advisory_xact_lock($1)`, writeLock)
	}
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
//
// Two batches side by side can each hold what the other wants (customers
// that one reaches by email and the other by account number). PostgreSQL
// then ends one of them; that batch did not happen, and its import is
// interrupted, to be resumed (by itself, on a server).
func (b *pgBatch) send(ctx context.Context) error {
	q := b.pending
	b.pending = &pgx.Batch{}
	err := b.conn.Raw(func(dc any) error {
		return down(dc.(rebindConn).Conn.Conn().SendBatch(ctx, q).Close())
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "40P01" { // deadlock_detected
		return fmt.Errorf("%w: %w (%w)", ErrImportsCrossed, crm.ErrUnavailable, err)
	}
	return err
}

// ErrImportsCrossed is the kind of error for a batch that PostgreSQL ended
// because it and another import's batch each held customers the other
// wanted. It is crm.ErrUnavailable too: the batch did not happen, and can
// be tried again.
var ErrImportsCrossed = errors.New("another import wanted the same customers at the same moment")

// Advisory locks of two int4 keys, apart from the single-key ones
// (writeLock): the first key says what the second is.
const (
	emailKeyLock   = 1 // an email, by its hash (emailHash)
	accountKeyLock = 2 // an account number
)

// lockKeysSQL locks keys in their order; every batch locks its emails,
// then its account numbers, each in ascending order, so that two batches
// wanting the same keys wait for each other rather than deadlock (but see
// pgBatch.send).
const lockKeysSQL = `SELECT count(pg_advisory_xact_lock($1::int, k)) FROM (SELECT DISTINCT k FROM unnest($2::int[]) AS k ORDER BY k) AS keys
	WHERE current_setting('localcrm.alone') = 'false'`

// existing is Batch.Existing, with the statements of findExisting. Side
// by side, it locks the keys first (unless it holds the write lock alone),
// and the customers found for the batch (FOR UPDATE): an import that
// reaches one of them by another key (its account number, where this
// batch has its email) waits for this batch to commit, then reads what it
// committed, and so loses no change of it.
func (b *pgBatch) existing(ctx context.Context, emailKeys []string, accounts []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	byEmail, byAccount := map[string]*crm.Existing{}, map[int64]*crm.Existing{}
	find := func(rows pgx.Rows) error { return collectExisting(rows, byEmail, byAccount) }
	forUpdate := ""
	if b.sideBySide {
		b.lockKeys(emailKeys, accounts)
		forUpdate = " FOR UPDATE"
	}
	if len(emailKeys) > 0 {
		list, _ := json.Marshal(emailKeys)
		b.queue(postgresSQL[existingByEmailSQL]+forUpdate, string(list)).Query(find)
	}
	if len(accounts) > 0 {
		list, _ := json.Marshal(accounts)
		b.queue(postgresSQL[existingByAccountSQL]+forUpdate, string(list)).Query(find)
	}
	if err := b.send(ctx); err != nil {
		return nil, nil, fmt.Errorf("find existing customers: %w", err)
	}
	return byEmail, byAccount, nil
}

// lockKeys queues the locks of the batch's emails and account numbers.
func (b *pgBatch) lockKeys(emailKeys []string, accounts []int64) {
	if len(emailKeys) > 0 {
		hashes := make([]int32, len(emailKeys))
		for i, k := range emailKeys {
			hashes[i] = int32(emailHash(k))
		}
		b.pending.Queue(lockKeysSQL, emailKeyLock, hashes)
	}
	if len(accounts) > 0 {
		numbers := make([]int32, len(accounts))
		for i, a := range accounts {
			numbers[i] = int32(a) // 8 digits at most (the importer checks)
		}
		b.pending.Queue(lockKeysSQL, accountKeyLock, numbers)
	}
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
