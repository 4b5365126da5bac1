package importer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// rejectsOf writes an import's rejects file.
func (e *env) rejectsOf(id int64) string {
	e.t.Helper()
	var b bytes.Buffer
	if err := e.im.WriteRejects(e.ctx, id, &b); err != nil {
		e.t.Fatalf("write rejects of import %d: %v", id, err)
	}
	return b.String()
}

// TestRejectsRoundTrip imports a file with bad rows, writes the rejects
// file, fixes it as a person would in a text editor, and imports it again
// as it is: every record loads, the error column is ignored, and a formula
// guarded in the rejects file arrives as the original text.
func TestRejectsRoundTrip(t *testing.T) {
	const source = "first_name,last_name,email,comments\r\n" +
		"Ann,Lee,ann@example.com,fine\r\n" + // 2
		`Bob,,bob@example.com,"needs, a last name"` + "\r\n" + // 3
		"Cy,Day,cy@bad,=cmd\r\n" + // 4
		`Di,Ray,di@example.com,"two` + "\r\n" + `lines"` + "\r\n" + // 5-6
		"Ed,Fox,ed@example.com,extra,cell\r\n" + // 7
		"Fay,Gee,fay@example.com\r\n" + // 8
		"Gil,Ho,gil@example.com,'+44 20 7946 0000\r\n" // 9
	tests := []struct {
		name      string
		body      []byte
		delimiter string
	}{
		{"comma.csv", []byte(source), ","},
		{"unicode.txt", utf16LE("\ufeff" + strings.ReplaceAll(source, ",", "\t")), "\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			imp := e.load(tt.name, tt.body, crm.ImportOptions{})
			wantCounts(t, imp, crm.ImportCounts{Records: 7, Created: 3, Rejected: 4, Batches: 1})

			rejects := e.rejectsOf(imp.ID)
			if !strings.HasPrefix(rejects, "\ufeff") {
				t.Errorf("rejects file has no UTF-8 BOM: %q", rejects)
			}
			d := tt.delimiter // also inside Bob's comment, which is quoted
			const (
				lastName = "Last Name must have a value."
				badEmail = "Email is not a valid email address: the domain after @ must be a full name such as example.com."
			)
			j := func(cells ...string) string { return strings.Join(cells, d) }
			want := "\ufeff" + j("first_name", "last_name", "email", "comments", "error") + "\r\n" +
				j("Bob", "", "bob@example.com", `"needs`+d+` a last name"`, lastName) + "\r\n" +
				j("Cy", "Day", "cy@bad", "'=cmd", badEmail) + "\r\n" +
				j("Ed", "Fox", "ed@example.com", "extra", "cell", "The row has 5 cells but the header has 4 columns.") + "\r\n" +
				j("Fay", "Gee", "fay@example.com", "", "The row has 3 cells but the header has 4 columns.") + "\r\n"
			if rejects != want {
				t.Errorf("rejects file:\n%q\nwant\n%q", rejects, want)
			}

			// Fix the rows in the text, as someone would in an editor.
			fixed := strings.NewReplacer(
				j("Bob", ""), j("Bob", "Brown"),
				"cy@bad", "cy@example.com",
				j("extra", "cell"), "extra cell",
			).Replace(rejects)
			p := e.create("fixed.csv", []byte(fixed))
			if got := Unmapped(p.Columns, p.Suggestion.Mapping); len(got) != 0 {
				t.Errorf("unmapped columns of the rejects file: %q", got)
			}
			if _, err := e.im.Configure(e.ctx, p.Import.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping}); err != nil {
				t.Fatal(err)
			}
			again, err := e.im.Start(e.ctx, p.Import.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantCounts(t, again, crm.ImportCounts{Records: 4, Created: 4, Batches: 1})
			if errs := e.errors(again); len(errs) != 0 {
				t.Errorf("errors: %+v", errs)
			}
			s, err := e.im.Summarize(e.ctx, again, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Unmapped) != 0 {
				t.Errorf("summary lists unmapped columns %q", s.Unmapped)
			}
			for email, want := range map[string]string{
				"bob@example.com": "needs" + d + " a last name",
				"cy@example.com":  "=cmd",
				"ed@example.com":  "extra cell",
				"fay@example.com": "",
				"di@example.com":  "two\nlines",
				"gil@example.com": "+44 20 7946 0000",
			} {
				if got := e.mustEmail(email).Get("comments"); got != want {
					t.Errorf("%s: comments %q, want %q", email, got, want)
				}
			}
			if got := e.mustEmail("bob@example.com").Get("last_name"); got != "Brown" {
				t.Errorf("fixed last name = %q", got)
			}
			if n := e.count(); n != 7 {
				t.Errorf("%d customers, want 7", n)
			}
		})
	}
}

// TestRejectsOfRejects checks that the rejects file of an import of a
// rejects file has one error column, with the new errors.
func TestRejectsOfRejects(t *testing.T) {
	e := newEnv(t)
	imp := e.loadString("first_name,last_name,email\nA,,a@example.com\nB,,b@example.com\n", crm.ImportOptions{})
	rejects := e.rejectsOf(imp.ID)
	// Fix one row of two, and break its email instead.
	fixed := strings.Replace(rejects, "A,,a@example.com", "A,Ay,a@", 1)
	imp = e.load("rejects.csv", []byte(fixed), crm.ImportOptions{})
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Rejected: 2, Batches: 1})
	want := "\ufefffirst_name,last_name,email,error\r\n" +
		"A,Ay,a@,Email is not a valid email address: it must look like name@example.com.\r\n" +
		"B,,b@example.com,Last Name must have a value.\r\n"
	if got := e.rejectsOf(imp.ID); got != want {
		t.Errorf("rejects of the rejects:\n%q\nwant\n%q", got, want)
	}
}

// TestReportDownloads checks the JSON summary and the CSV report of a
// finished import, and the empty report of one that has not started.
func TestReportDownloads(t *testing.T) {
	e := newEnv(t)
	pending := e.prepare("p.csv", people(2), crm.ImportOptions{})
	if rep := e.report(pending.ID); len(rep) != 1 {
		t.Errorf("report of a pending import: %q", rep)
	}
	imp := e.loadString("first_name,last_name,email,Favourite Colour\nA,B,a@example.com,red\n,C,c@example.com,blue\n", crm.ImportOptions{})

	var b bytes.Buffer
	if err := e.im.WriteSummary(e.ctx, imp.ID, &b); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := json.Unmarshal(b.Bytes(), &s); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, b.String())
	}
	if s.ImportID != imp.ID || s.Status != crm.ImportCompletedWithErrors || s.File != "test.csv" || s.Size != int64(imp.FileSize) ||
		s.Total != 2 || s.Created != 1 || s.Rejected != 1 || s.Encoding != "utf-8" || s.Delimiter != "comma" ||
		s.OnDuplicate != "reject" || s.DateFormat != "MM/DD/YYYY" || s.BatchSize != 100 || s.MaxRecords != 50000 ||
		s.CreatedBy != "test" || s.StartedAt == nil || s.FinishedAt == nil || s.Seconds < 0 {
		t.Errorf("summary = %+v", s)
	}
	if !slices.Equal(s.Unmapped, []string{"Favourite Colour"}) {
		t.Errorf("unmapped = %q", s.Unmapped)
	}
	if want := map[string]string{"first_name": "first_name", "last_name": "last_name", "email": "email"}; !maps.Equal(s.Mapping, want) {
		t.Errorf("mapping = %v", s.Mapping)
	}
	wantErrors(t, s.Errors, []crm.RowError{rowErr(3, "first_name", "", "First Name must have a value.")})

	rep := e.report(imp.ID)
	acct := itoa(int(e.mustEmail("a@example.com").AccountNumber))
	want := [][]string{{"line", "outcome", "account_number", "message", "row", "name", "email"},
		{"2", "created", acct, "", "2", "A B", "a@example.com"}, {"3", "rejected", "", "First Name must have a value.", "3", "C", "c@example.com"}}
	if len(rep) != len(want) || !slices.Equal(rep[1], want[1]) || !slices.Equal(rep[2], want[2]) {
		t.Errorf("report = %q, want %q", rep, want)
	}
}

// TestReportIsSafeForSpreadsheets checks that the report and rejects
// files guard cells that a spreadsheet would run as formulas.
func TestReportIsSafeForSpreadsheets(t *testing.T) {
	e := newEnv(t)
	imp := e.loadString("first_name,last_name,email\n=HYPERLINK(\"x\"),,@evil\n", crm.ImportOptions{})
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(e.rejectsOf(imp.ID), "\ufeff")))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][0]; got != `'=HYPERLINK("x")` {
		t.Errorf("rejects cell = %q", got)
	}
	if got := rows[1][2]; got != "'@evil" {
		t.Errorf("rejects cell = %q", got)
	}
}

// TestSepLine checks a file that names its delimiter on an Excel "sep="
// line: one of the four is used (and the rejects file keeps it); any other
// is refused before anything is stored, with the reason. A formula
// character as the delimiter would make a rejects-file row with an empty
// first cell begin with a formula.
func TestSepLine(t *testing.T) {
	e := newEnv(t)
	imp := e.loadString("sep=|\nfirst_name|last_name|email\nA|B|a@example.com\nC||c@example.com\n", crm.ImportOptions{})
	if imp.HeaderLine != 2 {
		t.Errorf("header on line %d, want 2", imp.HeaderLine)
	}
	wantCounts(t, imp, crm.ImportCounts{Records: 2, Created: 1, Rejected: 1, Batches: 1})
	wantErrors(t, e.errors(imp), []crm.RowError{rowErr(4, "last_name", "", "Last Name must have a value.")})
	if got := e.rejectsOf(imp.ID); got != "\ufefffirst_name|last_name|email|error\r\nC||c@example.com|Last Name must have a value.\r\n" {
		t.Errorf("rejects file = %q", got)
	}

	for _, sep := range []string{":", "=", "+", "-", "@"} {
		body := "sep=" + sep + "\nfirst_name" + sep + "last_name\n" + sep + "B\n"
		_, err := e.im.Create(e.ctx, Upload{Name: "x.csv", Body: strings.NewReader(body)})
		var ve *crm.ValidationError
		if !errors.As(err, &ve) || ve.Problems[0].Field != "delimiter" || !strings.Contains(err.Error(), "reads only commas, semicolons, tabs or pipes") {
			t.Errorf("sep=%s: error %v, want the delimiter refused", sep, err)
		}
	}
	if imps, _ := e.st.ListImports(e.ctx); len(imps) != 1 {
		t.Errorf("%d imports stored, want only the first", len(imps))
	}
}

// TestWriteSummaryStreams: the JSON summary, whose errors are written a
// page at a time, is byte for byte the summary with every error encoded at
// once, also where a page ends part way through a line's errors, and with
// no error at all.
func TestWriteSummaryStreams(t *testing.T) {
	e := newEnv(t)
	var csv strings.Builder
	// One error on the first row, then two a row: the first page of 1,000
	// ends inside a line.
	csv.WriteString("first_name,last_name,email\nFirst,Last,bad\n")
	for i := range 1300 {
		fmt.Fprintf(&csv, ",Last%d,bad%d\n", i, i)
	}
	csv.WriteString("Ada,Lovelace,ada@example.com\n")
	broken := e.loadString(csv.String(), crm.ImportOptions{})
	clean := e.loadString("first_name,last_name,email\nGrace,Hopper,grace@example.com\n", crm.ImportOptions{})
	for _, imp := range []*crm.Import{broken, clean} {
		imp, err := e.im.Get(e.ctx, imp.ID) // as stored, as WriteSummary reads it
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.im.Summarize(e.ctx, imp, -1)
		if err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if err := e.im.WriteSummary(e.ctx, imp.ID, &got); err != nil {
			t.Fatal(err)
		}
		if want := max(0, 2*imp.Counts.Rejected-1); len(s.Errors) != want {
			t.Errorf("import %d: %d errors for %d rejected records, want %d", imp.ID, len(s.Errors), imp.Counts.Rejected, want)
		}
		if g, w := got.String(), want.String(); g != w {
			at := 0
			for at < min(len(g), len(w)) && g[at] == w[at] {
				at++
			}
			t.Errorf("import %d's JSON summary (%d bytes) differs from the whole summary's (%d bytes) at byte %d:\n%q\nwant\n%q",
				imp.ID, len(g), len(w), at, g[max(0, at-80):min(len(g), at+80)], w[max(0, at-80):min(len(w), at+80)])
		}
	}
}
