package store_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

func TestCreateCustomerStoresNormalizedValues(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}})
	mustCreateField(t, st, crm.Field{Key: "since", Type: crm.TypeDate})
	mustCreateField(t, st, crm.Field{Key: "vip", Type: crm.TypeCheckbox})
	c := customer("first_name", "  Zoë ", "last_name", "Lee", "email", "zoe+crm@example.com",
		"since", "02/29/2024", "tier", "gold", "vip", "Y", "company", "")
	mustCreate(t, st, c)
	got, err := st.GetCustomer(ctx, c.AccountNumber)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"first_name": "Zoë", "last_name": "Lee", "email": "zoe+crm@example.com", "customer_type": "Default",
		"since": "2024-02-29", "tier": "Gold", "vip": "true",
	}
	if !reflect.DeepEqual(got.Values, want) {
		t.Errorf("stored values = %v, want %v", got.Values, want)
	}
	if got.CreatedAt.IsZero() || !got.CreatedAt.Equal(c.CreatedAt) || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Errorf("times: stored created %v updated %v, returned created %v", got.CreatedAt, got.UpdatedAt, c.CreatedAt)
	}
}

func TestCreateCustomerRefusesInvalid(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	for _, c := range []*crm.Customer{
		customer("first_name", "Ann"),
		customer("first_name", "Ann", "last_name", "Lee", "email", "not an email"),
		customer("first_name", "Ann", "last_name", "Lee", "nope", "x"),
		customer("first_name", "Ann", "last_name", "Lee", "account_number", "5"),
	} {
		if err := st.CreateCustomer(ctx, c); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("CreateCustomer(%v) error = %v, want ErrInvalid", c.Values, err)
		}
	}
	if n, _ := st.CountCustomers(ctx); n != 0 {
		t.Errorf("%d customers saved, want 0", n)
	}
}

func TestUpdateCustomer(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	account := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "company", "Acme", "voice", "555-0100"))

	c, err := st.UpdateCustomer(ctx, account, func(c *crm.Customer) error {
		c.Set("company", "")       // clears
		c.Set("voice", "555-0199") // changes
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateCustomer: %v", err)
	}
	got, _ := st.GetCustomer(ctx, account)
	want := map[string]string{"first_name": "Ann", "last_name": "Lee", "voice": "555-0199", "customer_type": "Default"}
	if !reflect.DeepEqual(got.Values, want) {
		t.Errorf("after update = %v, want %v", got.Values, want)
	}
	if !got.UpdatedAt.Equal(c.UpdatedAt) || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("updated_at = %v, returned %v, created %v", got.UpdatedAt, c.UpdatedAt, got.CreatedAt)
	}

	// An invalid change is refused as a whole.
	_, err = st.UpdateCustomer(ctx, account, func(c *crm.Customer) error {
		c.Set("first_name", "Annie")
		c.Set("last_name", "")
		return nil
	})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("clearing last name: error = %v, want ErrInvalid", err)
	}
	// So is one the change function refuses.
	stop := errors.New("stop")
	if _, err := st.UpdateCustomer(ctx, account, func(c *crm.Customer) error {
		c.Set("first_name", "Annie")
		return stop
	}); !errors.Is(err, stop) {
		t.Errorf("UpdateCustomer returned %v, want the change function's error", err)
	}
	if got, _ := st.GetCustomer(ctx, account); got.Get("first_name") != "Ann" {
		t.Errorf("first name = %q after refused changes, want Ann", got.Get("first_name"))
	}
}

func TestMissingCustomerIsNotFound(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	if _, err := st.GetCustomer(ctx, 10000000); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("GetCustomer error = %v, want ErrNotFound", err)
	}
	if _, err := st.UpdateCustomer(ctx, 10000000, func(*crm.Customer) error { return nil }); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("UpdateCustomer error = %v, want ErrNotFound", err)
	}
	if err := st.DeleteCustomer(ctx, 10000000); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("DeleteCustomer error = %v, want ErrNotFound", err)
	}
}

// accounts lists the account numbers of cs.
func accounts(cs []*crm.Customer) []int64 {
	var as []int64
	for _, c := range cs {
		as = append(as, c.AccountNumber)
	}
	return as
}

// A customer saved under rules that changed since (a picklist value removed,
// a field made required) can still be edited in its other fields; what an
// edit changes is judged by today's rules.
func TestUpdateCustomerSavedUnderOlderRules(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver", "Bronze"}})
	mustCreateField(t, st, crm.Field{Key: "region", Type: crm.TypeText})
	account := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "tier", "Bronze"))
	if err := st.UpdateField(ctx, &crm.Field{Key: "tier", Label: "Tier", MaxLength: 85, Values: []string{"Gold", "Silver"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateField(ctx, &crm.Field{Key: "region", Label: "Region", MaxLength: 255, Required: true}); err != nil {
		t.Fatal(err)
	}

	if _, err := st.UpdateCustomer(ctx, account, func(c *crm.Customer) error {
		c.Set("company", "Acme")
		return nil
	}); err != nil {
		t.Fatalf("editing another field: %v", err)
	}
	got, _ := st.GetCustomer(ctx, account)
	if got.Get("company") != "Acme" || got.Get("tier") != "Bronze" {
		t.Errorf("after the edit: company %q, tier %q; want Acme, Bronze kept", got.Get("company"), got.Get("tier"))
	}

	_, err := st.UpdateCustomer(ctx, account, func(c *crm.Customer) error {
		c.Set("tier", "Copper")
		return nil
	})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("changing tier to a value not in the list: error = %v, want ErrInvalid", err)
	}
}

func TestSearch(t *testing.T) {
	st := openTestStore(t)
	ann := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "email", "ann@acme.example", "company", "Acme Corp", "voice", "+1 555-0100"))
	bob := mustCreate(t, st, customer("first_name", "Bob", "last_name", "Stone", "email", "bob@globex.example", "company", "Globex", "fax", "020 7946 0000"))
	zoe := mustCreate(t, st, customer("first_name", "Zoë", "last_name", "Lee", "alternative", "555-0177", "company", "100% Pure_Juice"))
	jorg := mustCreate(t, st, customer("first_name", "Jörg", "last_name", "MÜLLER", "company", "Wild*Card? [Ltd]", "email", "joerg@müller.example"))
	olga := mustCreate(t, st, customer("first_name", "Ольга", "last_name", "Σωκράτους", "company", "Low K Labs")) // Kelvin sign

	tests := []struct {
		search string
		want   []int64
	}{
		{"", []int64{ann, bob, zoe, jorg, olga}},
		// Words: each must begin a word of the names or the company.
		{"ann", []int64{ann}},          // first name, any case
		{"LEE", []int64{ann, zoe}},     // last name
		{"Ann Lee", []int64{ann}},      // every word must match...
		{"lee ann", []int64{ann}},      // ...in any order
		{"ann nobody", nil},            // ...every one
		{"  ann lee ", []int64{ann}},   // trimmed
		{"Zoë", []int64{zoe}},          // non-ASCII
		{"ZOË", []int64{zoe}},          // non-ASCII, any case
		{"zoe", []int64{zoe}},          // accents ignored
		{"jörg müller", []int64{jorg}}, // full name, any case
		{"JORG MULLER", []int64{jorg}}, // accents ignored
		{"jö", []int64{jorg}},          // the beginning of a word
		{"rg", nil},                    // not its middle
		{"ОЛЬГА", []int64{olga}},       // Cyrillic
		{"ΣΩΚΡΆΤΟΥΣ", []int64{olga}},   // Greek, any case
		{"σωκράτουσ", []int64{olga}},   // ...final sigma folds with Σ
		{"low k", []int64{olga}},       // k's cases include the Kelvin sign
		{"acme corp", []int64{ann}},    // company
		{"pure juice", []int64{zoe}},   // punctuation separates words
		{"WILD*CARD", []int64{jorg}},   // * is not a wildcard...
		{"c?rd", nil},                  // ...nor is ?
		{"[card]", []int64{jorg}},      // [ and ] are not a class
		{"[ltd]", nil},                 // a company's legal form alone finds nothing: it is in most companies' names
		{"P_re", nil},                  // _ is not a wildcard
		{"acme OR globex", nil},        // the index's operators are words like any other
		{`ann" OR "bob`, nil},          // ...also after a quote
		{"NEAR(acme globex)", nil},     // ...
		{"-bob", []int64{bob}},         // ...
		{"first_name:ann", nil},        // ...column filters too
		{"% *", nil},                   // no word at all: nothing
		{"nobody", nil},
		// Emails are words too: their local parts and domains.
		{"@MÜLLER.", []int64{jorg}},
		{"bob@globex", []int64{bob}},
		{"joerg", []int64{jorg}},
		{"acme.example", []int64{ann}},
		{"example", []int64{ann, bob, jorg}},
		{"lee example", []int64{ann}},
		{"@", nil},
		{"@nowhere", nil},
		// Six digits or more, with the punctuation of phone numbers: the
		// numbers that end with them, however they were written.
		{"555-0100", []int64{ann}},      // voice, kept as written (no default country)
		{"7946 0000", []int64{bob}},     // fax, its last digits
		{"020 7946 0000", []int64{bob}}, // a trunk 0 is left out
		{"+44 20 7946 0000", []int64{bob}},
		{"(555) 0177", []int64{zoe}}, // alternative
		{"555-0199", nil},
		{"7946", nil},                 // too few digits for a number: a word
		{"100", []int64{zoe}},         // digits are words too: Zoë's company
		{"lee 5550177", []int64{zoe}}, // a word and the end of a number
	}
	for _, tt := range tests {
		cs, total, err := st.ListCustomers(t.Context(), store.CustomerFilter{Search: tt.search})
		if err != nil {
			t.Fatalf("ListCustomers(%q): %v", tt.search, err)
		}
		if got := accounts(cs); !slices.Equal(got, tt.want) || total != len(tt.want) {
			t.Errorf("search %q = %v (total %d), want %v", tt.search, got, total, tt.want)
		}
	}
}

// TestSearchCurrent: the search index follows every change of a customer in
// the change's own transaction.
func TestSearchCurrent(t *testing.T) {
	ctx := t.Context()
	st := openTestStore(t)
	found := func(q string) []int64 {
		t.Helper()
		cs, _, err := st.ListCustomers(ctx, store.CustomerFilter{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		return accounts(cs)
	}
	mustCreate(t, st, customer("first_name", "First", "last_name", "Customer"))
	ann := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "company", "Acme"))
	if got := found("ann acme"); !slices.Equal(got, []int64{ann}) {
		t.Errorf("a new customer: found %v", got)
	}
	// The same again once the index holds her, not only its tail (on
	// PostgreSQL, the index always does).
	if err := st.IndexAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := found("ann acme"); !slices.Equal(got, []int64{ann}) {
		t.Errorf("a customer in the index: found %v", got)
	}
	if _, err := st.UpdateCustomer(ctx, ann, func(c *crm.Customer) error {
		c.Set("last_name", "Smith")
		c.Set("company", "")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := found("lee"); got != nil {
		t.Errorf("found by her old name: %v", got)
	}
	if got := found("acme"); got != nil {
		t.Errorf("found by the company she no longer has: %v", got)
	}
	if got := found("ann smith"); !slices.Equal(got, []int64{ann}) {
		t.Errorf("by her new name: found %v", got)
	}
	if err := st.DeleteCustomer(ctx, ann); err != nil {
		t.Fatal(err)
	}
	if got := found("ann"); got != nil {
		t.Errorf("a deleted customer is found: %v", got)
	}

	// A customer the index does not hold yet, changed, then taken in.
	bob := mustCreate(t, st, customer("first_name", "Bob", "last_name", "Ray"))
	if _, err := st.UpdateCustomer(ctx, bob, func(c *crm.Customer) error { c.Set("last_name", "Roy"); return nil }); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := found("bob roy"); !slices.Equal(got, []int64{bob}) || found("ray") != nil {
			t.Errorf("after his change: found %v", got)
		}
		if err := st.IndexAll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !onPostgres() {
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO customer_search (customer_search) VALUES ('integrity-check')`); err != nil {
			t.Errorf("the search index after the changes: %v", err)
		}
	}
}

func TestListPages(t *testing.T) {
	st := openTestStore(t)
	var all []int64
	for i := range 7 {
		all = append(all, mustCreate(t, st, customer("first_name", fmt.Sprintf("C%d", i), "last_name", "Page")))
	}
	mustCreate(t, st, customer("first_name", "Other", "last_name", "Person"))
	tests := []struct {
		f         store.CustomerFilter
		want      []int64
		wantTotal int
	}{
		{store.CustomerFilter{Search: "page", Limit: 3}, all[0:3], 7},
		{store.CustomerFilter{Search: "page", Limit: 3, Offset: 3}, all[3:6], 7},
		{store.CustomerFilter{Search: "page", Limit: 3, Offset: 6}, all[6:7], 7},
		{store.CustomerFilter{Search: "page", Limit: 3, Offset: 9}, nil, 7},
		{store.CustomerFilter{Limit: 100}, append(slices.Clone(all), all[6]+1), 8},
		{store.CustomerFilter{}, append(slices.Clone(all), all[6]+1), 8}, // 0 means the default page size
	}
	for _, tt := range tests {
		cs, total, err := st.ListCustomers(t.Context(), tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if got := accounts(cs); !slices.Equal(got, tt.want) || total != tt.wantTotal {
			t.Errorf("ListCustomers(%+v) = %v (total %d), want %v (total %d)", tt.f, got, total, tt.want, tt.wantTotal)
		}
	}
}

func TestEachCustomerStreamsAllInOrder(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	mustCreateField(t, st, crm.Field{Key: "n", Type: crm.TypeNumber})
	const n = 120 // more than a page of ListCustomers
	var want []int64
	for i := range n {
		want = append(want, mustCreate(t, st, customer("first_name", "C", "last_name", fmt.Sprint(i), "n", fmt.Sprint(i))))
	}
	if err := st.DeleteCustomer(ctx, want[5]); err != nil {
		t.Fatal(err)
	}
	want = slices.Delete(want, 5, 6)

	var got []int64
	err := st.EachCustomer(ctx, func(c *crm.Customer) error {
		if c.Get("n") != c.Get("last_name") {
			return fmt.Errorf("customer %d: custom value %q, want %q", c.AccountNumber, c.Get("n"), c.Get("last_name"))
		}
		got = append(got, c.AccountNumber)
		return nil
	})
	if err != nil {
		t.Fatalf("EachCustomer: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("EachCustomer visited %d customers %v..., want %d in account order", len(got), got[:min(5, len(got))], len(want))
	}

	// An error from fn stops the walk and comes back as it is.
	stop := errors.New("stop")
	calls := 0
	err = st.EachCustomer(ctx, func(*crm.Customer) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("EachCustomer with fn failing at 3: error = %v after %d calls, want stop after 3", err, calls)
	}
}

// TestSearchBounds: a search longer than MaxSearchLength, or an offset past
// any real file, is refused as invalid; before, 20,000 characters made
// SQLite refuse its own pattern, which reached people as a server error.
func TestSearchBounds(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	mustCreate(t, st, customer("first_name", "Zoë", "last_name", strings.Repeat("ë", 30)))
	if _, n, err := st.ListCustomers(ctx, store.CustomerFilter{Search: strings.Repeat("Ë", store.MaxSearchLength)}); err != nil || n != 0 {
		t.Errorf("a search of %d characters: %d found, %v", store.MaxSearchLength, n, err)
	}
	for _, f := range []store.CustomerFilter{
		{Search: strings.Repeat("ë", 20000)},
		{Search: strings.Repeat("a", store.MaxSearchLength+1)},
		{Offset: -1},
		{Offset: math.MaxInt64 - 10},
	} {
		if _, _, err := st.ListCustomers(ctx, f); !errors.Is(err, crm.ErrInvalid) {
			t.Errorf("search of %d characters, offset %d: %v, want invalid", len([]rune(f.Search)), f.Offset, err)
		}
	}
}
