package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// TestOldDatabaseMigrates opens a database made before 0002_email_hash.sql,
// with a customer and a finished import in it. 0002 must give the customer
// its email's hash, so that its email is still found and stays unique; 0003
// must give the import its running time, the span it had; 0007 must index
// the customers for search.
func TestOldDatabaseMigrates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	init, err := migrations.ReadFile("migrations/sqlite/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)`,
		string(init),
		`INSERT INTO schema_migrations (version) VALUES ('0001_init.sql')`,
		`INSERT INTO customers (first_name, last_name, email, email_key, created_at, updated_at)
		 VALUES ('Ann', 'Lee', 'Ann@Example.com', 'ann@example.com', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
		// Keyed before 0005, in its decomposed form.
		`INSERT INTO customers (first_name, last_name, email, email_key, created_at, updated_at)
		 VALUES ('José', 'Ruiz', 'Jose` + "\u0301" + `@Example.com', 'jose` + "\u0301" + `@example.com', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
		// 0011 must give an old customer's number its international form and
		// index it for search.
		`INSERT INTO customers (first_name, last_name, voice, created_at, updated_at)
		 VALUES ('Cy', 'Ödegaard', '+44 20 7946 0958', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
		`INSERT INTO imports (status, file_name, file_size, encoding, delimiter, header_line, columns, options, created_at, started_at, finished_at)
		 VALUES ('completed', 'a.csv', 1, 'utf-8', 'comma', 1, '[]', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', '2026-01-01T00:01:03.250Z')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("make the old database: %v", err)
		}
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open the old database: %v", err)
	}
	defer st.Close()
	// 0005 composes the key of an email with a decomposed accent, so that
	// the same address with a composed accent is taken.
	jose := &crm.Customer{}
	jose.Set("first_name", "Other")
	jose.Set("last_name", "José")
	jose.Set("email", "JOSÉ@example.com")
	var conflict *crm.ConflictError
	if err := st.CreateCustomer(ctx, jose); !errors.As(err, &conflict) {
		t.Errorf("a composed JOSÉ@example.com beside a decomposed one from before 0005: %v, want a conflict", err)
	}
	if cs, n, err := st.ListCustomers(ctx, CustomerFilter{Search: "ann lee"}); err != nil || n != 1 || cs[0].Get("email") != "Ann@Example.com" {
		t.Errorf("search for an old customer after the migration: %d found, %v", n, err)
	}
	if cs, n, err := st.ListCustomers(ctx, CustomerFilter{Search: "odegaard 020 7946 0958"}); err != nil || n != 1 {
		t.Errorf("search for an old customer by name and number after the migration: %d found, %v", n, err)
	} else if e, ok := cs[0].PhoneForm("voice"); !ok || e != "+442079460958" {
		t.Errorf("the old customer's number after the migration: %q, %v", e, ok)
	}
	if l, err := st.LookupPhone(ctx, "+442079460958"); err != nil || len(l.Customers) != 1 {
		t.Errorf("lookup of the old customer's number: %v, %v", l.Customers, err)
	}
	var hash sql.NullInt64
	if err := st.read.QueryRowContext(ctx, `SELECT email_hash FROM customers WHERE first_name = 'Ann'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if want := emailHash("ann@example.com"); !hash.Valid || hash.Int64 != want {
		t.Fatalf("email_hash after the migration = %v, want %d", hash, want)
	}
	imps, err := st.ListImports(ctx)
	if err != nil || len(imps) != 1 {
		t.Fatalf("imports after the migration: %v, %v", imps, err)
	}
	if want := 62250 * time.Millisecond; imps[0].RunTime != want {
		t.Errorf("the old import's running time = %v, want %v", imps[0].RunTime, want)
	}
	err = st.CreateCustomer(ctx, &crm.Customer{Values: map[string]string{"first_name": "Other", "last_name": "Person", "email": "ANN@example.COM"}})
	var ce *crm.ConflictError
	if !errors.As(err, &ce) || ce.Account != crm.AccountNumberStart {
		t.Fatalf("a second customer with the old customer's email: err = %v, want a conflict with %d", err, crm.AccountNumberStart)
	}
}

// TestEmailHashCollision stores two different emails with the same hash, as
// some pairs of customers will have: each is a customer of its own, found by
// its own email only.
func TestEmailHashCollision(t *testing.T) {
	const a, b = "customer96158@example.com", "customer2208012@example.com"
	if emailHash(a) != emailHash(b) {
		t.Fatalf("%s and %s no longer share a hash", a, b)
	}
	ctx := context.Background()
	st := openFor(t, filepath.Join(t.TempDir(), "crm.db"))
	accounts := map[string]int64{}
	for _, email := range []string{a, b} {
		c := &crm.Customer{Values: map[string]string{"first_name": "A", "last_name": "Customer", "email": email}}
		if err := st.CreateCustomer(ctx, c); err != nil {
			t.Fatalf("create the customer %s: %v", email, err)
		}
		accounts[email] = c.AccountNumber
	}
	byEmail, _, err := st.Existing(ctx, []string{b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{a, b} {
		if got := byEmail[email]; got == nil || got.Customer.AccountNumber != accounts[email] {
			t.Errorf("Existing(%s) files %v under %s, want customer %d", b, got, email, accounts[email])
		}
	}
	err = st.CreateCustomer(ctx, &crm.Customer{Values: map[string]string{"first_name": "B", "last_name": "Customer", "email": strings.ToUpper(b)}})
	var ce *crm.ConflictError
	if !errors.As(err, &ce) || ce.Account != accounts[b] {
		t.Fatalf("a second customer with %s: err = %v, want a conflict with %d", b, err, accounts[b])
	}
}
