package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"localcrm/internal/crm"
)

// This file is where PostgreSQL differs from SQLite: how the store
// connects, migrates and locks, how a lost connection is told, and the few
// statements the two do not share. The rest of the store's SQL is shared:
// it is written with SQLite's ? parameters, which pgx does not take, so
// every statement is rebound to PostgreSQL's $1, $2 on its way to the
// driver (rebindConn).
// (Writing $1 everywhere instead would suit both databases, but the SQLite
// driver resolves such parameters by name, which made imports twice as
// slow.)

// postgresSQL holds PostgreSQL's own version of each statement the two
// databases do not share, under SQLite's (dialect).
var postgresSQL = map[string]string{
	// One JSON array of keys, as on SQLite, so that each query is one
	// statement whatever the batch's size; but emails by their keys, in
	// the unique index (findExisting). Made an array first, the keys are
	// looked up in the index whatever the statistics say: during an
	// import into a new table they say it is nearly empty, and the
	// planner read every customer for each batch instead.
	existingByEmailSQL:   selectExisting + `WHERE email_key = ANY (ARRAY(SELECT json_array_elements_text(?::json)))`,
	existingByAccountSQL: selectExisting + `WHERE account_number = ANY (ARRAY(SELECT json_array_elements_text(?::json)::bigint))`,
	removeFieldValuesSQL: `UPDATE customers SET custom = (custom::jsonb - ?1)::text WHERE jsonb_exists(custom::jsonb, ?1)`,
	// Searches, through the index of search_words (migration 0007): the
	// query is a tsquery of the words as the store folded them.
	countWordsSQL: `SELECT count(*) FROM customers
	WHERE array_to_tsvector(string_to_array(search_words, ' ')) @@ ?::tsquery`,
	searchWordsSQL: `SELECT ` + selectCustomerColumns + ` FROM customers
	WHERE array_to_tsvector(string_to_array(search_words, ' ')) @@ ?::tsquery
	ORDER BY account_number LIMIT ? OFFSET ?`,
	candidatesSQL: `SELECT account_number FROM customers
	WHERE array_to_tsvector(string_to_array(search_words, ' ')) @@ ?::tsquery
	ORDER BY account_number LIMIT ?`,
	customersByAccountSQL: `SELECT ` + selectCustomerColumns + ` FROM customers
	WHERE account_number = ANY (ARRAY(SELECT json_array_elements_text(?::json)::bigint)) ORDER BY account_number`,
	checkColumnsSQL: `SELECT account_number, ` + strings.Join(checkColumns, ", ") + `, ` + strings.Join(phoneColumnList, ", ") + ` FROM customers
	WHERE account_number = ANY (ARRAY(SELECT json_array_elements_text(?::json)::bigint)) ORDER BY account_number`,
}

// dialect returns the statement q for the store's database.
func (s *Store) dialect(q string) string {
	if alt, ok := postgresSQL[q]; ok && s.pg {
		return alt
	}
	return q
}

// IsPostgres reports whether dsn names a PostgreSQL database (a URL),
// not a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Settings of a PostgreSQL store, given in its URL, with their defaults.
const (
	// poolParam is the most connections one process opens; PostgreSQL's
	// own limit (max_connections, 100 by default) is shared by every
	// server and tool.
	poolParam   = "pool_max_conns"
	defaultPool = 10
	// statement_timeout is PostgreSQL's own setting: no statement may run
	// longer, so that one stuck behind a lock never holds a request or an
	// import for ever. The longest, an import's batch of 10,000 records,
	// takes a second or two.
	defaultStatementTimeout = "60s"
)

// openPostgres opens the PostgreSQL database at the URL dsn and migrates
// it. One pool serves reads and writes: PostgreSQL has no single writer.
func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(dsn), crm.Invalid("db", redact(dsn), "The database URL is not one PostgreSQL accepts: "+err.Error()))
	}
	pool := defaultPool
	if v, ok := cfg.RuntimeParams[poolParam]; ok {
		delete(cfg.RuntimeParams, poolParam) // ours, not the server's
		if pool, err = strconv.Atoi(v); err != nil || pool < 1 {
			return nil, fmt.Errorf("open %s: %w", redact(dsn), crm.Invalid("db", v, fmt.Sprintf("%s=%s: give the most connections to open, a whole number from 1.", poolParam, v)))
		}
	}
	if cfg.RuntimeParams["statement_timeout"] == "" {
		cfg.RuntimeParams["statement_timeout"] = defaultStatementTimeout
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg, stdlib.OptionAfterConnect(registerColumns))})
	db.SetMaxOpenConns(pool)
	db.SetConnMaxIdleTime(5 * time.Minute)
	// The first question, the server's version, is also the first contact.
	var num int
	var version string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('server_version_num')::int, current_setting('server_version')`).Scan(&num, &version); err != nil {
		db.Close()
		if refused := postgresRefusal(cfg, err); refused != nil {
			return nil, fmt.Errorf("open %s: %w", redact(dsn), refused)
		}
		return nil, fmt.Errorf("open %s: PostgreSQL cannot be reached (%v); check that it runs and that the URL's host, port, user and password are right: %w",
			redact(dsn), err, crm.ErrUnavailable)
	}
	if err := supportedPostgres(num, version); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	s := &Store{write: db, read: db, pg: true, path: redact(dsn), now: func() time.Time { return time.Now().UTC() }, busy: DefaultBusyTimeout, stmts: map[string]*sql.Stmt{}, searchIndex: true}
	if err := s.migratePostgres(ctx); err != nil {
		db.Close()
		if refused := postgresRefusal(cfg, err); refused != nil {
			err = refused
		}
		return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
	}
	return s, nil
}

// postgresRefusal says what to fix when PostgreSQL answered but refused
// what the URL asks, or nil for any other error: a database that does not
// exist, a role it does not let in, a role that may not create localcrm's
// tables (PostgreSQL 15 lets only a database's owner create in its public
// schema). These wait for someone to change the URL or the server, not
// for the server to come back, so they are not crm.ErrUnavailable.
func postgresRefusal(cfg *pgx.ConnConfig, err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return nil
	}
	where := fmt.Sprintf("PostgreSQL at %s:%d", cfg.Host, cfg.Port)
	var msg string
	switch pg.Code {
	case "3D000": // invalid_catalog_name
		msg = fmt.Sprintf("%s has no database %q: create it (createdb --owner %s %s), or give the URL the name of one that exists.", where, cfg.Database, cfg.User, cfg.Database)
	case "28P01", "28000": // invalid_password, invalid_authorization_specification
		msg = fmt.Sprintf("%s does not let role %q in (%s): check the URL's user and password, and that the server's pg_hba.conf lets it connect to %q.", where, cfg.User, pg.Message, cfg.Database)
	case "42501": // insufficient_privilege
		msg = fmt.Sprintf("Role %q may not create localcrm's tables in database %q (%s): localcrm makes and migrates them itself, so make the role the database's owner (ALTER DATABASE %s OWNER TO %s).", cfg.User, cfg.Database, pg.Message, cfg.Database, cfg.User)
	default:
		return nil
	}
	return crm.Invalid("db", cfg.Database, msg)
}

// supportedPostgres refuses a server older than PostgreSQL 14, given its
// server_version_num and server_version, before a migration fails on it
// with a syntax error that says nothing of versions: the migrations choose
// columns' compression (SET COMPRESSION, new in 14).
func supportedPostgres(num int, version string) error {
	if num >= 140000 {
		return nil
	}
	return fmt.Errorf("this server runs PostgreSQL %s; localcrm needs PostgreSQL 14 or later: upgrade it, or keep the SQLite database", version)
}

// migrationLock is the advisory lock that serializes migrations, so that
// two servers starting at once do not both migrate.
const migrationLock = 0x6c6f63616c63726d // "localcrm"

// migratePostgres applies every embedded PostgreSQL migration not applied
// yet, each in its own transaction, under an advisory lock held for the
// migration's transaction.
func (s *Store) migratePostgres(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/postgres/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	begin := func() (*sql.Tx, error) { return s.beginLocked(ctx, migrationLock) }
	// Even IF NOT EXISTS fails when two servers create a table at once.
	tx, err := begin()
	if err == nil {
		_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`)
		if err == nil {
			err = tx.Commit()
		}
		rollback(tx)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := knownMigrations(applied, names); err != nil {
		return err
	}
	for _, name := range names {
		version := path.Base(name)
		if applied[version] { // no lock needed to pass over it: none is ever undone
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := begin()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			rollback(tx)
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			rollback(tx)
			continue
		}
		// The migration's own text goes to the server as it is: it may
		// hold question marks and dollar quotes of its own.
		if _, err := tx.ExecContext(ctx, verbatim+string(body)); err != nil {
			rollback(tx)
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if fill := postgresMigrationData[version]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				rollback(tx)
				return fmt.Errorf("migrate %s: %w", version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version); err != nil {
			rollback(tx)
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	return nil
}

// postgresMigrationData holds the steps of migrations that need Go, run
// after the migration's SQL in its transaction, as migrationData on SQLite.
var postgresMigrationData = map[string]func(context.Context, *sql.Tx) error{
	"0007_search_phones.sql": fillSearch,
}

// writeLock is the advisory lock every write transaction of the store takes
// on PostgreSQL, as SQLite's writer takes its database's write lock: the
// store checks an email is free and then writes it, and the lock keeps
// another server from writing it in between. The unique index stays the
// last word should anything write without the lock. Import batches of
// other imports may share it, locking the emails and account numbers they
// look up instead (pgBatch).
const writeLock = migrationLock + 1

// beginPostgresWrite begins a write transaction holding writeLock.
func (s *Store) beginPostgresWrite(ctx context.Context) (*sql.Tx, error) {
	return s.beginLocked(ctx, writeLock)
}

// beginLocked begins a transaction that holds the advisory lock until it
// ends.
func (s *Store) beginLocked(ctx context.Context, lock int64) (*sql.Tx, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, lock); err != nil {
		rollback(tx)
		return nil, err
	}
	return tx, nil
}

// isPGUnique reports whether err is PostgreSQL's unique_violation.
func isPGUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// verbatim starts a statement that rebindConn passes on unchanged.
const verbatim = "/* verbatim */ "

// rebind turns SQLite's parameters into PostgreSQL's, numbered as SQLite
// numbers them: ?NNN is $NNN, and a plain ? is one more than the highest
// number so far. Question marks in string literals, quoted identifiers and
// comments are left alone.
func rebind(q string) string {
	if strings.HasPrefix(q, verbatim) || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				end = len(q) - i - 1
			}
			b.WriteString(q[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				k, _ := strconv.Atoi(q[i+1 : j])
				n = max(n, k)
				b.WriteString("$" + q[i+1:j])
				i = j - 1
			} else {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ErrDatabaseDown is the kind of error for a database that cannot be
// reached at the moment: PostgreSQL restarting, the network between, a
// connection an administrator ended. Such errors are crm.ErrUnavailable
// too: what failed did not happen, and can be tried again.
var ErrDatabaseDown = errors.New("the database cannot be reached")

// connectionLost reports whether err is PostgreSQL's connection failing,
// as opposed to a statement's own error.
func connectionLost(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08 is a connection exception; 57P01 to 57P03, the server
		// shutting down or not yet taking connections.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || pgconn.SafeToRetry(err)
}

// down wraps err, when the connection failed, as ErrDatabaseDown and
// crm.ErrUnavailable, keeping err for database/sql (which retries a
// statement that met driver.ErrBadConn on a fresh connection) and the log.
func down(err error) error {
	if err == nil || !connectionLost(err) {
		return err
	}
	return fmt.Errorf("%w (%w): %w", ErrDatabaseDown, err, crm.ErrUnavailable)
}

// rebindConnector hands out connections whose statements are rebound.
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, down(err)
	}
	return rebindConn{conn.(*stdlib.Conn)}, nil
}

// rebindConn is pgx's connection with every statement rebound and a lost
// connection's errors told as such (down); everything else is pgx's own.
type rebindConn struct{ *stdlib.Conn }

func (c rebindConn) Prepare(query string) (driver.Stmt, error) {
	st, err := c.Conn.Prepare(rebind(query))
	return st, down(err)
}

func (c rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.PrepareContext(ctx, rebind(query))
	return st, down(err)
}

func (c rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, rebind(query), args)
	return res, down(err)
}

func (c rebindConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, down(err)
	}
	return downTx{tx}, nil
}

// downTx tells a commit lost with its connection as such.
type downTx struct{ driver.Tx }

func (t downTx) Commit() error { return down(t.Tx.Commit()) }

// CheckNamedValue passes flags as 0 and 1, as the schema keeps them on
// both databases (SQLite's driver does so itself). PostgreSQL's text holds
// only valid UTF-8 without NUL, where SQLite stores any bytes: a string
// that is not (a rejected row's cell read from a broken file, say) is
// stored with U+FFFD in place of each bad byte, as JSON does.
func (c rebindConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case bool:
		nv.Value = int64(0)
		if v {
			nv.Value = int64(1)
		}
		return nil
	case string:
		nv.Value = validText(v)
	}
	return c.Conn.CheckNamedValue(nv)
}

// validText is s as PostgreSQL's text can hold it: valid UTF-8 without
// NUL, each bad byte and NUL replaced with U+FFFD.
func validText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func (c rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, rebind(query), args)
	return rows, down(err)
}
