package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"localcrm/internal/csvin"
	"localcrm/internal/xlsx/xlsxtest"
)

// save writes a workbook made by build with excelize to a file of the
// test's own and returns its path.
func save(t *testing.T, build func(f *excelize.File)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(path, xlsxtest.Build(t, build), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// open opens the workbook at path, closed when the test ends.
func open(t *testing.T, path string) *Workbook {
	t.Helper()
	b, err := Open(path, Options{TmpDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// line is a record as csvin reads it back.
type line struct {
	n     int
	cells []string
}

func (l line) String() string { return fmt.Sprintf("line %d: %q", l.n, l.cells) }

// readBack converts sheet to CSV and reads it as an import does, with
// csvin's Reader: the header's cells, then each record with its line.
func readBack(t *testing.T, b *Workbook, sheet string) ([]string, []line, Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := b.ToCSV(t.Context(), sheet, &out, Limits{})
	if err != nil {
		t.Fatalf("ToCSV(%q): %v", sheet, err)
	}
	r, err := csvin.NewReader(bytes.NewReader(out.Bytes()), csvin.Format{Encoding: csvin.UTF8, Delimiter: ','})
	if err != nil {
		t.Fatalf("csvin cannot read the CSV: %v\n%s", err, out.String())
	}
	var lines []line
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Err != nil {
			t.Errorf("line %d: %v\n%s", rec.Line, rec.Err, out.String())
		}
		lines = append(lines, line{rec.Line, append([]string(nil), rec.Fields...)})
	}
	return r.Header(), lines, st
}

func style(t *testing.T, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func customStyle(t *testing.T, f *excelize.File, code string) int {
	t.Helper()
	return style(t, f, &excelize.Style{CustomNumFmt: &code})
}

// TestCells: every kind of cell comes back as the text a person means by
// it, whatever its number format shows.
func TestCells(t *testing.T) {
	path := save(t, func(f *excelize.File) {
		shortDate := style(t, f, &excelize.Style{NumFmt: 14}) // m/d/yyyy
		dateTime := style(t, f, &excelize.Style{NumFmt: 22})  // m/d/yy h:mm
		clockTime := style(t, f, &excelize.Style{NumFmt: 21}) // h:mm:ss
		elapsed := style(t, f, &excelize.Style{NumFmt: 46})   // [h]:mm:ss
		money := style(t, f, &excelize.Style{NumFmt: 4})      // #,##0.00
		percent := style(t, f, &excelize.Style{NumFmt: 10})   // 0.00%
		text := style(t, f, &excelize.Style{NumFmt: 49})      // @
		bold := style(t, f, &excelize.Style{Font: &excelize.Font{Bold: true}})
		dmy := customStyle(t, f, "dd/mm/yyyy")
		monthYear := customStyle(t, f, `[$-409]mmmm\ yyyy;@`)
		dollars := customStyle(t, f, `"$"#,##0_);[Red]\("$"#,##0\)`)
		phone := customStyle(t, f, `[<=9999999]###-####;\(###\)\ ###-####`)
		xlsxtest.Stream(t, f, "Sheet1", [][]any{
			{"Name", "Born", "Call at", "Best time", "Talked", "Phone", "Phone styled", "Balance", "Share", "VIP", "Code", "Score", "Note"},
			{"Zoë Lefèvre", excelize.Cell{StyleID: shortDate, Value: 45306}, excelize.Cell{StyleID: dateTime, Value: 45306.604166666664},
				excelize.Cell{StyleID: clockTime, Value: 0.75}, excelize.Cell{StyleID: elapsed, Value: 1.25},
				4155550132, excelize.Cell{StyleID: phone, Value: 4155550132}, excelize.Cell{StyleID: money, Value: 1234.5},
				excelize.Cell{StyleID: percent, Value: 0.125}, true, excelize.Cell{StyleID: text, Value: "007"},
				excelize.Cell{StyleID: bold, Value: 441632960961}, "=SUM(A1:A2)"},
			{"北京 Ltd. 🙂", excelize.Cell{StyleID: dmy, Value: 1}, excelize.Cell{StyleID: monthYear, Value: 45306},
				nil, nil, excelize.Cell{StyleID: dollars, Value: -5}, nil, excelize.Cell{StyleID: money, Value: 0.1},
				nil, false, "a, \"b\"\nc", 1e-10, "  spaced  "},
		})
	})
	header, lines, st := readBack(t, open(t, path), "Sheet1")
	wantHeader := []string{"Name", "Born", "Call at", "Best time", "Talked", "Phone", "Phone styled", "Balance", "Share", "VIP", "Code", "Score", "Note"}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Errorf("header %q, want %q", header, wantHeader)
	}
	want := []line{
		{2, []string{"Zoë Lefèvre", "2024-01-15", "2024-01-15 14:30:00", "18:00:00", "30:00:00", "4155550132", "4155550132", "1234.5", "0.125", "TRUE", "007", "441632960961", "=SUM(A1:A2)"}},
		{3, []string{"北京 Ltd. 🙂", "1900-01-01", "2024-01-15", "", "", "-5", "", "0.1", "", "FALSE", "a, \"b\"\nc", "0.0000000001", "  spaced  "}},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("records:\n got %v\nwant %v", lines, want)
	}
	if st != (Stats{Rows: 3, Records: 3, Columns: 13}) {
		t.Errorf("stats %+v", st)
	}
}

// TestDateSystems: the same serial number is a date 1,462 days later in a
// workbook of the 1904 date system (Excel for old Macs) than in one of the
// 1900 system.
func TestDateSystems(t *testing.T) {
	for _, tt := range []struct {
		date1904 bool
		want     []string
	}{
		{false, []string{"2024-01-15", "2024-01-15 14:30:00", "1900-02-28", "1900-02-29", "1900-03-01", "0"}},
		{true, []string{"2028-01-16", "2028-01-16 14:30:00", "1904-02-29", "1904-03-01", "1904-03-02", "1904-01-01"}},
	} {
		path := save(t, func(f *excelize.File) {
			if tt.date1904 {
				if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &tt.date1904}); err != nil {
					t.Fatal(err)
				}
			}
			d := customStyle(t, f, "yyyy-mm-dd")
			dt := customStyle(t, f, "dd.mm.yyyy hh:mm")
			xlsxtest.Stream(t, f, "Sheet1", [][]any{
				{"a", "b", "c", "d", "e", "f"},
				{excelize.Cell{StyleID: d, Value: 45306}, excelize.Cell{StyleID: dt, Value: 45306.604166666664},
					excelize.Cell{StyleID: d, Value: 59}, excelize.Cell{StyleID: d, Value: 60}, excelize.Cell{StyleID: d, Value: 61},
					excelize.Cell{StyleID: d, Value: 0}},
			})
		})
		_, lines, _ := readBack(t, open(t, path), "Sheet1")
		if len(lines) != 1 || !reflect.DeepEqual(lines[0].cells, tt.want) {
			t.Errorf("date1904 %v: %v, want %q", tt.date1904, lines, tt.want)
		}
	}
}

// TestFormulas: a formula gives the value Excel saved with it, of any
// type, never the formula itself.
func TestFormulas(t *testing.T) {
	path := save(t, func(f *excelize.File) {
		d := style(t, f, &excelize.Style{NumFmt: 14})
		xlsxtest.Stream(t, f, "Sheet1", [][]any{
			{"Phone", "Twice", "Label", "Due", "Paid", "Missing"},
			{4155550132, excelize.Cell{Formula: "A2*2", Value: 8311100264}, excelize.Cell{Formula: `"x"&A2`, Value: "x4155550132"},
				excelize.Cell{StyleID: d, Formula: "DATE(2024,1,15)", Value: 45306}, excelize.Cell{Formula: "A2>0", Value: true},
				excelize.Cell{Formula: "A2/0", Value: "#DIV/0!"}},
		})
	})
	_, lines, _ := readBack(t, open(t, path), "Sheet1")
	want := []string{"4155550132", "8311100264", "x4155550132", "2024-01-15", "TRUE", "#DIV/0!"}
	if len(lines) != 1 || !reflect.DeepEqual(lines[0].cells, want) {
		t.Errorf("%v, want %q", lines, want)
	}
}

// TestRowsAndGaps: line n of the CSV is row n of the sheet; empty rows are
// blank lines, rows after the last value are left out, and every row is
// as wide as the widest, however many of its last cells are empty.
func TestRowsAndGaps(t *testing.T) {
	path := save(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Sheet1", [][]any{
			nil, // the sheet begins on row 2
			{"First", "Last", "Email"},
			{"Ada"},
			nil,
			{"Grace", nil, "grace@example.com", nil, "stray"},
			{nil, nil, ""},
		})
	})
	var out bytes.Buffer
	st, err := open(t, path).ToCSV(t.Context(), "Sheet1", &out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := "\r\nFirst,Last,Email,,\r\nAda,,,,\r\n\r\nGrace,,grace@example.com,,stray\r\n"
	if out.String() != want {
		t.Errorf("CSV:\n%q\nwant\n%q", out.String(), want)
	}
	if st != (Stats{Rows: 5, Records: 3, Columns: 5}) {
		t.Errorf("stats %+v", st)
	}
	f := csvin.Detect(out.Bytes(), csvin.Format{})
	if f.Encoding != csvin.UTF8 || f.Delimiter != ',' || f.HeaderLine != 2 {
		t.Errorf("detected %+v; want UTF-8, comma, header on line 2", f)
	}
}

// TestFormulaGuard: cells a spreadsheet would take for a formula are
// guarded in the CSV, as in every CSV localcrm writes, and come back as
// they were through csvin's Reader.
func TestFormulaGuard(t *testing.T) {
	cells := []any{"=1+2", "+33 1 23", "-5 apples", "@home", "\tindented", "plain"}
	path := save(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Sheet1", [][]any{{"a", "b", "c", "d", "e", "f"}, cells})
	})
	b := open(t, path)
	var out bytes.Buffer
	if _, err := b.ToCSV(t.Context(), "Sheet1", &out, Limits{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "'=1+2,'+33 1 23,'-5 apples,'@home") {
		t.Errorf("formula-like cells are not guarded:\n%s", out.String())
	}
	_, lines, _ := readBack(t, b, "Sheet1")
	want := []string{"=1+2", "+33 1 23", "-5 apples", "@home", "\tindented", "plain"}
	if len(lines) != 1 || !reflect.DeepEqual(lines[0].cells, want) {
		t.Errorf("%v, want %q", lines, want)
	}
}

// TestSheets: sheets are listed in the workbook's order, found by name
// ignoring case, and the first with data (a visible one first) is the
// default.
func TestSheets(t *testing.T) {
	path := save(t, func(f *excelize.File) {
		for _, s := range []string{"Lookup", "Customers", "Notes"} {
			if _, err := f.NewSheet(s); err != nil {
				t.Fatal(err)
			}
		}
		xlsxtest.Stream(t, f, "Lookup", [][]any{{"code"}, {"x"}})
		xlsxtest.Stream(t, f, "Customers", [][]any{nil, nil, {"First", "Last"}, {"Ada", "Lovelace"}})
		xlsxtest.Stream(t, f, "Notes", [][]any{{"note"}})
		if err := f.SetSheetVisible("Lookup", false); err != nil {
			t.Fatal(err)
		}
	})
	b := open(t, path)
	if got, want := b.Sheets(), []string{"Sheet1", "Lookup", "Customers", "Notes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Sheets() = %q, want %q", got, want)
	}
	first, err := b.FirstWithData(t.Context())
	if err != nil || first != "Customers" {
		t.Errorf("FirstWithData() = %q, %v; want Customers (Sheet1 is empty, Lookup hidden)", first, err)
	}
	if s, err := b.Sheet("customers"); err != nil || s != "Customers" {
		t.Errorf(`Sheet("customers") = %q, %v`, s, err)
	}
	_, err = b.Sheet("Clients")
	var ns *NoSheetError
	if !errors.As(err, &ns) || ns.Name != "Clients" || len(ns.Sheets) != 4 {
		t.Fatalf(`Sheet("Clients") = %v, want a *NoSheetError listing the 4 sheets`, err)
	}
	if want := `the workbook has no sheet named "Clients"; its sheets are "Sheet1", "Lookup", "Customers", "Notes"`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	header, _, _ := readBack(t, b, "Notes")
	if !reflect.DeepEqual(header, []string{"note"}) {
		t.Errorf("Notes: header %q", header)
	}
}

// TestLimits: a sheet wider than the column limit, longer than the record
// limit, or with a row longer than the row limit is refused, saying where.
func TestLimits(t *testing.T) {
	wide := make([]any, 1001)
	for i := range wide {
		wide[i] = "c"
	}
	path := save(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Sheet1", [][]any{{"a", "b"}, {"1", "2"}, {"3", "4"}, wide, {"5", strings.Repeat("é", 20000)}})
	})
	b := open(t, path)
	var out bytes.Buffer
	_, err := b.ToCSV(t.Context(), "Sheet1", &out, Limits{MaxColumns: 1000})
	var ce *ColumnsError
	if !errors.As(err, &ce) || *ce != (ColumnsError{Sheet: "Sheet1", Row: 4, Column: 1001, Limit: 1000}) {
		t.Errorf("columns: %v (%#v)", err, ce)
	} else if want := `row 4 of sheet "Sheet1" has a value in column 1001 (ALM); the limit is 1000 columns`; err.Error() != want {
		t.Errorf("columns: %q, want %q", err, want)
	}
	_, err = b.ToCSV(t.Context(), "Sheet1", &out, Limits{MaxRecords: 2})
	var re *RecordsError
	if !errors.As(err, &re) || *re != (RecordsError{Sheet: "Sheet1", Limit: 2}) {
		t.Errorf("records: %v", err)
	}
	if _, err = b.ToCSV(t.Context(), "Sheet1", &out, Limits{MaxRecords: 4}); err != nil {
		t.Errorf("4 records under a limit of 4: %v", err)
	}
	_, err = b.ToCSV(t.Context(), "Sheet1", &out, Limits{MaxRowBytes: 32 << 10})
	var rs *RowSizeError
	if !errors.As(err, &rs) || rs.Row != 5 || rs.Bytes != 1+40000+1000 {
		t.Errorf("row size: %v (%#v)", err, rs)
	}
}

// TestNotAWorkbook: a ZIP archive without xl/workbook.xml is not opened as
// a workbook, and a damaged workbook says so.
func TestNotAWorkbook(t *testing.T) {
	dir := t.TempDir()
	zipped := func(name string, files map[string]string) string {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for n, body := range files {
			w, err := z.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, body)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if _, err := Open(zipped("a.zip", map[string]string{"customers.csv": "a,b\n"}), Options{}); !errors.Is(err, ErrNotWorkbook) {
		t.Errorf("a plain ZIP: %v, want ErrNotWorkbook", err)
	}
	broken := zipped("broken.xlsx", map[string]string{"xl/workbook.xml": "<workbook><sheets><sheet"})
	if _, err := Open(broken, Options{}); !errors.Is(err, ErrUnreadable) {
		t.Errorf("a damaged workbook: %v, want ErrUnreadable", err)
	}

	// A workbook whose pictures (here, zeros) unpack to more than memory
	// should hold is refused before excelize reads them.
	path := save(t, func(f *excelize.File) { xlsxtest.Stream(t, f, "Sheet1", [][]any{{"a"}}) })
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := zw.Create("xl/media/image1.png")
	w.Write(make([]byte, MaxOtherBytes+1))
	zw.Close()
	bulky := filepath.Join(dir, "bulky.xlsx")
	if err := os.WriteFile(bulky, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var be *BulkyError
	if _, err := Open(bulky, Options{}); !errors.As(err, &be) || be.Other <= MaxOtherBytes {
		t.Errorf("a bulky workbook: %v", err)
	}
}

// TestCodeKind: custom number formats are told apart by their date and
// time tokens, outside quoted text, escapes and brackets.
func TestCodeKind(t *testing.T) {
	tests := []struct {
		code string
		want kind
	}{
		{"General", plain},
		{"0.00", plain},
		{"#,##0.00_);[Red](#,##0.00)", plain},
		{`"$"#,##0`, plain},
		{"0.00E+00", plain},
		{"@", plain},
		{`"Day "0`, plain},
		{`\d0`, plain},
		{"[Red]0", plain},
		{"dd/mm/yyyy", date},
		{"mmm yyyy", date},
		{"mmmm", date},
		{`[$-409]d\-mmm\-yy;@`, date},
		{`yyyy"年"m"月"d"日"`, date},
		{"m/d/yy h:mm", dateTime},
		{"yyyy-mm-dd hh:mm:ss", dateTime},
		{"h:mm AM/PM", clock},
		{"mm:ss", clock},
		{"hh:mm", clock},
		{"[h]:mm:ss", duration},
		{"[mm]:ss", duration},
		{"dd/mm/yyyy;@", date},
	}
	for _, tt := range tests {
		if got := codeKind(tt.code); got != tt.want {
			t.Errorf("codeKind(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

// TestRender: serial numbers become dates and times, and numbers that are
// none stay numbers.
func TestRender(t *testing.T) {
	tests := []struct {
		k        kind
		v        float64
		date1904 bool
		want     string // "" for no date
	}{
		{date, 45306, false, "2024-01-15"},
		{date, 45306.9999, false, "2024-01-15"}, // a date format shows the day, never the next
		{dateTime, 45306.604166666664, false, "2024-01-15 14:30:00"},
		{dateTime, 45306, false, "2024-01-15 00:00:00"},
		{date, 1, false, "1900-01-01"},
		{date, 60, false, "1900-02-29"}, // Excel's day that never was
		{date, 0.5, false, ""},
		{date, -1, false, ""},
		{date, 2958465, false, "9999-12-31"},
		{date, 2958466, false, ""},
		{date, 0, true, "1904-01-01"},
		{date, 45306, true, "2028-01-16"},
		{clock, 0.5, false, "12:00:00"},
		{clock, 45306.75, false, "18:00:00"},
		{clock, 0.99999999, false, "00:00:00"},
		{duration, 1.5, false, "36:00:00"},
		{duration, -1, false, ""},
		{dateOrTime, 45306, false, "2024-01-15"},
		{dateOrTime, 0.25, false, "06:00:00"},
	}
	for _, tt := range tests {
		got, ok := render(tt.k, tt.v, tt.date1904)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("render(%d, %v, 1904 %v) = %q, want %q", tt.k, tt.v, tt.date1904, got, tt.want)
		}
	}
}

// excelParts are the parts of a workbook as Excel writes it, with shared
// strings (a rich-text one with a phonetic reading among them), built-in
// and custom number formats and cached formula values of every type; the
// sheet's XML is filled in by the test.
var excelParts = map[string]string{
	"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
	"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="Kunden" sheetId="1" r:id="rId1"/></sheets></workbook>`,
	"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
	"xl/styles.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy\ hh:mm"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
	"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6"><si><t>Name</t></si><si><t>Seit</t></si><si><t>Betrag</t></si><si><r><t>Jürgen </t></r><r><rPr><b/></rPr><t>Groß</t></r></si><si><t>山田</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh></si><si><t xml:space="preserve"> 0042 </t></si></sst>`,
}

// TestAsExcelWritesIt reads a workbook laid out as Excel writes one.
func TestAsExcelWritesIt(t *testing.T) {
	sheet := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:F3"/><sheetData>` +
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="inlineStr"><is><t>Aktiv</t></is></c><c r="E1" t="inlineStr"><is><t>Code</t></is></c><c r="F1" t="inlineStr"><is><t>Groß</t></is></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>43844</v></c><c r="C2" s="3"><v>1234567.5</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="s"><v>5</v></c><c r="F2"><v>1.2345678901234567E+19</v></c></row>` +
		`<row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" s="2"><f>B2+0.5</f><v>43844.5</v></c><c r="C3" s="3"><f>C2/3</f><v>411522.5</v></c><c r="D3" t="str"><f>IF(D2,"ja","nein")</f><v>ja</v></c><c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F3"><v>0.30000000000000004</v></c></row>` +
		`</sheetData></worksheet>`
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, body := range excelParts {
		w, _ := z.Create(name)
		io.WriteString(w, body)
	}
	w, _ := z.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, sheet)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kunden.xlsx")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	wb := open(t, path)
	if got := wb.Sheets(); !reflect.DeepEqual(got, []string{"Kunden"}) {
		t.Errorf("sheets %q", got)
	}
	header, lines, _ := readBack(t, wb, "Kunden")
	if want := []string{"Name", "Seit", "Betrag", "Aktiv", "Code", "Groß"}; !reflect.DeepEqual(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	// The 1904 date system: serial 43844 is 2024-01-15. Numbers of more
	// than 15 significant digits, which Excel itself does not keep, come
	// as Excel shows them in General.
	want := []line{
		{2, []string{"Jürgen Groß", "2024-01-15", "1234567.5", "TRUE", " 0042 ", "1.23456789012346E+19"}},
		{3, []string{"山田", "2024-01-15 12:00:00", "411522.5", "ja", "#DIV/0!", "0.3"}},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("records:\n got %v\nwant %v", lines, want)
	}
}
