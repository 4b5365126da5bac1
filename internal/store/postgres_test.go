package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"localcrm/internal/crm"
)

// TestRebind: SQLite's parameters become PostgreSQL's, numbered as SQLite
// numbers them, and question marks that are not parameters stay.
func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE a = ? AND b = ?`, `WHERE a = $1 AND b = $2`},
		{`SELECT ?1, ?1, ?2, ?2, ?, ?`, `SELECT $1, $1, $2, $2, $3, $4`},
		{`WHERE a = ?3 OR b = ?`, `WHERE a = $3 OR b = $4`},
		{`WHERE a = '?' AND b = ?`, `WHERE a = '?' AND b = $1`},
		{`WHERE "odd?" = ? -- why?` + "\n" + `AND c = ?`, `WHERE "odd?" = $1 -- why?` + "\n" + `AND c = $2`},
		{verbatim + `SELECT '?' || ?`, verbatim + `SELECT '?' || ?`},
	} {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDown: a connection that failed is told as the database being
// unreachable, a fault of the moment, keeping the driver's error for
// database/sql's retry; a statement's own error, or a cancelled request,
// is not.
func TestDown(t *testing.T) {
	for _, tt := range []struct {
		err  error
		down bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown: pg_terminate_backend, a restart
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{fmt.Errorf("begin: %w", driver.ErrBadConn), true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "57014"}, false}, // query_canceled: a statement timeout
		{context.Canceled, false},
	} {
		got := down(tt.err)
		if is := errors.Is(got, ErrDatabaseDown) && errors.Is(got, crm.ErrUnavailable); is != tt.down {
			t.Errorf("down(%v) = %v: unreachable %v, want %v", tt.err, got, is, tt.down)
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("down(%v) = %v, which no longer wraps the driver's error", tt.err, got)
		}
	}
	if down(nil) != nil {
		t.Error("down(nil) is not nil")
	}
}
