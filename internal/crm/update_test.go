package crm_test

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestUpdateRulesApply checks each rule, with values, blank cells and
// "blank clears", against a customer that has some values and lacks others.
func TestUpdateRulesApply(t *testing.T) {
	old := map[string]string{"first_name": "Ann", "company": "Acme", "comments": "VIP"}
	mapped := []string{"account_number", "first_name", "company", "voice", "comments"}
	tests := []struct {
		name   string
		rules  crm.UpdateRules
		values map[string]string // the record's; a mapped key missing had a blank cell
		want   map[string]string
		change []crm.Change
	}{
		{"overwrite replaces and fills; blanks never erase", crm.UpdateRules{},
			map[string]string{"company": "Globex", "voice": "555"},
			map[string]string{"first_name": "Ann", "company": "Globex", "voice": "555", "comments": "VIP"},
			[]crm.Change{{"company", "Acme", "Globex"}, {"voice", "", "555"}}},
		{"fill-empty only fills", crm.UpdateRules{Default: crm.RuleFillEmpty},
			map[string]string{"first_name": "Anna", "company": "Globex", "voice": "555"},
			map[string]string{"first_name": "Ann", "company": "Acme", "voice": "555", "comments": "VIP"},
			[]crm.Change{{"voice", "", "555"}}},
		{"keep never changes", crm.UpdateRules{Default: crm.RuleKeep},
			map[string]string{"first_name": "Anna", "company": "Globex", "voice": "555"},
			old, nil},
		{"a field's rule overrides the default",
			crm.UpdateRules{Default: crm.RuleKeep, Fields: map[string]crm.UpdateRule{"company": crm.RuleOverwrite}},
			map[string]string{"first_name": "Anna", "company": "Globex", "voice": "555"},
			map[string]string{"first_name": "Ann", "company": "Globex", "comments": "VIP"},
			[]crm.Change{{"company", "Acme", "Globex"}}},
		{"blank clears only the fields chosen", crm.UpdateRules{BlankClears: []string{"comments", "voice"}},
			map[string]string{},
			map[string]string{"first_name": "Ann", "company": "Acme"},
			[]crm.Change{{"comments", "VIP", ""}}},
		{"blank clears does not override keep",
			crm.UpdateRules{Fields: map[string]crm.UpdateRule{"comments": crm.RuleKeep}, BlankClears: []string{"comments"}},
			map[string]string{}, old, nil},
		{"same values are no change", crm.UpdateRules{},
			map[string]string{"first_name": "Ann", "company": "Acme"}, old, nil},
	}
	for _, tt := range tests {
		c := &crm.Customer{Values: maps.Clone(old)}
		got := tt.rules.Apply(c, tt.values, mapped)
		if !reflect.DeepEqual(got, tt.change) {
			t.Errorf("%s: changes = %q, want %q", tt.name, got, tt.change)
		}
		if !reflect.DeepEqual(c.Values, tt.want) {
			t.Errorf("%s: Values = %q, want %q", tt.name, c.Values, tt.want)
		}
	}
}

func TestUpdateRulesCheck(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	good := crm.UpdateRules{Fields: map[string]crm.UpdateRule{"company": "keep", "voice": ""}, BlankClears: []string{"comments"}}
	if err := good.Check(sc); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if good.Default != crm.RuleOverwrite || good.Fields["voice"] != crm.RuleOverwrite {
		t.Errorf("Check did not fill the default rule: %+v", good)
	}
	bad := crm.UpdateRules{Default: "replace", Fields: map[string]crm.UpdateRule{"shoe_size": "keep", "account_number": "keep", "company": "merge"},
		BlankClears: []string{"first_name", "nope"}}
	err := bad.Check(sc)
	for _, want := range []string{
		`"replace" is not an update rule; the rules are overwrite, fill-empty and keep.`,
		`Account Number finds the customer to update and never changes`,
		`The rule for Company: "merge" is not an update rule`,
		`An update rule names "shoe_size", which is not a field`,
		`First Name must always have a value, so a blank cell cannot clear it.`,
		`"Blank clears" names "nope", which is not a field`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(bad) = %v, want it to say %q", err, want)
		}
	}
}
