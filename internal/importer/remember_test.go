package importer

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"localcrm/internal/crm"
)

// TestRememberedMapping: a completed import's mapping and options pre-map
// the next file with the same header, written a little differently, and
// the columns such a file shares with it when it has others too.
func TestRememberedMapping(t *testing.T) {
	e := newEnv(t)
	first := e.load("march.csv", []byte("Given,Family,Mail,Cell No.,Tier\nAnn,Lee,ann@example.com,555 0100,Gold\n"), crm.ImportOptions{
		Mapping:     map[string]string{"Given": "first_name", "Family": "last_name", "Mail": "email", "Cell No.": "alternative"},
		OnDuplicate: crm.DuplicateUpdate, DateFormat: crm.DateDMY,
		Update:     crm.UpdateRules{Default: crm.RuleFillEmpty},
		KeepRecord: true, Country: "GB",
	})
	if first.Status != crm.ImportCompleted {
		t.Fatalf("first import %s", first.Status)
	}
	reason := fmt.Sprintf("as in import %d of %s", first.ID, time.Now().Format("2006-01-02"))

	// The same header, as another export writes it, and one column more.
	p := e.create("april.csv", []byte("\ufeffGIVEN,family,mail,Cell no,Tier,Phone\nBo,Ng,bo@example.com,555 0101,Gold,555 0102\n"))
	want := map[string]string{"GIVEN": "first_name", "family": "last_name", "mail": "email", "Cell no": "alternative", "Phone": "voice"}
	if !reflect.DeepEqual(p.Suggestion.Mapping, want) {
		t.Errorf("mapping %v, want %v", p.Suggestion.Mapping, want)
	}
	for col, why := range map[string]string{"GIVEN": reason, "Cell no": reason, "Tier": "left out " + reason, "Phone": `"Phone" is a common name for Voice`} {
		if p.Suggestion.Reasons[col] != why {
			t.Errorf("reason for %s = %q, want %q", col, p.Suggestion.Reasons[col], why)
		}
	}
	o := p.Import.Options
	if o.OnDuplicate != crm.DuplicateUpdate || o.DateFormat != crm.DateDMY || o.Update.Default != crm.RuleFillEmpty ||
		!o.KeepRecord || o.Country != "GB" || o.MaxRecords != crm.DefaultMaxRecords {
		t.Errorf("options %+v, want those of import %d", o, first.ID)
	}

	// A file that shares nothing is mapped automatically, with defaults.
	p = e.create("other.csv", []byte("First Name,Last Name\nCy,Po\n"))
	if p.Suggestion.Reasons["First Name"] == reason || p.Import.Options.OnDuplicate != crm.DuplicateReject {
		t.Errorf("an unrelated file: reasons %v, options %+v", p.Suggestion.Reasons, p.Import.Options)
	}

	// A reverted import was a mistake, perhaps of its mapping: it is not
	// remembered.
	e.revert(first.ID, false)
	p = e.create("may.csv", []byte("Given,Family,Mail,Cell No.,Tier\nDi,Ro,di@example.com,555 0103,Gold\n"))
	if p.Suggestion.Reasons["Given"] == reason || p.Import.Options.OnDuplicate == crm.DuplicateUpdate {
		t.Errorf("after reverting import %d: reasons %v, options %+v; want it forgotten", first.ID, p.Suggestion.Reasons, p.Import.Options)
	}
}
