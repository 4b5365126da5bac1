package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
	"localcrm/internal/store"
	"localcrm/internal/store/pgtest"
)

// openTestStore opens a new, empty database; it is closed when the test
// ends. It is a SQLite file in a temporary directory, or, when the tests
// run on PostgreSQL (LOCALCRM_TEST_BACKEND=postgres), a new database in
// the cluster at LOCALCRM_TEST_POSTGRES, dropped when the test ends. The
// test command runs this package's tests once on each.
func openTestStore(t *testing.T) *store.Store {
	t.Helper()
	if onPostgres() {
		return openStoreAt(t, pgtest.NewDatabase(t))
	}
	return openStoreAt(t, filepath.Join(t.TempDir(), "localcrm.db"))
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

// openStoreAt opens the database file at path, as a process starting would;
// it is closed when the test ends, if the test has not closed it already.
func openStoreAt(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// reopen closes st and opens its file again, as a restart of the process
// would.
func reopen(t *testing.T, st *store.Store) *store.Store {
	t.Helper()
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openStoreAt(t, st.Path())
}

// customer builds a customer from key, value pairs.
func customer(kv ...string) *crm.Customer {
	c := &crm.Customer{}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

// mustCreate saves c and returns its account number.
func mustCreate(t *testing.T, st *store.Store, c *crm.Customer) int64 {
	t.Helper()
	if err := st.CreateCustomer(t.Context(), c); err != nil {
		t.Fatalf("CreateCustomer(%v): %v", c.Values, err)
	}
	return c.AccountNumber
}

func mustCreateField(t *testing.T, st *store.Store, f crm.Field) {
	t.Helper()
	if err := st.CreateField(t.Context(), &f); err != nil {
		t.Fatalf("CreateField(%s): %v", f.Key, err)
	}
}

func TestAccountNumbersStartAt10000000AndAreNeverReused(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	for i, name := range []string{"Ann", "Bob", "Cleo"} {
		got := mustCreate(t, st, customer("first_name", name, "last_name", "Lee"))
		if want := int64(crm.AccountNumberStart + i); got != want {
			t.Errorf("account number of customer %d = %d, want %d", i+1, got, want)
		}
	}
	// Deleting the newest customer must not free its number, not even
	// after a restart (SQLite reuses the largest rowid without
	// AUTOINCREMENT).
	if err := st.DeleteCustomer(ctx, 10000002); err != nil {
		t.Fatal(err)
	}
	st = reopen(t, st)
	if got := mustCreate(t, st, customer("first_name", "Dan", "last_name", "Lee")); got != 10000003 {
		t.Errorf("account number after deleting the newest and reopening = %d, want 10000003", got)
	}
	if _, err := st.GetCustomer(ctx, 10000002); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("GetCustomer(deleted 10000002) error = %v, want ErrNotFound", err)
	}
}

func TestEmailIsUniqueIgnoringCase(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	ann := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "email", "ann.lee@example.com"))
	bob := mustCreate(t, st, customer("first_name", "Bob", "last_name", "Stone", "email", "bob@example.com"))

	err := st.CreateCustomer(ctx, customer("first_name", "Annie", "last_name", "Lee", "email", "Ann.Lee@EXAMPLE.com"))
	var ce *crm.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("CreateCustomer with the same email in other case: error = %v, want a *crm.ConflictError", err)
	}
	if !errors.Is(err, crm.ErrConflict) {
		t.Errorf("errors.Is(%v, ErrConflict) = false", err)
	}
	if ce.Account != ann || ce.Field != crm.KeyEmail || ce.Value != "Ann.Lee@EXAMPLE.com" {
		t.Errorf("ConflictError = %+v, want account %d, field email, value Ann.Lee@EXAMPLE.com", *ce, ann)
	}
	if n, err := st.CountCustomers(ctx); err != nil || n != 2 {
		t.Errorf("CountCustomers = %d, %v; want 2: the refused customer must not be saved", n, err)
	}

	// Taking another customer's email by an edit is refused the same way.
	_, err = st.UpdateCustomer(ctx, bob, func(c *crm.Customer) error {
		c.Set(crm.KeyEmail, "ANN.LEE@example.com")
		return nil
	})
	if !errors.As(err, &ce) || ce.Account != ann {
		t.Errorf("UpdateCustomer to another's email: error = %v, want a *crm.ConflictError naming %d", err, ann)
	}
	// A customer may change the case of its own address.
	c, err := st.UpdateCustomer(ctx, ann, func(c *crm.Customer) error {
		c.Set(crm.KeyEmail, "Ann.Lee@Example.com")
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateCustomer of its own email's case: %v", err)
	}
	if got := c.Get(crm.KeyEmail); got != "Ann.Lee@Example.com" {
		t.Errorf("email = %q, want the new spelling", got)
	}
	// Customers without an email do not conflict with one another.
	mustCreate(t, st, customer("first_name", "No", "last_name", "Mail"))
	mustCreate(t, st, customer("first_name", "Also", "last_name", "None"))
}

// TestConcurrentCreatesKeepEmailUnique races creates of one address from
// two Store values on the same file, as two processes would.
func TestConcurrentCreatesKeepEmailUnique(t *testing.T) {
	a := openTestStore(t)
	b := openStoreAt(t, a.Path())
	emails := []string{"race@example.com", "RACE@example.com", "Race@Example.com", "race@EXAMPLE.COM"}
	errs := make(chan error, 2*len(emails))
	for _, st := range []*store.Store{a, b} {
		for _, e := range emails {
			go func() {
				errs <- st.CreateCustomer(context.Background(), customer("first_name", "R", "last_name", "Ace", "email", e))
			}()
		}
	}
	created := 0
	for range 2 * len(emails) {
		err := <-errs
		switch {
		case err == nil:
			created++
		case !errors.Is(err, crm.ErrConflict):
			t.Errorf("CreateCustomer: error = %v, want nil or ErrConflict", err)
		}
	}
	if created != 1 {
		t.Errorf("%d customers created with one address, want 1", created)
	}
}

func TestCustomFieldsAndCustomerTypesSurviveRestart(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}, Default: "silver"})
	mustCreateField(t, st, crm.Field{Key: "since", Type: crm.TypeDate, Required: true})
	mustCreateField(t, st, crm.Field{Key: "notes", Label: "Notes", Type: crm.TypeText, MaxLength: 1000})
	if err := st.UpdateField(ctx, &crm.Field{Key: crm.KeyCustomerType, Values: []string{"Default", "VIP", "Partner"}}); err != nil {
		t.Fatalf("UpdateField(customer_type): %v", err)
	}
	before, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []crm.Field{
		{Key: "tier", Label: "Tier", Type: crm.TypePicklist, MaxLength: crm.MaxPicklistLen, Values: []string{"Gold", "Silver"}, Default: "Silver"},
		{Key: "since", Label: "since", Type: crm.TypeDate, MaxLength: 10, Required: true, Values: []string{}},
		{Key: "notes", Label: "Notes", Type: crm.TypeText, MaxLength: 1000, Values: []string{}},
	}
	if got := before.Custom(); !reflect.DeepEqual(got, want) {
		t.Errorf("custom fields =\n%+v\nwant\n%+v", got, want)
	}

	st = reopen(t, st)
	after, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after.Fields, before.Fields) {
		t.Errorf("schema after restart =\n%+v\nwant\n%+v", after.Fields, before.Fields)
	}
	ct, _ := after.Field(crm.KeyCustomerType)
	if want := []string{"Default", "VIP", "Partner"}; !reflect.DeepEqual(ct.Values, want) {
		t.Errorf("customer types after restart = %q, want %q", ct.Values, want)
	}
	// And they are in force: a VIP customer with the custom defaults.
	c := customer("first_name", "Ann", "last_name", "Lee", "customer_type", "vip", "since", "1/2/2023")
	mustCreate(t, st, c)
	got, err := st.GetCustomer(ctx, c.AccountNumber)
	if err != nil {
		t.Fatal(err)
	}
	wantValues := map[string]string{"first_name": "Ann", "last_name": "Lee", "customer_type": "VIP", "since": "2023-01-02", "tier": "Silver"}
	if !reflect.DeepEqual(got.Values, wantValues) {
		t.Errorf("customer values = %v, want %v", got.Values, wantValues)
	}
}

func TestCustomerTypesEdit(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	// Without "Default" the first type becomes the default.
	if err := st.UpdateField(ctx, &crm.Field{Key: crm.KeyCustomerType, Values: []string{"Retail", "Wholesale"}}); err != nil {
		t.Fatal(err)
	}
	c := customer("first_name", "Ann", "last_name", "Lee")
	mustCreate(t, st, c)
	if got := c.Get(crm.KeyCustomerType); got != "Retail" {
		t.Errorf("customer type = %q, want the first type, Retail", got)
	}
	for _, values := range [][]string{nil, {"A", "a"}} {
		if err := st.UpdateField(ctx, &crm.Field{Key: crm.KeyCustomerType, Values: values}); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("UpdateField(customer_type, %q) error = %v, want ErrInvalid", values, err)
		}
	}
}

func TestFieldTypeCannotChange(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "tier", Type: crm.TypePicklist, Values: []string{"Gold"}})
	err := st.UpdateField(ctx, &crm.Field{Key: "tier", Type: crm.TypeText})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("UpdateField changing the type: error = %v, want ErrInvalid", err)
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := sc.Field("tier"); f.Type != crm.TypePicklist || !reflect.DeepEqual(f.Values, []string{"Gold"}) {
		t.Errorf("field after refused change = %+v, want it unchanged", f)
	}
	// What may change does.
	if err := st.UpdateField(ctx, &crm.Field{Key: "tier", Label: "Loyalty Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}, Required: true}); err != nil {
		t.Fatalf("UpdateField: %v", err)
	}
	sc, _ = st.Schema(ctx)
	if f, _ := sc.Field("tier"); f.Label != "Loyalty Tier" || !f.Required || len(f.Values) != 2 {
		t.Errorf("field after change = %+v", f)
	}
	if err := st.UpdateField(ctx, &crm.Field{Key: "first_name", Label: "Given Name"}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("UpdateField(first_name) error = %v, want ErrInvalid", err)
	}
	if err := st.UpdateField(ctx, &crm.Field{Key: "nope", Type: crm.TypeText}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("UpdateField(nope) error = %v, want ErrNotFound", err)
	}
}

func TestCreateFieldRefusesDuplicatesAndBadDefinitions(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "tier", Type: crm.TypeText})
	if err := st.CreateField(ctx, &crm.Field{Key: "tier", Type: crm.TypeDate}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("CreateField(tier again) error = %v, want ErrConflict", err)
	}
	for _, f := range []crm.Field{
		{Key: "email", Type: crm.TypeText},
		{Key: "Bad-Name", Type: crm.TypeText},
		{Key: "size", Type: "colour"},
		{Key: "kind", Type: crm.TypePicklist},
	} {
		if err := st.CreateField(ctx, &f); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("CreateField(%+v) error = %v, want ErrInvalid", f, err)
		}
	}
	sc, _ := st.Schema(ctx)
	if n := len(sc.Custom()); n != 1 {
		t.Errorf("%d custom fields, want 1: refused fields must not be saved", n)
	}
}

func TestDeleteFieldRemovesItsValues(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}})
	mustCreateField(t, st, crm.Field{Key: "vip", Type: crm.TypeCheckbox})
	ann := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "tier", "gold", "vip", "yes"))
	bob := mustCreate(t, st, customer("first_name", "Bob", "last_name", "Lee", "tier", "Silver"))

	if err := st.DeleteField(ctx, "tier"); err != nil {
		t.Fatalf("DeleteField: %v", err)
	}
	for account, want := range map[int64]map[string]string{
		ann: {"first_name": "Ann", "last_name": "Lee", "customer_type": "Default", "vip": "true"},
		bob: {"first_name": "Bob", "last_name": "Lee", "customer_type": "Default"},
	} {
		c, err := st.GetCustomer(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Values, want) {
			t.Errorf("customer %d after deleting tier = %v, want %v", account, c.Values, want)
		}
	}
	// A new field of the same name starts empty: the old values are gone
	// from the database, not just hidden.
	mustCreateField(t, st, crm.Field{Key: "tier", Type: crm.TypeText})
	if c, _ := st.GetCustomer(ctx, ann); c.Get("tier") != "" {
		t.Errorf("re-created field tier has the old value %q", c.Get("tier"))
	}

	if err := st.DeleteField(ctx, "nope"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("DeleteField(nope) error = %v, want ErrNotFound", err)
	}
	if err := st.DeleteField(ctx, "email"); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("DeleteField(email) error = %v, want ErrInvalid", err)
	}
}

// TestEmailIsUniqueWhateverTheAccentsEncoding: "é" written as one code
// point or as "e" and a combining accent is one address.
func TestEmailIsUniqueWhateverTheAccentsEncoding(t *testing.T) {
	st := openTestStore(t)
	mustCreate(t, st, customer("first_name", "José", "last_name", "Ruiz", "email", "jos\u00e9@example.com"))
	err := st.CreateCustomer(context.Background(), customer("first_name", "Jose", "last_name", "Other", "email", "JOSE\u0301@example.com"))
	var conflict *crm.ConflictError
	if !errors.As(err, &conflict) {
		t.Errorf("the decomposed JOSÉ beside a composed josé: %v, want a conflict", err)
	}
	if got := store.EmailKey("Jose\u0301@Example.COM"); got != "jos\u00e9@example.com" {
		t.Errorf("EmailKey = %q", got)
	}
}

// TestOddPaths: a database whose path holds "#", "?", "%" or a space is
// that file, not another one its name was cut down to.
func TestOddPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c %41 d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "crm#1?.db")
	st := openStoreAt(t, path)
	mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee"))
	st = reopen(t, st)
	if n, err := st.CountCustomers(context.Background()); err != nil || n != 1 {
		t.Fatalf("after reopening %s: %d customers, %v", path, n, err)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil || len(entries) != 1 {
		t.Errorf("files beside the database's folder: %v, %v; want only the folder", entries, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("the database file %s: %v, %v", path, fi, err)
	}
}

// TestOpenWhileLocked: opening an up-to-date database takes no write lock,
// so the command line can read while another process holds the lock for
// an import's batch.
func TestOpenWhileLocked(t *testing.T) {
	needSQLite(t, "a write lock on the file")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locked.db")
	st := openStoreAt(t, path)
	mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee"))
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)

	other, err := store.OpenOptions(ctx, path, store.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("open while another process holds the write lock: %v", err)
	}
	defer other.Close()
	if n, err := other.CountCustomers(ctx); err != nil || n != 1 {
		t.Errorf("read while locked: %d, %v", n, err)
	}
}

// TestPostgresServersMigrateOnce: servers that start at once on one new
// PostgreSQL database migrate it once between them, the others waiting for
// the migration and finding it done (issue 10, item 1).
func TestPostgresServersMigrateOnce(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: SQLite has one writer, whose lock orders migrations")
	}
	dsn := pgtest.NewDatabase(t)
	stores := make(chan *store.Store, 4)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := store.Open(context.Background(), dsn)
			errs <- err
			stores <- st
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("Open while others open: %v", err)
		}
		if st := <-stores; st != nil {
			st.Close()
		}
	}
	st := openStoreAt(t, dsn)
	var versions, applied int
	if err := st.DB().QueryRow(`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&versions, &applied); err != nil {
		t.Fatal(err)
	}
	if versions == 0 || versions != applied {
		t.Errorf("schema_migrations has %d rows for %d versions, want each version once", versions, applied)
	}
	mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee"))
}

// TestNewerDatabaseRefused: a database that a newer localcrm migrated is
// refused, naming the migration this one does not know. Migrations are
// forward-only: an older server that opened it could misread what it
// holds, or write rows the newer one cannot read.
func TestNewerDatabaseRefused(t *testing.T) {
	st := openTestStore(t)
	mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee"))
	if _, err := st.DB().Exec(`INSERT INTO schema_migrations (version) VALUES ('9999_from_a_newer_version.sql')`); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	newer, err := store.Open(t.Context(), st.Path())
	if err == nil {
		newer.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "migrated by a newer localcrm (9999_from_a_newer_version.sql") {
		t.Errorf("Open of a database a newer localcrm migrated = %v, want it refused, naming the migration", err)
	}
}

// TestOpenPostgresUnreachable: a PostgreSQL that cannot be reached is said
// so, with what to check, as crm.ErrUnavailable.
func TestOpenPostgresUnreachable(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://localcrm@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, crm.ErrUnavailable) || !strings.Contains(err.Error(), "PostgreSQL cannot be reached") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("Open of a PostgreSQL that is not there = %v, want ErrUnavailable saying so", err)
	}
}

// TestOpenPostgresRefused: when PostgreSQL answers but refuses the URL (a
// database that does not exist, a role it does not let in, a role that may
// not create localcrm's tables), Open says what to change, as bad input:
// waiting would not help.
func TestOpenPostgresRefused(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only")
	}
	admin, err := sql.Open("pgx", os.Getenv("LOCALCRM_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := func(name, options string) {
		if _, err := admin.Exec(`CREATE ROLE ` + name + ` ` + options); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec(`DROP ROLE ` + name) })
	}
	suffix := fmt.Sprintf("_%d", os.Getpid())
	role("locked"+suffix, "NOLOGIN")
	role("guest"+suffix, "LOGIN")
	dsn, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	with := func(user, database string) string {
		u := *dsn
		u.User = url.User(user)
		if database != "" {
			u.Path = "/" + database
		}
		return u.String()
	}
	for _, tt := range []struct{ dsn, want string }{
		{with(dsn.User.Username(), "no_such_database"), `has no database "no_such_database": create it (createdb --owner`},
		{with("locked"+suffix, ""), `does not let role "locked` + suffix + `" in (role "locked` + suffix + `" is not permitted to log in)`},
		{with("guest"+suffix, ""), `Role "guest` + suffix + `" may not create localcrm's tables in database`},
	} {
		st, err := store.Open(t.Context(), tt.dsn)
		if err == nil {
			st.Close()
		}
		if !errors.Is(err, crm.ErrInvalid) || errors.Is(err, crm.ErrUnavailable) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%s) = %v, want ErrInvalid saying %q", tt.dsn, err, tt.want)
		}
	}
}

// TestPostgresSettings: the pool's size and the statement timeout come from
// the URL, with defaults; a bad value is refused, saying what to give.
func TestPostgresSettings(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only")
	}
	dsn := pgtest.NewDatabase(t)
	st := openStoreAt(t, dsn)
	var timeout string
	if err := st.DB().QueryRow(`SHOW statement_timeout`).Scan(&timeout); err != nil || timeout != "1min" {
		t.Errorf("statement_timeout = %q, %v; want the default, 1min", timeout, err)
	}
	if n := st.DB().Stats().MaxOpenConnections; n != 10 {
		t.Errorf("pool of %d connections, want 10", n)
	}
	st = openStoreAt(t, dsn+"&pool_max_conns=3&statement_timeout=5s")
	if err := st.DB().QueryRow(`SHOW statement_timeout`).Scan(&timeout); err != nil || timeout != "5s" {
		t.Errorf("statement_timeout = %q, %v; want 5s", timeout, err)
	}
	if n := st.DB().Stats().MaxOpenConnections; n != 3 {
		t.Errorf("pool of %d connections, want 3", n)
	}
	if _, err := store.Open(context.Background(), dsn+"&pool_max_conns=none"); !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "pool_max_conns=none") {
		t.Errorf("Open with pool_max_conns=none = %v, want it refused", err)
	}
}
