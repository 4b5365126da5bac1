package importer

import (
	"bytes"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// TestExportIsSafeInAnySpreadsheet: a cell holding any delimiter is quoted
// in the CSV export, whatever the spreadsheet's list separator, and a
// formula-like cell is guarded; the export imports back to the same
// values. Before, the export quoted only for commas, so a spreadsheet that
// splits on ";" found a formula in "x;=cmd|' /C calc'!A0".
func TestExportIsSafeInAnySpreadsheet(t *testing.T) {
	e := newEnv(t)
	hostile := map[string]string{
		"first_name": "Eve", "last_name": "x;=cmd|' /C calc'!A0", "company": "a|@SUM(1)",
		"comments": "tab\t-2+3", "addr1_street1": "=HYPERLINK(\"http://x\")",
	}
	e.customer(hostile)
	var out bytes.Buffer
	n, err := Export(e.ctx, e.st, "csv", &out)
	if err != nil || n != 1 {
		t.Fatalf("export: %d, %v", n, err)
	}
	text := out.String()
	for _, want := range []string{`"x;=cmd|' /C calc'!A0"`, `"a|@SUM(1)"`, "\"tab\t-2+3\"", `'=HYPERLINK(""http://x"")`} {
		if !strings.Contains(text, want) {
			t.Errorf("the export lacks %s:\n%s", want, text)
		}
	}

	// Back in, as an update of the same customer by account number.
	imp := e.load("export.csv", out.Bytes(), crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate})
	wantCounts(t, imp, crm.ImportCounts{Records: 1, Updated: 1, Batches: 1})
	got := e.customers()[0]
	for k, v := range hostile {
		if got.Get(k) != v {
			t.Errorf("%s came back as %q, want %q", k, got.Get(k), v)
		}
	}

	if _, err := Export(e.ctx, e.st, "xml", &out); err == nil {
		t.Error("an xml export was not refused")
	}
}
