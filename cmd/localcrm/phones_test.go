package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPhonesAndSearchOnTheBinary walks issue 11's items 5 and 6 through
// the real binary: the default country, an import that reads each row's
// number with its country, the check that rejects what is not a number,
// searches by any writing, the caller lookup, and the export's forms.
func TestPhonesAndSearchOnTheBinary(t *testing.T) {
	c := newCLI(t)
	c.fail(2, "localcrm: settings: The default country \"Narnia\" is not a country localcrm knows; write a two-letter ISO code such as GB or US.\n",
		"settings", "set", "default_country", "Narnia")
	if out := c.ok("settings", "set", "default_country", "United Kingdom"); out != "default_country: GB\n" {
		t.Errorf("settings set: %q", out)
	}
	if out := c.ok("settings", "--json"); !strings.Contains(out, `"default_country": "GB"`) {
		t.Errorf("settings --json: %q", out)
	}
	if out := c.ok("audit", "--action", "settings-changed"); !strings.Contains(out, "default country: none → GB") {
		t.Errorf("the change is not on record:\n%s", out)
	}

	file := filepath.Join(c.dir, "people.csv")
	body := "First Name,Last Name,E-mail,Company,Phone,Country\n" +
		"Zoë,Testé,zoe@example.com,,020 7946 0958,\n" +
		"Zoë,Andersen,andersen@example.com,,(415) 555-0132,USA\n" +
		"Marc,Blanc,,Société Générale,01 42 68 53 00,France\n" +
		"Dee,Moe,,,020 7946 095,\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// Checked: the number a digit short is refused, with the reason.
	r := c.do("import", file, "--country-column", "Country", "--check-phones", "--dry-run")
	if r.code != 3 || !strings.Contains(r.stdout, `line 5, voice "020 7946 095": Voice is too short for a phone number of GB.`) {
		t.Errorf("a checked dry run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Not checked: it loads as written, and the summary counts it.
	r = c.do("import", file, "--country-column", "Country", "--json")
	if r.code != 0 {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var s struct {
		Created         int      `json:"created"`
		PhonesAsWritten int      `json:"phones_as_written"`
		CountryColumn   string   `json:"country_column"`
		Warnings        []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Created != 4 || s.PhonesAsWritten != 1 || s.CountryColumn != "Country" || len(s.Warnings) != 1 {
		t.Errorf("the import's summary: %+v", s)
	}

	for q, want := range map[string][]string{
		"teste":            {"Testé"},
		"zoe teste":        {"Testé"},
		"ZOË":              {"Testé", "Andersen"},
		"societe":          {"Blanc"},
		"4155550132":       {"Andersen"},
		"+44 20 7946 0958": {"Testé"},
		"020 7946 0958":    {"Testé"},
		"442079460958":     {"Testé"},
		"7946 095":         {"Moe"}, // as written, by its digits
		"zoe example":      {"Testé", "Andersen"},
	} {
		out := c.ok("customers", "list", "--search", q, "--json")
		var got []struct {
			LastName string `json:"last_name"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, cu := range got {
			names = append(names, cu.LastName)
		}
		if !slices.Equal(names, want) {
			t.Errorf("customers list --search %q = %v, want %v", q, names, want)
		}
	}

	out := c.ok("customers", "lookup", "--phone", "+1 415-555-0132")
	if !strings.Contains(out, "Zoë Andersen") || !strings.Contains(out, "+14155550132") {
		t.Errorf("lookup by phone:\n%s", out)
	}
	if out := c.ok("customers", "lookup", "--email", "ZOE@example.com", "--json"); !strings.Contains(out, `"last_name": "Testé"`) {
		t.Errorf("lookup by email:\n%s", out)
	}
	c.fail(2, "localcrm: customers lookup: no customer has the phone number \"+44 20 7946 0000\"\n", "customers", "lookup", "--phone", "+44 20 7946 0000")
	c.fail(2, "localcrm: customers lookup: A phone number to look up needs at least 6 digits besides its leading zeros, such as +44 20 7946 0958; \"0958\" has 3.\n", "customers", "lookup", "--phone", "0958")

	// The export: as written by default, exactly as before; e164; both.
	written := c.ok("export", "-")
	if !strings.HasPrefix(written, "account_number,first_name,last_name,email,company,voice,alternative,fax,") || !strings.Contains(written, ",(415) 555-0132,") {
		t.Errorf("the default export:\n%s", written)
	}
	// A cell that begins with + is guarded for spreadsheets, as every
	// CSV localcrm writes; localcrm's import reads it back without the '.
	e164 := readCSV(t, c.ok("export", "-", "--phones", "e164"))
	if e164[2][5] != "'+14155550132" || e164[4][5] != "020 7946 095" {
		t.Errorf("--phones e164: voice %q and %q", e164[2][5], e164[4][5])
	}
	both := readCSV(t, c.ok("export", "-", "--phones", "both"))
	if !slices.Equal(both[0][5:11], []string{"voice", "voice_e164", "alternative", "alternative_e164", "fax", "fax_e164"}) {
		t.Errorf("--phones both: header %q", both[0])
	}
	if both[3][5] != "01 42 68 53 00" || both[3][6] != "'+33142685300" {
		t.Errorf("--phones both: %q", both[3])
	}
	if r := c.do("export", "-", "--phones", "dial"); r.code != 2 || !strings.HasPrefix(r.stderr, "localcrm: export: --phones must be written, e164 or both, not \"dial\"\n") {
		t.Errorf("--phones dial: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
