package importer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestAutoMap checks the automatic mapping of common header names, one
// column at a time, and that every proposal says why it was made.
func TestAutoMap(t *testing.T) {
	sc := crm.NewSchema([]crm.Field{{Key: "loyalty_tier", Label: "Loyalty Tier", Type: crm.TypeText}}, nil)
	tests := []struct {
		header, want string // want "" means no proposal
	}{
		{"\ufeffE-mail", "email"},
		{"E-mail Address", "email"},
		{"Email", "email"},
		{"Surname", "last_name"},
		{"Given Name", "first_name"},
		{"first_name", "first_name"},
		{"Last Name", "last_name"},
		{"FIRST NAME", "first_name"},
		{"Organisation", "company"},
		{"Company Name", "company"},
		{"Telephone", "voice"},
		{"Work Phone", "voice"},
		{"Mobile", "alternative"},
		{"Cell", "alternative"},
		{"Fax", "fax"},
		{"Zip", "addr1_zip"},
		{"Postal Code", "addr1_zip"},
		{"Postcode", "addr1_zip"},
		{"Town", "addr1_city"},
		{"Province", "addr1_state"},
		{"Region", "addr1_state"},
		{"Country", "addr1_country"},
		{"Notes", "comments"},
		{"Description", "comments"},
		{"Street", "addr1_street1"},
		{"Address Line 1", "addr1_street1"},
		{"Address Line 2", "addr1_street2"},
		{"Secondary Address City", "addr2_city"},
		{"Account Number", "account_number"},
		{"Customer Type", "customer_type"},
		{"loyalty-tier", "loyalty_tier"},
		{"Loyalty Tier", "loyalty_tier"},
		{"Favourite Colour", ""},
		{"error", ""}, // the last column of a rejects file
		{"---", ""},
	}
	for _, tt := range tests {
		cols := ColumnNames([]string{tt.header})
		s := AutoMap(cols, sc)
		got := s.Mapping[cols[0]]
		if got != tt.want {
			t.Errorf("AutoMap(%q) maps it to %q, want %q", tt.header, got, tt.want)
		}
		if got != "" && s.Reasons[cols[0]] == "" {
			t.Errorf("AutoMap(%q) gives no reason", tt.header)
		}
		if got == "" && len(s.Reasons) != 0 {
			t.Errorf("AutoMap(%q) gives reasons %v for no mapping", tt.header, s.Reasons)
		}
	}
}

// TestAutoMapWholeHeader checks a whole header: each field is proposed once,
// for the column that matches it best (its key, then its label, then a
// synonym), and the first of equals.
func TestAutoMapWholeHeader(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	cols := ColumnNames([]string{"\ufeffE-mail", "Surname", "Given Name", "Telephone", "Work Phone", "Phone",
		"Mobile", "Cell", "Notes", "Comments", "Zip", "Postal Code", "first_name", "Organisation", "error"})
	s := AutoMap(cols, sc)
	want := map[string]string{
		"E-mail": "email", "Surname": "last_name", "first_name": "first_name", "Telephone": "voice",
		"Mobile": "alternative", "Comments": "comments", "Zip": "addr1_zip", "Organisation": "company",
	}
	if !maps.Equal(s.Mapping, want) {
		t.Errorf("AutoMap = %v\nwant %v", s.Mapping, want)
	}
	if got := s.Reasons["Surname"]; got != `"Surname" is a common name for Last Name` {
		t.Errorf("reason for Surname = %q", got)
	}
	if got := s.Reasons["first_name"]; got != `the column name matches the field key "first_name"` {
		t.Errorf("reason for first_name = %q", got)
	}
	if got := Unmapped(cols, s.Mapping); !slices.Equal(got, []string{"Given Name", "Work Phone", "Phone", "Cell", "Notes", "Postal Code"}) {
		t.Errorf("Unmapped = %q (the trailing error column is never listed)", got)
	}
}

// TestColumnNames checks that every column gets a unique name to map by.
func TestColumnNames(t *testing.T) {
	tests := []struct {
		header, want []string
	}{
		{[]string{"\ufeffEmail", " Name ", ""}, []string{"Email", "Name", "column 3"}},
		{[]string{"a", "a", "", "a"}, []string{"a", "column 2", "column 3", "column 4"}},
		{[]string{"", ""}, []string{"column 1", "column 2"}},
		{[]string{"column 2", ""}, []string{"column 2", "column 2 (2)"}},
		{[]string{"", "column 1"}, []string{"column 1", "column 2"}},
		{[]string{"Email", "email"}, []string{"Email", "email"}},
	}
	for _, tt := range tests {
		got := ColumnNames(tt.header)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ColumnNames(%q) = %q, want %q", tt.header, got, tt.want)
		}
		seen := map[string]bool{}
		for _, c := range got {
			if seen[c] {
				t.Errorf("ColumnNames(%q) names two columns %q", tt.header, c)
			}
			seen[c] = true
		}
	}
}

// TestCheckMapping checks each refusal of a mapping and its message.
func TestCheckMapping(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	cols := []string{"First", "Last", "Mail", "Phone", "Mobile"}
	tests := []struct {
		name    string
		mapping map[string]string
		policy  crm.DuplicatePolicy
		want    []crm.Problem // nil: accepted
	}{
		{"good", map[string]string{"First": "first_name", "Last": "last_name", "Mail": "email", "Phone": ""}, crm.DuplicateReject, nil},
		{"unknown column", map[string]string{"First": "first_name", "Last": "last_name", "Fax": "fax"}, crm.DuplicateReject, []crm.Problem{
			{Field: "mapping", Value: "Fax", Message: `The mapping names the column "Fax", which the file does not have; its columns are: First, Last, Mail, Phone, Mobile.`},
		}},
		{"unknown field", map[string]string{"First": "first_name", "Last": "last_name", "Mail": "e_mail"}, crm.DuplicateReject, []crm.Problem{
			{Field: "mapping", Value: "e_mail", Message: `The column "Mail" is mapped to "e_mail", which is not a field; see the fields with ` + "`localcrm fields list`."},
		}},
		{"two columns to one field", map[string]string{"First": "first_name", "Last": "last_name", "Phone": "voice", "Mobile": "voice"}, crm.DuplicateReject, []crm.Problem{
			{Field: "mapping", Value: "voice", Message: `The columns "Phone" and "Mobile" are both mapped to voice; map one column to each field.`},
		}},
		{"names unmapped", map[string]string{"Mail": "email"}, crm.DuplicateReject, []crm.Problem{
			{Field: "first_name", Message: "First Name is not mapped to any column; map the column that holds it (every new customer needs a First Name)."},
			{Field: "last_name", Message: "Last Name is not mapped to any column; map the column that holds it (every new customer needs a Last Name)."},
		}},
		{"last name unmapped under skip", map[string]string{"First": "first_name", "Mail": "email"}, crm.DuplicateSkip, []crm.Problem{
			{Field: "last_name", Message: "Last Name is not mapped to any column; map the column that holds it (every new customer needs a Last Name)."},
		}},
		{"update by email without names", map[string]string{"Mail": "email", "Phone": "voice"}, crm.DuplicateUpdate, nil},
		{"update by account without names", map[string]string{"First": "account_number", "Phone": "voice"}, crm.DuplicateUpdate, nil},
		{"update without a key", map[string]string{"Phone": "voice"}, crm.DuplicateUpdate, []crm.Problem{
			{Field: "first_name", Message: "First Name is not mapped to any column; map the column that holds it (every new customer needs a First Name)."},
			{Field: "last_name", Message: "Last Name is not mapped to any column; map the column that holds it (every new customer needs a Last Name)."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := maps.Clone(tt.mapping)
			err := CheckMapping(cols, m, sc, tt.policy)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				for col, key := range m {
					if key == "" {
						t.Errorf("empty entry for %q left in the mapping", col)
					}
				}
				return
			}
			var v *crm.ValidationError
			if !errors.As(err, &v) || !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("err = %v, want a *crm.ValidationError", err)
			}
			if !slices.Equal(v.Problems, tt.want) {
				t.Errorf("problems:\n%+v\nwant\n%+v", v.Problems, tt.want)
			}
		})
	}
}

// TestConfigureRefusesBadMappings checks that Configure applies
// CheckMapping and leaves the import as it was.
func TestConfigureRefusesBadMappings(t *testing.T) {
	e := newEnv(t)
	p := e.create("m.csv", []byte("Given Name,Surname,Mail\nA,B,a@example.com\n"))
	if want := map[string]string{"Given Name": "first_name", "Surname": "last_name", "Mail": "email"}; !maps.Equal(p.Suggestion.Mapping, want) {
		t.Errorf("suggestion = %v, want %v", p.Suggestion.Mapping, want)
	}
	if !maps.Equal(p.Import.Options.Mapping, p.Suggestion.Mapping) {
		t.Errorf("a new import's mapping is %v, not the suggestion", p.Import.Options.Mapping)
	}
	_, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: map[string]string{"Mail": "email"}})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("Configure without names: %v", err)
	}
	_, err = e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping, BatchSize: -1})
	if !errors.Is(err, crm.ErrInvalid) {
		t.Fatalf("Configure with batch size -1: %v", err)
	}
	imp, err := e.im.Get(e.ctx, p.Import.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(imp.Options.Mapping, p.Suggestion.Mapping) || imp.Options.BatchSize != crm.DefaultBatchSize {
		t.Errorf("a refused Configure changed the import: %+v", imp.Options)
	}
	// Once started, an import can no longer be configured.
	if _, err := e.im.Start(e.ctx, p.Import.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping}); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("Configure after Start: %v", err)
	}
}

// TestCheckMappingBounded: what a mapping check costs and says is bounded by
// the file's header, whatever a request sends. Before, 300 unknown columns
// over a 20,000-column header made a 48 MB message (each problem listed the
// whole header), and the check compared every entry with every column.
func TestCheckMappingBounded(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	columns := make([]string, 20000)
	for i := range columns {
		columns[i] = fmt.Sprintf("column number %d", i)
	}
	mapping := map[string]string{"column number 0": "first_name", "column number 1": "last_name"}
	for i := range 300 {
		mapping[fmt.Sprintf("no such column %d", i)] = "email"
	}
	err := CheckMapping(columns, mapping, sc, crm.DuplicateReject)
	var ve *crm.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 300 {
		t.Fatalf("300 unknown columns: %v", err)
	}
	if n := len(err.Error()); n > 300*400 {
		t.Errorf("the message is %d bytes for 300 problems", n)
	}
	if !strings.Contains(ve.Problems[0].Message, "its 20000 columns begin with: column number 0, column number 1,") {
		t.Errorf("message %q", ve.Problems[0].Message)
	}

	// More entries than the file has columns: one problem, at once.
	big := map[string]string{}
	for i := range 50 {
		big[fmt.Sprint(i)] = "email"
	}
	ps := problemsOf(t, CheckMapping([]string{"a", "b"}, big, sc, crm.DuplicateReject))
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "The mapping has 50 entries, but the file has only 2 columns") {
		t.Errorf("50 entries for 2 columns: %+v", ps)
	}
}

func problemsOf(t *testing.T, err error) []crm.Problem {
	t.Helper()
	var ve *crm.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a *crm.ValidationError", err)
	}
	return ve.Problems
}
