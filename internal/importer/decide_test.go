package importer

import (
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// TestDecide takes the duplicate decision through its rules without a
// database: it is a function of the records, the customers found for them
// and the import's options, the same on every database (issue 10, item 2).
func TestDecide(t *testing.T) {
	sc := crm.NewSchema(nil, []string{"Default"})
	ann := &crm.Existing{Customer: &crm.Customer{AccountNumber: 10000001, Values: map[string]string{
		"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "company": "Acme", "customer_type": "Default"}}}
	mine := &crm.Existing{ImportID: 7, ImportLine: 2, Customer: &crm.Customer{AccountNumber: 10000002, Values: map[string]string{
		"first_name": "Bo", "last_name": "Ng", "email": "bo@example.com", "customer_type": "Default"}}}
	byEmail := map[string]*crm.Existing{"ann@example.com": ann, "bo@example.com": mine}
	byAccount := map[int64]*crm.Existing{ann.Customer.AccountNumber: ann, mine.Customer.AccountNumber: mine}
	var all []string // as if the file had a column for every field
	for _, f := range sc.Fields {
		all = append(all, f.Key)
	}

	// rec is a validated record at line with an email and, unless 0, the
	// account number it names.
	rec := func(line int, email string, account int64, values ...string) *record {
		c := &crm.Customer{Values: map[string]string{"email": email}}
		for i := 0; i+1 < len(values); i += 2 {
			c.Values[values[i]] = values[i+1]
		}
		return &record{line: line, customer: c, emailKey: store.EmailKey(email), account: account}
	}
	type want struct{ outcome, message string }
	tests := []struct {
		name    string
		d       decider
		records []*record
		want    []want
	}{
		{"reject: a new email creates, a known one is refused",
			decider{sc: sc, policy: crm.DuplicateReject, importID: 7},
			[]*record{rec(2, "cy@example.com", 0, "first_name", "Cy", "last_name", "Po"), rec(3, "ANN@example.com", 0, "first_name", "A", "last_name", "L")},
			[]want{{"created", ""}, {"rejected", "already belongs to customer 10000001"}}},
		{"skip: a known email is skipped",
			decider{sc: sc, policy: crm.DuplicateSkip, importID: 7},
			[]*record{rec(2, "ann@example.com", 0, "first_name", "A", "last_name", "L")},
			[]want{{"skipped", ""}}},
		{"update: a known email updates, keeping the values the file leaves blank",
			decider{sc: sc, policy: crm.DuplicateUpdate, partial: true, importID: 7, mapped: all},
			[]*record{rec(2, "ann@example.com", 0, "last_name", "New")},
			[]want{{"updated", ""}}},
		{"an email twice in the file: the second row is refused, naming the first",
			decider{sc: sc, policy: crm.DuplicateReject, importID: 7},
			[]*record{rec(2, "cy@example.com", 0, "first_name", "C", "last_name", "P"), rec(3, "CY@example.com", 0, "first_name", "C", "last_name", "Q")},
			[]want{{"created", ""}, {"rejected", "also on line 2 of this file"}}},
		{"an account number no customer has is refused",
			decider{sc: sc, policy: crm.DuplicateUpdate, partial: true, importID: 7, mapped: all},
			[]*record{rec(2, "", 10000099, "last_name", "X")},
			[]want{{"rejected", "does not belong to any customer"}}},
		{"update: two rows that resolve to one customer, by account and by email",
			decider{sc: sc, policy: crm.DuplicateUpdate, partial: true, importID: 7, mapped: all},
			[]*record{rec(2, "", 10000001, "company", "A"), rec(3, "ann@example.com", 0, "company", "B")},
			[]want{{"updated", ""}, {"rejected", "line 2 of this file already updates"}}},
		{"a customer an earlier batch of this import wrote is an in-file duplicate",
			decider{sc: sc, policy: crm.DuplicateSkip, importID: 7},
			[]*record{rec(5, "bo@example.com", 0, "first_name", "B", "last_name", "N")},
			[]want{{"rejected", "also on line 2 of this file"}}},
		{"...but not in a dry run, which wrote nothing",
			decider{sc: sc, policy: crm.DuplicateSkip, seen: map[string]int{}},
			[]*record{rec(5, "bo@example.com", 0, "first_name", "B", "last_name", "N")},
			[]want{{"skipped", ""}}},
		{"an update that would leave the customer invalid is refused",
			decider{sc: sc, policy: crm.DuplicateUpdate, partial: true, importID: 7, mapped: all},
			[]*record{rec(2, "ann@example.com", 0, "email", "not an email")},
			[]want{{"rejected", ""}}},
		{"a record that would create a customer needs every required field",
			decider{sc: sc, policy: crm.DuplicateUpdate, partial: true, importID: 7, mapped: all},
			[]*record{rec(2, "new@example.com", 0, "company", "X")},
			[]want{{"rejected", "would be created"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creates, updates, befores := tt.d.decide(tt.records, byEmail, byAccount)
			for i, r := range tt.records {
				msg := ""
				if len(r.errs) > 0 {
					msg = r.errs[0].Message
				}
				if r.outcome != tt.want[i].outcome || !strings.Contains(msg, tt.want[i].message) {
					t.Errorf("line %d: %s %q, want %s %q", r.line, r.outcome, msg, tt.want[i].outcome, tt.want[i].message)
				}
			}
			if len(creates)+len(updates) != countOutcomes(tt.records, "created", "updated") || len(befores) != len(updates) {
				t.Errorf("%d creates, %d updates, %d befores for %d records", len(creates), len(updates), len(befores), len(tt.records))
			}
			for i, r := range updates {
				if befores[i] != byAccount[r.customer.AccountNumber].Customer {
					t.Errorf("update of %d: before is not the customer found", r.customer.AccountNumber)
				}
			}
		})
	}

	// An update merges: the values the file gives replace, the others stay.
	d := decider{sc: sc, policy: crm.DuplicateUpdate, partial: true, importID: 7, mapped: all}
	r := rec(2, "ann@example.com", 0, "last_name", "New")
	d.decide([]*record{r}, byEmail, byAccount)
	if got := r.customer; got.AccountNumber != 10000001 || got.Get("last_name") != "New" || got.Get("company") != "Acme" || got.Get("first_name") != "Ann" {
		t.Errorf("updated customer = %d %v, want Ann's with the new last name", got.AccountNumber, got.Values)
	}
	if ann.Customer.Get("last_name") != "Lee" {
		t.Errorf("the customer found was changed in place: %v", ann.Customer.Values)
	}
	if want := []crm.Change{{Field: "last_name", Before: "Lee", After: "New"}}; !reflect.DeepEqual(r.changes, want) {
		t.Errorf("changes = %+v, want %+v", r.changes, want)
	}

	// The import's update rules decide field by field.
	d.update = crm.UpdateRules{Default: crm.RuleFillEmpty, Fields: map[string]crm.UpdateRule{"first_name": crm.RuleKeep},
		BlankClears: []string{"company"}}
	r = rec(2, "ann@example.com", 0, "first_name", "Anne", "last_name", "New", "voice", "555 0100")
	d.decide([]*record{r}, byEmail, byAccount)
	// fill-empty leaves company: blank clears needs overwrite
	if want := []crm.Change{{Field: "voice", Before: "", After: "555 0100"}}; r.outcome != "updated" || !reflect.DeepEqual(r.changes, want) || r.customer.Get("first_name") != "Ann" || r.customer.Get("last_name") != "Lee" {
		t.Errorf("with rules: %s, changes %+v, customer %v; want only voice filled", r.outcome, r.changes, r.customer.Values)
	}
	d.update = crm.UpdateRules{BlankClears: []string{"company"}}
	r = rec(2, "ann@example.com", 0)
	d.decide([]*record{r}, byEmail, byAccount)
	if want := []crm.Change{{Field: "company", Before: "Acme", After: ""}}; !reflect.DeepEqual(r.changes, want) || r.customer.Get("company") != "" {
		t.Errorf("blank clears: changes %+v, customer %v; want company cleared", r.changes, r.customer.Values)
	}
}

func countOutcomes(rs []*record, outcomes ...string) int {
	n := 0
	for _, r := range rs {
		for _, o := range outcomes {
			if r.outcome == o {
				n++
			}
		}
	}
	return n
}
