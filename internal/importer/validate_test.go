package importer

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// zoe returns a name of n characters that starts with "Zoë", so that it has
// one byte more than it has characters.
func zoe(n int) string { return "Zoë" + strings.Repeat("x", n-3) }

// withFields adds the custom fields the validation tests use.
func withFields(e *env) {
	e.field(crm.Field{Key: "birthday", Label: "Birthday", Type: crm.TypeDate})
	e.field(crm.Field{Key: "score", Label: "Score", Type: crm.TypeNumber})
	e.field(crm.Field{Key: "website", Label: "Website", Type: crm.TypeURL})
	e.field(crm.Field{Key: "vip", Label: "VIP", Type: crm.TypeCheckbox})
	e.field(crm.Field{Key: "tier", Label: "Tier", Type: crm.TypePicklist, Values: []string{"Gold", "Silver"}})
}

// rulesFile breaks one rule per row; the comment after each row is its line.
var rulesFile = strings.Join([]string{
	"first_name,last_name,email,customer_type,comments,birthday,score,website,vip,tier",          // 1
	" Ann , Lee ,ann@example.com,default,'-5,02/29/2024,-12.50,https://example.com/ann,Yes,gold", // 2
	",Lee,nofirst@example.com,,,,,,,",                   // 3
	"Bob,,,,,,,,,",                                      // 4
	zoe(31) + ",Long,,,,,,,,",                           // 5
	zoe(30) + ",Fits,zoe30@example.com,,,,,,,",          // 6
	"Carl,Bad,not-an-email,,,,,,,",                      // 7
	`Dora,Named,"Dora Named <dora@example.com>",,,,,,,`, // 8
	"Eve,Type,,VIP,,,,,,Platinum",                       // 9
	"Fay,Date,,,,02/30/2024,,,,",                        // 10
	`Gus,Nums,,,,,"1,234.5",example.com,maybe,`,         // 11
	"Hal,Many,,,,,,,,,extra",                            // 12
	"Ida,Few,,",                                         // 13
	`Jo,Qu"ote,,,,,,,,`,                                 // 14
	",,,,,,,,,",                                         // 15: blank
	`"Kim","Multi",kim@example.com,,"line one`,          // 16
	"line two",                  // 17
	`line three",,,,,`,          // 18
	`"Lou","Span",bad@,,"first`, // 19
	`second",,,,,`,              // 20
	"Mia,Guard,mia@example.com,,'=SUM(A1),,,,,", // 21
	"  ,  ,  ,  ,  ,  ,  ,  ,  ,  ",             // 22: blank
	"Ned,Last,,,,,,,,",                          // 23
	`"Oz"z,Quote,,,,,,,,`,                       // 24
}, "\n") + "\n"

// TestValidationRules checks every rule a record must follow, with the line
// and message of each rejection as the summary and the CSV report give them,
// and the stored form of every value that passes.
func TestValidationRules(t *testing.T) {
	e := newEnv(t)
	withFields(e)
	imp := e.loadString(rulesFile, crm.ImportOptions{})

	if imp.Status != crm.ImportCompletedWithErrors {
		t.Errorf("status = %s, want %s", imp.Status, crm.ImportCompletedWithErrors)
	}
	if imp.Total != 18 {
		t.Errorf("Total = %d, want 18 (blank rows are not records)", imp.Total)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 18, Created: 5, Rejected: 13, Batches: 1})

	const lenMsg = "is 31 characters long; the limit is 30."
	want := []crm.RowError{
		rowErr(3, "first_name", "", "First Name must have a value."),
		rowErr(4, "last_name", "", "Last Name must have a value."),
		rowErr(5, "first_name", zoe(31), "First Name "+lenMsg),
		rowErr(7, "email", "not-an-email", "Email is not a valid email address: it must look like name@example.com."),
		rowErr(8, "email", "Dora Named <dora@example.com>", "Email is not a bare email address: give only the address, such as name@example.com, without a name or angle brackets."),
		rowErr(9, "customer_type", "VIP", "Customer Type is not one of the allowed values: Default."),
		rowErr(9, "tier", "Platinum", "Tier is not one of the allowed values: Gold, Silver."),
		rowErr(10, "birthday", "02/30/2024", "Birthday is not a real calendar date; check the month and the day."),
		rowErr(11, "score", "1,234.5", "Score is not a number: write digits with an optional sign and '.' as the decimal separator, such as -1234.56 (no thousands separators, no decimal comma)."),
		rowErr(11, "website", "example.com", "Website is not a web address: write it in full, starting with http:// or https://."),
		rowErr(11, "vip", "maybe", "VIP is not a yes/no value: use true or false, yes or no, y or n, 1 or 0."),
		rowErr(12, "", "Hal,Many,,,,,,,,,extra", "The row has 11 cells but the header has 10 columns."),
		rowErr(13, "", "Ida,Few,,", "The row has 4 cells but the header has 10 columns."),
		rowErr(14, "", `Jo,Qu"ote,,,,,,,,`, `The row has a quote (") in an unquoted cell; put the whole cell in double quotes and double the quote inside it.`),
		// After cells with line breaks, a spreadsheet shows these on rows 17 and 21.
		rowAt(rowErr(19, "email", "bad@", "Email is not a valid email address: it must look like name@example.com."), 17),
		rowAt(rowErr(24, "", `"Oz"z,Quote,,,,,,,,`, `The row has text after the closing quote (") of a quoted cell; put the whole cell in double quotes and double the quote inside it.`), 21),
	}
	wantErrors(t, e.errors(imp), want)

	// The CSV report: one row per record, rejected ones with every message.
	rep := e.report(imp.ID)
	if len(rep) != 1+18 {
		t.Errorf("report has %d rows, want a header and 18 records", len(rep))
	}
	if !reflect.DeepEqual(rep[0], []string{"line", "outcome", "account_number", "message", "row", "name", "email"}) {
		t.Errorf("report header = %q", rep[0])
	}
	// The row a spreadsheet shows, and who the record is, beside the line.
	for _, r := range rep[1:] {
		if r[0] == "19" && (r[4] != "17" || r[6] != "bad@") {
			t.Errorf("line 19's report row = %q, want row 17 and its email", r)
		}
	}
	wantRejected := map[string]string{}
	for _, w := range want {
		line := itoa(w.Line)
		wantRejected[line] = strings.TrimSpace(wantRejected[line] + " " + w.Message)
	}
	if got := e.rejected(imp.ID); !maps.Equal(got, wantRejected) {
		t.Errorf("report's rejected lines = %q\nwant %q", got, wantRejected)
	}
	var created []string
	for _, row := range rep[1:] {
		if row[1] == "created" {
			created = append(created, row[0])
			if len(row[2]) != 8 {
				t.Errorf("line %s created without an 8-digit account number: %q", row[0], row[2])
			}
		}
	}
	if want := []string{"2", "6", "16", "21", "23"}; !reflect.DeepEqual(created, want) {
		t.Errorf("created lines = %v, want %v", created, want)
	}

	// What was stored: trimmed, in the field's spelling, dates as
	// YYYY-MM-DD, checkboxes as true/false, formula guards removed.
	ann := e.mustEmail("ann@example.com")
	wantValues := map[string]string{
		"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "customer_type": "Default",
		"comments": "-5", "birthday": "2024-02-29", "score": "-12.50", "website": "https://example.com/ann",
		"vip": "true", "tier": "Gold",
	}
	if !maps.Equal(ann.Values, wantValues) {
		t.Errorf("line 2 stored %v\nwant %v", ann.Values, wantValues)
	}
	if got := e.mustEmail("zoe30@example.com").Get("first_name"); got != zoe(30) {
		t.Errorf("30-character name stored as %q", got)
	}
	if got := e.mustEmail("kim@example.com").Get("comments"); got != "line one\nline two\nline three" {
		t.Errorf("multi-line comment stored as %q", got)
	}
	if got := e.mustEmail("mia@example.com").Get("comments"); got != "=SUM(A1)" {
		t.Errorf("guarded formula stored as %q, want =SUM(A1)", got)
	}
	// A new customer without a customer type gets the default.
	for _, c := range e.customers() {
		if c.Get("customer_type") != "Default" {
			t.Errorf("customer %d has customer type %q, want Default", c.AccountNumber, c.Get("customer_type"))
		}
	}
	if n := e.count(); n != 5 {
		t.Errorf("%d customers, want 5", n)
	}
}

// TestPicklistCaseFolding checks that a picklist value matches ignoring case
// and is stored in the field's own spelling, for the customer types an admin
// defines and for a custom picklist.
func TestPicklistCaseFolding(t *testing.T) {
	e := newEnv(t)
	ct, _ := e.schema().Field(crm.KeyCustomerType)
	ct.Values = []string{"Default", "Key Account", "Prospect"}
	if err := e.st.UpdateField(e.ctx, &ct); err != nil {
		t.Fatal(err)
	}
	e.field(crm.Field{Key: "region", Label: "Sales Region", Type: crm.TypePicklist, Values: []string{"EMEA", "North America"}})
	imp := e.loadString("first_name,last_name,email,customer_type,Sales Region\n"+
		"A,A,a@example.com,default,emea\n"+
		"B,B,b@example.com,KEY ACCOUNT,  north america  \n"+
		"C,C,c@example.com,Key-Account,EMEA\n"+
		"D,D,d@example.com,,\n", crm.ImportOptions{})
	wantCounts(t, imp, crm.ImportCounts{Records: 4, Created: 3, Rejected: 1, Batches: 1})
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(4, "customer_type", "Key-Account", "Customer Type is not one of the allowed values: Default, Key Account, Prospect."),
	})
	for email, want := range map[string][2]string{
		"a@example.com": {"Default", "EMEA"},
		"b@example.com": {"Key Account", "North America"},
		"d@example.com": {"Default", ""},
	} {
		c := e.mustEmail(email)
		if got := [2]string{c.Get("customer_type"), c.Get("region")}; got != want {
			t.Errorf("%s: customer_type, region = %q, want %q", email, got, want)
		}
	}
}

// TestDateFormats checks the declared date format: MM/DD/YYYY by default,
// DD/MM/YYYY on request, YYYY-MM-DD always, and no rolling over of
// impossible dates in any of them.
func TestDateFormats(t *testing.T) {
	const file = "first_name,last_name,birthday\n" +
		"A,A,02/29/2024\n" + // 2
		"B,B,29/02/2024\n" + // 3
		"C,C,02/30/2024\n" + // 4
		"D,D,2024-03-01\n" + // 5
		"E,E,1/2/2024\n" + // 6
		"F,F,2024/03/01\n" + // 7
		"G,G,02/29/2023\n" // 8
	tests := []struct {
		format crm.DateFormat
		stored map[string]string // last name → stored date
		errs   []crm.RowError
	}{
		{crm.DateMDY, map[string]string{"A": "2024-02-29", "D": "2024-03-01", "E": "2024-01-02"}, []crm.RowError{
			rowErr(3, "birthday", "29/02/2024", "Birthday is not a real calendar date as MM/DD/YYYY; it would be one as DD/MM/YYYY: if the file writes dates that way, choose that date format."),
			rowErr(4, "birthday", "02/30/2024", "Birthday is not a real calendar date; check the month and the day."),
			rowErr(7, "birthday", "2024/03/01", "Birthday is not a date in the form MM/DD/YYYY (for example 12/31/2024)."),
			rowErr(8, "birthday", "02/29/2023", "Birthday is not a real calendar date; check the month and the day."),
		}},
		{crm.DateDMY, map[string]string{"B": "2024-02-29", "D": "2024-03-01", "E": "2024-02-01"}, []crm.RowError{
			rowErr(2, "birthday", "02/29/2024", "Birthday is not a real calendar date as DD/MM/YYYY; it would be one as MM/DD/YYYY: if the file writes dates that way, choose that date format."),
			rowErr(4, "birthday", "02/30/2024", "Birthday is not a real calendar date; check the month and the day."),
			rowErr(7, "birthday", "2024/03/01", "Birthday is not a date in the form DD/MM/YYYY (for example 31/12/2024)."),
			rowErr(8, "birthday", "02/29/2023", "Birthday is not a real calendar date; check the month and the day."),
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			e := newEnv(t)
			e.field(crm.Field{Key: "birthday", Label: "Birthday", Type: crm.TypeDate})
			imp := e.loadString(file, crm.ImportOptions{DateFormat: tt.format})
			wantErrors(t, e.errors(imp), tt.errs)
			got := map[string]string{}
			for _, c := range e.customers() {
				got[c.Get("last_name")] = c.Get("birthday")
			}
			if !maps.Equal(got, tt.stored) {
				t.Errorf("stored dates %v, want %v", got, tt.stored)
			}
		})
	}
}

// TestMalformedRowsDoNotStopTheFile checks that rows with bad quoting, a
// quoted cell that never ends, and rows of the wrong width are rejected on
// their own lines while every other row loads.
func TestMalformedRowsDoNotStopTheFile(t *testing.T) {
	e := newEnv(t)
	imp := e.loadString("first_name,last_name,email\r\n"+
		"Al,One,al@example.com\r\n"+ // 2
		`"Bo,Two,bo@example.com`+"\r\n"+ // 3: the quote never ends
		"Cy,Three,cy@example.com\r\n"+ // 4
		"Di,Four\r\n"+ // 5
		"Ed,Five,ed@example.com,x\r\n"+ // 6
		"Fi,Six,fi@example.com\r\n", // 7
		crm.ImportOptions{BatchSize: 2})
	wantCounts(t, imp, crm.ImportCounts{Records: 6, Created: 3, Rejected: 3, Batches: 3})
	wantErrors(t, e.errors(imp), []crm.RowError{
		rowErr(3, "", `"Bo,Two,bo@example.com`, `The row has a quoted cell that never ends: a closing quote (") is missing.`),
		rowErr(5, "", "Di,Four", "The row has 2 cells but the header has 3 columns."),
		rowErr(6, "", "Ed,Five,ed@example.com,x", "The row has 4 cells but the header has 3 columns."),
	})
	for _, email := range []string{"al@example.com", "cy@example.com", "fi@example.com"} {
		e.mustEmail(email)
	}
}

// TestBlankRowsAreNotRecords checks that rows with nothing but delimiters and
// white space are skipped, whatever their width: not counted, not reported.
// A row with an empty quoted cell of the wrong width is a record, though.
func TestBlankRowsAreNotRecords(t *testing.T) {
	e := newEnv(t)
	p := e.create("blank.csv", []byte("first_name,last_name,email\n,,\n   \nA,B,a@example.com\n , ,\t\n\n,\n\t\n,,,\n\"\"\n"))
	if p.Import.Total != 2 {
		t.Errorf("Total = %d, want 2", p.Import.Total)
	}
	if _, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping}); err != nil {
		t.Fatal(err)
	}
	imp, err := e.im.Start(e.ctx, p.Import.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Created: 1, Rejected: 1, Batches: 1})
	wantErrors(t, e.errors(imp), []crm.RowError{rowErr(10, "", `""`, "The row has 1 cell but the header has 3 columns.")})
	if rep := e.report(imp.ID); len(rep) != 3 || rep[1][0] != "4" {
		t.Errorf("report = %q, want the header, line 4 and line 10", rep)
	}
}

// TestEncodingsAreDetected checks that a Windows-1252 file and a UTF-16 file
// are read as such, and that the import records what was detected.
func TestEncodingsAreDetected(t *testing.T) {
	tests := []struct {
		name, encoding, delimiter string
		body                      []byte
	}{
		{"cp1252.csv", "windows-1252", "semicolon", []byte("first_name;last_name;email\r\nZo\xeb;M\xfcller;zoe@example.com\r\nJos\xe9;Garc\xeda \x96 L\xf3pez;jose@example.com\r\n")},
		{"utf16.txt", "utf-16le", "tab", utf16LE("\ufefffirst_name\tlast_name\temail\r\nZoë\tMüller\tzoe@example.com\r\nJosé\tGarcía – López\tjose@example.com\r\n")},
		{"utf8.csv", "utf-8", "comma", []byte("\ufefffirst_name,last_name,email\nZoë,Müller,zoe@example.com\nJosé,García – López,jose@example.com\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			imp := e.load(tt.name, tt.body, crm.ImportOptions{})
			if imp.Encoding != tt.encoding || imp.Delimiter != tt.delimiter {
				t.Errorf("encoding, delimiter = %s, %s; want %s, %s", imp.Encoding, imp.Delimiter, tt.encoding, tt.delimiter)
			}
			wantCounts(t, imp, crm.ImportCounts{Records: 2, Created: 2, Batches: 1})
			if got := e.mustEmail("zoe@example.com").Name(); got != "Zoë Müller" {
				t.Errorf("name = %q, want Zoë Müller", got)
			}
			if got := e.mustEmail("jose@example.com").Name(); got != "José García – López" {
				t.Errorf("name = %q, want José García – López", got)
			}
			s, err := e.im.Summarize(e.ctx, imp, 0)
			if err != nil {
				t.Fatal(err)
			}
			if s.Encoding != tt.encoding {
				t.Errorf("summary encoding = %q", s.Encoding)
			}
		})
	}
}

// TestKeepRecord: with KeepRecord, a record whose only problems are bad
// values of optional fields loads without them, the report saying what was
// left out and why; a missing required value or a bad email still
// rejects it, and the dry run announces the values left out.
func TestKeepRecord(t *testing.T) {
	e := newEnv(t)
	e.field(crm.Field{Key: "birthday", Label: "Birthday", Type: crm.TypeDate})
	e.field(crm.Field{Key: "website", Label: "Website", Type: crm.TypeURL, MaxLength: 200})
	file := "first_name,last_name,email,birthday,website\n" +
		"Ann,Lee,ann@example.com,02/30/1990,example.com\n" + // 2: kept, without both
		"Bo,,bo@example.com,02/30/1990,\n" + // 3: no last name: rejected
		"Cy,Po,cy-at-example.com,,\n" + // 4: bad email: rejected
		"Di,Ro,di@example.com,12/31/1990,https://di.example\n" // 5: fine
	o := crm.ImportOptions{KeepRecord: true}
	imp := e.prepare("keep.csv", []byte(file), o)
	dry, err := e.im.DryRun(e.ctx, imp.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Created != 2 || dry.Rejected != 2 || dry.LeftOut != 2 || !dry.KeepRecord {
		t.Errorf("dry run: %d created, %d rejected, %d left out; want 2, 2, 2", dry.Created, dry.Rejected, dry.LeftOut)
	}
	imp, err = e.im.Start(e.ctx, imp.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 4, Created: 2, Rejected: 2, Batches: 1, LeftOut: 2})
	// The finished import says what the dry run announced.
	s, err := e.im.Summarize(e.ctx, imp, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.LeftOut != 2 || !slices.Contains(s.Warnings, "2 invalid values of optional fields were left out: their records load without them, and the report lists each value with why.") {
		t.Errorf("the finished import's summary: %d left out, warnings %q", s.LeftOut, s.Warnings)
	}
	ann := e.mustEmail("ann@example.com")
	if ann.Get("birthday") != "" || ann.Get("website") != "" || ann.Get("last_name") != "Lee" {
		t.Errorf("Ann loaded as %v, want her without the bad birthday and website", ann.Values)
	}
	for _, r := range e.report(imp.ID) {
		if r[0] == "2" && (r[1] != "created" || !strings.Contains(r[3], `Left out "02/30/1990": Birthday is not a real calendar date`) || !strings.Contains(r[3], `Left out "example.com": Website is not a web address`)) {
			t.Errorf("line 2's report row = %q, want created, saying what was left out", r)
		}
	}
	// Without the option, Ann is rejected whole, as before.
	imp = e.load("keep.csv", []byte(strings.NewReplacer("ann@", "ann2@", "di@", "di2@").Replace(file)), crm.ImportOptions{})
	if imp.Counts.Rejected != 3 {
		t.Errorf("without the option, %d rejected, want 3", imp.Counts.Rejected)
	}
}
