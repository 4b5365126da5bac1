package importer

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"localcrm/internal/crm"
	"localcrm/internal/store"
	"localcrm/internal/store/pgtest"
)

// env is one customer file: a real database and an Importer over it, with
// its files in a temporary folder. The database is a SQLite file there, or,
// when the tests run on PostgreSQL (LOCALCRM_TEST_BACKEND=postgres), a new
// database in the test command's cluster.
type env struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	im  *Importer
	db  string // the SQLite file, or the PostgreSQL database's URL
}

// onPostgres reports whether the tests run on PostgreSQL.
func onPostgres() bool { return os.Getenv("LOCALCRM_TEST_BACKEND") == "postgres" }

// needSQLite skips a test that runs on SQLite only, saying why.
func needSQLite(t *testing.T, why string) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only: " + why)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	ctx := t.Context()
	db := filepath.Join(dir, "crm.db")
	if onPostgres() {
		db = pgtest.NewDatabase(t)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return &env{t: t, ctx: ctx, st: st, im: New(st, dir), db: db}
}

// field adds a custom field.
func (e *env) field(f crm.Field) {
	e.t.Helper()
	if err := e.st.CreateField(e.ctx, &f); err != nil {
		e.t.Fatalf("create field %s: %v", f.Key, err)
	}
}

// customer creates a customer outside any import and returns its account
// number.
func (e *env) customer(values map[string]string) int64 {
	e.t.Helper()
	c := &crm.Customer{Values: values}
	if err := e.st.CreateCustomer(e.ctx, c); err != nil {
		e.t.Fatalf("create customer %v: %v", values, err)
	}
	return c.AccountNumber
}

// create uploads body as a new pending import.
func (e *env) create(name string, body []byte) *Preview {
	e.t.Helper()
	p, err := e.im.Create(e.ctx, Upload{Name: name, Body: bytes.NewReader(body), CreatedBy: "test"})
	if err != nil {
		e.t.Fatalf("create import of %s: %v", name, err)
	}
	return p
}

// prepare uploads body and configures it with o; a nil mapping means the
// automatic one.
func (e *env) prepare(name string, body []byte, o crm.ImportOptions) *crm.Import {
	e.t.Helper()
	p := e.create(name, body)
	if o.Mapping == nil {
		o.Mapping = p.Suggestion.Mapping
	}
	imp, err := e.im.Configure(e.ctx, p.Import.ID, o)
	if err != nil {
		e.t.Fatalf("configure import of %s: %v", name, err)
	}
	return imp
}

// load imports body to the end and returns the finished job.
func (e *env) load(name string, body []byte, o crm.ImportOptions) *crm.Import {
	e.t.Helper()
	imp := e.prepare(name, body, o)
	imp, err := e.im.Start(e.ctx, imp.ID, nil)
	if err != nil {
		e.t.Fatalf("import %s: %v", name, err)
	}
	return imp
}

// loadString is load for a file written in the test.
func (e *env) loadString(body string, o crm.ImportOptions) *crm.Import {
	e.t.Helper()
	return e.load("test.csv", []byte(body), o)
}

// errors returns every error of an import, as the report shows them.
func (e *env) errors(imp *crm.Import) []crm.RowError {
	e.t.Helper()
	s, err := e.im.Summarize(e.ctx, imp, -1)
	if err != nil {
		e.t.Fatalf("summarize import %d: %v", imp.ID, err)
	}
	return s.Errors
}

// report returns the rows of an import's CSV report, header first.
func (e *env) report(id int64) [][]string {
	e.t.Helper()
	var b bytes.Buffer
	if err := e.im.WriteReport(e.ctx, id, &b); err != nil {
		e.t.Fatalf("write report of import %d: %v", id, err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		e.t.Fatalf("report of import %d is not CSV: %v\n%s", id, err, b.String())
	}
	return rows
}

// rejected returns the report's rejected rows as line → message.
func (e *env) rejected(id int64) map[string]string {
	e.t.Helper()
	m := map[string]string{}
	for _, row := range e.report(id)[1:] {
		if row[1] == "rejected" {
			m[row[0]] = row[3]
		}
	}
	return m
}

// customers returns every customer, in account number order.
func (e *env) customers() []*crm.Customer {
	e.t.Helper()
	var cs []*crm.Customer
	err := e.st.EachCustomer(e.ctx, func(c *crm.Customer) error {
		cs = append(cs, c)
		return nil
	})
	if err != nil {
		e.t.Fatalf("export customers: %v", err)
	}
	return cs
}

// count returns how many customers there are.
func (e *env) count() int {
	e.t.Helper()
	n, err := e.st.CountCustomers(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// byEmail returns the customer with the email (compared ignoring case), or
// nil.
func (e *env) byEmail(email string) *crm.Customer {
	e.t.Helper()
	for _, c := range e.customers() {
		if strings.EqualFold(c.Get(crm.KeyEmail), email) {
			return c
		}
	}
	return nil
}

// mustEmail is byEmail for a customer that must exist.
func (e *env) mustEmail(email string) *crm.Customer {
	e.t.Helper()
	c := e.byEmail(email)
	if c == nil {
		e.t.Fatalf("no customer has the email %s", email)
	}
	return c
}

// sql opens the database directly, for tables the store does not read
// back (import_changes) and for breaking it on purpose. Its statements
// number their parameters ($1), which both databases take.
func (e *env) sql() *sql.DB {
	e.t.Helper()
	driver, dsn := "sqlite", "file:"+e.db+"?_pragma=busy_timeout(10000)"
	if onPostgres() {
		driver, dsn = "pgx", e.db
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

// exec runs a statement on the database file directly.
func (e *env) exec(query string) {
	e.t.Helper()
	if _, err := e.sql().ExecContext(context.Background(), query); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

// hasSource reports whether import id's uploaded file is kept.
func (e *env) hasSource(id int64) bool {
	e.t.Helper()
	rc, err := e.im.sources.Open(e.ctx, id)
	if err != nil {
		return false
	}
	rc.Close()
	return true
}

// loseSource removes import id's uploaded file behind the importer's back,
// as a mistaken administrator or a broken disk would.
func (e *env) loseSource(id int64) {
	e.t.Helper()
	if onPostgres() {
		e.exec(fmt.Sprintf(`DELETE FROM import_sources WHERE import_id = %d`, id))
		return
	}
	if err := os.Remove(diskSources{e.im.dir}.path(id)); err != nil {
		e.t.Fatal(err)
	}
}

// refuseInserts makes the database refuse, with message, every row
// inserted into table for which when (SQL over NEW, or "true") holds, as a
// failing disk would; allowInserts takes that back.
func (e *env) refuseInserts(table, when, message string) {
	e.t.Helper()
	if onPostgres() {
		e.exec(fmt.Sprintf(`CREATE FUNCTION refuse_%[1]s() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF %[2]s THEN RAISE EXCEPTION '%[3]s'; END IF; RETURN NEW; END $$`, table, when, message))
		e.exec(fmt.Sprintf(`CREATE TRIGGER refuse_%[1]s BEFORE INSERT ON %[1]s FOR EACH ROW EXECUTE FUNCTION refuse_%[1]s()`, table))
		return
	}
	e.exec(fmt.Sprintf(`CREATE TRIGGER refuse_%[1]s BEFORE INSERT ON %[1]s WHEN %[2]s BEGIN SELECT RAISE(ABORT, '%[3]s'); END`, table, when, message))
}

func (e *env) allowInserts(table string) {
	e.t.Helper()
	if onPostgres() {
		e.exec(fmt.Sprintf(`DROP FUNCTION refuse_%s CASCADE`, table))
		return
	}
	e.exec(fmt.Sprintf(`DROP TRIGGER refuse_%s`, table))
}

// wantCounts compares an import's counts; its changes per field only when
// want has some (the tests of update rules check them).
func wantCounts(t *testing.T, imp *crm.Import, want crm.ImportCounts) {
	t.Helper()
	got := imp.Counts
	if want.Changes == nil {
		got.Changes = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("import %d counts = %+v, want %+v", imp.ID, imp.Counts, want)
	}
}

// wantErrors compares an import's errors with want, in order.
func wantErrors(t *testing.T, got, want []crm.RowError) {
	t.Helper()
	// A want without rows is about the rest: its rows are the lines'
	// (rowsOf checks them where they differ).
	got = slices.Clone(got)
	for i := range got {
		if i < len(want) && want[i].Row == 0 && got[i].Row == got[i].Line {
			got[i].Row = 0
		}
	}
	if reflect.DeepEqual(got, want) {
		return
	}
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = fmt.Sprintf("%+v", got[i])
		}
		if i < len(want) {
			w = fmt.Sprintf("%+v", want[i])
		}
		mark := "  "
		if g != w {
			mark = "! "
		}
		fmt.Fprintf(&b, "%s got  %s\n%s want %s\n", mark, g, mark, w)
	}
	t.Errorf("errors differ:\n%s", b.String())
}

// testdata reads a file of the repository's testdata folder.
func testdata(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// people writes a CSV file of n valid people, numbered from 1:
// first_name,last_name,email.
func people(n int) []byte {
	var b bytes.Buffer
	b.WriteString("first_name,last_name,email\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "First%d,Last%d,person%d@example.com\n", i, i, i)
	}
	return b.Bytes()
}

// schema returns the store's schema.
func (e *env) schema() *crm.Schema {
	e.t.Helper()
	sc, err := e.st.Schema(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return sc
}

func itoa(n int) string { return strconv.Itoa(n) }

// utf16LE encodes s as UTF-16LE (a leading U+FEFF becomes the BOM).
func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// rowErr builds an expected error.
// rowAt is e on the spreadsheet's row row.
func rowAt(e crm.RowError, row int) crm.RowError {
	e.Row = row
	return e
}

func rowErr(line int, field, value, message string) crm.RowError {
	return crm.RowError{Line: line, Field: field, Value: value, Message: message}
}
