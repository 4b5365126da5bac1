package importer

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
)

// TestSameFileFourWays imports one real file as it was published and as
// Excel would save it in three other ways (UTF-8 with a BOM and CRLF,
// semicolons, UTF-16LE tab-separated text), each into its own customer
// file, and checks that all four give the same customers.
func TestSameFileFourWays(t *testing.T) {
	files := []struct {
		path, encoding, delimiter string
	}{
		{"customers/react-spreadsheet-import/exampleFile.csv", "utf-8", "comma"},
		{"synthetic/exampleFile.utf8-bom.comma.crlf.csv", "utf-8", "comma"},
		{"synthetic/exampleFile.semicolon.crlf.csv", "utf-8", "semicolon"},
		{"synthetic/exampleFile.utf16le-bom.tab.crlf.txt", "utf-16le", "tab"},
	}
	mapping := map[string]string{"firstname": "first_name", "lastname": "last_name", "email": "email", "team": "team"}
	var first []map[string]string
	for _, f := range files {
		e := newEnv(t)
		e.field(crm.Field{Key: "team", Label: "Team", Type: crm.TypeText})
		p := e.create(f.path, testdata(t, f.path))
		if p.Import.Encoding != f.encoding || p.Import.Delimiter != f.delimiter || p.Import.HeaderLine != 1 {
			t.Errorf("%s: read as %s, %s, header on line %d; want %s, %s, 1", f.path, p.Import.Encoding, p.Import.Delimiter, p.Import.HeaderLine, f.encoding, f.delimiter)
		}
		if want := []string{"firstname", "lastname", "years", "team", "manager", "email"}; !slices.Equal(p.Columns, want) {
			t.Errorf("%s: columns %q, want %q", f.path, p.Columns, want)
		}
		if p.Import.Total != 1000 {
			t.Errorf("%s: %d records, want 1000", f.path, p.Import.Total)
		}
		if _, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: mapping, BatchSize: 250}); err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		imp, err := e.im.Start(e.ctx, p.Import.ID, nil)
		if err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		// Three made-up people have a space in their email address.
		wantCounts(t, imp, crm.ImportCounts{Records: 1000, Created: 997, Rejected: 3, Batches: 4})
		const notOne = "Email is not one email address: give a single address such as name@example.com."
		wantErrors(t, e.errors(imp), []crm.RowError{
			rowErr(421, "email", "Zsa Zsa.Lipson@mailmail.com", notOne),
			rowErr(475, "email", "Zsa Zsa.Izaak@mailmail.com", notOne),
			rowErr(527, "email", "Zsa Zsa.Donoghue@mailmail.com", notOne),
		})

		var got []map[string]string
		for _, c := range e.customers() {
			v := maps.Clone(c.Values)
			v["#"] = fmt.Sprint(c.AccountNumber)
			got = append(got, v)
		}
		if len(got) != 997 {
			t.Fatalf("%s: %d customers, want 997", f.path, len(got))
		}
		if first == nil {
			first = got
			// Spot checks of the first file against its text.
			want := map[string]string{"#": "10000000", "first_name": "Christy", "last_name": "Rodmann",
				"email": "Christy.Rodmann@mailmail.com", "team": "Developers", "customer_type": "Default"}
			if !maps.Equal(got[0], want) {
				t.Errorf("first customer = %v, want %v", got[0], want)
			}
			continue
		}
		for i := range got {
			if !maps.Equal(got[i], first[i]) {
				t.Errorf("%s: customer %d = %v\nbut from %s it is %v", f.path, i, got[i], files[0].path, first[i])
				break
			}
		}
	}
}

// TestChatwootContacts imports Chatwoot's contact-import fixtures: a clean
// file, a file with a duplicate email and rows missing a column, and a file
// of contacts that already exist, with the update policy.
func TestChatwootContacts(t *testing.T) {
	const dir = "customers/chatwoot-contact-import/"
	e := newEnv(t)

	imp := e.load("contacts.csv", testdata(t, dir+"contacts.csv"), crm.ImportOptions{BatchSize: 10})
	wantCounts(t, imp, crm.ImportCounts{Records: 25, Created: 25, Batches: 3})
	if imp.Status != crm.ImportCompleted {
		t.Errorf("status = %s", imp.Status)
	}
	if got := e.mustEmail("tolunney4@si.edu").Name(); got != "Tina O'Lunney" {
		t.Errorf("name = %q", got)
	}

	// invalid_contacts.csv: line 4 repeats line 2's email; lines 5-26 have
	// no phone_number cell. Into an empty customer file, only lines 2 and 3
	// load.
	e2 := newEnv(t)
	imp = e2.load("invalid_contacts.csv", testdata(t, dir+"invalid_contacts.csv"), crm.ImportOptions{})
	if imp.HeaderLine != 1 {
		t.Errorf("header on line %d, want 1", imp.HeaderLine)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 25, Created: 2, Rejected: 23, Batches: 1})
	errs := e2.errors(imp)
	want := []crm.RowError{rowErr(4, "email", "cuzzell0@mozilla.org",
		"Email cuzzell0@mozilla.org is also on line 2 of this file; each email may appear only once. Remove or merge one of the two rows.")}
	for line := 5; line <= 26; line++ {
		want = append(want, rowErr(line, "", "", "The row has 7 cells but the header has 8 columns."))
	}
	for i := range errs {
		if errs[i].Field == "" {
			errs[i].Value = "" // the row's text, checked below for one row
		}
	}
	wantErrors(t, errs, want)
	if got := e2.errors(imp)[1].Value; !strings.HasPrefix(got, "4,Sibel,Stennine,") {
		t.Errorf("value of line 5's error = %q, want the row's text", got)
	}
	if got := e2.mustEmail("cuzzell0@mozilla.org"); got.Get("voice") != "+918484848484" || got.Get("first_name") != "Clarice" {
		t.Errorf("line 2 stored as %v", got.Values)
	}

	// existing_contacts.csv updates the first three contacts with phone
	// numbers and leaves everything else as it was.
	before := e.mustEmail("nwindibank2@bluehost.com")
	imp = e.load("existing_contacts.csv", testdata(t, dir+"existing_contacts.csv"), crm.ImportOptions{OnDuplicate: crm.DuplicateUpdate})
	wantCounts(t, imp, crm.ImportCounts{Records: 3, Updated: 3, Batches: 1})
	after := e.mustEmail("nwindibank2@bluehost.com")
	want3 := maps.Clone(before.Values)
	want3["voice"] = "+918080808082"
	if after.AccountNumber != before.AccountNumber || !maps.Equal(after.Values, want3) {
		t.Errorf("after the update: %v\nwant %v", after.Values, want3)
	}
	if n := e.count(); n != 25 {
		t.Errorf("%d customers after the update, want 25", n)
	}
	// The same file again under the default policy is rejected, record by
	// record, naming the customers.
	imp = e.load("existing_contacts.csv", testdata(t, dir+"existing_contacts.csv"), crm.ImportOptions{})
	wantCounts(t, imp, crm.ImportCounts{Records: 3, Rejected: 3, Batches: 1})
	if msg := e.errors(imp)[2].Message; !strings.Contains(msg, "already belongs to customer "+fmt.Sprint(after.AccountNumber)) {
		t.Errorf("message = %q", msg)
	}
}

// TestRealFileEncodings checks that third-party files in Windows-1252,
// ISO-8859-1 and UTF-16 (both byte orders) are detected and decoded.
func TestRealFileEncodings(t *testing.T) {
	tests := []struct {
		path, encoding string
		column         string // a column name with non-ASCII text, or the last one
	}{
		{"excel-variants/messytables-horror/spanish_chars.csv", "windows-1252", "Descripción"},
		{"excel-variants/messytables-horror/utf-16le_encoded.csv", "utf-16le", "Organisation_code"},
		{"excel-variants/csvkit-examples/test_utf16_big.csv", "utf-16be", "c"},
		{"excel-variants/csvkit-examples/test_utf16_little.csv", "utf-16le", "c"},
		{"excel-variants/csvkit-examples/test_latin1.csv", "windows-1252", "c"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			e := newEnv(t)
			p := e.create(tt.path, testdata(t, tt.path))
			if p.Import.Encoding != tt.encoding {
				t.Errorf("encoding = %s, want %s", p.Import.Encoding, tt.encoding)
			}
			if !slices.Contains(p.Columns, tt.column) {
				t.Errorf("columns %q lack %q", p.Columns, tt.column)
			}
		})
	}

	// The ISO-8859-1 file's "©" arrives as such.
	e := newEnv(t)
	imp := e.prepare("test_latin1.csv", testdata(t, "excel-variants/csvkit-examples/test_latin1.csv"),
		crm.ImportOptions{Mapping: map[string]string{"a": "first_name", "b": "last_name", "c": "comments"}})
	imp, err := e.im.Start(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Created: 2, Batches: 1})
	var comments []string
	for _, c := range e.customers() {
		comments = append(comments, c.Get("comments"))
	}
	if !slices.Equal(comments, []string{"3", "©"}) {
		t.Errorf("comments = %q, want [3 ©]", comments)
	}
}

// TestDoubleByteFileRefused checks that a file in an encoding localcrm cannot
// read (Big5 here) is refused before anything is kept, rather than loaded as
// Windows-1252 gibberish, and that choosing Windows-1252 still reads it.
func TestDoubleByteFileRefused(t *testing.T) {
	e := newEnv(t)
	body := testdata(t, "excel-variants/messytables-horror/characters.csv")
	_, err := e.im.Create(e.ctx, Upload{Name: "characters.csv", Body: bytes.NewReader(body)})
	want := "characters.csv: The file is not UTF-8, UTF-16 or Windows-1252 text: it looks like a Chinese, Japanese or Korean encoding"
	if !errors.Is(err, crm.ErrInvalid) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Create = %v, want ErrInvalid starting %q", err, want)
	}
	if imps, _ := e.im.List(e.ctx); len(imps) != 0 {
		t.Errorf("the refused file left %d imports", len(imps))
	}
	p, err := e.im.Create(e.ctx, Upload{Name: "characters.csv", Body: bytes.NewReader(body), Format: csvin.Format{Encoding: csvin.Windows1252}})
	if err != nil || p.Import.Total != 382 {
		t.Errorf("with Windows-1252 chosen: %v, %v records; want 382", err, p)
	}
}

// TestMostlyUTF8File checks that a UTF-8 file with one row pasted in from a
// Windows-1252 file loads as UTF-8: the other rows keep their accents, and
// that row alone is rejected, with its line.
func TestMostlyUTF8File(t *testing.T) {
	e := newEnv(t)
	imp := e.loadString("First Name,Last Name,City\nJörg,Müller,Köln\nZoë,Brontë,Zürich\nJos\xe9,P\xe9rez,Bogot\xe1\n", crm.ImportOptions{})
	if imp.Encoding != "utf-8" {
		t.Errorf("encoding = %s, want utf-8", imp.Encoding)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 3, Created: 2, Rejected: 1, Batches: 1})
	var names []string
	for _, c := range e.customers() {
		names = append(names, c.Name())
	}
	if !slices.Equal(names, []string{"Jörg Müller", "Zoë Brontë"}) {
		t.Errorf("customers = %q", names)
	}
	if errs := e.errors(imp); len(errs) != 1 || errs[0].Line != 4 || !strings.Contains(errs[0].Message, "not valid UTF-8") {
		t.Errorf("errors = %+v, want line 4 not valid UTF-8", errs)
	}
}
