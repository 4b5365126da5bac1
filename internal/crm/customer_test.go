package crm_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"localcrm/internal/crm"
)

// testCustomFields is one custom field of each type, as an admin would
// define them (before ValidateDefinition fills the defaults).
func testCustomFields() []crm.Field {
	return []crm.Field{
		{Key: "notes", Label: "Notes", Type: crm.TypeText, MaxLength: 20},
		{Key: "remarks", Type: crm.TypeText}, // no max length: 255; no label: "remarks"
		{Key: "website", Label: "Website", Type: crm.TypeURL},
		{Key: "score", Label: "Score", Type: crm.TypeNumber},
		{Key: "birthday", Label: "Birthday", Type: crm.TypeDate},
		{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"VIP", "Gold", "Ünïcode"}},
		{Key: "opt_in", Label: "Opt In", Type: crm.TypeCheckbox},
	}
}

// testSchema is the standard fields and testCustomFields, each definition
// validated as the store would before saving it.
func testSchema(t testing.TB) *crm.Schema {
	t.Helper()
	custom := testCustomFields()
	for i := range custom {
		if err := custom[i].ValidateDefinition(); err != nil {
			t.Fatalf("custom field %s: %v", custom[i].Key, err)
		}
	}
	return crm.NewSchema(custom, nil)
}

func customer(kv ...string) *crm.Customer {
	c := &crm.Customer{}
	for i := 0; i < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

func TestValidateValidRecord(t *testing.T) {
	s := testSchema(t)
	c := customer(
		"first_name", "  Zoë ",
		"last_name", "Ñúñez",
		"email", " ann+crm@bücher.de ",
		"company", "",
		"voice", "+1 (555) 123-4567 x12",
		"customer_type", "default",
		"addr1_city", "München",
		"notes", "two\nlines",
		"website", "https://example.com/",
		"score", "-1.5",
		"birthday", "2/29/2024",
		"tier", "vip",
		"opt_in", "YES",
	)
	if err := s.Validate(c, crm.ValidateOptions{}); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := map[string]string{
		"first_name":    "Zoë", // trimmed
		"last_name":     "Ñúñez",
		"email":         "ann+crm@bücher.de",
		"voice":         "+1 (555) 123-4567 x12",
		"customer_type": "Default", // the field's own spelling
		"addr1_city":    "München",
		"notes":         "two\nlines",
		"website":       "https://example.com/",
		"score":         "-1.5",
		"birthday":      "2024-02-29", // MM/DD/YYYY by default, stored as YYYY-MM-DD
		"tier":          "VIP",
		"opt_in":        "true",
		// "company" was blank: no value, so it is gone.
	}
	if !reflect.DeepEqual(c.Values, want) {
		t.Errorf("Values =\n%q\nwant\n%q", c.Values, want)
	}

	// Validating the stored form again changes nothing.
	again := maps.Clone(c.Values)
	if err := s.Validate(c, crm.ValidateOptions{}); err != nil || !reflect.DeepEqual(c.Values, again) {
		t.Errorf("second Validate: %v, Values %q", err, c.Values)
	}
}

func TestValidateRequired(t *testing.T) {
	s := testSchema(t)
	tests := []struct {
		name    string
		c       *crm.Customer
		partial bool
		want    []crm.Problem
	}{
		{"both missing", customer(), false, []crm.Problem{
			{Field: "first_name", Value: "", Message: "First Name must have a value."},
			{Field: "last_name", Value: "", Message: "Last Name must have a value."},
		}},
		{"first blank", customer("first_name", "   ", "last_name", "Lee"), false, []crm.Problem{
			{Field: "first_name", Value: "   ", Message: "First Name must have a value."},
		}},
		{"last empty", customer("first_name", "Ann", "last_name", ""), false, []crm.Problem{
			{Field: "last_name", Value: "", Message: "Last Name must have a value."},
		}},
		{"nil values", &crm.Customer{}, false, []crm.Problem{
			{Field: "first_name", Value: "", Message: "First Name must have a value."},
			{Field: "last_name", Value: "", Message: "Last Name must have a value."},
		}},
		// Partial is for updating some fields of an existing customer.
		{"partial", customer("email", "ann@x.com"), true, nil},
		{"partial blank names", customer("first_name", " ", "last_name", ""), true, nil},
		{"partial still checks values", customer("email", "ann"), true, []crm.Problem{
			{Field: "email", Value: "ann", Message: "Email is not a valid email address: it must look like name@example.com."},
		}},
	}
	for _, tt := range tests {
		err := s.Validate(tt.c, crm.ValidateOptions{Partial: tt.partial})
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if got := problems(t, err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: problems\n%+v\nwant\n%+v", tt.name, got, tt.want)
		}
	}

	// A blank value is removed, so that an update cannot store it.
	c := customer("first_name", " ", "email", "")
	if err := s.Validate(c, crm.ValidateOptions{Partial: true}); err != nil {
		t.Fatal(err)
	}
	if len(c.Values) != 0 {
		t.Errorf("blank values kept: %q", c.Values)
	}
}

func TestValidateRequiredCustomField(t *testing.T) {
	region := crm.Field{Key: "region", Label: "Region", Type: crm.TypePicklist, Required: true,
		Values: []string{"North", "South"}, Default: "north"}
	if err := region.ValidateDefinition(); err != nil {
		t.Fatal(err)
	}
	s := crm.NewSchema([]crm.Field{region}, nil)

	c := customer("first_name", "Ann", "last_name", "Lee")
	p := oneProblem(t, s.Validate(c, crm.ValidateOptions{}))
	if want := (crm.Problem{Field: "region", Message: "Region must have a value."}); p != want {
		t.Errorf("problem %+v, want %+v", p, want)
	}
	// A new customer gets the default first, and then passes.
	s.ApplyDefaults(c)
	if err := s.Validate(c, crm.ValidateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("region"); got != "North" {
		t.Errorf("region = %q, want North", got)
	}
}

func TestValidateEditJudgesOnlyChanges(t *testing.T) {
	// The customer was saved when "West" was a region and before region
	// was required; both rules have changed since.
	region := crm.Field{Key: "region", Label: "Region", Type: crm.TypePicklist, Values: []string{"North", "South"}, Required: true}
	tier := crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText, MaxLength: 10, Required: true}
	s := crm.NewSchema([]crm.Field{region, tier}, nil)
	stored := map[string]string{"first_name": "Ann", "last_name": "Lee", "region": "West"}

	tests := []struct {
		name   string
		change map[string]string
		want   []crm.Problem
	}{
		{"other field", map[string]string{"company": "Acme"}, nil},
		{"stale value changed", map[string]string{"region": "East"}, []crm.Problem{{Field: "region", Value: "East", Message: "Region is not one of the allowed values: North, South."}}},
		{"stale value fixed", map[string]string{"region": "south"}, nil},
		{"required cleared", map[string]string{"first_name": ""}, []crm.Problem{{Field: "first_name", Message: "First Name must have a value."}}},
		{"new value too long", map[string]string{"tier": "platinum plus"}, []crm.Problem{{Field: "tier", Value: "platinum plus", Message: "Tier is 13 characters long; the limit is 10."}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &crm.Customer{Values: maps.Clone(stored)}
			for k, v := range tt.change {
				c.Set(k, v)
			}
			err := s.Validate(c, crm.ValidateOptions{Stored: stored})
			if tt.want == nil {
				if err != nil {
					t.Errorf("Validate = %v, want no problem", err)
				}
				return
			}
			if got := problems(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("problems %+v, want %+v", got, tt.want)
			}
		})
	}
	// Without Stored, the same customer is judged whole, as a new one is.
	c := &crm.Customer{Values: maps.Clone(stored)}
	if err := s.Validate(c, crm.ValidateOptions{}); err == nil {
		t.Error("a new customer with a removed picklist value and a missing required field passed")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	s := testSchema(t)
	c := customer(
		"first_name", "Ann",
		"last_name", "Lee",
		"email", "Ann <ann@x.com>",
		"birthday", "02/30/2024",
		"opt_in", "maybe",
	)
	err := s.Validate(c, crm.ValidateOptions{})
	want := []crm.Problem{
		{Field: "email", Value: "Ann <ann@x.com>",
			Message: "Email is not a bare email address: give only the address, such as name@example.com, without a name or angle brackets."},
		{Field: "birthday", Value: "02/30/2024", Message: "Birthday is not a real calendar date; check the month and the day."},
		{Field: "opt_in", Value: "maybe",
			Message: "Opt In is not a yes/no value: use true or false, yes or no, y or n, 1 or 0."},
	}
	if got := problems(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%+v\nwant\n%+v", got, want)
	}
}

func TestValidateMessages(t *testing.T) {
	s := testSchema(t)
	tests := []struct {
		key, value string
		df         crm.DateFormat
		want       string // the exact message of the one problem
	}{
		{"first_name", strings.Repeat("ë", 30) + "Z", "", "First Name is 31 characters long; the limit is 30."},
		{"email", `"Ann" <ann@x.com>`, "",
			"Email is not a bare email address: give only the address, such as name@example.com, without a name or angle brackets."},
		{"email", "ann@x.com, bob@y.com", "", "Email is not one email address: give a single address such as name@example.com."},
		{"email", "ann@localhost", "", "Email is not a valid email address: the domain after @ must be a full name such as example.com."},
		{"voice", "1-800-FLOWERS", "",
			"Voice is not a phone number: use digits, spaces and + ( ) - . / only, with an optional extension such as x123."},
		{"customer_type", "VIP", "", "Customer Type is not one of the allowed values: Default."},
		{"tier", "Platinum", "", "Tier is not one of the allowed values: VIP, Gold, Ünïcode."},
		{"remarks", strings.Repeat("x", 256), "", "remarks is 256 characters long; the limit is 255."},
		{"website", "ftp://example.com", "", "Website is not a web address: write it in full, starting with http:// or https://."},
		{"score", "1,5", "",
			"Score is not a number: write digits with an optional sign and '.' as the decimal separator, such as -1234.56 (no thousands separators, no decimal comma)."},
		{"birthday", "25/12/2024", "",
			"Birthday is not a real calendar date as MM/DD/YYYY; it would be one as DD/MM/YYYY: if the file writes dates that way, choose that date format."},
		{"birthday", "12/25/2024", crm.DateDMY,
			"Birthday is not a real calendar date as DD/MM/YYYY; it would be one as MM/DD/YYYY: if the file writes dates that way, choose that date format."},
		{"account_number", "10000001", "", "Account Number is assigned by localcrm and cannot be set."},
		{"shoe_size", "42", "", "There is no field \"shoe_size\"; the fields are listed by `localcrm fields list`."},
		{"First_Name", "Ann", "", "There is no field \"First_Name\"; the fields are listed by `localcrm fields list`."},
	}
	for _, tt := range tests {
		c := customer("first_name", "Ann", "last_name", "Lee", tt.key, tt.value)
		p := oneProblem(t, s.Validate(c, crm.ValidateOptions{DateFormat: tt.df}))
		want := crm.Problem{Field: tt.key, Value: tt.value, Message: tt.want}
		if p != want {
			t.Errorf("%s=%q: problem\n%+v\nwant\n%+v", tt.key, tt.value, p, want)
		}
	}
}

func TestValidateUnknownKeysSorted(t *testing.T) {
	s := testSchema(t)
	c := customer("first_name", "Ann", "last_name", "Lee", "zeta", "1", "alpha", "2", "mid", "3")
	for range 5 { // map order varies from run to run; the report must not
		var keys []string
		for _, p := range problems(t, s.Validate(c, crm.ValidateOptions{})) {
			keys = append(keys, p.Field)
		}
		if want := []string{"alpha", "mid", "zeta"}; !reflect.DeepEqual(keys, want) {
			t.Fatalf("problems on %q, want %q", keys, want)
		}
	}
}

func TestValidateDateFormat(t *testing.T) {
	s := testSchema(t)
	tests := []struct {
		df       crm.DateFormat
		in, want string
	}{
		{"", "12/25/2024", "2024-12-25"}, // the zero value is MM/DD/YYYY
		{crm.DateMDY, "1/2/2024", "2024-01-02"},
		{crm.DateDMY, "1/2/2024", "2024-02-01"},
		{crm.DateDMY, "25/12/2024", "2024-12-25"},
		{crm.DateISO, "2024-12-25", "2024-12-25"},
		{crm.DateDMY, " 2024-12-25\t", "2024-12-25"},
	}
	for _, tt := range tests {
		c := customer("first_name", "Ann", "last_name", "Lee", "birthday", tt.in)
		if err := s.Validate(c, crm.ValidateOptions{DateFormat: tt.df}); err != nil {
			t.Errorf("%q as %q: %v", tt.in, tt.df, err)
		} else if got := c.Get("birthday"); got != tt.want {
			t.Errorf("%q as %q stored %q, want %q", tt.in, tt.df, got, tt.want)
		}
	}
}

func TestValidateDoesNotApplyDefaults(t *testing.T) {
	s := testSchema(t)
	c := customer("first_name", "Ann", "last_name", "Lee")
	if err := s.Validate(c, crm.ValidateOptions{}); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Values[crm.KeyCustomerType]; ok {
		t.Errorf("Validate set customer_type to %q; only ApplyDefaults may", v)
	}
}

func TestApplyDefaults(t *testing.T) {
	level := crm.Field{Key: "level", Type: crm.TypeNumber, Default: "1"}
	news := crm.Field{Key: "news", Type: crm.TypeCheckbox, Default: "y"}
	plain := crm.Field{Key: "plain", Type: crm.TypeText}
	for _, f := range []*crm.Field{&level, &news, &plain} {
		if err := f.ValidateDefinition(); err != nil {
			t.Fatal(err)
		}
	}
	s := crm.NewSchema([]crm.Field{level, news, plain}, nil)

	c := customer("first_name", "Ann", "last_name", "Lee", "level", "  ", "news", "false")
	s.ApplyDefaults(c)
	want := map[string]string{
		"first_name":    "Ann",
		"last_name":     "Lee",
		"customer_type": "Default",
		"level":         "1",     // blank counts as no value
		"news":          "false", // a value is never replaced
	}
	if !reflect.DeepEqual(c.Values, want) {
		t.Errorf("Values = %q, want %q", c.Values, want)
	}
	if err := s.Validate(c, crm.ValidateOptions{}); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}

	var empty crm.Customer // nil Values
	s.ApplyDefaults(&empty)
	if empty.Get("customer_type") != "Default" || empty.Get("level") != "1" || empty.Get("news") != "true" {
		t.Errorf("defaults on an empty customer: %q", empty.Values)
	}
}

func TestNewSchemaCustomerTypes(t *testing.T) {
	tests := []struct {
		types       []string
		wantValues  []string
		wantDefault string
	}{
		{nil, []string{"Default"}, "Default"},
		{[]string{"Default", "VIP"}, []string{"Default", "VIP"}, "Default"},
		{[]string{"VIP", "Default"}, []string{"VIP", "Default"}, "Default"},
		// Without "Default", the first type is the default.
		{[]string{"Retail", "Wholesale"}, []string{"Retail", "Wholesale"}, "Retail"},
	}
	for _, tt := range tests {
		s := crm.NewSchema(nil, tt.types)
		f, ok := s.Field(crm.KeyCustomerType)
		if !ok || !reflect.DeepEqual(f.Values, tt.wantValues) || f.Default != tt.wantDefault {
			t.Errorf("NewSchema(%q): customer_type values %q default %q, want %q and %q",
				tt.types, f.Values, f.Default, tt.wantValues, tt.wantDefault)
		}
		c := customer("first_name", "Ann", "last_name", "Lee")
		s.ApplyDefaults(c)
		if err := s.Validate(c, crm.ValidateOptions{}); err != nil {
			t.Errorf("NewSchema(%q): default customer type does not validate: %v", tt.types, err)
		}
	}
	// A type spelled differently from "Default" still wins, in its own spelling.
	s := crm.NewSchema(nil, []string{"DEFAULT", "VIP"})
	c := customer("first_name", "Ann", "last_name", "Lee")
	s.ApplyDefaults(c)
	if err := s.Validate(c, crm.ValidateOptions{}); err != nil || c.Get(crm.KeyCustomerType) != "DEFAULT" {
		t.Errorf("customer_type = %q, %v; want DEFAULT", c.Get(crm.KeyCustomerType), err)
	}
}

func TestSchemaFields(t *testing.T) {
	s := testSchema(t)
	var keys []string
	for _, f := range s.Custom() {
		keys = append(keys, f.Key)
	}
	if want := []string{"notes", "remarks", "website", "score", "birthday", "tier", "opt_in"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("Custom() = %q, want %q", keys, want)
	}
	if got := crm.NewSchema(nil, nil).Custom(); got != nil {
		t.Errorf("Custom() of a schema without custom fields = %v, want nil", got)
	}
	if f, ok := s.Field("email"); !ok || f.Label != "Email" {
		t.Errorf("Field(email) = %+v, %v", f, ok)
	}
	if f, ok := s.Field("remarks"); !ok || f.Label != "remarks" || f.MaxLength != 255 {
		t.Errorf("Field(remarks) = %+v, %v; want label remarks, max 255", f, ok)
	}
	if _, ok := s.Field("Email"); ok {
		t.Error("Field(Email) found; keys are case-sensitive")
	}
}

func TestCustomerName(t *testing.T) {
	tests := []struct {
		c    *crm.Customer
		want string
	}{
		{customer("first_name", "Ann", "last_name", "Lee"), "Ann Lee"},
		{customer("last_name", "Lee"), "Lee"},
		{customer("first_name", "Zoë"), "Zoë"},
		{&crm.Customer{}, ""},
	}
	for _, tt := range tests {
		if got := tt.c.Name(); got != tt.want {
			t.Errorf("Name() = %q, want %q", got, tt.want)
		}
	}
}

// FuzzValidate puts random strings into each field of a schema with one
// custom field of each type. Validate must not panic; a value it accepts must
// be accepted again, unchanged, in its stored form; a value it refuses must
// be reported on that field alone.
func FuzzValidate(f *testing.F) {
	seeds := []string{
		"", " ", "\t", "Zoë", strings.Repeat("ë", 30), strings.Repeat("ë", 31),
		"ann@example.com", "ann+crm@example.com", "user@bücher.de", "用户@例子.广告",
		"Ann <ann@x.com>", `"Ann" <ann@x.com>`, "ann@x.com, bob@y.com", "ann@localhost",
		"+1 (555) 123-4567 ext. 89", "1-800-FLOWERS",
		"https://example.com/a?b=c", "ftp://example.com", "http://:80", "/relative",
		"+1", "-1.5", ".5", "1.", "1,5", "1e3",
		"yes", "N", "TRUE", "maybe",
		"vip", "ünïcode", "Default", "default",
		"02/29/2024", "02/29/2023", "02/30/2024", "2/3/2024", "25/12/2024", "13/13/2024",
		"2024-2-3", "0000-01-01", "0001-01-01",
		"a\x00b", "a\xffb", "\u0085x\u0085", "\u00a0Ann\u00a0",
	}
	for i, s := range seeds {
		f.Add(s, uint8(i%3))
	}
	s := testSchema(f)
	f.Fuzz(func(t *testing.T, value string, format uint8) {
		df := crm.DateFormats[int(format)%len(crm.DateFormats)]
		_ = crm.FittingDateFormats(value)
		for _, fld := range s.Fields {
			c := customer("first_name", "Ann", "last_name", "Lee", fld.Key, value)
			err := s.Validate(c, crm.ValidateOptions{DateFormat: df})
			if err != nil {
				for _, p := range problems(t, err) {
					if p.Field != fld.Key || p.Value != value || !strings.HasPrefix(p.Message, fld.Label+" ") {
						t.Fatalf("%s=%q: problem %+v", fld.Key, value, p)
					}
				}
				continue
			}
			stored, ok := c.Values[fld.Key]
			if !ok {
				if strings.TrimSpace(value) != "" {
					t.Fatalf("%s=%q: accepted but not stored", fld.Key, value)
				}
				continue
			}
			checkStored(t, fld, stored)

			again := customer("first_name", "Ann", "last_name", "Lee", fld.Key, stored)
			if err := s.Validate(again, crm.ValidateOptions{DateFormat: df}); err != nil {
				t.Fatalf("%s=%q stored as %q, which is refused: %v", fld.Key, value, stored, err)
			}
			if got := again.Get(fld.Key); got != stored {
				t.Fatalf("%s=%q stored as %q, then as %q", fld.Key, value, stored, got)
			}
		}
	})
}

// checkStored checks what every stored value of f must be.
func checkStored(t *testing.T, f crm.Field, v string) {
	t.Helper()
	if v == "" || v != strings.TrimSpace(v) || !utf8.ValidString(v) {
		t.Fatalf("%s: stored %q", f.Key, v)
	}
	if n := utf8.RuneCountInString(v); n > f.MaxLength {
		t.Fatalf("%s: stored %q is %d characters, over %d", f.Key, v, n, f.MaxLength)
	}
	switch f.Type {
	case crm.TypeDate:
		if d, err := crm.ParseDate(v, crm.DateISO); err != nil || d != v {
			t.Fatalf("%s: stored %q is not YYYY-MM-DD", f.Key, v)
		}
	case crm.TypeCheckbox:
		if v != "true" && v != "false" {
			t.Fatalf("%s: stored %q", f.Key, v)
		}
	case crm.TypePicklist:
		if !slices.Contains(f.Values, v) {
			t.Fatalf("%s: stored %q is not one of %q", f.Key, v, f.Values)
		}
	case crm.TypeSystem:
		t.Fatalf("%s: stored %q in a system field", f.Key, v)
	}
}
