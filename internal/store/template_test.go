package store_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// monthly is a template as the importer saves one from an import.
func monthly(name string) *crm.Template {
	return &crm.Template{
		Name:        name,
		Mapping:     map[string]string{"given": "first_name", "family": "last_name", "mail": "email", "tier": ""},
		OnDuplicate: crm.DuplicateUpdate,
		DateFormat:  crm.DateDMY,
		BatchSize:   500,
		Update:      crm.UpdateRules{Default: crm.RuleFillEmpty, Fields: map[string]crm.UpdateRule{"company": crm.RuleKeep}, BlankClears: []string{"comments"}},
		FromImport:  7,
		SavedBy:     "ann",
	}
}

// TestTemplates saves, lists, reads, replaces and deletes templates, on
// SQLite or, with LOCALCRM_TEST_BACKEND=postgres, on PostgreSQL; each
// change goes on the audit log with it.
func TestTemplates(t *testing.T) {
	st := openTestStore(t)
	ctx := crm.WithActor(t.Context(), crm.Actor{Name: "ann", Kind: crm.ActorUser, Addr: "192.0.2.7"})

	if list, err := st.ListTemplates(ctx); err != nil || len(list) != 0 {
		t.Fatalf("ListTemplates of a new database = %v, %v; want none", list, err)
	}
	before := time.Now().Add(-time.Second)
	tpl := monthly("  Shop export  ")
	replaced, err := st.SaveTemplate(ctx, tpl, false)
	if err != nil || replaced {
		t.Fatalf("SaveTemplate = %v, %v; want saved, not replaced", replaced, err)
	}
	if tpl.Name != "Shop export" {
		t.Errorf("the name was saved as %q, want it trimmed", tpl.Name)
	}
	if tpl.SavedAt.Before(before) || tpl.SavedAt.After(time.Now()) {
		t.Errorf("SavedAt = %v, want now", tpl.SavedAt)
	}

	// Read back, in any case, with everything it was saved with.
	got, err := st.GetTemplate(ctx, "SHOP EXPORT")
	if err != nil {
		t.Fatalf("GetTemplate in another case: %v", err)
	}
	if !reflect.DeepEqual(got, tpl) {
		t.Errorf("GetTemplate = %+v\nwant %+v", got, tpl)
	}

	// A second template; the list is by name, ignoring case.
	if _, err := st.SaveTemplate(ctx, monthly("accounts payable"), false); err != nil {
		t.Fatal(err)
	}
	list, err := st.ListTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range list {
		names = append(names, x.Name)
	}
	if strings.Join(names, "|") != "accounts payable|Shop export" {
		t.Errorf("ListTemplates names %q, want accounts payable, Shop export", names)
	}

	// The same name in another case is refused unless replacing is asked
	// for, and the message says what to do.
	other := monthly("shop EXPORT")
	other.Mapping = map[string]string{"first": "first_name", "last": "last_name"}
	other.OnDuplicate, other.FromImport = crm.DuplicateSkip, 9
	_, err = st.SaveTemplate(ctx, other, false)
	if !errors.Is(err, crm.ErrConflict) || !strings.Contains(err.Error(), `a template named "Shop export" exists; choose another name or replace it`) {
		t.Fatalf("SaveTemplate of a name in use = %v; want a conflict naming it", err)
	}
	if got, _ := st.GetTemplate(ctx, "shop export"); got.FromImport != 7 {
		t.Errorf("a refused save changed the template: %+v", got)
	}
	replaced, err = st.SaveTemplate(ctx, other, true)
	if err != nil || !replaced {
		t.Fatalf("SaveTemplate with replace = %v, %v; want replaced", replaced, err)
	}
	got, err = st.GetTemplate(ctx, "Shop Export")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "shop EXPORT" || got.FromImport != 9 || got.OnDuplicate != crm.DuplicateSkip || len(got.Mapping) != 2 {
		t.Errorf("after replacing: %+v", got)
	}
	if list, _ := st.ListTemplates(ctx); len(list) != 2 {
		t.Errorf("after replacing there are %d templates, want 2", len(list))
	}

	// Delete, in any case; then it is gone, and deleting again says so.
	if err := st.DeleteTemplate(ctx, "ACCOUNTS PAYABLE"); err != nil {
		t.Fatalf("DeleteTemplate: %v", err)
	}
	if _, err := st.GetTemplate(ctx, "accounts payable"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("GetTemplate of a deleted template = %v, want ErrNotFound", err)
	}
	if err := st.DeleteTemplate(ctx, "accounts payable"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("DeleteTemplate of a deleted template = %v, want ErrNotFound", err)
	}

	// Each change is on the audit log, with who made it.
	saved, _, err := st.ListAudit(ctx, crm.AuditFilter{Action: crm.AuditTemplateSaved})
	if err != nil || len(saved) != 3 {
		t.Fatalf("template-saved entries: %d, %v; want 3", len(saved), err)
	}
	if e := saved[0]; e.Actor != "ann" || e.Target != "template shop EXPORT" || !strings.Contains(e.Detail, "replaced") || !strings.Contains(e.Detail, "2 columns mapped, from import 9") {
		t.Errorf("the entry of the replacement: %+v", e)
	}
	deleted, _, err := st.ListAudit(ctx, crm.AuditFilter{Action: crm.AuditTemplateDeleted})
	if err != nil || len(deleted) != 1 || deleted[0].Target != "template accounts payable" {
		t.Errorf("template-deleted entries: %+v, %v; want the one of accounts payable", deleted, err)
	}

	// Templates outlive a restart.
	st = reopen(t, st)
	if got, err := st.GetTemplate(ctx, "shop export"); err != nil || got.Name != "shop EXPORT" {
		t.Errorf("after reopening: %+v, %v", got, err)
	}
}

// TestTemplateRefused checks that what cannot be a template is refused
// with a message that says what to change, and nothing is saved.
func TestTemplateRefused(t *testing.T) {
	st := openTestStore(t)
	ctx := t.Context()
	tests := []struct {
		what   string
		change func(*crm.Template)
		field  string
		msg    string
	}{
		{"no name", func(tp *crm.Template) { tp.Name = "   " }, "name", "A template needs a name"},
		{"a long name", func(tp *crm.Template) { tp.Name = strings.Repeat("é", 81) }, "name", "at most 80 characters; this one has 81"},
		{"a line break", func(tp *crm.Template) { tp.Name = "a\nb" }, "name", "cannot hold tabs, line breaks"},
		{"no mapped column", func(tp *crm.Template) { tp.Mapping = map[string]string{"tier": ""} }, "mapping", "at least one column"},
		{"a bad policy", func(tp *crm.Template) { tp.OnDuplicate = "merge" }, "on_duplicate", "reject, skip or update"},
		{"a bad batch size", func(tp *crm.Template) { tp.BatchSize = crm.MaxBatchSize + 1 }, "batch_size", "from 1 to 10000"},
	}
	for _, tt := range tests {
		tp := monthly("x")
		tt.change(tp)
		_, err := st.SaveTemplate(ctx, tp, false)
		var ve *crm.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields()[tt.field], tt.msg) {
			t.Errorf("%s: SaveTemplate = %v; want %s refused with %q", tt.what, err, tt.field, tt.msg)
		}
	}
	// 80 characters, however many bytes, is a name.
	if _, err := st.SaveTemplate(ctx, monthly(strings.Repeat("é", 80)), false); err != nil {
		t.Errorf("a name of 80 characters: %v", err)
	}
	if list, _ := st.ListTemplates(ctx); len(list) != 1 {
		t.Errorf("%d templates saved, want only the one of 80 characters", len(list))
	}
}

// TestTemplateDefaults: a template saved without options gets an import's
// defaults, so that applying it sets every option.
func TestTemplateDefaults(t *testing.T) {
	st := openTestStore(t)
	tp := &crm.Template{Name: "plain", Mapping: map[string]string{"first name": "first_name"}}
	if _, err := st.SaveTemplate(t.Context(), tp, false); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetTemplate(t.Context(), "plain")
	if err != nil {
		t.Fatal(err)
	}
	if got.OnDuplicate != crm.DuplicateReject || got.DateFormat != crm.DateMDY || got.BatchSize != crm.DefaultBatchSize {
		t.Errorf("defaults: %+v", got)
	}
}
