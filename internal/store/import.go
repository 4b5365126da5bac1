package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"localcrm/internal/crm"
)

// importColumns must match scanImport.
const importColumns = `id, status, file_name, file_size, encoding, delimiter, header_line, columns, options,
	total, records, created, updated, skipped, rejected, batches, report_size, error, created_by, worker,
	cancel_requested, created_at, started_at, finished_at, heartbeat_at, run_ms, changes, phones_as_written, left_out, sheet`

func scanImport(r rowScanner) (*crm.Import, error) {
	var (
		imp                    crm.Import
		columns, options, chg  string
		cre, start, fin, heart string
		runMS                  int64
	)
	err := r.Scan(&imp.ID, &imp.Status, &imp.FileName, &imp.FileSize, &imp.Encoding, &imp.Delimiter, &imp.HeaderLine,
		&columns, &options, &imp.Total, &imp.Counts.Records, &imp.Counts.Created, &imp.Counts.Updated, &imp.Counts.Skipped,
		&imp.Counts.Rejected, &imp.Counts.Batches, &imp.ReportSize, &imp.Error, &imp.CreatedBy, &imp.Worker,
		&imp.CancelRequested, &cre, &start, &fin, &heart, &runMS, &chg, &imp.Counts.PhonesAsWritten, &imp.Counts.LeftOut, &imp.Sheet)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(columns), &imp.Columns); err != nil {
		return nil, fmt.Errorf("import %d: columns: %w", imp.ID, err)
	}
	if err := json.Unmarshal([]byte(options), &imp.Options); err != nil {
		return nil, fmt.Errorf("import %d: options: %w", imp.ID, err)
	}
	if err := json.Unmarshal([]byte(chg), &imp.Counts.Changes); err != nil {
		return nil, fmt.Errorf("import %d: changes: %w", imp.ID, err)
	}
	if len(imp.Counts.Changes) == 0 {
		imp.Counts.Changes = nil // as a new import's, so that counts compare equal
	}
	imp.CreatedAt, imp.StartedAt, imp.FinishedAt, imp.HeartbeatAt = parseTime(cre), parseTime(start), parseTime(fin), parseTime(heart)
	imp.RunTime = time.Duration(runMS) * time.Millisecond
	return &imp, nil
}

const insertImportSQL = `
	INSERT INTO imports (status, file_name, file_size, sheet, encoding, delimiter, header_line, columns, options, total, created_by, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	RETURNING id`

// CreateImport records a new import job and sets its ID.
func (s *Store) CreateImport(ctx context.Context, imp *crm.Import) error {
	columns, _ := json.Marshal(nonNil(imp.Columns))
	options, _ := json.Marshal(imp.Options)
	imp.CreatedAt = s.now().Truncate(1e6)
	return s.inTx(ctx, "create import", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, insertImportSQL, imp.Status, imp.FileName, imp.FileSize, imp.Sheet, imp.Encoding, imp.Delimiter,
			imp.HeaderLine, string(columns), string(options), imp.Total, imp.CreatedBy, formatTime(imp.CreatedAt)).Scan(&imp.ID)
		if err != nil {
			return fmt.Errorf("create import: %w", err)
		}
		return s.audit(ctx, tx, crm.AuditImportUpload, fmt.Sprintf("import %d", imp.ID),
			fmt.Sprintf("file %q, %d bytes, %d records", imp.FileName, imp.FileSize, imp.Total))
	})
}

var getImportSQL = `SELECT ` + importColumns + ` FROM imports WHERE id = ?`

// GetImport returns the import job with the id.
func (s *Store) GetImport(ctx context.Context, id int64) (*crm.Import, error) {
	imp, err := scanImport(s.read.QueryRowContext(ctx, getImportSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("import %d: %w", id, crm.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get import %d: %w", id, err)
	}
	if imp.Revert, err = s.GetRevert(ctx, id); err != nil {
		return nil, err
	}
	return imp, nil
}

var listImportsSQL = `SELECT ` + importColumns + ` FROM imports ORDER BY id DESC`

// ListImports returns every import job, newest first.
func (s *Store) ListImports(ctx context.Context) ([]*crm.Import, error) {
	rows, err := s.read.QueryContext(ctx, listImportsSQL)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var imps []*crm.Import
	for rows.Next() {
		imp, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("list imports: %w", err)
		}
		imps = append(imps, imp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	reverts, err := s.reverts(ctx)
	if err != nil {
		return nil, err
	}
	for _, imp := range imps {
		imp.Revert = reverts[imp.ID]
	}
	return imps, nil
}

const updateImportSQL = `
	UPDATE imports
	SET status = ?, options = ?, total = ?, records = ?, created = ?, updated = ?, skipped = ?, rejected = ?,
	    batches = ?, report_size = ?, error = ?, worker = ?, started_at = ?, finished_at = ?, heartbeat_at = ?,
	    run_ms = ?, changes = ?, phones_as_written = ?, left_out = ?
	WHERE id = ?`

// checkpointSQL saves a batch's checkpoint and tells whether a cancel was
// requested, in one statement, while the job is still the batch's worker's:
// a batch of a process that lost the job to another commits nothing.
const checkpointSQL = `
	UPDATE imports
	SET records = ?, created = ?, updated = ?, skipped = ?, rejected = ?, batches = ?, changes = ?, phones_as_written = ?, left_out = ?, run_ms = ?, heartbeat_at = ?
	WHERE id = ? AND worker = ?
	RETURNING cancel_requested`

func updateImportArgs(imp *crm.Import) []any {
	options, _ := json.Marshal(imp.Options)
	c := imp.Counts
	return []any{imp.Status, string(options), imp.Total, c.Records, c.Created, c.Updated,
		c.Skipped, c.Rejected, c.Batches, imp.ReportSize, imp.Error, imp.Worker, formatTime(imp.StartedAt),
		formatTime(imp.FinishedAt), formatTime(imp.HeartbeatAt), imp.RunTime.Milliseconds(), changesJSON(c.Changes), c.PhonesAsWritten, c.LeftOut, imp.ID}
}

// changesJSON is an import's changes per field as stored.
func changesJSON(changes map[string]int) string {
	if len(changes) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(changes)
	return string(b)
}

func updateImport(ctx context.Context, q queryer, imp *crm.Import) error {
	_, err := q.ExecContext(ctx, updateImportSQL, updateImportArgs(imp)...)
	if err != nil {
		return fmt.Errorf("update import %d: %w", imp.ID, err)
	}
	return nil
}

// UpdateImport saves an import job's status, options, counters and times.
func (s *Store) UpdateImport(ctx context.Context, imp *crm.Import) error {
	return updateImport(ctx, s.write, imp)
}

// FinishImport saves an import job as UpdateImport does, for worker, the
// process that ran it, only while the job is still worker's (or no one's):
// a process that lost its lease, whose job another process took over, must
// not write over that process's state. It returns ErrTakenOver then.
func (s *Store) FinishImport(ctx context.Context, imp *crm.Import, worker string) error {
	res, err := s.write.ExecContext(ctx, updateImportSQL+` AND (worker = ? OR worker = '')`, append(updateImportArgs(imp), worker)...)
	if err != nil {
		return fmt.Errorf("update import %d: %w", imp.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return takenOver(imp.ID)
	}
	return nil
}

// StopImport records that import id stopped, with status and msg (its
// error), for worker, as FinishImport does, but leaves its checkpoint as
// the last batch committed it: the worker's own counts may be a batch
// behind, when a batch's COMMIT went through but the connection was lost
// before its answer came back, and writing them would make a resume redo
// that batch.
func (s *Store) StopImport(ctx context.Context, id int64, status crm.ImportStatus, msg, worker string) error {
	res, err := s.write.ExecContext(ctx, `UPDATE imports SET status = ?, error = ?, worker = '' WHERE id = ? AND (worker = ? OR worker = '')`,
		string(status), msg, id, worker)
	if err != nil {
		return fmt.Errorf("update import %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return takenOver(id)
	}
	return nil
}

// ErrTakenOver is the kind of error for a process writing an import job
// that another process has taken over (its lease ran out); it is a
// crm.ErrConflict too.
var ErrTakenOver = errors.New("taken over by another process")

func takenOver(id int64) error {
	return fmt.Errorf("import %d was %w: %w", id, ErrTakenOver, crm.ErrConflict)
}

// RenewLease tells that worker still runs import id, and reports whether
// the import is still worker's: a worker that stayed silent longer than
// the lease may have lost it to another process (Importer.alive).
func (s *Store) RenewLease(ctx context.Context, id int64, worker string) (bool, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE imports SET heartbeat_at = ? WHERE id = ? AND worker = ? AND status = 'running'`,
		formatTime(s.now()), id, worker)
	if err != nil {
		return false, fmt.Errorf("renew the lease of import %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

const claimImportSQL = `
	UPDATE imports SET status = 'running', worker = ?, heartbeat_at = ?, error = '', cancel_requested = 0
	WHERE id = ? AND status = ? AND NOT EXISTS (SELECT 1 FROM reverts WHERE import_id = imports.id)
	RETURNING started_at`

// ClaimImport makes worker the runner of the import if it still has the
// status from, so that two processes never run one import at once. It
// returns crm.ErrConflict when another process got there first.
//
// Claiming an import that never started starts it, and claiming any other
// resumes it; either is recorded in the audit log as the actor of ctx.
func (s *Store) ClaimImport(ctx context.Context, id int64, from crm.ImportStatus, worker string) error {
	return s.inTx(ctx, "claim import", func(tx *sql.Tx) error {
		var started string
		err := tx.QueryRowContext(ctx, claimImportSQL, worker, formatTime(s.now()), id, from).Scan(&started)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import %d is no longer %s: %w", id, from, crm.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("claim import %d: %w", id, err)
		}
		action := crm.AuditImportResume
		if started == "" {
			action = crm.AuditImportStart
		}
		return s.audit(ctx, tx, action, fmt.Sprintf("import %d", id), "")
	})
}

// interruptSQL gives up on an import whose worker is gone: a running one is
// interrupted; a queued one goes back to where it was, pending when it never
// started, else interrupted.
const interruptSQL = `
	UPDATE imports
	SET status = CASE WHEN status = 'queued' AND started_at = '' THEN 'pending' ELSE 'interrupted' END, worker = ''
	WHERE id = ? AND status IN ('running', 'queued') AND worker = ?`

// MarkInterrupted sets a running import whose worker is gone to interrupted,
// unless another worker has claimed it meanwhile.
func (s *Store) MarkInterrupted(ctx context.Context, id int64, worker string) error {
	if _, err := s.write.ExecContext(ctx, interruptSQL, id, worker); err != nil {
		return fmt.Errorf("mark import %d interrupted: %w", id, err)
	}
	return nil
}

// RequestCancel asks the worker of a running import to stop after the batch
// in flight; the worker sees it at its next checkpoint.
func (s *Store) RequestCancel(ctx context.Context, id int64) error {
	return s.inTx(ctx, "cancel import", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE imports SET cancel_requested = 1 WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("cancel import %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("import %d: %w", id, crm.ErrNotFound)
		}
		return s.audit(ctx, tx, crm.AuditImportCancel, fmt.Sprintf("import %d", id), "while running")
	})
}

// CancelImport ends an import that is not running (pending, interrupted or
// failed) as cancelled.
func (s *Store) CancelImport(ctx context.Context, imp *crm.Import) error {
	return s.inTx(ctx, "cancel import", func(tx *sql.Tx) error {
		imp.Status, imp.FinishedAt = crm.ImportCancelled, s.now()
		if err := updateImport(ctx, tx, imp); err != nil {
			return err
		}
		return s.audit(ctx, tx, crm.AuditImportCancel, fmt.Sprintf("import %d", imp.ID), "")
	})
}

// DeleteImport deletes an import job and its errors. The customers it
// loaded stay, no longer linked to it.
func (s *Store) DeleteImport(ctx context.Context, id int64) error {
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return fmt.Errorf("delete import %d: %w", id, err)
	}
	defer end()
	res, err := tx.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete import %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("import %d: %w", id, crm.ErrNotFound)
	}
	for _, q := range []string{
		`UPDATE customers SET created_import = NULL WHERE created_import = ?`,
		`UPDATE customers SET import_id = NULL, import_line = NULL WHERE import_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("delete import %d: %w", id, err)
		}
	}
	if err := s.audit(ctx, tx, crm.AuditImportDelete, fmt.Sprintf("import %d", id), ""); err != nil {
		return err
	}
	return tx.Commit()
}

const importErrorsSQL = `
	SELECT line, sheet_row, field, value, message FROM import_errors
	WHERE import_id = ? AND line > ? ORDER BY line, rowid LIMIT ?`

// ImportErrors returns the first limit errors of an import, in file order
// (limit < 0: all of them).
func (s *Store) ImportErrors(ctx context.Context, id int64, limit int) ([]crm.RowError, error) {
	return s.ImportErrorsAfter(ctx, id, 0, limit)
}

// ImportErrorsAfter returns up to limit errors of an import on lines after
// line, in file order, for following an import as it runs.
func (s *Store) ImportErrorsAfter(ctx context.Context, id int64, line, limit int) ([]crm.RowError, error) {
	if limit < 0 {
		limit = math.MaxInt32 // all: SQLite reads a negative LIMIT so, PostgreSQL refuses it
	}
	rows, err := s.read.QueryContext(ctx, importErrorsSQL, id, line, limit)
	if err != nil {
		return nil, fmt.Errorf("import %d errors: %w", id, err)
	}
	defer rows.Close()
	errs := []crm.RowError{}
	for rows.Next() {
		var e crm.RowError
		if err := rows.Scan(&e.Line, &e.Row, &e.Field, &e.Value, &e.Message); err != nil {
			return nil, fmt.Errorf("import %d errors: %w", id, err)
		}
		errs = append(errs, e)
	}
	return errs, rows.Err()
}

const importRejectsSQL = `SELECT line, cells, message FROM import_rejects WHERE import_id = ? ORDER BY line`

// EachReject calls fn for every rejected record of an import, in file order.
func (s *Store) EachReject(ctx context.Context, id int64, fn func(crm.Reject) error) error {
	rows, err := s.read.QueryContext(ctx, importRejectsSQL, id)
	if err != nil {
		return fmt.Errorf("import %d rejects: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r crm.Reject
		var cells string
		if err := rows.Scan(&r.Line, &cells, &r.Message); err != nil {
			return fmt.Errorf("import %d rejects: %w", id, err)
		}
		if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
			return fmt.Errorf("import %d rejects: %w", id, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

const importReportSQL = `SELECT lines FROM import_report WHERE import_id = ? ORDER BY batch`

// EachReportBatch calls fn with the report lines of every committed batch of
// an import, in order.
func (s *Store) EachReportBatch(ctx context.Context, id int64, fn func(lines string) error) error {
	rows, err := s.read.QueryContext(ctx, importReportSQL, id)
	if err != nil {
		return fmt.Errorf("import %d report: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var lines string
		if err := rows.Scan(&lines); err != nil {
			return fmt.Errorf("import %d report: %w", id, err)
		}
		if err := fn(lines); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Batch is one write transaction of an import: the customers of one batch,
// its rejects and the job's checkpoint commit together or not at all, so a
// resume continues exactly after the last committed batch.
type Batch struct {
	s    *Store
	tx   *sql.Tx  // on SQLite
	pg   *pgBatch // on PostgreSQL, instead
	sc   *crm.Schema
	imp  *crm.Import
	cols []int // the standard columns the import writes, as indexes into valueColumns
	now  string

	last int64 // the last customer the batch created, for the search index (catchUp)
}

// BeginBatch starts a batch of imp, whose records were validated against
// sc. SQLite takes the write lock at once, so what Existing reports cannot
// change before Commit: no other import can take an email in between.
func (s *Store) BeginBatch(ctx context.Context, imp *crm.Import, sc *crm.Schema) (*Batch, error) {
	cols := writtenColumns(imp, sc)
	b := &Batch{s: s, sc: sc, imp: imp, cols: cols, now: formatTime(s.now())}
	if s.pg {
		pg, err := s.beginPostgresBatch(ctx, imp)
		if err != nil {
			return nil, fmt.Errorf("import %d: begin batch: %w", imp.ID, err)
		}
		b.pg = pg
		return b, nil
	}
	for _, q := range []string{
		insertCustomersSQL(cols, len(sc.Custom()) > 0, min(imp.Options.BatchSize, s.RowsPerStatement())),
		existingByEmailSQL, existingByAccountSQL, checkpointSQL,
	} {
		if err := s.prepare(ctx, q); err != nil {
			return nil, fmt.Errorf("import %d: prepare batch: %w", imp.ID, err)
		}
	}
	err := s.retryBusy(ctx, func() (err error) {
		b.tx, err = s.write.BeginTx(ctx, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("import %d: begin batch: %w", imp.ID, err)
	}
	return b, nil
}

// writtenColumns are the standard columns imp can give values to new
// customers: those its mapping names and those with a default.
func writtenColumns(imp *crm.Import, sc *crm.Schema) []int {
	mapped := map[string]bool{}
	for _, key := range imp.Options.Mapping {
		mapped[key] = true
	}
	var cols []int
	for i, name := range valueColumns {
		if f, _ := sc.Field(name); mapped[name] || f.Default != "" {
			cols = append(cols, i)
		}
	}
	return cols
}

// Existing returns the customers whose email key or account number is among
// those given, keyed by email key and by account number, as this batch sees
// them.
func (b *Batch) Existing(ctx context.Context, emailKeys []string, accounts []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	if b.pg != nil {
		return b.pg.existing(ctx, emailKeys, accounts)
	}
	return findExisting(ctx, b.s.pg, func(query string, args ...any) (*sql.Rows, error) {
		st, err := b.s.txStmt(ctx, b.tx, b.s.dialect(query))
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}, emailKeys, accounts)
}

// Existing is Batch.Existing outside any batch, for a dry run.
func (s *Store) Existing(ctx context.Context, emailKeys []string, accounts []int64) (map[string]*crm.Existing, map[int64]*crm.Existing, error) {
	return findExisting(ctx, s.pg, func(query string, args ...any) (*sql.Rows, error) {
		return s.read.QueryContext(ctx, s.dialect(query), args...)
	}, emailKeys, accounts)
}

// The keys are passed as one JSON array, so that each query is one prepared
// statement whatever the batch's size. Emails are found by their hashes:
// a customer whose email only shares the hash is found too, and is filed
// under its own email key, which no record of the batch asks for.
var (
	selectExisting       = `SELECT ` + selectCustomerColumns + `, coalesce(import_id, 0), coalesce(import_line, 0) FROM customers `
	existingByEmailSQL   = selectExisting + `WHERE email_hash IN (SELECT value FROM json_each(?))`
	existingByAccountSQL = selectExisting + `WHERE account_number IN (SELECT value FROM json_each(?))`
)

func findExisting(ctx context.Context, pg bool, query func(string, ...any) (*sql.Rows, error), emailKeys []string, accounts []int64) (byEmail map[string]*crm.Existing, byAccount map[int64]*crm.Existing, err error) {
	byEmail, byAccount = map[string]*crm.Existing{}, map[int64]*crm.Existing{}
	find := func(q string, keys any) error {
		list, _ := json.Marshal(keys)
		rows, err := query(q, string(list))
		if err != nil {
			return fmt.Errorf("find existing customers: %w", err)
		}
		defer rows.Close()
		if err := collectExisting(rows, byEmail, byAccount); err != nil {
			return fmt.Errorf("find existing customers: %w", err)
		}
		return nil
	}
	if len(emailKeys) > 0 {
		var keys any = emailKeys // PostgreSQL's unique index holds the keys
		if !pg {
			hashes := make([]int64, len(emailKeys))
			for i, k := range emailKeys {
				hashes[i] = emailHash(k)
			}
			keys = hashes
		}
		if err := find(existingByEmailSQL, keys); err != nil {
			return nil, nil, err
		}
	}
	if len(accounts) > 0 {
		if err := find(existingByAccountSQL, accounts); err != nil {
			return nil, nil, err
		}
	}
	return byEmail, byAccount, nil
}

// collectExisting files the customers of rows, read with selectExisting,
// by their account numbers and their email keys.
func collectExisting(rows resultRows, byEmail map[string]*crm.Existing, byAccount map[int64]*crm.Existing) error {
	for rows.Next() {
		e, err := scanExisting(rows)
		if err != nil {
			return err
		}
		byAccount[e.Customer.AccountNumber] = e
		if em := e.Customer.Get(crm.KeyEmail); em != "" {
			byEmail[EmailKey(em)] = e
		}
	}
	return rows.Err()
}

func scanExisting(rows rowScanner) (*crm.Existing, error) {
	var e crm.Existing
	c, err := scanCustomer(scanTail{rows, []any{&e.ImportID, &e.ImportLine}})
	if err != nil {
		return nil, err
	}
	e.Customer = c
	return &e, nil
}

// scanTail scans a customer row followed by extra columns.
type scanTail struct {
	r     rowScanner
	extra []any
}

func (s scanTail) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra...)...) }

// Insert saves new customers with the lines of the file they came from and
// sets their account numbers. words, when not nil, are their search words,
// made ahead by the import's reader (SearchWords).
func (b *Batch) Insert(ctx context.Context, cs []*crm.Customer, lines []int, words []Words) error {
	if len(cs) == 0 {
		return nil
	}
	var accounts []int64
	var err error
	if b.pg != nil {
		accounts, err = b.pg.insert(ctx, b.sc, cs, words, withValues(b.cols, cs), b.imp.ID, lines, b.now)
	} else {
		accounts, err = b.s.insertCustomers(ctx, b.tx, b.sc, cs, words, b.cols, b.imp.ID, lines, b.now)
	}
	if err != nil {
		return fmt.Errorf("import %d: %w", b.imp.ID, err)
	}
	for i, c := range cs {
		c.AccountNumber = accounts[i]
	}
	b.last = accounts[len(accounts)-1]
	return nil
}

// insertChangeSQL keeps what an import's update is about to overwrite: the
// customer's values (given) and, read from its row, which import and line
// changed it last and when, so that a revert gives all of it back.
const insertChangeSQL = `
	INSERT INTO import_changes (import_id, line, account_number, before, prev_import, prev_line, prev_updated)
	SELECT ?, ?, account_number, ?, import_id, import_line, updated_at FROM customers WHERE account_number = ?`

// Update saves after, an existing customer updated by the record at line,
// and keeps before, its values until now, so that the import can be
// reverted.
func (b *Batch) Update(ctx context.Context, before, after *crm.Customer, line int) error {
	prev, _ := json.Marshal(before.Values)
	if err := b.exec(ctx, insertChangeSQL, b.imp.ID, line, string(prev), after.AccountNumber); err != nil {
		return fmt.Errorf("import %d: record change of customer %d: %w", b.imp.ID, after.AccountNumber, err)
	}
	if err := b.exec(ctx, updateCustomerSQL, updateCustomerArgs(b.sc, after, b.now, b.imp.ID, line)...); err != nil {
		return fmt.Errorf("import %d: update customer %d: %w", b.imp.ID, after.AccountNumber, err)
	}
	return nil
}

// exec runs a statement of the batch that answers nothing. On PostgreSQL
// it is queued instead, to travel with the batch's next round trip, whose
// error is its error.
func (b *Batch) exec(ctx context.Context, q string, args ...any) error {
	if b.pg != nil {
		b.pg.queue(q, args...)
		return nil
	}
	_, err := b.tx.ExecContext(ctx, q, args...)
	return err
}

const insertReportSQL = `INSERT INTO import_report (import_id, batch, lines) VALUES (?, ?, ?)`

// Commit writes the batch's checkpoint (its rejects, its report lines and
// the job's counts) and commits it with the batch's customers. It reports
// whether someone asked to cancel the import meanwhile.
func (b *Batch) Commit(ctx context.Context, cp crm.Checkpoint) (cancelRequested bool, err error) {
	defer b.Rollback()
	if b.pg == nil {
		if err := b.s.catchUp(ctx, b.tx, b.last, false); err != nil {
			return false, fmt.Errorf("import %d: %w", b.imp.ID, err)
		}
	}
	if err := b.writeRejects(ctx, cp.Rejects); err != nil {
		return false, err
	}
	if err := b.exec(ctx, insertReportSQL, b.imp.ID, cp.Counts.Batches, cp.Report); err != nil {
		return false, fmt.Errorf("import %d: save report: %w", b.imp.ID, err)
	}
	c := cp.Counts
	args := []any{c.Records, c.Created, c.Updated, c.Skipped, c.Rejected, c.Batches, changesJSON(c.Changes), c.PhonesAsWritten, c.LeftOut,
		cp.RunTime.Milliseconds(), b.now, b.imp.ID, b.imp.Worker}
	if b.pg != nil {
		cancelRequested, err = b.pg.commit(ctx, args)
		if err != nil {
			return false, fmt.Errorf("import %d: commit batch: %w", b.imp.ID, err)
		}
		return cancelRequested, nil
	}
	st, err := b.s.txStmt(ctx, b.tx, checkpointSQL)
	if err != nil {
		return false, fmt.Errorf("import %d: checkpoint: %w", b.imp.ID, err)
	}
	err = st.QueryRowContext(ctx, args...).Scan(&cancelRequested)
	if errors.Is(err, sql.ErrNoRows) {
		return false, takenOver(b.imp.ID)
	}
	if err != nil {
		return false, fmt.Errorf("import %d: checkpoint: %w", b.imp.ID, err)
	}
	if err := b.tx.Commit(); err != nil {
		if isBusy(err) {
			// The driver has rolled the batch back (database/sql wants its
			// connection out of the transaction), so there is no COMMIT to
			// try again: the batch did not happen, and a resume redoes it.
			err = fmt.Errorf("the database is busy: another process holds its lock: %w", crm.ErrUnavailable)
		}
		return false, fmt.Errorf("import %d: commit batch: %w", b.imp.ID, err)
	}
	return cancelRequested, nil
}

// Rollback abandons the batch.
func (b *Batch) Rollback() {
	if b.pg != nil {
		b.pg.rollback()
		return
	}
	rollback(b.tx)
}

func (b *Batch) writeRejects(ctx context.Context, rejects []crm.Reject) error {
	const perStatement = 1000
	for start := 0; start < len(rejects); start += perStatement {
		chunk := rejects[start:min(start+perStatement, len(rejects))]
		var rejArgs, errArgs []any
		nerr := 0
		for _, r := range chunk {
			cells, _ := json.Marshal(nonNil(r.Cells))
			rejArgs = append(rejArgs, b.imp.ID, r.Line, string(cells), r.Message)
			for _, e := range r.Errors {
				errArgs = append(errArgs, b.imp.ID, e.Line, e.Row, e.Field, e.Value, e.Message)
				nerr++
			}
		}
		q := `INSERT INTO import_rejects (import_id, line, cells, message) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(chunk)), ", ")
		if err := b.exec(ctx, q, rejArgs...); err != nil {
			return fmt.Errorf("import %d: save rejects: %w", b.imp.ID, err)
		}
		for e := 0; e < nerr; e += perStatement {
			n := min(perStatement, nerr-e)
			q := `INSERT INTO import_errors (import_id, line, sheet_row, field, value, message) VALUES ` + placeholders(6, n)
			if err := b.exec(ctx, q, errArgs[e*6:(e+n)*6]...); err != nil {
				return fmt.Errorf("import %d: save errors: %w", b.imp.ID, err)
			}
		}
	}
	return nil
}
