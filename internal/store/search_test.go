package store_test

import (
	"errors"
	"slices"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// found returns the account numbers a search finds, checking that the
// total agrees with them.
func found(t *testing.T, st *store.Store, q string) []int64 {
	t.Helper()
	cs, total, err := st.ListCustomers(t.Context(), store.CustomerFilter{Search: q})
	if err != nil {
		t.Fatalf("ListCustomers(%q): %v", q, err)
	}
	if total != len(cs) {
		t.Errorf("ListCustomers(%q): total %d for %d customers", q, total, len(cs))
	}
	return accounts(cs)
}

// TestSearchAsAgentsType runs the searches of issue 11 (item 6), each of
// which missed before: accents and case in every script, words across
// names, company and email, and phone numbers by their digits.
func TestSearchAsAgentsType(t *testing.T) {
	st := openTestStore(t)
	teste := mustCreate(t, st, customer("first_name", "Zoë", "last_name", "Testé"))
	andersen := mustCreate(t, st, customer("first_name", "Zoë", "last_name", "Andersen", "email", "andersen@example.com"))
	sg := mustCreate(t, st, customer("first_name", "Marc", "last_name", "Blanc", "company", "Société Générale"))
	sf := mustCreate(t, st, customer("first_name", "Sam", "last_name", "Frisco", "voice", "(415) 555-0132"))
	lefevre := mustCreate(t, st, customer("first_name", "Chloé", "last_name", "Dubois", "email", "zoe.lefevre@example.fr"))
	greek := mustCreate(t, st, customer("first_name", "Ελένη", "last_name", "ΣΩΚΡΆΤΟΥΣ"))
	russian := mustCreate(t, st, customer("first_name", "Алёна", "last_name", "Йорк"))
	nordic := mustCreate(t, st, customer("first_name", "Søren", "last_name", "Łukasiewicz", "company", "Straße ﬁnance"))

	tests := []struct {
		q    string
		want []int64
	}{
		{"teste", []int64{teste}},
		{"zoe teste", []int64{teste}},
		{"ZOË", []int64{teste, andersen, lefevre}}, // Zoë by name, and zoe.lefevre by email
		{"zoe andersen", []int64{andersen}},
		{"societe", []int64{sg}},
		{"SOCIÉTÉ générale", []int64{sg}},
		{"4155550132", []int64{sf}},
		{"415-555-0132", []int64{sf}},
		{"555 0132", []int64{sf}}, // its last digits
		{"zoe lefevre", []int64{lefevre}},
		{"lefevre example", []int64{lefevre}},
		{"andersen@example.com", []int64{andersen}},
		{"example.com", []int64{andersen, lefevre}}, // an email's top-level domain is not a word of its own
		{"ελενη", []int64{greek}},
		{"ΕΛΈΝΗ σωκρατουσ", []int64{greek}}, // final sigma folds with Σ
		{"алена", []int64{russian}},
		{"ЙОРК", []int64{russian}},
		{"йорк", []int64{russian}},
		{"soren lukasiewicz", []int64{nordic}},
		{"strasse finance", []int64{nordic}},
		{"zoe nobody", nil},
	}
	// The newest customers are searched without the index until there are
	// enough of them to take in; then with it.
	for _, where := range []string{"before the index takes them in", "in the index"} {
		for _, tt := range tests {
			if got := found(t, st, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("%s: search %q = %v, want %v", where, tt.q, got, tt.want)
			}
		}
		if err := st.IndexAll(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSearchPhoneWritings: a number is found by any way of writing it,
// with the default country, and without one.
func TestSearchPhoneWritings(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	if _, err := st.SetDefaultCountry(ctx, "GB"); err != nil {
		t.Fatal(err)
	}
	gb := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "voice", "020 7946 0958"))
	us := mustCreate(t, st, customer("first_name", "Bob", "last_name", "Ray", "alternative", "+1 207 946 0958")) // the same national digits
	de := mustCreate(t, st, customer("first_name", "Cem", "last_name", "Kaya", "fax", "+49 30 1234567"))
	got, err := st.GetCustomer(ctx, gb)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := got.PhoneForm("voice"); !ok || e != "+442079460958" {
		t.Errorf("the GB number's international form = %q, %v; want +442079460958", e, ok)
	}
	for _, country := range []string{"GB", ""} {
		if _, err := st.SetDefaultCountry(ctx, country); err != nil {
			t.Fatal(err)
		}
		writings := []string{"+44 20 7946 0958", "442079460958", "0044 20 7946 0958", "+44 (0)20 7946-0958"}
		if country == "GB" {
			writings = append(writings, "020 7946 0958", "(020) 7946-0958", "2079460958")
		}
		for _, q := range writings {
			if got := found(t, st, q); !slices.Equal(got, []int64{gb}) {
				t.Errorf("default country %q: search %q = %v, want [%d]", country, q, got, gb)
			}
		}
		// Without a country, a national number is only digits: it finds
		// the numbers that end with them.
		if got := found(t, st, "7946 0958"); !slices.Equal(got, []int64{gb, us}) {
			t.Errorf("default country %q: the last digits find %v, want both numbers ending so", country, got)
		}
		if got := found(t, st, "+1 207 946 0958"); !slices.Equal(got, []int64{us}) {
			t.Errorf("default country %q: the US number found %v", country, got)
		}
		if got := found(t, st, "kaya 1234567"); !slices.Equal(got, []int64{de}) {
			t.Errorf("a name and the end of a number: %v", got)
		}
		if got := found(t, st, "lee 1234567"); got != nil {
			t.Errorf("a name and the end of another's number: %v", got)
		}
	}
	if got := found(t, st, "020 7946 0958"); !slices.Equal(got, []int64{gb, us}) {
		t.Errorf("no default country: a national number finds %v, want the numbers ending with its digits", got)
	}
}

// TestLookup: the caller lookup finds the customers with a number in any
// writing, by email ignoring case, and says what it cannot look up.
func TestLookup(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	if _, err := st.SetDefaultCountry(ctx, "United Kingdom"); err != nil {
		t.Fatal(err)
	}
	ann := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "email", "Ann@Example.com", "voice", "+44 (0)20 7946 0958"))
	bob := mustCreate(t, st, customer("first_name", "Bob", "last_name", "Lee", "alternative", "020-7946-0958")) // a shared line
	mustCreate(t, st, customer("first_name", "Cy", "last_name", "Ray", "voice", "+1 207 946 0958"))
	for _, q := range []string{"+442079460958", "020 7946 0958", "442079460958", "00442079460958"} {
		l, err := st.LookupPhone(ctx, q)
		if err != nil || !slices.Equal(accounts(l.Customers), []int64{ann, bob}) || l.E164 != "+442079460958" {
			t.Errorf("LookupPhone(%q) = %v (%q), %v; want [%d %d]", q, accounts(l.Customers), l.E164, err, ann, bob)
		}
	}
	if l, err := st.LookupPhone(ctx, "+44 20 7946 0959"); err != nil || len(l.Customers) != 0 {
		t.Errorf("another number: %v, %v", accounts(l.Customers), err)
	}
	_, err := st.LookupPhone(ctx, "0958")
	var v *crm.ValidationError
	if !errors.As(err, &v) || v.Problems[0].Field != "phone" {
		t.Errorf("LookupPhone of four digits: %v, want a problem with phone", err)
	}
	if l, err := st.LookupEmail(ctx, " ann@EXAMPLE.com "); err != nil || !slices.Equal(accounts(l.Customers), []int64{ann}) {
		t.Errorf("LookupEmail = %v, %v", accounts(l.Customers), err)
	}
	if l, err := st.LookupEmail(ctx, "nobody@example.com"); err != nil || len(l.Customers) != 0 {
		t.Errorf("LookupEmail of no one = %v, %v", accounts(l.Customers), err)
	}
}

// TestPhoneFormsFollowTheValues: every writer keeps a phone value's
// international form: a change reads the new value, a value cleared has
// none, and a customer saved again keeps what it had.
func TestPhoneFormsFollowTheValues(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	ann := mustCreate(t, st, customer("first_name", "Ann", "last_name", "Lee", "voice", "+44 20 7946 0958", "fax", "12-34"))
	c, err := st.UpdateCustomer(ctx, ann, func(c *crm.Customer) error {
		c.Set("voice", "+1 (202) 555-0143")
		c.Set("alternative", "+33 1 42 68 53 00")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err = st.GetCustomer(ctx, c.AccountNumber)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"voice": "+12025550143", "alternative": "+33142685300", "fax": ""} {
		if e, ok := c.PhoneForm(key); !ok || e != want {
			t.Errorf("%s: international form %q, %v; want %q", key, e, ok, want)
		}
	}
	if got := found(t, st, "2025550143"); !slices.Equal(got, []int64{ann}) {
		t.Errorf("the new number: found %v", got)
	}
	if got := found(t, st, "+44 20 7946 0958"); got != nil {
		t.Errorf("the old number: found %v", got)
	}
}

// TestDefaultCountrySetting: a code or a name is stored as its code, an
// unknown country is refused saying what to write, and the change is on
// record.
func TestDefaultCountrySetting(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	if set, err := st.Settings(ctx); err != nil || set.DefaultCountry != "" {
		t.Fatalf("a new database's settings: %+v, %v", set, err)
	}
	for _, tt := range []struct{ in, want string }{{"gb", "GB"}, {"Deutschland", "DE"}, {" U.S.A. ", "US"}, {"", ""}} {
		if got, err := st.SetDefaultCountry(ctx, tt.in); err != nil || got != tt.want {
			t.Errorf("SetDefaultCountry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := st.SetDefaultCountry(ctx, "GB"); err != nil {
		t.Fatal(err)
	}
	_, err := st.SetDefaultCountry(ctx, "Narnia")
	var v *crm.ValidationError
	if !errors.As(err, &v) || v.Problems[0].Message != `The default country "Narnia" is not a country localcrm knows; write a two-letter ISO code such as GB or US.` {
		t.Errorf("an unknown country: %v", err)
	}
	if set, _ := st.Settings(ctx); set.DefaultCountry != "GB" {
		t.Errorf("after a refused change the default country is %q", set.DefaultCountry)
	}
	if sc, err := st.Schema(ctx); err != nil || sc.Country != "GB" {
		t.Errorf("the schema's country = %q, %v", sc.Country, err)
	}
	if _, err := st.SetDefaultCountry(ctx, "gb"); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, st, crm.AuditSettingsChanged); n != 5 {
		t.Errorf("%d settings changes on record, want 5 (the same country again is no change)", n)
	}
}
