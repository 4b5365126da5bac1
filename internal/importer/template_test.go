package importer

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestTemplateSaveAndApply saves an import's mapping and options as a
// template and applies it to the next month's file, written a little
// differently, after a field it maps was deleted: the columns it knows are
// mapped as it says, with their reason, the others keep their automatic
// mapping unless it takes their field, and the options that are not about
// one file follow it.
func TestTemplateSaveAndApply(t *testing.T) {
	e := newEnv(t)
	e.field(crm.Field{Key: "tier", Label: "Tier", Type: crm.TypeText})
	march := e.prepare("march.csv", []byte("Given,Family,E-mail,Cell No.,Tier,Notes,Land\nAnn,Lee,ann@example.com,555 0100,Gold,x,GB\n"), crm.ImportOptions{
		Mapping:     map[string]string{"Given": "first_name", "Family": "last_name", "E-mail": "email", "Cell No.": "alternative", "Tier": "tier"},
		OnDuplicate: crm.DuplicateUpdate, DateFormat: crm.DateDMY, BatchSize: 50, MaxRecords: 20,
		Update:     crm.UpdateRules{Default: crm.RuleFillEmpty, Fields: map[string]crm.UpdateRule{"tier": crm.RuleKeep}, BlankClears: []string{"comments"}},
		KeepRecord: true, Country: "FR", CountryColumn: "Land", CheckPhones: true,
	})

	tpl, replaced, err := e.im.SaveTemplate(e.ctx, march.ID, " Shop export ", "ann", false)
	if err != nil || replaced {
		t.Fatalf("SaveTemplate = %v, %v", replaced, err)
	}
	wantMapping := map[string]string{"given": "first_name", "family": "last_name", "email": "email", "cellnumber": "alternative", "tier": "tier", "notes": "", "land": ""}
	if tpl.Name != "Shop export" || !reflect.DeepEqual(tpl.Mapping, wantMapping) || tpl.FromImport != march.ID || tpl.SavedBy != "ann" {
		t.Errorf("saved template %+v, want mapping %v", tpl, wantMapping)
	}
	if tpl.OnDuplicate != crm.DuplicateUpdate || tpl.DateFormat != crm.DateDMY || tpl.BatchSize != 50 || tpl.Update.Default != crm.RuleFillEmpty ||
		!tpl.KeepRecord || tpl.Country != "FR" || tpl.CountryColumn != "land" || !tpl.CheckPhones {
		t.Errorf("saved options %+v", tpl)
	}
	// The name is taken, in any case, until replacing is asked for.
	if _, _, err := e.im.SaveTemplate(e.ctx, march.ID, "SHOP EXPORT", "bo", false); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("saving over a name in use = %v, want ErrConflict", err)
	}
	if _, replaced, err := e.im.SaveTemplate(e.ctx, march.ID, "Shop export", "ann", true); err != nil || !replaced {
		t.Errorf("SaveTemplate with replace = %v, %v; want replaced", replaced, err)
	}

	// Tier is deleted; April's file names its columns another way, and has
	// Mobile, which the template's Cell No. takes Alternative from, and
	// Phone and Comments, which it does not know.
	if err := e.st.DeleteField(e.ctx, "tier"); err != nil {
		t.Fatal(err)
	}
	april := e.create("april.csv", []byte("GIVEN,family,Email,Cell no,Mobile,Phone,Tier,Notes,Comments,LAND\nBo,Ng,bo@example.com,1,2,3,Gold,x,y,DE\n"))
	if april.Suggestion.Mapping["Mobile"] != "alternative" {
		t.Fatalf("Mobile is not mapped to Alternative automatically: %v", april.Suggestion.Mapping)
	}
	imp, reasons, err := e.im.ApplyTemplate(e.ctx, april.Import.ID, "shop EXPORT")
	if err != nil {
		t.Fatalf("ApplyTemplate: %v", err)
	}
	want := map[string]string{"GIVEN": "first_name", "family": "last_name", "Email": "email", "Cell no": "alternative", "Phone": "voice", "Comments": "comments"}
	if !reflect.DeepEqual(imp.Options.Mapping, want) {
		t.Errorf("mapping after the template %v, want %v", imp.Options.Mapping, want)
	}
	from := `from template "Shop export"`
	wantReasons := map[string]string{"GIVEN": from, "family": from, "Email": from, "Cell no": from, "Notes": `left out by template "Shop export"`, "LAND": `left out by template "Shop export"`}
	if !reflect.DeepEqual(reasons, wantReasons) {
		t.Errorf("reasons %v, want %v", reasons, wantReasons)
	}
	o := imp.Options
	if o.OnDuplicate != crm.DuplicateUpdate || o.DateFormat != crm.DateDMY || o.BatchSize != 50 || o.MaxRecords != crm.DefaultMaxRecords {
		t.Errorf("options after the template %+v: want the template's, and the import's own record limit", o)
	}
	if o.Update.Default != crm.RuleFillEmpty || len(o.Update.Fields) != 0 || !reflect.DeepEqual(o.Update.BlankClears, []string{"comments"}) {
		t.Errorf("update rules %+v, want the template's without the deleted Tier's", o.Update)
	}
	// The phone options and keeping records come too; the country column
	// is the file's own column of the same header key.
	if !o.KeepRecord || o.Country != "FR" || o.CountryColumn != "LAND" || !o.CheckPhones {
		t.Errorf("options after the template: keep record %v, country %q, country column %q, check phones %v; want true, FR, LAND, true",
			o.KeepRecord, o.Country, o.CountryColumn, o.CheckPhones)
	}
	// What was applied is saved, as Configure saves a mapping.
	stored, err := e.im.Get(e.ctx, april.Import.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Options, imp.Options) {
		t.Errorf("stored options %+v, want %+v", stored.Options, imp.Options)
	}
	// A file without the country column reads none.
	may := e.create("may.csv", []byte("Given,Family,E-mail\nCy,Oh,cy@example.com\n"))
	imp, _, err = e.im.ApplyTemplate(e.ctx, may.Import.ID, "Shop export")
	if err != nil {
		t.Fatalf("ApplyTemplate to may.csv: %v", err)
	}
	if o := imp.Options; o.CountryColumn != "" || o.Country != "FR" {
		t.Errorf("a file without the country column: country column %q, country %q; want none, FR", o.CountryColumn, o.Country)
	}
}

// TestTemplateRefusals: an unknown name lists the saved ones; a template
// that leaves the result unusable, or an import already started, is
// refused as Configure refuses them, and nothing changes.
func TestTemplateRefusals(t *testing.T) {
	e := newEnv(t)
	p := e.create("people.csv", []byte("First Name,Last Name,Email,Notes\nAnn,Lee,ann@example.com,x\n"))

	var nt *crm.NoTemplateError
	_, _, err := e.im.ApplyTemplate(e.ctx, p.Import.ID, "monthly")
	if !errors.As(err, &nt) || !errors.Is(err, crm.ErrNotFound) || !strings.Contains(err.Error(), "no template is saved yet") {
		t.Errorf("ApplyTemplate with no templates = %v", err)
	}
	// A template that leaves every column out but Email.
	if _, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{
		Mapping: map[string]string{"Email": "email"}, OnDuplicate: crm.DuplicateUpdate,
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.im.SaveTemplate(e.ctx, p.Import.ID, "emails only", "ann", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.im.SaveTemplate(e.ctx, p.Import.ID, "", "ann", false); !errors.Is(err, crm.ErrInvalid) {
		t.Errorf("SaveTemplate without a name = %v, want ErrInvalid", err)
	}
	_, _, err = e.im.ApplyTemplate(e.ctx, p.Import.ID, "monthly")
	if !errors.As(err, &nt) || err.Error() != `there is no template named "monthly"; the saved templates are "emails only"` {
		t.Errorf("ApplyTemplate of an unknown name = %v", err)
	}
	if err := e.im.DeleteTemplate(e.ctx, "monthly"); !errors.As(err, &nt) {
		t.Errorf("DeleteTemplate of an unknown name = %v", err)
	}

	// Applied to a file that rejects duplicates, it leaves First and Last
	// Name out: Configure refuses it, and the import keeps its mapping.
	other := e.create("other.csv", []byte("First Name,Last Name,Email\nBo,Ng,bo@example.com\n"))
	imp, err := e.im.Configure(e.ctx, other.Import.ID, crm.ImportOptions{Mapping: other.Suggestion.Mapping})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := e.im.Template(e.ctx, "Emails Only")
	if err != nil {
		t.Fatal(err)
	}
	tpl.OnDuplicate = crm.DuplicateReject
	if _, err := e.st.SaveTemplate(e.ctx, tpl, true); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.im.ApplyTemplate(e.ctx, other.Import.ID, "emails only")
	var ve *crm.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "First Name is not mapped") {
		t.Errorf("ApplyTemplate that leaves First Name out = %v", err)
	}
	if got, _ := e.im.Get(e.ctx, other.Import.ID); !reflect.DeepEqual(got.Options, imp.Options) {
		t.Errorf("a refused template changed the import: %+v", got.Options)
	}

	// An import that has run cannot be changed.
	done := e.loadString("First Name,Last Name,Email\nCy,Po,cy@example.com\n", crm.ImportOptions{})
	if _, _, err := e.im.ApplyTemplate(e.ctx, done.ID, "emails only"); !errors.Is(err, crm.ErrInvalid) || !strings.Contains(err.Error(), "only an import that has not started") {
		t.Errorf("ApplyTemplate to a completed import = %v", err)
	}
	if _, _, err := e.im.ApplyTemplate(e.ctx, 9999, "emails only"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("ApplyTemplate to no import = %v", err)
	}
}

// TestApplyTemplateColumnsReadAlike: when two columns of a file read as
// one header key, the template decides the first; the second keeps what
// it had.
func TestApplyTemplateColumnsReadAlike(t *testing.T) {
	sc := crm.NewSchema(nil, nil)
	tpl := &crm.Template{Name: "t", Mapping: map[string]string{"email": "email", "phone": ""}}
	tests := []struct {
		columns []string
		current map[string]string
		want    map[string]string
	}{
		{[]string{"E-mail", "Email"}, map[string]string{"Email": "email"}, map[string]string{"E-mail": "email"}},
		{[]string{"Phone", "PHONE"}, map[string]string{"Phone": "voice", "PHONE": "alternative"}, map[string]string{"PHONE": "alternative"}},
		{[]string{"Email", "error"}, map[string]string{}, map[string]string{"Email": "email"}},
	}
	for _, tt := range tests {
		if got, _ := overlay(tt.columns, tt.current, tpl.Mapping, sc, "", ""); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("overlay(%q, %v) = %v, want %v", tt.columns, tt.current, got, tt.want)
		}
	}
}
