package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// changesJSON is the per-field changes `import --json` prints.
type changesJSON struct {
	Changes []struct {
		Field   string `json:"field"`
		Count   int    `json:"count"`
		Samples []struct {
			Line   int    `json:"line"`
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"samples"`
	} `json:"changes"`
}

func (c changesJSON) counts() map[string]int {
	m := map[string]int{}
	for _, ch := range c.Changes {
		m[ch.Field] = ch.Count
	}
	return m
}

// TestImportUpdateRules updates customers through the real binary with a
// rule per field: the dry run announces per field what will change, the
// real run changes exactly that, and blank cells erase only where asked.
func TestImportUpdateRules(t *testing.T) {
	c := newCLI(t)
	c.ok("import", c.file("base.csv", "First Name,Last Name,Email,Company,Phone,Comments\n"+
		"Ann,Lee,ann@example.com,Acme,,VIP\n"+
		"Bo,Ng,bo@example.com,,555 0101,call later\n"+
		"Cy,Po,cy@example.com,Initech,555 0102,\n"))
	update := c.file("update.csv", "Email,Company,Phone,Comments\n"+
		"ann@example.com,Globex,555 0200,\n"+
		"bo@example.com,Umbrella,555 0201,\n"+
		"cy@example.com,,555 0202,new note\n")
	// Company fills only where empty, the phone is replaced, and a blank
	// comment clears the customer's.
	rules := []string{"--on-duplicate", "update", "--update-rules", "fill-empty", "--update-rule", "voice=overwrite",
		"--update-rule", "comments=overwrite", "--blank-clears", "comments"}
	want := map[string]int{"company": 1, "voice": 3, "comments": 3}

	r := c.do(append([]string{"import", update, "--dry-run", "--json"}, rules...)...)
	if r.code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	var dry changesJSON
	if err := json.Unmarshal([]byte(r.stdout), &dry); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dry.counts(), want) {
		t.Errorf("dry run changes = %v, want %v", dry.counts(), want)
	}
	for _, ch := range dry.Changes {
		if ch.Field == "company" && (len(ch.Samples) != 1 || ch.Samples[0].Line != 3 || ch.Samples[0].Before != "" || ch.Samples[0].After != "Umbrella") {
			t.Errorf("company samples = %+v, want line 3: \"\" → Umbrella", ch.Samples)
		}
		if ch.Field == "comments" && len(ch.Samples) != 3 {
			t.Errorf("comments samples = %+v, want 3", ch.Samples)
		}
	}
	text := c.ok(append([]string{"import", update, "--dry-run"}, rules...)...)
	if !strings.Contains(text, "Values changed by updates:") || !strings.Contains(text, `line 3, customer 10000001: "" → "Umbrella"`) {
		t.Errorf("the dry run's text does not show the changes:\n%s", text)
	}

	var real changesJSON
	if err := json.Unmarshal([]byte(c.ok(append([]string{"import", update, "--json"}, rules...)...)), &real); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(real.counts(), dry.counts()) {
		t.Errorf("the import changed %v, but its dry run announced %v", real.counts(), dry.counts())
	}
	var customers []map[string]any
	if err := json.Unmarshal([]byte(c.ok("export", "-", "--format", "json")), &customers); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, cu := range customers {
		got[cu["email"].(string)] = fmt.Sprint(cu["company"], "|", cu["voice"], "|", cu["comments"])
	}
	wantCustomers := map[string]string{
		"ann@example.com": "Acme|555 0200|",
		"bo@example.com":  "Umbrella|555 0201|",
		"cy@example.com":  "Initech|555 0202|new note",
	}
	if !reflect.DeepEqual(got, wantCustomers) {
		t.Errorf("customers (company|voice|comments) = %v, want %v", got, wantCustomers)
	}

	// Rules that cannot work are refused before anything is written.
	for _, tt := range []struct{ args, stderr string }{
		{"--update-rule shoe_size=keep", `An update rule names "shoe_size", which is not a field`},
		{"--update-rule company=merge", `The rule for Company: "merge" is not an update rule; the rules are overwrite, fill-empty and keep.`},
		{"--update-rules sometimes", `"sometimes" is not an update rule`},
		{"--blank-clears first_name", `First Name must always have a value, so a blank cell cannot clear it.`},
		{"--update-rule company", `--update-rule "company": write it as "field_key=RULE"`},
	} {
		r := c.do(append([]string{"import", update, "--on-duplicate", "update"}, strings.Fields(tt.args)...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("import %s: exit %d, stderr %q; want exit 2 saying %q", tt.args, r.code, r.stderr, tt.stderr)
		}
	}
	if n := len(listImports(t, c)); n != 2 {
		t.Errorf("%d imports recorded, want 2: a refused one leaves nothing", n)
	}
}

// TestImportRemembersOptions: a file with the header of an earlier import
// is imported with that import's options too, as well as its mapping;
// flags given beside still win.
func TestImportRemembersOptions(t *testing.T) {
	c := newCLI(t)
	c.ok("import", c.file("march.csv", "Email,First Name,Last Name,Company\nann@example.com,Ann,Lee,Acme\n"),
		"--on-duplicate", "update", "--update-rules", "fill-empty", "--date-format", "DD/MM/YYYY")
	var got struct {
		OnDuplicate string          `json:"on_duplicate"`
		DateFormat  string          `json:"date_format"`
		Update      json.RawMessage `json:"update_rules"`
		Updated     int             `json:"updated"`
	}
	april := c.file("april.csv", "Email,First Name,Last Name,Company\nann@example.com,Ann,Lee,Globex\n")
	if err := json.Unmarshal([]byte(c.ok("import", april, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.OnDuplicate != "update" || got.DateFormat != "DD/MM/YYYY" || !strings.Contains(string(got.Update), `"fill-empty"`) || got.Updated != 1 {
		t.Errorf("second import: %+v, want import 1's options (update, fill-empty, DD/MM/YYYY)", got)
	}
	if r := c.do("import", april, "--json", "--on-duplicate", "skip"); r.code != 0 || !strings.Contains(r.stdout, `"on_duplicate": "skip"`) {
		t.Errorf("a flag beside the remembered options must win: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestImportRowNumbers: after a cell with a line break, a rejected record
// is told by its line and by the row a spreadsheet shows it on, and the
// CSV report carries both, with the record's name and email.
func TestImportRowNumbers(t *testing.T) {
	c := newCLI(t)
	path := c.file("notes.csv", "First Name,Last Name,Email,Notes\nAnn,Lee,ann@example.com,\"called twice,\nthen wrote\"\nBo,Ng,bo-at-example.com,\n")
	r := c.do("import", path, "--report", filepath.Join(c.dir, "report.csv"))
	if r.code != 3 || !strings.Contains(r.stdout, `line 4 (row 3 in a spreadsheet), email "bo-at-example.com": Email is not a valid email address`) {
		t.Errorf("exit %d, output:\n%s%s", r.code, r.stdout, r.stderr)
	}
	report, err := os.ReadFile(filepath.Join(c.dir, "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "4,rejected,,Email is not a valid email address: it must look like name@example.com.,3,Bo Ng,bo-at-example.com") {
		t.Errorf("report:\n%s", report)
	}
}
