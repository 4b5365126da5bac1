package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"localcrm/internal/crm"
)

// This file copies a whole SQLite database into an empty PostgreSQL one:
// how a team that outgrows one machine moves to several servers, keeping
// every customer's account number, the fields, the users and their
// passwords, the tokens, the imports with their reports and files, and
// the audit log. The two schemas have the same tables and columns (each
// migration is written for both), so a table is copied column for column,
// whatever columns it has by then.

// copyTables are the tables CopyTo copies, in an order that keeps their
// references: an import before what belongs to it.
var copyTables = []string{
	"settings", "fields", "users", "tokens", "templates", "customers",
	"imports", "import_errors", "import_rejects", "import_report", "import_changes", "reverts", "revert_report",
	"audit_log",
}

// notCopied are the tables of either database that CopyTo leaves out on
// purpose, and why; a test checks that every table is in one list or the
// other, so that a new table cannot be forgotten.
var notCopied = map[string]string{
	"schema_migrations":     "each database's own, migrated when it opens",
	"sqlite_sequence":       "SQLite's counters: PostgreSQL's identities are set from them",
	"sessions":              "people sign in again on the new servers",
	"setup_links":           "people sign in again on the new servers",
	"sign_in_failures":      "the throttle starts afresh",
	"customer_search":       "SQLite's search index: PostgreSQL's indexes the copied words itself",
	"customer_search_upto":  "SQLite's search index",
	"customer_search_vocab": "SQLite's search index",
	"import_sources":        "filled from the imports' files, which SQLite keeps in its imports folder",
}

// identities are the columns numbered by the database, whose counters
// must go on after the copied numbers: a number given once, such as a
// deleted customer's account number, is never given again.
var identities = map[string]string{
	"customers": "account_number", "imports": "id", "users": "id", "tokens": "id", "audit_log": "id",
}

// SourceFile is what CopyTo needs of an import's uploaded file: the file
// (nil when there is none), and when it was removed, if it was.
type SourceFile struct {
	File    io.ReadCloser
	Removed time.Time
}

// Copied says what CopyTo copied: the rows of each table, and the files.
type Copied struct {
	Rows  map[string]int64
	Files int
}

// CopyTo copies everything s holds, a SQLite database, into to, an empty
// PostgreSQL database, in one transaction of to's: all of it or, on any
// error, nothing. s is read in one snapshot. source gives the file of
// each import, which SQLite keeps outside the database.
func (s *Store) CopyTo(ctx context.Context, to *Store, source func(ctx context.Context, id int64) (SourceFile, error)) (Copied, error) {
	if s.pg || !to.pg {
		return Copied{}, crm.Invalid("db", to.path, "A database can be copied only from SQLite into PostgreSQL.")
	}
	from, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Copied{}, fmt.Errorf("copy: read %s: %w", s.path, err)
	}
	defer rollback(from)
	if err := notRunning(ctx, from); err != nil {
		return Copied{}, err
	}
	conn, err := to.write.Conn(ctx)
	if err != nil {
		return Copied{}, fmt.Errorf("copy: %w", err)
	}
	defer conn.Close()
	copied := Copied{Rows: map[string]int64{}}
	err = conn.Raw(func(dc any) error {
		return pgx.BeginFunc(ctx, dc.(rebindConn).Conn.Conn(), func(tx pgx.Tx) error {
			return s.copyInto(ctx, from, tx, to, source, &copied)
		})
	})
	if err != nil {
		return Copied{}, err
	}
	return copied, nil
}

// notRunning refuses to copy while an import runs or waits for its turn,
// or a revert runs: what it writes after the snapshot would be lost, and
// on PostgreSQL it would seem to run on a server that does not exist.
func notRunning(ctx context.Context, from *sql.Tx) error {
	var what string
	var id int64
	err := from.QueryRowContext(ctx, `
		SELECT 'Import', id FROM imports WHERE status IN ('running', 'queued')
		UNION ALL SELECT 'The revert of import', import_id FROM reverts WHERE status = 'running'
		LIMIT 1`).Scan(&what, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return crm.Invalid("db", "", fmt.Sprintf("%s %d is running. Stop `localcrm serve` (what it runs stops after the batch in flight, to go on on PostgreSQL), then copy again.", what, id))
}

// copyInto copies from's tables and files into tx, to's transaction.
func (s *Store) copyInto(ctx context.Context, from *sql.Tx, tx pgx.Tx, to *Store, source func(context.Context, int64) (SourceFile, error), copied *Copied) error {
	// A million customers take longer than a statement may in normal use.
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := empty(ctx, tx, to.path); err != nil {
		return err
	}
	// The settings a new database starts with give way to the copied ones,
	// and a setup link a server printed for the empty database is not one
	// for the copy (which may have no user either).
	for _, q := range []string{`DELETE FROM settings`, `DELETE FROM setup_links`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
	}
	for _, table := range copyTables {
		n, err := copyTable(ctx, from, tx, table)
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		copied.Rows[table] = n
	}
	files, err := copySources(ctx, from, tx, source)
	if err != nil {
		return err
	}
	copied.Files = files
	if err := setIdentities(ctx, from, tx); err != nil {
		return err
	}
	a := crm.ActorFrom(ctx)
	detail := fmt.Sprintf("%d customers, %d users, %d tokens, %d imports (%d files), %d audit entries",
		copied.Rows["customers"], copied.Rows["users"], copied.Rows["tokens"], copied.Rows["imports"], files, copied.Rows["audit_log"])
	_, err = tx.Exec(ctx, rebind(insertAuditSQL), formatTime(to.now()), a.Name, a.Kind, a.Addr, string(crm.AuditDatabaseCopied), s.path, detail)
	if err != nil {
		return fmt.Errorf("copy: audit: %w", err)
	}
	return nil
}

// empty refuses a database that holds anything of its own but the
// settings it starts with: the copy would be mixed with it.
func empty(ctx context.Context, tx pgx.Tx, path string) error {
	var held []string
	for _, table := range copyTables {
		if table == "settings" {
			continue
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		if n > 0 {
			held = append(held, table)
		}
	}
	if len(held) > 0 {
		return crm.Invalid("db", path, fmt.Sprintf("%s is not empty (it has rows in %s): a copy goes only into a new database, so that nothing is mixed or overwritten. "+
			"Create one (createdb) and copy into it.", path, strings.Join(held, ", ")))
	}
	return nil
}

// copyTable copies table's rows, the columns both databases have, from
// from to tx, and returns how many.
func copyTable(ctx context.Context, from *sql.Tx, tx pgx.Tx, table string) (int64, error) {
	types := map[string]string{} // the columns PostgreSQL takes values for
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' AND identity_generation IS DISTINCT FROM 'ALWAYS'`, table)
	if err != nil {
		return 0, err
	}
	var name, typ string
	if _, err := pgx.ForEachRow(rows, []any{&name, &typ}, func() error { types[name] = typ; return nil }); err != nil {
		return 0, err
	}
	var cols []string
	srows, err := from.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return 0, err
	}
	for srows.Next() {
		if err := srows.Scan(&name); err != nil {
			srows.Close()
			return 0, err
		}
		if _, ok := types[name]; ok {
			cols = append(cols, name)
		}
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return 0, err
	}
	// In the order SQLite gave them its rows: import_errors' identity
	// keeps a line's errors in their order.
	src, err := from.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` ORDER BY rowid`)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	rs := &rowSource{rows: src, types: make([]string, len(cols)), vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i, c := range cols {
		rs.types[i] = types[c]
		rs.ptrs[i] = &rs.vals[i]
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, rs)
}

// rowSource hands SQLite's rows to COPY, each value as PostgreSQL's column
// takes it.
type rowSource struct {
	rows  *sql.Rows
	types []string // PostgreSQL's type of each column
	vals  []any
	ptrs  []any
	err   error
}

func (r *rowSource) Next() bool {
	if !r.rows.Next() {
		return false
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = err
		return false
	}
	for i, v := range r.vals {
		if r.vals[i], r.err = pgValue(v, r.types[i]); r.err != nil {
			return false
		}
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.vals, nil }

func (r *rowSource) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// pgValue is v, a value SQLite gave, as a column of PostgreSQL's type typ
// takes it. SQLite keeps whatever a column is given; PostgreSQL takes
// text only as valid UTF-8 without NUL, as the store writes it there
// (validText).
func pgValue(v any, typ string) (any, error) {
	switch typ {
	case "text":
		switch v := v.(type) {
		case string:
			return validText(v), nil
		case []byte:
			return validText(string(v)), nil
		case int64:
			return strconv.FormatInt(v, 10), nil
		case float64:
			return strconv.FormatFloat(v, 'g', -1, 64), nil
		}
	case "bigint":
		switch v := v.(type) {
		case int64:
			return v, nil
		case string:
			return strconv.ParseInt(v, 10, 64)
		}
	case "bytea":
		switch v := v.(type) {
		case []byte:
			return v, nil
		case string:
			return []byte(v), nil
		}
	}
	if v == nil {
		return nil, nil
	}
	return nil, fmt.Errorf("a value of type %T cannot go into a column of type %s", v, typ)
}

// copySources copies the file of each copied import that still has one,
// in chunks as KeepSource stores them, with when each removed file was
// removed, and returns how many files it copied.
func copySources(ctx context.Context, from *sql.Tx, tx pgx.Tx, source func(context.Context, int64) (SourceFile, error)) (int, error) {
	rows, err := from.QueryContext(ctx, `SELECT id FROM imports ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("copy the imports' files: %w", err)
	}
	ids, err := int64s(rows)
	rows.Close()
	if err != nil {
		return 0, fmt.Errorf("copy the imports' files: %w", err)
	}
	files := 0
	buf := make([]byte, sourceChunk)
	for _, id := range ids {
		sf, err := source(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("copy the file of import %d: %w", id, err)
		}
		if !sf.Removed.IsZero() {
			if _, err := tx.Exec(ctx, `UPDATE imports SET source_removed_at = $1 WHERE id = $2`, formatTime(sf.Removed), id); err != nil {
				return 0, fmt.Errorf("copy the file of import %d: %w", id, err)
			}
		}
		if sf.File == nil {
			continue
		}
		err = writeChunks(sf.File, buf, func(seq int, data []byte) error {
			_, err := tx.Exec(ctx, rebind(insertChunkSQL), id, seq, data)
			return err
		})
		sf.File.Close()
		if err != nil {
			return 0, fmt.Errorf("copy the file of import %d: %w", id, err)
		}
		files++
	}
	return files, nil
}

// setIdentities makes each identity of tx go on after the highest number
// from gave: its rows', or its counter's, which remembers the numbers of
// rows since deleted.
func setIdentities(ctx context.Context, from *sql.Tx, tx pgx.Tx) error {
	for _, table := range slices.Sorted(maps.Keys(identities)) {
		col := identities[table]
		var last sql.NullInt64
		err := from.QueryRowContext(ctx, `SELECT max(n) FROM (SELECT max(`+col+`) AS n FROM `+table+`
			UNION ALL SELECT seq FROM sqlite_sequence WHERE name = ?)`, table).Scan(&last)
		if err != nil {
			return fmt.Errorf("copy %s: its numbering: %w", table, err)
		}
		if !last.Valid {
			continue // nothing was ever numbered: the identity starts where it starts
		}
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), $3)`, table, col, last.Int64); err != nil {
			return fmt.Errorf("copy %s: its numbering: %w", table, err)
		}
	}
	return nil
}
