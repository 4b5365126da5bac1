// Package store keeps localcrm's data in SQL: customers, field definitions,
// settings and import jobs. It is the only package that speaks SQL, and it
// turns driver errors into the crm package's error kinds.
//
// SQLite is the embedded default; a postgres:// URL opens PostgreSQL
// instead (postgres.go says how the two differ). SQLite runs with WAL, synchronous=NORMAL and a
// busy timeout, with one writer connection beside a pool of readers, set up
// the way PocketBase does: writes queue in the process instead of failing
// with SQLITE_BUSY, and reads never wait for them.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"localcrm/internal/crm"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Store is an open database.
type Store struct {
	write *sql.DB // exactly one connection on SQLite, which has one writer at a time
	read  *sql.DB // on PostgreSQL, the same pool as write
	pg    bool    // PostgreSQL, not SQLite
	path  string
	now   func() time.Time
	busy  time.Duration // Options.BusyTimeout, defaulted

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared on the writer, by query text

	// searchIndex is false on a SQLite database whose search index was
	// dropped by hand, as the bench command does to time imports without
	// it: new customers then get no search words either, so that the
	// bench's "without" leaves out all the index costs.
	searchIndex bool
}

// Options are the settings of a store; the zero value gives the defaults.
type Options struct {
	// BusyTimeout is how long a write waits for the database's write lock
	// while another process holds it (0: DefaultBusyTimeout). An import's
	// batch that cannot begin in that time gives up with
	// crm.ErrUnavailable, so that the import stops cleanly, to be resumed.
	BusyTimeout time.Duration
}

// DefaultBusyTimeout is Options.BusyTimeout's default: far longer than any
// batch of another import holds the lock (a batch of 10,000 takes a
// fraction of a second), short enough that a lock held by a stuck program
// stops an import within seconds rather than leaving it hanging.
const DefaultBusyTimeout = 10 * time.Second

// Open opens the SQLite database file at path, creating and migrating it
// on first use, with the default Options; or, when path is a postgres://
// URL, that PostgreSQL database, migrating it.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenOptions(ctx, path, Options{})
}

// OpenOptions is Open with settings.
func OpenOptions(ctx context.Context, path string, o Options) (*Store, error) {
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	if IsPostgres(path) {
		return openPostgres(ctx, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := ownerOnly(abs); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	dsn := func(extra string) string {
		q := url.Values{}
		// temp_store keeps statement journals in memory: a multi-row INSERT
		// writes one, and on disk it cost a tenth of an import's time. The
		// writer's page cache is 4 MB, twice SQLite's default: the driver's
		// allocator gives each cached page twice its size, so it takes
		// 8 MB. A cache of 16 MB (32 MB of memory), once chosen to hold
		// the email index of a million customers, made imports no faster
		// once emails were indexed by a hash (the bench: 50,000 and
		// 1,000,000 records, commits of 100 and 10,000, the same times
		// within the machine's noise), and took an import's peak memory
		// to 74-82 MB, against 50-58 MB with 4 MB: pages the cache misses
		// come from the operating system's file cache.
		// The writer checkpoints the WAL into the database every 40,000
		// pages (160 MB) instead of SQLite's 1,000: a page that several
		// batches change is copied over once, and a million customers in
		// commits of 10,000 took 12% less time than at 10,000 pages.
		for _, p := range []string{fmt.Sprintf("busy_timeout(%d)", max(busy.Milliseconds(), 1)), "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", "temp_store(MEMORY)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate") // take the write lock at BEGIN, not midway
		// The path is escaped as a URI's: SQLite reads "file:" names as
		// URIs, so a "#" or "?" in a folder's name would cut the path short
		// and open another file.
		return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode() + extra
	}
	write, err := sql.Open("sqlite", dsn("&_pragma=cache_size(-4000)&_pragma=wal_autocheckpoint(40000)"))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	s := &Store{write: write, path: abs, now: func() time.Time { return time.Now().UTC() }, busy: busy, stmts: map[string]*sql.Stmt{}}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	s.read = read
	if err := read.QueryRowContext(ctx, `SELECT count(*) > 0 FROM sqlite_master WHERE name = 'customer_search'`).Scan(&s.searchIndex); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// ownerOnly makes the database file readable and writable by its owner
// only: it holds customers' personal data and the hashes of passwords and
// tokens. A new file is created so before SQLite opens it, and an existing
// one, with its -wal and -shm files, is tightened; SQLite gives the -wal
// and -shm files the database file's mode when it creates them.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		perm := fi.Mode().Perm()
		if !fi.Mode().IsRegular() || perm&0o077 == 0 {
			continue // already private; a directory fails later, in SQLite's words
		}
		// 0o600 of what the owner had: a read-only file stays read-only.
		if err := os.Chmod(name, perm&0o600); err != nil {
			return fmt.Errorf("make %s readable by its owner only (it is %#o): %w", name, perm, err)
		}
	}
	return nil
}

// Path is the database file's absolute path, or the PostgreSQL URL without
// its password.
func (s *Store) Path() string { return s.path }

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.pg }

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.mu.Unlock()
	if s.read == s.write {
		return s.write.Close()
	}
	return errors.Join(s.read.Close(), s.write.Close())
}

// maxStmts bounds the prepared statements kept; imports use a handful.
const maxStmts = 64

// prepare prepares query on the writer connection and keeps it, so that
// later transactions reuse it. It must be called outside a transaction: the
// writer has one connection, which a transaction holds. Imports run the same
// large INSERT for every batch, and parsing a statement of thousands of
// parameters each time cost a tenth of an import's time.
func (s *Store) prepare(ctx context.Context, query string) error {
	if s.pg {
		return nil // pgx keeps the statements it has prepared on each connection
	}
	s.mu.Lock()
	_, ok := s.stmts[query]
	full := len(s.stmts) >= maxStmts
	s.mu.Unlock()
	if ok || full {
		return nil
	}
	st, err := s.write.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.stmts[query]; ok {
		st.Close()
		return nil
	}
	s.stmts[query] = st
	return nil
}

// txStmt returns query for use in tx: the kept statement when prepare made
// one, otherwise one prepared for this transaction alone.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[query]
	s.mu.Unlock()
	if ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// migrate applies, in order, every embedded migration not applied yet. They
// are forward-only: a released migration is never edited, only followed.
//
// It reads first and takes the write lock only for a migration to apply,
// so that opening an up-to-date database (every CLI command does) works
// while another process holds the lock for an import.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/sqlite/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := knownMigrations(applied, names); err != nil {
		return err
	}
	if len(applied) == 0 {
		if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	for _, name := range names {
		version := filepath.Base(name)
		if applied[version] {
			continue
		}
		tx, err := s.write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			tx.Rollback()
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			tx.Rollback()
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if fill := migrationData[version]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrate %s: %w", version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	return nil
}

// knownMigrations refuses a database migrated by a newer localcrm: one
// with applied versions that are not among names, the embedded
// migrations. Such a version may have changed what a column means or
// what a writer must fill in, so this localcrm could misread the data or
// write rows the newer one cannot read: a server left on the old version
// while its neighbours are upgraded must not start again on it.
func knownMigrations(applied map[string]bool, names []string) error {
	known := make(map[string]bool, len(names))
	for _, name := range names {
		known[filepath.Base(name)] = true
	}
	var newer []string
	for v := range applied {
		if !known[v] {
			newer = append(newer, v)
		}
	}
	if len(newer) == 0 {
		return nil
	}
	slices.Sort(newer)
	return fmt.Errorf("the database was migrated by a newer localcrm (%s, which this one does not know): run that version or a newer one on it", strings.Join(newer, ", "))
}

// appliedMigrations returns the versions applied so far; none when the
// database is new.
func (s *Store) appliedMigrations(ctx context.Context) (map[string]bool, error) {
	if !s.pg { // PostgreSQL's migrate has made the table already
		var n int
		if err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil || n == 0 {
			return nil, err
		}
	}
	rows, err := s.write.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// migrationData holds the steps of migrations that need Go, run after the
// migration's SQL in its transaction.
var migrationData = map[string]func(context.Context, *sql.Tx) error{
	"0002_email_hash.sql":    fillEmailHash,
	"0005_email_nfc.sql":     refillEmailKeys,
	"0011_search_phones.sql": fillSearchSQLite,
}

// isUnique reports whether err is a unique-constraint violation, by the
// driver's extended error code rather than its message text.
func isUnique(err error) bool {
	var e *sqlite.Error
	return isPGUnique(err) || errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// isBusy reports whether err is SQLITE_BUSY, in any of its extended forms
// (a lock held by another connection, a WAL being recovered, a read
// snapshot gone stale), by the driver's error code.
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// busyError is what a write that could not get the write lock returns: the
// database is not broken, another process holds it, and trying again later
// may work.
func (s *Store) busyError(waited time.Duration) error {
	return fmt.Errorf("the database is busy: another process has held its write lock for %s: %w",
		waited.Round(100*time.Millisecond), crm.ErrUnavailable)
}

// retryBusy runs try until it succeeds, fails with another error than
// SQLITE_BUSY, or s.busy has passed since the first try; then it returns
// busyError. Each try already waits inside SQLite (busy_timeout, with
// SQLite's own growing sleeps) while another connection holds the lock;
// the pauses here, doubling from 50 ms to 1 s, are for the BUSY results
// that SQLite returns at once, without waiting: a WAL being recovered by
// another process, or a snapshot that went stale.
func (s *Store) retryBusy(ctx context.Context, try func() error) error {
	start := time.Now()
	pause := 50 * time.Millisecond
	for {
		err := try()
		if !isBusy(err) {
			return err
		}
		waited := time.Since(start)
		if waited >= s.busy {
			return s.busyError(waited)
		}
		t := time.NewTimer(min(pause, s.busy-waited))
		select {
		case <-ctx.Done():
			t.Stop()
			return s.busyError(time.Since(start))
		case <-t.C:
		}
		pause = min(2*pause, time.Second)
	}
}

// Times are stored as RFC 3339 text in UTC, readable in any SQL shell.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database URL"
	}
	return u.Redacted()
}

// inTx runs fn in a durable write transaction (see beginDurable),
// committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, end, err := s.beginDurable(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer end()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// beginDurable begins a write transaction that is on disk when its commit
// returns, for what a person saves (a customer, a field, a user): the
// database runs with synchronous=NORMAL, under which a power cut may take
// back the last commits, which is right for import batches (their
// checkpoint commits with them, so resume repeats exactly what was lost)
// but not for a customer an agent was told was saved. The writer
// connection is pinned for the transaction, switched to FULL, and given
// back at NORMAL. end must be deferred: it rolls back a transaction that
// did not commit.
func (s *Store) beginDurable(ctx context.Context) (tx *sql.Tx, end func(), err error) {
	if s.pg {
		// PostgreSQL's commits are durable (synchronous_commit=on).
		if tx, err = s.beginPostgresWrite(ctx); err != nil {
			return nil, nil, err
		}
		return tx, func() { rollback(tx) }, nil
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	release := func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`); err != nil {
			// A connection left at FULL would slow every batch after it:
			// have database/sql drop it and open a fresh one.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		release()
		return nil, nil, err
	}
	if tx, err = conn.BeginTx(ctx, nil); err != nil {
		release()
		return nil, nil, err
	}
	return tx, func() { rollback(tx); release() }, nil
}

// rollback ends a transaction that did not commit; its error is of no use
// then, since the transaction's own error is already being returned.
func rollback(tx *sql.Tx) { _ = tx.Rollback() }

// Ping reports whether the database answers a query of one of localcrm's
// tables, not only whether a connection opens.
func (s *Store) Ping(ctx context.Context) error {
	var exists bool
	if err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists); err != nil {
		return fmt.Errorf("ping the database: %w", err)
	}
	return nil
}
