package importer

import (
	"errors"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// phoneFile has numbers written every way, national ones of three
// countries (the row's Country says which), and values that are not
// numbers of their country.
const phoneFile = "First Name,Last Name,Phone,Mobile,Country\n" +
	"Ann,Lee,020 7946 0958,,\n" + // 2: the import's country
	"Bob,Ray,(202) 555-0143 x12,,USA\n" + // 3: the row's country, by name
	"Cem,Kaya,030 1234567,+44 7911 123456,DE\n" + // 4
	"Dee,Moe,020 7946 095,,\n" + // 5: a digit short
	"Eve,Poe,555 0143,,us\n" + // 6: no area code
	"Fay,Orr,01 42 68 53 00,,Narnia\n" // 7: a country no one knows

// byFirstName returns the customers by first name.
func (e *env) byFirstName() map[string]*crm.Customer {
	e.t.Helper()
	out := map[string]*crm.Customer{}
	for _, c := range e.customers() {
		out[c.Get("first_name")] = c
	}
	return out
}

// TestImportReadsPhoneNumbers: each phone value keeps what was written and
// gains its international form, read with the row's country, else the
// import's; values that are not numbers of their country load as written
// and are counted.
func TestImportReadsPhoneNumbers(t *testing.T) {
	e := newEnv(t)
	imp := e.loadString(phoneFile, crm.ImportOptions{Country: "United Kingdom", CountryColumn: "Country"})
	if imp.Options.Country != "GB" {
		t.Errorf("the import's country is kept as %q, want GB", imp.Options.Country)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 6, Created: 6, Batches: 1, PhonesAsWritten: 3})
	want := map[string]map[string]string{
		"Ann": {"voice": "+442079460958"},
		"Bob": {"voice": "+12025550143"},
		"Cem": {"voice": "+49301234567", "alternative": "+447911123456"},
		"Dee": {"voice": ""},
		"Eve": {"voice": ""},
		"Fay": {"voice": ""}, // Narnia's numbers cannot be read: kept as written
	}
	got := e.byFirstName()
	for name, forms := range want {
		for key, e164 := range forms {
			c := got[name]
			if e, known := c.PhoneForm(key); !known || e != e164 {
				t.Errorf("%s's %s %q: international form %q (known %v), want %q", name, key, c.Get(key), e, known, e164)
			}
		}
	}
	if v := got["Bob"].Get("voice"); v != "(202) 555-0143 x12" {
		t.Errorf("Bob's number was not kept as written: %q", v)
	}
	s, err := e.im.Summarize(e.ctx, imp, -1)
	if err != nil {
		t.Fatal(err)
	}
	if s.PhonesAsWritten != 3 || len(s.Warnings) != 1 || !strings.HasPrefix(s.Warnings[0], "3 phone values are not phone numbers of their country") {
		t.Errorf("the summary: %d as written, warnings %q", s.PhonesAsWritten, s.Warnings)
	}
}

// TestImportChecksPhoneNumbers: with the check, a value that cannot be a
// phone number of its country rejects its record, saying why and how to
// load it; the dry run says the same beforehand.
func TestImportChecksPhoneNumbers(t *testing.T) {
	e := newEnv(t)
	imp := e.prepare("phones.csv", []byte(phoneFile), crm.ImportOptions{Country: "gb", CountryColumn: "Country", CheckPhones: true})
	dry, err := e.im.DryRun(e.ctx, imp.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	imp, err = e.im.Start(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 6, Created: 3, Rejected: 3, Batches: 1})
	wantErrs := []crm.RowError{
		{Line: 5, Field: "voice", Value: "020 7946 095", Message: `Voice is too short for a phone number of GB. Correct the number, or import without checking phone numbers to load it as written.`},
		{Line: 6, Field: "voice", Value: "555 0143", Message: `Voice is a local number; add its area code (the row's country, column "Country"). Correct the number, or import without checking phone numbers to load it as written.`},
		{Line: 7, Field: "", Value: "Narnia", Message: `Column "Country": "Narnia" is not a country localcrm knows; write a two-letter ISO code such as GB or US; without it, the row's phone numbers cannot be checked.`},
	}
	errs, err := e.st.ImportErrors(e.ctx, imp.ID, -1)
	if err != nil {
		t.Fatal(err)
	}
	wantErrors(t, errs, wantErrs)
	wantErrors(t, dry.Errors, wantErrs)
	if dry.Created != 3 || dry.Rejected != 3 || dry.PhonesAsWritten != 0 {
		t.Errorf("the dry run: %d created, %d rejected, %d as written", dry.Created, dry.Rejected, dry.PhonesAsWritten)
	}
}

// TestImportPhoneOptionsChecked: an unknown country, or a country column
// the file lacks, is refused before anything is read, saying what to give.
func TestImportPhoneOptionsChecked(t *testing.T) {
	e := newEnv(t)
	p := e.create("phones.csv", []byte(phoneFile))
	_, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping, Country: "Atlantis", CountryColumn: "Land"})
	var v *crm.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 2 {
		t.Fatalf("Configure: %v, want two problems", err)
	}
	if got := v.Problems[0].Message; got != `The import's country "Atlantis" is not a country localcrm knows; write a two-letter ISO code such as GB or US.` {
		t.Errorf("country: %s", got)
	}
	if got := v.Problems[1].Message; got != `The country column "Land" is not a column of the file; its columns are: First Name, Last Name, Phone, Mobile, Country.` {
		t.Errorf("country column: %s", got)
	}
}

// TestImportDefaultCountry: with no country of its own, an import reads
// numbers with the default country; an update keeps the forms of the
// numbers it leaves and reads those it brings.
func TestImportDefaultCountry(t *testing.T) {
	e := newEnv(t)
	if _, err := e.st.SetDefaultCountry(e.ctx, "FR"); err != nil {
		t.Fatal(err)
	}
	e.loadString("first_name,last_name,email,voice,fax\nAnn,Lee,ann@example.com,01 42 68 53 00,01 42 68 53 01\n", crm.ImportOptions{})
	c := e.byFirstName()["Ann"]
	if e164, _ := c.PhoneForm("voice"); e164 != "+33142685300" {
		t.Fatalf("voice read with the default country: %q", e164)
	}
	imp := e.loadString("email,voice,alternative\nann@example.com,06 12 34 56 78,99\n", crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate})
	wantCounts(t, imp, crm.ImportCounts{Records: 1, Updated: 1, Batches: 1, PhonesAsWritten: 1, Changes: map[string]int{"voice": 1, "alternative": 1}})
	c = e.byFirstName()["Ann"]
	for key, want := range map[string]string{"voice": "+33612345678", "alternative": "", "fax": "+33142685301"} {
		if e164, known := c.PhoneForm(key); !known || e164 != want {
			t.Errorf("after the update, %s: %q, %v; want %q", key, e164, known, want)
		}
	}
	if found, err := e.st.LookupPhone(e.ctx, "+33 6 12 34 56 78"); err != nil || len(found.Customers) != 1 {
		t.Errorf("the updated number is not found: %v, %v", found.Customers, err)
	}
}
