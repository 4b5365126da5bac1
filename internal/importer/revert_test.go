package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/store"
)

// export is the customer file as `localcrm export` writes it.
func (e *env) export() string {
	e.t.Helper()
	var b bytes.Buffer
	if _, err := Export(e.ctx, e.st, "csv", &b); err != nil {
		e.t.Fatal(err)
	}
	return b.String()
}

// revert reverts import id to the end.
func (e *env) revert(id int64, force bool) *crm.Revert {
	e.t.Helper()
	rv, err := e.im.Revert(e.ctx, id, force, nil)
	if err != nil {
		e.t.Fatalf("revert import %d: %v", id, err)
	}
	return rv
}

// edit changes a customer by hand.
func (e *env) edit(account int64, key, value string) {
	e.t.Helper()
	_, err := e.st.UpdateCustomer(e.ctx, account, func(c *crm.Customer) error {
		c.Set(key, value)
		return nil
	})
	if err != nil {
		e.t.Fatalf("edit customer %d: %v", account, err)
	}
}

// revertItems is import id's revert report, by account number.
func (e *env) revertItems(id int64) map[int64]crm.RevertItem {
	e.t.Helper()
	items := map[int64]crm.RevertItem{}
	err := e.st.EachRevertItem(e.ctx, id, func(item crm.RevertItem) error {
		items[item.AccountNumber] = item
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return items
}

var updating = crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate}

// TestRevertRestoresExport: an import that created and updated customers,
// custom fields included, reverted, leaves the file as it was, byte for
// byte; the revert is recorded with its counts and report, and neither a
// second revert nor a resume of the import is possible.
func TestRevertRestoresExport(t *testing.T) {
	e := newEnv(t)
	e.field(crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText, MaxLength: 20})
	ann := e.customer(map[string]string{"first_name": "Ann", "last_name": "Old", "email": "ann@example.com", "tier": "gold"})
	bob := e.customer(map[string]string{"first_name": "Bob", "last_name": "Stays", "email": "bob@example.com"})
	before := e.export()

	imp := e.loadString("first_name,last_name,email,company,tier\n"+
		"Ann,New,ann@example.com,Acme,silver\n"+ // 2: updates Ann
		"Carl,Added,carl@example.com,,\n"+ // 3: creates
		"Dora,Added,dora@example.com,Beta,bronze\n", updating) // 4: creates
	wantCounts(t, imp, crm.ImportCounts{Records: 3, Created: 2, Updated: 1, Batches: 1})
	if e.export() == before {
		t.Fatal("the import changed nothing")
	}

	preview, err := e.im.PreviewRevert(e.ctx, imp.ID, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := (crm.RevertCounts{Deleted: 2, Restored: 1}); preview.Counts != want {
		t.Errorf("preview counts %+v, want %+v", preview.Counts, want)
	}
	rv := e.revert(imp.ID, false)
	if rv.Status != crm.RevertCompleted || rv.Counts != preview.Counts || rv.FinishedAt.IsZero() {
		t.Errorf("revert %+v, want completed with the preview's counts %+v", rv, preview.Counts)
	}
	if got := e.export(); got != before {
		t.Errorf("export after the revert:\n%s\nwant, as before the import:\n%s", got, before)
	}
	items := e.revertItems(imp.ID)
	if len(items) != 3 || items[ann].Action != crm.RevertRestored || items[ann].Line != 2 {
		t.Errorf("report %+v: want 3 lines, Ann restored from line 2", items)
	}
	if _, ok := items[bob]; ok {
		t.Errorf("the report lists Bob, whom the import did not touch")
	}
	var report bytes.Buffer
	if err := e.im.WriteRevertReport(e.ctx, imp.ID, &report); err != nil {
		t.Fatal(err)
	}
	if want := "line,account_number,action,reason\r\n2,"; !strings.HasPrefix(report.String(), want) {
		t.Errorf("report CSV %q, want it to begin %q", report.String(), want)
	}

	if got, err := e.im.Get(e.ctx, imp.ID); err != nil || got.Revert == nil || got.Revert.Status != crm.RevertCompleted {
		t.Errorf("import after revert: %+v, %v; want its revert shown", got, err)
	}
	_, err = e.im.Revert(e.ctx, imp.ID, false, nil)
	if !errors.Is(err, crm.ErrConflict) || !strings.Contains(err.Error(), "reverted once") {
		t.Errorf("second revert: %v, want a conflict saying an import is reverted once", err)
	}
	e.exec(fmt.Sprintf(`UPDATE imports SET status = 'failed' WHERE id = %d`, imp.ID))
	if _, err := e.im.Resume(e.ctx, imp.ID, nil); err == nil || !strings.Contains(err.Error(), "was reverted") {
		t.Errorf("resume of a reverted import: %v, want refused", err)
	}
}

// TestRevertKeepsChangedCustomers: customers changed after the import, by
// hand or by another import, are kept and listed with why; force restores
// the updated ones all the same, never deletes a changed new one; one
// deleted since is nothing to do.
func TestRevertKeepsChangedCustomers(t *testing.T) {
	e := newEnv(t)
	ann := e.customer(map[string]string{"first_name": "Ann", "last_name": "Old", "email": "ann@example.com"})
	bob := e.customer(map[string]string{"first_name": "Bob", "last_name": "Old", "email": "bob@example.com"})
	cat := e.customer(map[string]string{"first_name": "Cat", "last_name": "Old", "email": "cat@example.com"})
	imp := e.loadString("first_name,last_name,email\n"+
		"Ann,New,ann@example.com\n"+ // 2
		"Bob,New,bob@example.com\n"+ // 3
		"Cat,New,cat@example.com\n"+ // 4
		"Dan,Added,dan@example.com\n"+ // 5
		"Eve,Added,eve@example.com\n", updating) // 6
	dan, eve := e.mustEmail("dan@example.com").AccountNumber, e.mustEmail("eve@example.com").AccountNumber
	e.edit(ann, "company", "Edited")
	e.edit(dan, "company", "Edited")
	later := e.loadString("first_name,last_name,email\nBob,Later,bob@example.com\n", updating)
	if err := e.st.DeleteCustomer(e.ctx, cat); err != nil {
		t.Fatal(err)
	}

	preview, err := e.im.PreviewRevert(e.ctx, imp.ID, false, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := (crm.RevertCounts{Deleted: 1, Kept: 3, Missing: 1}); preview.Counts != want || len(preview.Kept) != 3 {
		t.Errorf("preview %+v, want counts %+v and the 3 kept listed", preview, want)
	}
	forced, err := e.im.PreviewRevert(e.ctx, imp.ID, true, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := (crm.RevertCounts{Deleted: 1, Restored: 2, Kept: 1, Missing: 1}); forced.Counts != want {
		t.Errorf("forced preview %+v, want %+v", forced.Counts, want)
	}

	rv := e.revert(imp.ID, false)
	if rv.Counts != preview.Counts {
		t.Errorf("revert counts %+v, want the preview's %+v", rv.Counts, preview.Counts)
	}
	items := e.revertItems(imp.ID)
	for account, want := range map[int64]string{
		ann: "Updated by line 2, then edited by hand: kept",
		bob: fmt.Sprintf("Updated by line 3, then changed by import %d (line 2): kept", later.ID),
		cat: "Updated by line 4, and deleted since: nothing to do",
		dan: "Created by the import, then edited by hand: kept",
		eve: "Created by line 6",
	} {
		if got := items[account].Reason; !strings.HasPrefix(got, want) {
			t.Errorf("customer %d: %q, want %q", account, got, want)
		}
	}
	if got := e.mustEmail("ann@example.com"); got.Get("last_name") != "New" || got.Get("company") != "Edited" {
		t.Errorf("Ann after the revert: %v, want as edited", got.Values)
	}
	if e.byEmail("dan@example.com") == nil || e.byEmail("eve@example.com") != nil {
		t.Errorf("Dan (edited) must stay and Eve (untouched) go")
	}
	// Reverting the later import gives Bob back as the first one left him.
	e.revert(later.ID, false)
	if got := e.mustEmail("bob@example.com").Get("last_name"); got != "New" {
		t.Errorf("Bob after reverting the later import: %q, want New, as the first import left him", got)
	}
}

// TestRevertForce: with force, a customer changed since the import gets
// its values from before the import back.
func TestRevertForce(t *testing.T) {
	e := newEnv(t)
	ann := e.customer(map[string]string{"first_name": "Ann", "last_name": "Old", "email": "ann@example.com"})
	before := e.export()
	imp := e.loadString("first_name,last_name,email\nAnn,New,ann@example.com\n", updating)
	e.edit(ann, "company", "Edited")
	rv := e.revert(imp.ID, true)
	if rv.Counts != (crm.RevertCounts{Restored: 1}) || !rv.Force {
		t.Errorf("forced revert %+v, want 1 restored", rv)
	}
	if got := e.export(); got != before {
		t.Errorf("export %q, want %q", got, before)
	}
}

// TestRevertLaterThenEarlier: reverting the later of two imports of the
// same customers, then the earlier, gives the file back as it was before
// both: a revert gives back which import changed a customer last, too.
func TestRevertLaterThenEarlier(t *testing.T) {
	e := newEnv(t)
	e.customer(map[string]string{"first_name": "Ann", "last_name": "One", "email": "ann@example.com"})
	before := e.export()
	first := e.loadString("first_name,last_name,email\nAnn,Two,ann@example.com\nBen,New,ben@example.com\n", updating)
	second := e.loadString("first_name,last_name,email\nAnn,Three,ann@example.com\nBen,Newer,ben@example.com\n", updating)
	e.revert(second.ID, false)
	rv := e.revert(first.ID, false)
	if rv.Counts != (crm.RevertCounts{Deleted: 1, Restored: 1}) {
		t.Errorf("revert of the first import %+v, want Ben deleted and Ann restored", rv.Counts)
	}
	if got := e.export(); got != before {
		t.Errorf("export %q, want %q", got, before)
	}
}

// TestRevertEmails: an import that moved an email from one customer to
// another (one update frees it, a later line takes it) is undone in the
// reverse order, so every email comes back to its owner; an email taken
// since by someone else keeps the customer as it is, saying who has it.
func TestRevertEmails(t *testing.T) {
	e := newEnv(t)
	ann := e.customer(map[string]string{"first_name": "Ann", "last_name": "A", "email": "shared@example.com"})
	bob := e.customer(map[string]string{"first_name": "Bob", "last_name": "B", "email": "bob@example.com"})
	before := e.export()
	file := fmt.Sprintf("account_number,first_name,last_name,email\n%d,Ann,A,ann@example.com\n%d,Bob,B,shared@example.com\n,New,N,bob@example.com\n", ann, bob)
	imp := e.loadString(file, crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate, BatchSize: 1}) // a batch sees the emails earlier ones freed
	wantCounts(t, imp, crm.ImportCounts{Records: 3, Created: 1, Updated: 2, Batches: 3, Changes: map[string]int{"email": 2}})
	e.revert(imp.ID, false)
	if got := e.export(); got != before {
		t.Errorf("export %q, want %q", got, before)
	}

	again := e.loadString(fmt.Sprintf("account_number,first_name,last_name,email\n%d,Ann,A,ann2@example.com\n", ann), updating)
	carl := e.customer(map[string]string{"first_name": "Carl", "last_name": "C", "email": "shared@example.com"})
	rv := e.revert(again.ID, false)
	if rv.Counts != (crm.RevertCounts{Kept: 1}) {
		t.Errorf("revert %+v, want Ann kept", rv.Counts)
	}
	if got := e.revertItems(again.ID)[ann].Reason; !strings.Contains(got, fmt.Sprintf("shared@example.com, now belongs to customer %d", carl)) {
		t.Errorf("reason %q, want it to name Carl as the email's holder", got)
	}
}

// TestRevertRefused: an import that never ran, or runs, cannot be
// reverted, and says what to do instead.
func TestRevertRefused(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("people.csv", people(3), crm.ImportOptions{})
	_, err := e.im.Revert(e.ctx, imp.ID, false, nil)
	if !errors.Is(err, crm.ErrConflict) || !strings.Contains(err.Error(), "never ran") {
		t.Errorf("revert of a pending import: %v, want a conflict saying it never ran", err)
	}
	if _, err := e.im.PreviewRevert(e.ctx, imp.ID, false, 10); err == nil || !strings.Contains(err.Error(), "never ran") {
		t.Errorf("preview of a pending import: %v, want refused", err)
	}
	if _, err := e.im.Revert(e.ctx, 999, false, nil); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("revert of no import: %v, want not found", err)
	}
}

// TestRevertResumes: a revert stopped between batches goes on where it
// stopped when asked again, and the result is as if it had not stopped.
func TestRevertResumes(t *testing.T) {
	e := newEnv(t)
	before := e.export()
	imp := e.load("people.csv", people(2*store.RevertBatch+10), crm.ImportOptions{})
	ctx, cancel := context.WithCancel(e.ctx)
	batches := 0
	_, err := e.im.Revert(ctx, imp.ID, false, func(rv *crm.Revert) {
		if batches++; batches == 2 {
			cancel() // after the first batch committed
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped revert: %v, want canceled", err)
	}
	got, err := e.im.Get(e.ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revert.Status != crm.RevertRunning || got.Revert.Counts.Deleted != store.RevertBatch {
		t.Fatalf("revert after stopping: %+v, want running with one batch done", got.Revert)
	}
	rv := e.revert(imp.ID, false)
	if rv.Counts != (crm.RevertCounts{Deleted: imp.Counts.Created}) {
		t.Errorf("resumed revert %+v, want all %d deleted once", rv.Counts, imp.Counts.Created)
	}
	if got := e.export(); got != before {
		t.Errorf("export after a resumed revert is not as before: %d bytes", len(got))
	}
	if n := len(e.revertItems(imp.ID)); n != imp.Counts.Created {
		t.Errorf("report has %d lines, want %d", n, imp.Counts.Created)
	}
}
