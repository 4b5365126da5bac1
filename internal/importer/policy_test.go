package importer

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestDuplicateEmailInFile checks that a later row with an email already on
// an earlier row is rejected, naming that row, whatever the case of the
// address, whether or not the two rows are in the same batch, and whatever
// the duplicate policy.
func TestDuplicateEmailInFile(t *testing.T) {
	const file = "first_name,last_name,email\n" +
		"Ann,One,ann@example.com\n" + // 2
		"Ann,Again,ANN@Example.COM\n" + // 3: same batch as line 2
		"Bob,Two,bob@example.com\n" + // 4
		"Cy,Three,cy@example.com\n" + // 5
		"Di,Four,di@example.com\n" + // 6
		"Ed,Five,ed@example.com\n" + // 7
		"Fay,Six,fay@example.com\n" + // 8
		"Bob,Later,Bob@example.com\n" // 9: five rows after line 4, three batches on
	for _, policy := range []crm.DuplicatePolicy{crm.DuplicateReject, crm.DuplicateSkip, crm.DuplicateUpdate} {
		t.Run(string(policy), func(t *testing.T) {
			e := newEnv(t)
			imp := e.loadString(file, crm.ImportOptions{BatchSize: 2, OnDuplicate: policy})
			wantCounts(t, imp, crm.ImportCounts{Records: 8, Created: 6, Rejected: 2, Batches: 4})
			const repeat = " of this file; each email may appear only once. Remove or merge one of the two rows."
			wantErrors(t, e.errors(imp), []crm.RowError{
				rowErr(3, "email", "ANN@Example.COM", "Email ANN@Example.COM is also on line 2"+repeat),
				rowErr(9, "email", "Bob@example.com", "Email Bob@example.com is also on line 4"+repeat),
			})
			if got := e.mustEmail("ann@example.com").Get("last_name"); got != "One" {
				t.Errorf("the first row's customer was changed: last name %q", got)
			}
			if got := e.mustEmail("bob@example.com").Get("last_name"); got != "Two" {
				t.Errorf("the first row's customer was changed: last name %q", got)
			}
		})
	}
}

// existing sets up a customer file with two customers and returns their
// account numbers.
func existing(e *env) (ann, bob int64) {
	ann = e.customer(map[string]string{"first_name": "Ann", "last_name": "Old", "email": "ann@example.com",
		"company": "Acme", "voice": "+1 555 0100", "comments": "keep me"})
	bob = e.customer(map[string]string{"first_name": "Bob", "last_name": "Old", "email": "bob@example.com"})
	return ann, bob
}

// TestDuplicatePolicyReject checks the default policy: a record whose email
// belongs to an existing customer is rejected, naming that customer.
func TestDuplicatePolicyReject(t *testing.T) {
	e := newEnv(t)
	ann, _ := existing(e)
	before := e.mustEmail("ann@example.com")
	imp := e.loadString("first_name,last_name,email,company\n"+
		"Ann,New,ANN@example.com,Globex\n"+
		"Cy,New,cy@example.com,\n", crm.ImportOptions{})
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Created: 1, Rejected: 1, Batches: 1})
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(2, "email", "ANN@example.com", `Email ANN@example.com already belongs to customer `+itoa(int(ann))+`. To update existing customers, import with the duplicate policy "update"; to leave them as they are, "skip".`),
	})
	if after := e.mustEmail("ann@example.com"); !maps.Equal(after.Values, before.Values) {
		t.Errorf("customer changed from %v to %v", before.Values, after.Values)
	}
}

// TestDuplicatePolicySkip checks that skipped records are counted as such,
// reported with the existing customer's account number, and change nothing.
func TestDuplicatePolicySkip(t *testing.T) {
	e := newEnv(t)
	ann, _ := existing(e)
	before := e.mustEmail("ann@example.com")
	imp := e.loadString("first_name,last_name,email,company\n"+
		"Ann,New,ann@EXAMPLE.com,Globex\n"+
		"Cy,New,cy@example.com,\n", crm.ImportOptions{OnDuplicate: crm.DuplicateSkip})
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Created: 1, Skipped: 1, Batches: 1})
	if after := e.mustEmail("ann@example.com"); !maps.Equal(after.Values, before.Values) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("skipped customer changed from %v to %v", before.Values, after.Values)
	}
	rep := e.report(imp.ID)
	if got, want := rep[1], []string{"2", "skipped", itoa(int(ann)), "", "2", "Ann New", "ann@EXAMPLE.com"}; !slices.Equal(got, want) {
		t.Errorf("report row = %q, want %q", got, want)
	}
	if e.count() != 3 {
		t.Errorf("%d customers, want 3", e.count())
	}
}

// TestDuplicatePolicyUpdate checks that an update writes the record's
// non-blank values, never erases a value with a blank cell, and records the
// values it replaced so that the import can be reverted.
func TestDuplicatePolicyUpdate(t *testing.T) {
	e := newEnv(t)
	e.field(crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}})
	ann, bob := existing(e)
	before := e.mustEmail("ann@example.com")
	imp := e.loadString("first_name,last_name,email,company,voice,comments,tier\n"+
		"Ann,New,ANN@example.com,,  ,new comment,gold\n"+ // 2: updates Ann
		"Bob,,bob@example.com,Initech,,,\n"+ // 3: updates Bob's company only
		"Cy,New,cy@example.com,,,,\n", // 4: creates
		crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate})
	wantCounts(t, imp, crm.ImportCounts{Records: 3, Created: 1, Updated: 2, Batches: 1})
	if errs := e.errors(imp); len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}

	got := e.mustEmail("ann@example.com")
	// The email found the customer; it is written as the file spells it.
	want := map[string]string{"first_name": "Ann", "last_name": "New", "email": "ANN@example.com",
		"company": "Acme", "voice": "+1 555 0100", "comments": "new comment", "customer_type": "Default", "tier": "Gold"}
	if got.AccountNumber != ann || !maps.Equal(got.Values, want) {
		t.Errorf("Ann after the update: %d %v\nwant %d %v", got.AccountNumber, got.Values, ann, want)
	}
	if got := e.mustEmail("bob@example.com"); got.AccountNumber != bob || got.Get("company") != "Initech" || got.Get("last_name") != "Old" {
		t.Errorf("Bob after the update: %v", got.Values)
	}

	// The values before the update are kept, per customer, with the line.
	rows, err := e.sql().QueryContext(e.ctx, `SELECT account_number, line, before FROM import_changes WHERE import_id = $1 ORDER BY line`, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var changes []int64
	for rows.Next() {
		var acct int64
		var line int
		var raw string
		if err := rows.Scan(&acct, &line, &raw); err != nil {
			t.Fatal(err)
		}
		changes = append(changes, acct)
		var prev map[string]string
		if err := json.Unmarshal([]byte(raw), &prev); err != nil {
			t.Fatalf("before of %d: %v", acct, err)
		}
		if acct == ann {
			if line != 2 {
				t.Errorf("Ann's change is on line %d, want 2", line)
			}
			for _, k := range []string{"last_name", "comments"} {
				if prev[k] != before.Get(k) {
					t.Errorf("recorded %s before the update = %q, want %q", k, prev[k], before.Get(k))
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0] != ann || changes[1] != bob {
		t.Errorf("import_changes holds %v, want [%d %d]", changes, ann, bob)
	}
}

// TestUpdateByAccountNumber checks that a mapped account number finds the
// customer to update, and that numbers that are not customers, are not
// numbers, or disagree with the email are rejected with what to do.
func TestUpdateByAccountNumber(t *testing.T) {
	e := newEnv(t)
	ann, bob := existing(e)
	a, b := itoa(int(ann)), itoa(int(bob))
	imp := e.loadString("Account Number,first_name,last_name,email,company\n"+
		a+",,,,Umbrella\n"+ // 2: updates Ann by number alone
		"10000099,Zed,Z,,\n"+ // 3: no such customer
		"12ab,Yan,Y,,\n"+ // 4: not a number
		b+",,,ann@example.com,\n"+ // 5: Ann's email on Bob's row
		",Cy,New,cy@example.com,\n"+ // 6: blank: creates
		a+",,,,Again\n", // 7: Ann twice
		crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate, BatchSize: 2})
	wantCounts(t, imp, crm.ImportCounts{Records: 6, Created: 1, Updated: 1, Rejected: 4, Batches: 3})
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(3, "account_number", "10000099", "Account Number 10000099 does not belong to any customer. Account numbers are given by localcrm; leave the cell blank to create a new customer."),
		rowErr(4, "account_number", "12ab", "Account Number must be the 8-digit number localcrm gave an existing customer, such as 10000042."),
		rowErr(5, "email", "ann@example.com", "Email ann@example.com already belongs to customer "+a+", not to customer "+b+"; an email may belong to one customer only."),
		rowErr(7, "account_number", a, "Account Number "+a+" is also on line 2 of this file; each customer may appear only once. Merge the two rows."),
	})
	got := e.mustEmail("ann@example.com")
	if got.Get("company") != "Umbrella" || got.Get("first_name") != "Ann" || got.Get("comments") != "keep me" {
		t.Errorf("Ann after an update by account number: %v", got.Values)
	}
	if got := e.mustEmail("bob@example.com"); got.Get("email") != "bob@example.com" {
		t.Errorf("Bob's email changed: %v", got.Values)
	}
}

// TestAccountNumberUnderRejectPolicy checks that an account number names an
// existing customer under the reject and skip policies too.
func TestAccountNumberUnderRejectPolicy(t *testing.T) {
	e := newEnv(t)
	ann, _ := existing(e)
	a := itoa(int(ann))
	imp := e.loadString("account_number,first_name,last_name\n"+a+",Ann,New\n", crm.ImportOptions{})
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(2, "account_number", a, "Account Number "+a+` is an existing customer. To update existing customers, import with the duplicate policy "update"; to leave them as they are, "skip".`),
	})
	imp = e.loadString("account_number,first_name,last_name\n"+a+",Ann,New\n", crm.ImportOptions{OnDuplicate: crm.DuplicateSkip})
	wantCounts(t, imp, crm.ImportCounts{Records: 1, Skipped: 1, Batches: 1})
	if got := e.mustEmail("ann@example.com").Get("last_name"); got != "Old" {
		t.Errorf("last name = %q after a skip", got)
	}
}

// TestUpdateWithoutNames checks that an update may leave First and Last
// Name unmapped when email is mapped, and that a record that would then
// create a customer without names is rejected, saying why.
func TestUpdateWithoutNames(t *testing.T) {
	e := newEnv(t)
	existing(e)
	const file = "email,company\nann@example.com,Globex\nnew@example.com,Hooli\n"

	// Under the reject policy the names are required.
	p := e.create("names.csv", []byte(file))
	_, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping})
	var v *crm.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 2 {
		t.Fatalf("Configure without names under reject: %v, want two problems", err)
	}

	imp := e.loadString(file, crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate})
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Updated: 1, Rejected: 1, Batches: 1})
	const why = " (No customer has this record's email or account number, so it would be created.)"
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(3, "first_name", "", "First Name must have a value."+why),
		rowErr(3, "last_name", "", "Last Name must have a value."+why),
	})
	if got := e.mustEmail("ann@example.com"); got.Get("company") != "Globex" || got.Get("first_name") != "Ann" {
		t.Errorf("Ann after the update: %v", got.Values)
	}
	if e.byEmail("new@example.com") != nil {
		t.Error("a customer without names was created")
	}
}

// TestDuplicateAcrossResume checks that a resumed import still rejects a
// row that repeats the email of a row committed before the interruption.
func TestDuplicateAcrossResume(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(string(people(30)), "person25@", "PERSON3@", 1) // line 26 repeats line 4
	imp := e.prepare("people.csv", []byte(body), crm.ImportOptions{BatchSize: 5})
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	imp, err := e.im.Start(ctx, imp.ID, func(p Progress) {
		if p.Import.Counts.Batches == 2 {
			cancel()
		}
	})
	if err != nil || imp.Status != crm.ImportInterrupted {
		t.Fatalf("Start: %v, %s", err, imp.Status)
	}
	imp, err = e.im.Resume(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 30, Created: 29, Rejected: 1, Batches: 6})
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(26, "email", "PERSON3@example.com", "Email PERSON3@example.com is also on line 4 of this file; each email may appear only once. Remove or merge one of the two rows."),
	})
}
