package store_test

import (
	"fmt"
	"testing"

	"localcrm/internal/crm"
)

// TestBatchInsertNumbersEachCustomer inserts a batch that spans several
// INSERT statements, after a deleted customer left a gap, and checks that
// the account number each customer was given is the one it was stored
// under.
func TestBatchInsertNumbersEachCustomer(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	gone := mustCreate(t, st, customer("first_name", "Gone", "last_name", "Soon"))
	if err := st.DeleteCustomer(ctx, gone); err != nil {
		t.Fatal(err)
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	imp := &crm.Import{
		Status: crm.ImportRunning, FileName: "people.csv", Encoding: "utf-8", Delimiter: "comma", HeaderLine: 1,
		Options: crm.ImportOptions{BatchSize: 250, Mapping: map[string]string{"First": "first_name", "Last": "last_name", "Email": "email"}},
	}
	if err := st.CreateImport(ctx, imp); err != nil {
		t.Fatal(err)
	}
	cs := make([]*crm.Customer, 250)
	lines := make([]int, len(cs))
	for i := range cs {
		cs[i] = customer("first_name", "P", "last_name", fmt.Sprint(i), "email", fmt.Sprintf("p%d@example.com", i))
		lines[i] = i + 2
	}
	b, err := st.BeginBatch(ctx, imp, sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Insert(ctx, cs, lines); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if want := gone + 1 + int64(i); c.AccountNumber != want {
			t.Fatalf("customer %d got account number %d, want %d", i, c.AccountNumber, want)
		}
		got, err := st.GetCustomer(ctx, c.AccountNumber)
		if err != nil {
			t.Fatal(err)
		}
		if got.Get("email") != c.Get("email") {
			t.Fatalf("account %d holds %s, want %s", c.AccountNumber, got.Get("email"), c.Get("email"))
		}
	}
}
