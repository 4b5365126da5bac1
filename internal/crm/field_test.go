package crm_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

func TestStandardFields(t *testing.T) {
	fs := crm.StandardFields()
	want := map[string]struct {
		label    string
		typ      crm.FieldType
		max      int
		required bool
	}{
		"account_number": {"Account Number", crm.TypeSystem, 8, false},
		"first_name":     {"First Name", crm.TypeText, 30, true},
		"last_name":      {"Last Name", crm.TypeText, 30, true},
		"email":          {"Email", crm.TypeEmail, 254, false},
		"company":        {"Company", crm.TypeText, 50, false},
		"voice":          {"Voice", crm.TypePhone, 38, false},
		"alternative":    {"Alternative", crm.TypePhone, 38, false},
		"fax":            {"Fax", crm.TypePhone, 38, false},
		"comments":       {"Comments", crm.TypeText, 400, false},
		"customer_type":  {"Customer Type", crm.TypePicklist, 85, false},
		"addr1_street1":  {"Primary Address Street 1", crm.TypeText, 50, false},
		"addr1_street2":  {"Primary Address Street 2", crm.TypeText, 50, false},
		"addr1_city":     {"Primary Address City", crm.TypeText, 40, false},
		"addr1_state":    {"Primary Address State", crm.TypeText, 30, false},
		"addr1_zip":      {"Primary Address Zip", crm.TypeText, 15, false},
		"addr1_country":  {"Primary Address Country", crm.TypeText, 50, false},
		"addr2_street1":  {"Secondary Address Street 1", crm.TypeText, 50, false},
		"addr2_street2":  {"Secondary Address Street 2", crm.TypeText, 50, false},
		"addr2_city":     {"Secondary Address City", crm.TypeText, 40, false},
		"addr2_state":    {"Secondary Address State", crm.TypeText, 30, false},
		"addr2_zip":      {"Secondary Address Zip", crm.TypeText, 15, false},
		"addr2_country":  {"Secondary Address Country", crm.TypeText, 50, false},
	}
	if len(fs) != len(want) {
		t.Errorf("%d standard fields, want %d", len(fs), len(want))
	}
	for _, f := range fs {
		w, ok := want[f.Key]
		if !ok {
			t.Errorf("unexpected standard field %q", f.Key)
			continue
		}
		if f.Label != w.label || f.Type != w.typ || f.MaxLength != w.max || f.Required != w.required || !f.Standard {
			t.Errorf("%s = %+v, want label %q type %s max %d required %v standard", f.Key, f, w.label, w.typ, w.max, w.required)
		}
		if !crm.IsStandardKey(f.Key) {
			t.Errorf("IsStandardKey(%q) = false", f.Key)
		}
	}
	if fs[0].Key != crm.KeyAccountNumber || fs[1].Key != crm.KeyFirstName || fs[2].Key != crm.KeyLastName {
		t.Errorf("display order starts %s, %s, %s", fs[0].Key, fs[1].Key, fs[2].Key)
	}
	ct := fs[slices.IndexFunc(fs, func(f crm.Field) bool { return f.Key == crm.KeyCustomerType })]
	if !reflect.DeepEqual(ct.Values, []string{"Default"}) || ct.Default != "Default" {
		t.Errorf("customer_type values %q default %q, want [Default] and Default", ct.Values, ct.Default)
	}
	for _, k := range []string{"", "Email", "loyalty_tier", "addr3_city", "name"} {
		if crm.IsStandardKey(k) {
			t.Errorf("IsStandardKey(%q) = true", k)
		}
	}

	// The caller owns the slice: changing it does not change the next call's.
	fs[1].Label = "changed"
	fs[9].Values[0] = "changed"
	again := crm.StandardFields()
	if again[1].Label != "First Name" || again[9].Values[0] != "Default" {
		t.Errorf("StandardFields shares memory between calls: %q, %q", again[1].Label, again[9].Values)
	}
}

func TestValidateDefinitionName(t *testing.T) {
	const charset = "The name may hold only lowercase letters a-z, digits and _, and must start with a letter (for example loyalty_tier)."
	tests := []struct {
		name     string
		wantName string // the stored name when valid
		wantMsg  string // the exact problem, "" when valid
	}{
		{"a", "a", ""},
		{"loyalty_tier", "loyalty_tier", ""},
		{"tier_2", "tier_2", ""},
		{"x_", "x_", ""},
		{"  tier  ", "tier", ""},
		{strings.Repeat("a", 32), strings.Repeat("a", 32), ""},
		{"", "", "The field needs a name."},
		{"   ", "", "The field needs a name."},
		{strings.Repeat("a", 33), "", "The name is 33 characters long; the limit is 32."},
		// Length is counted in characters, and is reported before the character set.
		{strings.Repeat("é", 33), "", "The name is 33 characters long; the limit is 32."},
		{"Loyalty", "", charset},
		{"TIER", "", charset},
		{"1tier", "", charset},
		{"_tier", "", charset},
		{"tier-level", "", charset},
		{"tier level", "", charset},
		{"tier.level", "", charset},
		{"tiér", "", charset},
		{"email", "", `"email" is the name of a standard field; choose another name.`},
		{"first_name", "", `"first_name" is the name of a standard field; choose another name.`},
		{"account_number", "", `"account_number" is the name of a standard field; choose another name.`},
		{"customer_type", "", `"customer_type" is the name of a standard field; choose another name.`},
		{"addr2_country", "", `"addr2_country" is the name of a standard field; choose another name.`},
		{"created_at", "", `"created_at" is reserved for the customer's timestamps; choose another name.`},
	}
	for _, tt := range tests {
		f := crm.Field{Key: tt.name, Type: crm.TypeText}
		err := f.ValidateDefinition()
		if tt.wantMsg == "" {
			if err != nil {
				t.Errorf("name %q: %v", tt.name, err)
			} else if f.Key != tt.wantName {
				t.Errorf("name %q stored as %q, want %q", tt.name, f.Key, tt.wantName)
			}
			continue
		}
		// Exactly one problem: a name too long is not reported again as the
		// label it defaults to.
		p := oneProblem(t, err)
		if p.Field != "name" || p.Message != tt.wantMsg {
			t.Errorf("name %q: problem %+v, want field name, message %q", tt.name, p, tt.wantMsg)
		}
	}
}

func TestValidateDefinitionLabel(t *testing.T) {
	tests := []struct {
		label, want string
		wantMsg     string
	}{
		{"", "loyalty_tier", ""}, // defaults to the name
		{"   ", "loyalty_tier", ""},
		{" Loyalty Tier ", "Loyalty Tier", ""},
		{"L", "L", ""},
		{strings.Repeat("é", 32), strings.Repeat("é", 32), ""},
		{strings.Repeat("é", 33), "", "The label is 33 characters long; the limit is 32."},
		{strings.Repeat("x", 100), "", "The label is 100 characters long; the limit is 32."},
	}
	for _, tt := range tests {
		f := crm.Field{Key: "loyalty_tier", Label: tt.label, Type: crm.TypeText}
		err := f.ValidateDefinition()
		if tt.wantMsg == "" {
			if err != nil {
				t.Errorf("label %q: %v", tt.label, err)
			} else if f.Label != tt.want {
				t.Errorf("label %q stored as %q, want %q", tt.label, f.Label, tt.want)
			}
			continue
		}
		p := oneProblem(t, err)
		if p.Field != "label" || p.Message != tt.wantMsg {
			t.Errorf("label %q: problem %+v, want field label, message %q", tt.label, p, tt.wantMsg)
		}
	}
}

func TestValidateDefinitionTypeAndMaxLength(t *testing.T) {
	const typeMsg = "The type must be one of text, url, number, date, picklist, checkbox."
	tests := []struct {
		typ     crm.FieldType
		max     int
		wantMax int
		wantMsg string
	}{
		{crm.TypeText, 0, 255, ""}, // default
		{crm.TypeText, 1, 1, ""},
		{crm.TypeText, 4000, 4000, ""},
		{crm.TypeText, 4001, 0, "The maximum length of a text field must be from 1 to 4000."},
		{crm.TypeText, -1, 0, "The maximum length of a text field must be from 1 to 4000."},
		{crm.TypeURL, 0, 2048, ""},
		{crm.TypeURL, 1, 1, ""},
		{crm.TypeURL, 500, 500, ""},
		{crm.TypeURL, 2048, 2048, ""},
		{crm.TypeURL, 2049, 0, "The maximum length of a url field must be from 1 to 2048."},
		{crm.TypeNumber, 0, 38, ""},
		{crm.TypeNumber, 1, 1, ""},
		{crm.TypeNumber, 255, 255, ""},
		{crm.TypeNumber, 256, 0, "The maximum length of a number field must be from 1 to 255."},
		{crm.TypeNumber, -5, 0, "The maximum length of a number field must be from 1 to 255."},
		// Types of fixed length take their own and refuse another, rather
		// than drop it without a word.
		{crm.TypeDate, 0, 10, ""},
		{crm.TypeDate, 10, 10, ""},
		{crm.TypeDate, 3, 0, "The length of a date field is fixed at 10 characters; leave the maximum length out."},
		{crm.TypeCheckbox, 0, 5, ""},
		{crm.TypeCheckbox, 999, 0, "The length of a checkbox field is fixed at 5 characters; leave the maximum length out."},
		{crm.TypePicklist, 0, 85, ""},
		{crm.TypePicklist, 4000, 0, "The length of a picklist field is fixed at 85 characters; leave the maximum length out."},
		// Only the six custom types may be chosen.
		{"", 0, 0, typeMsg},
		{"Text", 0, 0, typeMsg},
		{crm.TypeEmail, 0, 0, typeMsg},
		{crm.TypePhone, 0, 0, typeMsg},
		{crm.TypeSystem, 0, 0, typeMsg},
		{"boolean", 0, 0, typeMsg},
	}
	for _, tt := range tests {
		f := crm.Field{Key: "f", Type: tt.typ, MaxLength: tt.max, Standard: true}
		if tt.typ == crm.TypePicklist {
			f.Values = []string{"A"}
		}
		err := f.ValidateDefinition()
		if tt.wantMsg == "" {
			if err != nil {
				t.Errorf("%s max %d: %v", tt.typ, tt.max, err)
				continue
			}
			if f.MaxLength != tt.wantMax {
				t.Errorf("%s max %d: MaxLength = %d, want %d", tt.typ, tt.max, f.MaxLength, tt.wantMax)
			}
			if f.Standard {
				t.Errorf("%s: a custom field was left marked standard", tt.typ)
			}
			continue
		}
		p := oneProblem(t, err)
		field := "max_length"
		if tt.wantMsg == typeMsg {
			field = "type"
		}
		if p.Field != field || p.Message != tt.wantMsg {
			t.Errorf("%q max %d: problem %+v, want field %s, message %q", tt.typ, tt.max, p, field, tt.wantMsg)
		}
	}
}

func TestValidateDefinitionDefault(t *testing.T) {
	tests := []struct {
		name    string
		f       crm.Field
		want    string // the stored default when valid
		wantMsg string // a substring of the problem, "" when valid
	}{
		{"text", crm.Field{Type: crm.TypeText, Default: "hello"}, "hello", ""},
		{"trimmed", crm.Field{Type: crm.TypeText, Default: "  hello  "}, "hello", ""},
		{"85 chars", crm.Field{Type: crm.TypeText, Default: strings.Repeat("ë", 85)}, strings.Repeat("ë", 85), ""},
		{"86 chars", crm.Field{Type: crm.TypeText, Default: strings.Repeat("ë", 86)}, "",
			"The default value is 86 characters long; the limit is 85."},
		{"longer than the field", crm.Field{Type: crm.TypeText, MaxLength: 3, Default: "hello"}, "",
			"The default value is 5 characters long; the limit is 3."},
		{"text control char", crm.Field{Type: crm.TypeText, Default: "a\x07b"}, "", "control character"},
		{"url", crm.Field{Type: crm.TypeURL, Default: "https://example.com/"}, "https://example.com/", ""},
		{"bad url", crm.Field{Type: crm.TypeURL, Default: "example.com"}, "", "not a web address"},
		{"number", crm.Field{Type: crm.TypeNumber, Default: "-1.5"}, "-1.5", ""},
		{"bad number", crm.Field{Type: crm.TypeNumber, Default: "1,5"}, "", "not a number"},
		{"date", crm.Field{Type: crm.TypeDate, Default: "2024-2-3"}, "2024-02-03", ""},
		{"bad date", crm.Field{Type: crm.TypeDate, Default: "2024-02-30"}, "", "not a real calendar date"},
		// A default is written as YYYY-MM-DD, whatever format a file uses.
		{"slash date", crm.Field{Type: crm.TypeDate, Default: "12/25/2024"}, "", "not a date in the form YYYY-MM-DD"},
		{"checkbox", crm.Field{Type: crm.TypeCheckbox, Default: "Yes"}, "true", ""},
		{"checkbox no", crm.Field{Type: crm.TypeCheckbox, Default: "0"}, "false", ""},
		{"bad checkbox", crm.Field{Type: crm.TypeCheckbox, Default: "maybe"}, "", "not a yes/no value"},
		{"picklist", crm.Field{Type: crm.TypePicklist, Values: []string{"VIP", "Gold"}, Default: "gold"}, "Gold", ""},
		{"bad picklist", crm.Field{Type: crm.TypePicklist, Values: []string{"VIP", "Gold"}, Default: "Platinum"}, "",
			"The default value is not one of the allowed values: VIP, Gold."},
	}
	for _, tt := range tests {
		f := tt.f
		f.Key = "f"
		err := f.ValidateDefinition()
		if tt.wantMsg == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if f.Default != tt.want {
				t.Errorf("%s: Default = %q, want %q", tt.name, f.Default, tt.want)
			}
			continue
		}
		p := oneProblem(t, err)
		if p.Field != "default" || !strings.Contains(p.Message, tt.wantMsg) {
			t.Errorf("%s: problem %+v, want field default, message containing %q", tt.name, p, tt.wantMsg)
		}
		if p.Value != strings.TrimSpace(tt.f.Default) {
			t.Errorf("%s: problem value %q, want %q", tt.name, p.Value, tt.f.Default)
		}
	}
}

func TestValidateDefinitionPicklistValues(t *testing.T) {
	long := strings.Repeat("ü", 86)
	tests := []struct {
		name   string
		values []string
		want   []string // stored values when valid
		msgs   []string // exact problems, in order
	}{
		{"one", []string{"VIP"}, []string{"VIP"}, nil},
		{"order kept", []string{"Gold", "Silver", "Bronze"}, []string{"Gold", "Silver", "Bronze"}, nil},
		{"trimmed, blanks dropped", []string{" VIP ", "", "  ", "Gold"}, []string{"VIP", "Gold"}, nil},
		{"85 chars", []string{strings.Repeat("ü", 85)}, []string{strings.Repeat("ü", 85)}, nil},
		{"none", nil, nil, []string{"A picklist field needs at least one value."}},
		{"only blanks", []string{"", " "}, nil, []string{"A picklist field needs at least one value."}},
		{"twice ignoring case", []string{"VIP", "Gold", "vip"}, nil,
			[]string{`The picklist value "vip" is there twice (as "VIP"); values must differ by more than case.`}},
		{"twice non-ASCII", []string{"Ärger", "ärger"}, nil,
			[]string{`The picklist value "ärger" is there twice (as "Ärger"); values must differ by more than case.`}},
		{"twice after trimming", []string{"VIP", " VIP"}, nil,
			[]string{`The picklist value "VIP" is there twice (as "VIP"); values must differ by more than case.`}},
		{"too long", []string{"ok", long}, nil,
			[]string{`The picklist value "` + strings.Repeat("ü", 39) + `…" is 86 characters long; the limit is 85.`}},
		{"every problem", []string{"a", "A", long, "b", "B"}, nil, []string{
			`The picklist value "A" is there twice (as "a"); values must differ by more than case.`,
			`The picklist value "` + strings.Repeat("ü", 39) + `…" is 86 characters long; the limit is 85.`,
			`The picklist value "B" is there twice (as "b"); values must differ by more than case.`,
		}},
	}
	for _, tt := range tests {
		f := crm.Field{Key: "tier", Type: crm.TypePicklist, Values: tt.values}
		err := f.ValidateDefinition()
		if tt.msgs == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else if !reflect.DeepEqual(f.Values, tt.want) {
				t.Errorf("%s: Values = %q, want %q", tt.name, f.Values, tt.want)
			}
			continue
		}
		ps := problems(t, err)
		var msgs []string
		for _, p := range ps {
			if p.Field != "values" {
				t.Errorf("%s: problem on field %q, want values", tt.name, p.Field)
			}
			msgs = append(msgs, p.Message)
		}
		if !reflect.DeepEqual(msgs, tt.msgs) {
			t.Errorf("%s: problems\n%q\nwant\n%q", tt.name, msgs, tt.msgs)
		}
	}
}

func TestValidateDefinitionEveryProblem(t *testing.T) {
	f := crm.Field{Key: "Bad Name", Label: strings.Repeat("l", 40), Type: crm.TypePicklist}
	ps := problems(t, f.ValidateDefinition())
	var fields []string
	for _, p := range ps {
		fields = append(fields, p.Field)
	}
	if want := []string{"name", "label", "values"}; !reflect.DeepEqual(fields, want) {
		t.Errorf("problems on %q, want %q: %+v", fields, want, ps)
	}

	f = crm.Field{Key: "1x", Type: crm.TypeText, MaxLength: 5000}
	ps = problems(t, f.ValidateDefinition())
	if len(ps) != 2 || ps[0].Field != "name" || ps[1].Field != "max_length" || ps[1].Value != "5000" {
		t.Errorf("problems = %+v, want name and max_length (value 5000)", ps)
	}
}

func TestValidateChange(t *testing.T) {
	old := crm.Field{Key: "score", Label: "Score", Type: crm.TypeText, MaxLength: 20}
	allowed := []crm.Field{
		old,
		{Key: "score", Label: "Lead score", Type: crm.TypeText, MaxLength: 4000, Required: true, Default: "0"},
		{Key: " score ", Type: crm.TypeText}, // as a form may send it, before ValidateDefinition trims it
	}
	for _, u := range allowed {
		if err := crm.ValidateChange(old, u); err != nil {
			t.Errorf("ValidateChange(%+v) = %v, want nil", u, err)
		}
	}

	p := oneProblem(t, crm.ValidateChange(old, crm.Field{Key: "score", Type: crm.TypeNumber}))
	want := crm.Problem{Field: "type", Value: "number",
		Message: `The type of "score" is text and cannot be changed once saved; create a new field of type number instead.`}
	if p != want {
		t.Errorf("type change: problem %+v, want %+v", p, want)
	}

	p = oneProblem(t, crm.ValidateChange(old, crm.Field{Key: "lead_score", Type: crm.TypeText}))
	want = crm.Problem{Field: "name", Value: "lead_score",
		Message: `The name of "score" cannot be changed once saved; create a new field named "lead_score" instead.`}
	if p != want {
		t.Errorf("rename: problem %+v, want %+v", p, want)
	}

	ps := problems(t, crm.ValidateChange(old, crm.Field{Key: "when", Type: crm.TypeDate}))
	if len(ps) != 2 || ps[0].Field != "name" || ps[1].Field != "type" {
		t.Errorf("rename and type change: problems %+v, want name and type", ps)
	}
}

func TestValidatePicklistValues(t *testing.T) {
	ct := crm.StandardFields()[9]
	if ct.Key != crm.KeyCustomerType {
		t.Fatalf("field 9 is %s", ct.Key)
	}
	tests := []struct {
		values  []string
		want    []string
		wantMsg string
	}{
		{[]string{"Default"}, []string{"Default"}, ""},
		{[]string{"Retail", " Wholesale ", "", "Partner"}, []string{"Retail", "Wholesale", "Partner"}, ""},
		{[]string{strings.Repeat("x", 85)}, []string{strings.Repeat("x", 85)}, ""},
		{nil, nil, "A picklist field needs at least one value."},
		{[]string{" "}, nil, "A picklist field needs at least one value."},
		{[]string{"Retail", "RETAIL"}, nil, `The picklist value "RETAIL" is there twice (as "Retail"); values must differ by more than case.`},
		{[]string{strings.Repeat("x", 86)}, nil, "is 86 characters long; the limit is 85."},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.values)
		got, err := crm.ValidatePicklistValues(ct, tt.values)
		if !reflect.DeepEqual(tt.values, in) {
			t.Errorf("ValidatePicklistValues changed its input to %q", tt.values)
		}
		if tt.wantMsg == "" {
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ValidatePicklistValues(%q) = %q, %v; want %q", tt.values, got, err, tt.want)
			}
			continue
		}
		if got != nil {
			t.Errorf("ValidatePicklistValues(%q) returned values %q with an error", tt.values, got)
		}
		p := oneProblem(t, err)
		if p.Field != "values" || !strings.Contains(p.Message, tt.wantMsg) {
			t.Errorf("ValidatePicklistValues(%q): problem %+v, want values, %q", tt.values, p, tt.wantMsg)
		}
	}
}

// TestValidateDefinitionRefusesValuesOfOtherTypes: picklist values given for
// a field of another type are refused, not silently dropped, so that nobody
// believes them saved; an empty list is no values at all.
func TestValidateDefinitionRefusesValuesOfOtherTypes(t *testing.T) {
	f := crm.Field{Key: "notes", Type: crm.TypeText, Values: []string{"A", "B"}}
	p := oneProblem(t, f.ValidateDefinition())
	if want := "Values are for picklist fields only, not for a text field."; p.Field != "values" || p.Message != want {
		t.Errorf("problem %+v, want values: %q", p, want)
	}
	f = crm.Field{Key: "notes", Type: crm.TypeText, Values: []string{" "}}
	if err := f.ValidateDefinition(); err != nil || f.Values != nil {
		t.Errorf("blank values: %v, Values %q", err, f.Values)
	}
}

// TestPicklistLimit: a picklist holds at most MaxPicklistValues values, and
// a longer list is refused with one message, not one per value; duplicates
// are still found among the most values a list may hold.
func TestPicklistLimit(t *testing.T) {
	values := func(n int) []string {
		vs := make([]string, n)
		for i := range vs {
			vs[i] = fmt.Sprintf("Value %d", i)
		}
		return vs
	}
	f := crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: values(crm.MaxPicklistValues)}
	if err := f.ValidateDefinition(); err != nil {
		t.Fatalf("%d values: %v", crm.MaxPicklistValues, err)
	}
	for _, n := range []int{crm.MaxPicklistValues + 1, 20000} {
		f := crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: values(n)}
		ps := problems(t, f.ValidateDefinition())
		if len(ps) != 1 || ps[0].Field != "values" || !strings.Contains(ps[0].Message, fmt.Sprintf("at most %d values; this one has %d", crm.MaxPicklistValues, n)) {
			t.Errorf("%d values: %+v", n, ps)
		}
	}
	vs := append(values(crm.MaxPicklistValues-1), "VALUE 7")
	ps := problems(t, (&crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: vs}).ValidateDefinition())
	if len(ps) != 1 || !strings.Contains(ps[0].Message, `"VALUE 7" is there twice (as "Value 7")`) {
		t.Errorf("a duplicate among %d values: %+v", len(vs), ps)
	}
}

// TestValidateDefinitionDefaultWithOtherProblems: the default is checked whatever else
// is wrong with the definition, so that a form shows every problem at once;
// it is not checked against a type or values that are themselves wrong.
func TestValidateDefinitionDefaultWithOtherProblems(t *testing.T) {
	tests := []struct {
		name   string
		f      crm.Field
		fields []string // the fields of the problems, in order
	}{
		{"name, length and default", crm.Field{Key: "Shoe Size", Type: crm.TypeNumber, MaxLength: 300, Default: "large"}, []string{"name", "max_length", "default"}},
		{"label and default", crm.Field{Key: "since", Label: strings.Repeat("L", 33), Type: crm.TypeDate, Default: "2024-02-30"}, []string{"label", "default"}},
		{"default too long for no type", crm.Field{Key: "x", Type: "colour", Default: strings.Repeat("d", 86)}, []string{"type", "default"}},
		{"no type to check against", crm.Field{Key: "x", Type: "colour", Default: "red"}, []string{"type"}},
		{"values wrong", crm.Field{Key: "x", Type: crm.TypePicklist, Values: []string{"A", "a"}, Default: "B"}, []string{"values"}},
		{"length wrong, default fits the type", crm.Field{Key: "x", Type: crm.TypeText, MaxLength: 5000, Default: "hello"}, []string{"max_length"}},
	}
	for _, tt := range tests {
		f := tt.f
		var got []string
		if ve, ok := f.ValidateDefinition().(*crm.ValidationError); ok {
			for _, p := range ve.Problems {
				got = append(got, p.Field)
			}
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("%s: problems with %q, want %q", tt.name, got, tt.fields)
		}
	}
}
