package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"localcrm/internal/crm"
	"localcrm/internal/store/pgtest"
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

// TestPostgresColumns: the columns an import's INSERT sends in the binary
// form columnPlan writes reach PostgreSQL as the arrays they are, every
// value whole, the empty text as such and noNumber where NULLIF makes it
// NULL; and other arrays still go through pgx's own codecs.
func TestPostgresColumns(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only")
	}
	ctx := t.Context()
	s := openFor(t, pgtest.NewDatabase(t))
	texts := textColumn{"", "Zoë", "a\tb,\"c\"{}", "日本語", "NULL"}
	numbers := int8Column{0, -1, 1 << 40, noNumber, -2147483648}
	var gotTexts []string
	var gotNumbers []*int64
	var others []string
	conn, err := s.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		q := fmt.Sprintf(`SELECT $1::text[], ARRAY(SELECT NULLIF(n, '%d'::bigint) FROM unnest($2::bigint[]) AS n), $3::text[]`, int64(noNumber))
		pc := dc.(rebindConn).Conn.Conn()
		for oid, v := range map[uint32]any{pgtype.TextArrayOID: texts, pgtype.Int8ArrayOID: numbers} {
			if _, ok := pc.TypeMap().PlanEncode(oid, pgtype.BinaryFormatCode, v).(columnPlan); !ok {
				t.Errorf("a %T is not encoded by columnPlan", v)
			}
		}
		return pc.QueryRow(ctx, q, texts, numbers, []string{"pgx", "own"}).Scan(&gotTexts, &gotNumbers, &others)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotTexts, texts) {
		t.Errorf("text column came back %q, want %q", gotTexts, texts)
	}
	var want []*int64
	for _, n := range numbers {
		if n == noNumber {
			want = append(want, nil)
		} else {
			want = append(want, &n)
		}
	}
	if !slices.EqualFunc(gotNumbers, want, func(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }) {
		t.Errorf("bigint column came back %v, want %v", gotNumbers, want)
	}
	if !slices.Equal(others, []string{"pgx", "own"}) {
		t.Errorf("a []string came back %q", others)
	}
}

// TestSupportedPostgres: a server older than PostgreSQL 14 is refused,
// naming its version and the one needed; 14 and later are taken.
func TestSupportedPostgres(t *testing.T) {
	for _, tt := range []struct {
		num     int
		version string
		ok      bool
	}{
		{130011, "13.11", false},
		{140000, "14.0", true},
		{150018, "15.18 (Debian 15.18-0+deb12u1)", true},
		{180001, "18.1", true},
	} {
		err := supportedPostgres(tt.num, tt.version)
		if tt.ok && err != nil {
			t.Errorf("PostgreSQL %s refused: %v", tt.version, err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "PostgreSQL "+tt.version+"; localcrm needs PostgreSQL 14 or later")) {
			t.Errorf("PostgreSQL %s = %v, want it refused, naming both versions", tt.version, err)
		}
	}
}
