package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// templateImportJSON is the part of `import --json` a template decides.
type templateImportJSON struct {
	ImportID    int64             `json:"import_id"`
	Status      string            `json:"status"`
	Created     int               `json:"created"`
	Mapping     map[string]string `json:"mapping"`
	OnDuplicate string            `json:"on_duplicate"`
	DateFormat  string            `json:"date_format"`
	BatchSize   int               `json:"batch_size"`
	Update      struct {
		Default string `json:"default"`
	} `json:"update_rules"`
}

func decodeTemplateImport(t *testing.T, out string) templateImportJSON {
	t.Helper()
	var s templateImportJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("not an import as JSON: %v\n%s", err, out)
	}
	return s
}

// TestTemplatesCommands saves the mapping of a first import as a template,
// lists it, maps the next month's file with --template (flags beside it
// winning), and deletes it; every mistake says what to do instead.
func TestTemplatesCommands(t *testing.T) {
	c := newCLI(t)
	if got := c.ok("templates", "list"); got != "No templates yet: `localcrm templates save IMPORT_ID NAME` saves an import's mapping as one.\n" {
		t.Errorf("templates list of none: %q", got)
	}

	// March's file, mapped by hand: Given and Cell No. need it.
	march := c.file("march.csv", "Given,Family,Mail,Cell No.,Tier\nAnn,Lee,ann@example.com,555 0100,Gold\n")
	first := decodeTemplateImport(t, c.ok("import", march, "--map", "Given=first_name", "--map", "Family=last_name", "--map", "Cell No.=alternative",
		"--on-duplicate", "update", "--update-rules", "fill-empty", "--date-format", "DD/MM/YYYY", "--batch-size", "7", "--json"))
	if first.Status != "completed" || first.Created != 1 {
		t.Fatalf("the first import: %+v", first)
	}

	c.ok("templates", "save", "1", "Shop export")
	c.fail(2, "localcrm: templates save: a template named \"shop EXPORT\" exists; choose another name, or pass --replace to replace it\n",
		"templates", "save", "1", "shop EXPORT")
	c.ok("templates", "save", "1", " shop export ", "--replace")
	c.fail(2, "localcrm: templates save: there is no import 99; `localcrm imports list` shows them\n", "templates", "save", "99", "x")
	c.fail(2, "localcrm: templates save: A template needs a name, such as the system the file comes from; give one.\n", "templates", "save", "1", " ")
	if r := c.do("templates", "save", "1"); r.code != 2 || !strings.HasPrefix(r.stderr, "localcrm: templates save: missing NAME\nUsage: localcrm templates") {
		t.Errorf("templates save without a name: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	rows := strings.Split(strings.TrimRight(c.ok("templates", "list"), "\n"), "\n")
	if len(rows) != 2 {
		t.Fatalf("templates list:\n%s", strings.Join(rows, "\n"))
	}
	if got := columnsRE.Split(rows[0], -1); strings.Join(got, "|") != "NAME|COLUMNS|DUPLICATES|DATES|BATCH|FROM IMPORT|SAVED BY|SAVED" {
		t.Errorf("templates list header: %q", got)
	}
	if got := columnsRE.Split(rows[1], -1); len(got) != 8 || strings.Join(got[:7], "|") != "shop export|4|update|DD/MM/YYYY|7|1|"+osUser(t) {
		t.Errorf("templates list row: %q", got)
	}
	var list []struct {
		Name    string            `json:"name"`
		Mapping map[string]string `json:"mapping"`
	}
	if err := json.Unmarshal([]byte(c.ok("templates", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	wantKeys := map[string]string{"given": "first_name", "family": "last_name", "mail": "email", "cellnumber": "alternative", "tier": ""}
	if len(list) != 1 || !reflect.DeepEqual(list[0].Mapping, wantKeys) {
		t.Errorf("templates list --json: %+v, want the mapping %v", list, wantKeys)
	}

	// The first import goes, so that only the template can map April's
	// file (a completed import would pre-map it by itself), whose header
	// is written another way.
	c.ok("imports", "delete", "1")
	april := c.file("april.csv", "GIVEN,family,Mail,Cell no,Tier\nBo,Ng,bo@example.com,555 0101,Gold\n")
	got := decodeTemplateImport(t, c.ok("import", april, "--template", "SHOP EXPORT", "--json"))
	want := map[string]string{"GIVEN": "first_name", "family": "last_name", "Mail": "email", "Cell no": "alternative"}
	if got.Status != "completed" || got.Created != 1 || !reflect.DeepEqual(got.Mapping, want) {
		t.Errorf("import --template: %+v, want mapping %v", got, want)
	}
	if got.OnDuplicate != "update" || got.DateFormat != "DD/MM/YYYY" || got.BatchSize != 7 || got.Update.Default != "fill-empty" {
		t.Errorf("import --template options: %+v, want the template's", got)
	}

	// Flags beside --template win over it.
	got = decodeTemplateImport(t, c.ok("import", april, "--template", "shop export", "--map", "Cell no=", "--batch-size", "3", "--dry-run", "--json"))
	if _, ok := got.Mapping["Cell no"]; ok || got.Mapping["GIVEN"] != "first_name" || got.BatchSize != 3 || got.OnDuplicate != "update" {
		t.Errorf("import --template with flags: %+v", got)
	}

	// A name that is not saved lists those that are, before the file is read.
	before := c.ok("imports", "list")
	c.fail(2, "localcrm: import: there is no template named \"nope\"; the saved templates are \"shop export\"\n", "import", april, "--template", "nope")
	if after := c.ok("imports", "list"); after != before {
		t.Errorf("a refused template left an import behind:\n%s", after)
	}
	c.fail(2, "localcrm: templates delete: there is no template named \"nope\"; the saved templates are \"shop export\"\n", "templates", "delete", "nope")

	c.ok("templates", "delete", "Shop Export")
	if got := c.ok("templates", "list", "--json"); got != "[]\n" {
		t.Errorf("templates list --json of none: %q", got)
	}
	c.fail(2, "localcrm: templates delete: there is no template named \"shop export\": no template is saved yet; save one from an import first with `localcrm templates save IMPORT_ID NAME`\n",
		"templates", "delete", "shop export")

	// Saving and deleting are on the audit log.
	for action, n := range map[string]int{"template-saved": 2, "template-deleted": 1} {
		var entries []map[string]any
		if err := json.Unmarshal([]byte(c.ok("audit", "--action", action, "--json")), &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != n || entries[0]["actor"] != osUser(t) {
			t.Errorf("audit --action %s: %v, want %d entries by %s", action, entries, n, osUser(t))
		}
	}
}
