package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"localcrm/internal/crm"
)

// A revert walks what an import did in two phases, each in pages of its
// own order: first the customers it created, by account number, which it
// deletes; then the customers it updated, newest line first, which get
// their values back. Deleting first frees the emails the import's new
// customers hold, and undoing updates in the reverse of their order undoes
// each on the state it left, so that emails stay unique at every step.
const (
	phaseCreated = 0
	phaseUpdated = 1
)

// revertColumns must match scanRevert.
const revertColumns = `import_id, status, force, deleted, restored, kept, missing, error, created_by, worker,
	started_at, finished_at, heartbeat_at`

func scanRevert(r rowScanner) (*crm.Revert, error) {
	var (
		rv               crm.Revert
		start, fin, beat string
	)
	err := r.Scan(&rv.ImportID, &rv.Status, &rv.Force, &rv.Counts.Deleted, &rv.Counts.Restored, &rv.Counts.Kept,
		&rv.Counts.Missing, &rv.Error, &rv.CreatedBy, &rv.Worker, &start, &fin, &beat)
	if err != nil {
		return nil, err
	}
	rv.StartedAt, rv.FinishedAt, rv.HeartbeatAt = parseTime(start), parseTime(fin), parseTime(beat)
	return &rv, nil
}

const getRevertSQL = `SELECT ` + revertColumns + ` FROM reverts WHERE import_id = ?`

// GetRevert returns import id's revert, or nil when it has none.
func (s *Store) GetRevert(ctx context.Context, id int64) (*crm.Revert, error) {
	rv, err := scanRevert(s.read.QueryRowContext(ctx, getRevertSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get revert of import %d: %w", id, err)
	}
	return rv, nil
}

// reverts returns every revert, by import.
func (s *Store) reverts(ctx context.Context) (map[int64]*crm.Revert, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+revertColumns+` FROM reverts`)
	if err != nil {
		return nil, fmt.Errorf("list reverts: %w", err)
	}
	defer rows.Close()
	m := map[int64]*crm.Revert{}
	for rows.Next() {
		rv, err := scanRevert(rows)
		if err != nil {
			return nil, fmt.Errorf("list reverts: %w", err)
		}
		m[rv.ImportID] = rv
	}
	return m, rows.Err()
}

const (
	insertRevertSQL = `INSERT INTO reverts (import_id, status, force, created_by, worker, started_at, heartbeat_at) VALUES (?, 'running', ?, ?, ?, ?, ?)`
	takeRevertSQL   = `UPDATE reverts SET status = 'running', force = ?, worker = ?, heartbeat_at = ?, error = '' WHERE import_id = ?`
)

// ClaimRevert begins import id's revert, run by worker, or goes on with
// one that stopped: it failed, or its worker is gone (alive says whether a
// worker that last gave a sign of life at a time still runs). It returns
// crm.ErrConflict, with the reason for people, for an import that cannot be
// reverted now (see crm.RevertRefusal) or whose revert runs elsewhere.
func (s *Store) ClaimRevert(ctx context.Context, id int64, worker string, force bool, alive func(worker string, heartbeat time.Time) bool) (*crm.Revert, error) {
	err := s.inTx(ctx, "revert import", func(tx *sql.Tx) error {
		imp, err := scanImport(tx.QueryRowContext(ctx, getImportSQL, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import %d: %w", id, crm.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		imp.Revert, err = scanRevert(tx.QueryRowContext(ctx, getRevertSQL, id))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		if why := crm.RevertRefusal(imp); why != "" {
			return crm.Conflict(why)
		}
		now := formatTime(s.now())
		switch rv := imp.Revert; {
		case rv == nil:
			_, err = tx.ExecContext(ctx, insertRevertSQL, id, force, crm.ActorFrom(ctx).Name, worker, now, now)
		case rv.Status == crm.RevertRunning && alive(rv.Worker, rv.HeartbeatAt):
			return crm.Conflict(fmt.Sprintf("Import %d is being reverted already (since %s); wait for that to end.", id, rv.StartedAt.Format("15:04:05")))
		default:
			_, err = tx.ExecContext(ctx, takeRevertSQL, force, worker, now, id)
		}
		if err != nil {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.GetRevert(ctx, id)
}

// FailRevert records why import id's revert stopped, for worker, which ran
// it. What it committed stays; asking again goes on from there.
func (s *Store) FailRevert(ctx context.Context, id int64, worker, msg string) error {
	_, err := s.write.ExecContext(ctx, `UPDATE reverts SET status = 'failed', error = ?, worker = '' WHERE import_id = ? AND worker = ?`, msg, id, worker)
	if err != nil {
		return fmt.Errorf("fail revert of import %d: %w", id, err)
	}
	return nil
}

// touched is one customer an import created or updated, as a revert
// reads it: its state now, and for an update its values before.
type touched struct {
	crm.Touched
	before      map[string]string
	prevImport  sql.NullInt64
	prevLine    sql.NullInt64
	prevUpdated string
}

const createdPageSQL = `
	SELECT account_number, coalesce(import_id, 0), coalesce(import_line, 0)
	FROM customers WHERE created_import = ? AND account_number > ?
	ORDER BY account_number LIMIT ?`

// createdPage reads up to n customers import id created, after account
// number after. Customers carry no index by the import that created them,
// which every import would pay for; the page walks the primary key from
// after instead, and an import's customers lie close together there.
func createdPage(ctx context.Context, q queryer, id, after int64, n int) ([]touched, error) {
	rows, err := q.QueryContext(ctx, createdPageSQL, id, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []touched
	for rows.Next() {
		t := touched{Touched: crm.Touched{Created: true, Exists: true}}
		if err := rows.Scan(&t.AccountNumber, &t.ImportID, &t.ImportLine); err != nil {
			return nil, err
		}
		if t.ImportID == id {
			t.Line = t.ImportLine // the line that created it; unknown once changed since
		}
		page = append(page, t)
	}
	return page, rows.Err()
}

const changedPageSQL = `
	SELECT ic.line, ic.account_number, ic.before, ic.prev_import, ic.prev_line, ic.prev_updated,
	       c.account_number IS NOT NULL, coalesce(c.import_id, 0), coalesce(c.import_line, 0)
	FROM import_changes ic LEFT JOIN customers c ON c.account_number = ic.account_number
	WHERE ic.import_id = ? AND ic.line < ?
	ORDER BY ic.line DESC LIMIT ?`

// changedPage reads up to n of the customers import id updated, from the
// line before before backwards.
func changedPage(ctx context.Context, q queryer, id, before int64, n int) ([]touched, error) {
	rows, err := q.QueryContext(ctx, changedPageSQL, id, before, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []touched
	for rows.Next() {
		var t touched
		var vals string
		if err := rows.Scan(&t.Line, &t.AccountNumber, &vals, &t.prevImport, &t.prevLine, &t.prevUpdated,
			&t.Exists, &t.ImportID, &t.ImportLine); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(vals), &t.before); err != nil {
			return nil, fmt.Errorf("customer %d's values before line %d: %w", t.AccountNumber, t.Line, err)
		}
		page = append(page, t)
	}
	return page, rows.Err()
}

// revertCursor is where a revert stands: the phase and the last account
// number (created) or line (updated) done.
type revertCursor struct {
	phase int
	at    int64
}

// page reads the next page of what the import touched from cur, and
// returns it with the cursor after it; an empty page means the end.
func (cur revertCursor) page(ctx context.Context, q queryer, id int64, n int) ([]touched, revertCursor, error) {
	if cur.phase == phaseCreated {
		page, err := createdPage(ctx, q, id, cur.at, n)
		if err != nil || len(page) > 0 {
			if len(page) > 0 {
				cur.at = page[len(page)-1].AccountNumber
			}
			return page, cur, err
		}
		cur = revertCursor{phase: phaseUpdated, at: 1 << 62}
	}
	page, err := changedPage(ctx, q, id, cur.at, n)
	if len(page) > 0 {
		cur.at = int64(page[len(page)-1].Line)
	}
	return page, cur, err
}

// decide decides what reverting import id does to t, given the database
// as q sees it: an update's email from before may belong to someone else
// by now.
func (t *touched) decide(ctx context.Context, q queryer, id int64, force bool) (crm.RevertItem, error) {
	item := crm.DecideRevert(id, t.Touched, force)
	if item.Action != crm.RevertRestored {
		return item, nil
	}
	err := checkEmailFree(ctx, q, t.customer())
	var held *crm.ConflictError
	if errors.As(err, &held) {
		return crm.EmailHeld(item, held.Value, held.Account), nil
	}
	return item, err
}

// customer is an updated customer as it was before the import.
func (t *touched) customer() *crm.Customer {
	return &crm.Customer{AccountNumber: t.AccountNumber, Values: t.before}
}

// PreviewRevert tells what reverting import id would do, calling fn for
// each customer it touched, without changing anything. It reads the
// customers as they are: a revert that runs later, after further changes,
// may keep more of them.
func (s *Store) PreviewRevert(ctx context.Context, id int64, force bool, fn func(crm.RevertItem) error) (crm.RevertCounts, error) {
	var counts crm.RevertCounts
	cur := revertCursor{}
	for {
		page, next, err := cur.page(ctx, s.read, id, RevertBatch)
		if err != nil {
			return counts, fmt.Errorf("preview revert of import %d: %w", id, err)
		}
		if len(page) == 0 {
			return counts, nil
		}
		for i := range page {
			item, err := page[i].decide(ctx, s.read, id, force)
			if err != nil {
				return counts, fmt.Errorf("preview revert of import %d: %w", id, err)
			}
			counts.Add(item)
			if err := fn(item); err != nil {
				return counts, err
			}
		}
		cur = next
	}
}

// RevertBatch is how many customers a revert's batch handles. Each batch
// commits durably; a thousand make the commits a small part of the time.
const RevertBatch = 1000

const (
	fenceRevertSQL = `SELECT phase, resume_at, force FROM reverts WHERE import_id = ? AND worker = ? AND status = 'running'`
	stepRevertSQL  = `
		UPDATE reverts SET phase = ?, resume_at = ?, deleted = deleted + ?, restored = restored + ?, kept = kept + ?,
		       missing = missing + ?, heartbeat_at = ?
		WHERE import_id = ?`
	finishRevertSQL = `UPDATE reverts SET status = 'completed', worker = '', finished_at = ? WHERE import_id = ?`
)

// RevertStep does the next batch of import id's revert for worker, which
// claimed it, in one transaction that also records the batch's report and
// where the revert stands, so that a revert stopped at any moment goes on
// where it stopped. It reports whether the revert is done, and returns
// ErrTakenOver when another process has taken the revert over.
func (s *Store) RevertStep(ctx context.Context, id int64, worker string) (done bool, err error) {
	err = s.inTx(ctx, "revert import", func(tx *sql.Tx) error {
		var cur revertCursor
		var force bool
		err := tx.QueryRowContext(ctx, fenceRevertSQL, id, worker).Scan(&cur.phase, &cur.at, &force)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("the revert of import %d was %w: %w", id, ErrTakenOver, crm.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		page, next, err := cur.page(ctx, tx, id, RevertBatch)
		if err != nil {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		now := s.now()
		if len(page) == 0 {
			done = true
			if _, err := tx.ExecContext(ctx, finishRevertSQL, formatTime(now), id); err != nil {
				return fmt.Errorf("revert import %d: %w", id, err)
			}
			rv, err := scanRevert(tx.QueryRowContext(ctx, getRevertSQL, id))
			if err != nil {
				return fmt.Errorf("revert import %d: %w", id, err)
			}
			c := rv.Counts
			return s.audit(ctx, tx, crm.AuditImportRevert, fmt.Sprintf("import %d", id),
				fmt.Sprintf("%d deleted, %d restored, %d kept, %d deleted before", c.Deleted, c.Restored, c.Kept, c.Missing))
		}
		counts, err := s.revertPage(ctx, tx, id, page, force, formatTime(now))
		if err != nil {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		_, err = tx.ExecContext(ctx, stepRevertSQL, next.phase, next.at, counts.Deleted, counts.Restored, counts.Kept,
			counts.Missing, formatTime(now), id)
		if err != nil {
			return fmt.Errorf("revert import %d: %w", id, err)
		}
		return nil
	})
	return done, err
}

// revertPage reverts one page of customers in tx and writes their lines
// of the report.
func (s *Store) revertPage(ctx context.Context, tx *sql.Tx, id int64, page []touched, force bool, now string) (crm.RevertCounts, error) {
	var counts crm.RevertCounts
	sc, err := schema(ctx, tx)
	if err != nil {
		return counts, err
	}
	var deletes []any
	report := make([]any, 0, 5*len(page))
	for i := range page {
		t := &page[i]
		item, err := t.decide(ctx, tx, id, force)
		if err != nil {
			return counts, err
		}
		counts.Add(item)
		report = append(report, id, item.AccountNumber, item.Line, string(item.Action), item.Reason)
		switch {
		case item.Action == crm.RevertDeleted:
			deletes = append(deletes, t.AccountNumber)
		case item.Action == crm.RevertRestored:
			when := now
			if t.prevUpdated != "" {
				when = t.prevUpdated
			}
			args := updateCustomerArgs(sc, t.customer(), when, t.prevImport, t.prevLine)
			if _, err := tx.ExecContext(ctx, updateCustomerSQL, args...); err != nil {
				return counts, fmt.Errorf("restore customer %d: %w", t.AccountNumber, err)
			}
		}
	}
	const perStatement = 500
	for start := 0; start < len(deletes); start += perStatement {
		chunk := deletes[start:min(start+perStatement, len(deletes))]
		q := `DELETE FROM customers WHERE account_number IN (` + placeholders(1, len(chunk)) + `)`
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return counts, fmt.Errorf("delete customers: %w", err)
		}
	}
	for start := 0; start < len(report); start += 5 * perStatement {
		chunk := report[start:min(start+5*perStatement, len(report))]
		q := `INSERT INTO revert_report (import_id, account_number, line, action, reason) VALUES ` + placeholders(5, len(chunk)/5)
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return counts, fmt.Errorf("save report: %w", err)
		}
	}
	return counts, nil
}

// placeholders is n groups of width parameters, for a statement's VALUES or
// IN list: "?, ?" or "(?, ?), (?, ?)".
func placeholders(width, n int) string {
	group := strings.TrimSuffix(strings.Repeat("?, ", width), ", ")
	if width > 1 {
		group = "(" + group + ")"
	}
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}

// EachRevertItem calls fn for each line of import id's revert report, in
// the order of the import's lines.
func (s *Store) EachRevertItem(ctx context.Context, id int64, fn func(crm.RevertItem) error) error {
	rows, err := s.read.QueryContext(ctx, `SELECT line, account_number, action, reason FROM revert_report WHERE import_id = ? ORDER BY line, account_number`, id)
	if err != nil {
		return fmt.Errorf("revert report of import %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var item crm.RevertItem
		if err := rows.Scan(&item.Line, &item.AccountNumber, &item.Action, &item.Reason); err != nil {
			return fmt.Errorf("revert report of import %d: %w", id, err)
		}
		if err := fn(item); err != nil {
			return err
		}
	}
	return rows.Err()
}
