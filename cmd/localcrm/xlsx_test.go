package main

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"localcrm/internal/xlsx/xlsxtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// writeWorkbook saves a workbook made by build with excelize as name in
// the command's working directory.
func (c *cli) writeWorkbook(name string, build func(f *excelize.File)) {
	c.t.Helper()
	c.file(name, string(xlsxtest.Build(c.t, build)))
}

// TestImportWorkbook imports an Excel workbook with the real binary: the
// first sheet with data by default, another with --sheet; an unknown
// sheet, a sheet for a CSV file and an old .xls workbook are refused,
// saying what to do.
func TestImportWorkbook(t *testing.T) {
	c := newCLI(t)
	c.ok("fields", "add", "birthday", "--type", "date")
	c.writeWorkbook("book.xlsx", func(f *excelize.File) {
		date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
		if err != nil {
			t.Fatal(err)
		}
		xlsxtest.Stream(t, f, "Customers", [][]any{
			{"First Name", "Last Name", "Email", "Phone", "Birthday", "Company"},
			{"Zoë", "Lefèvre", "zoe@example.com", 4155550132, excelize.Cell{StyleID: date, Value: 32888},
				excelize.Cell{Formula: `B2&" Ltd"`, Value: "Lefèvre Ltd"}},
			{"Grace", "", "grace@example.com"},
		})
		xlsxtest.Stream(t, f, "Prospects", [][]any{
			{"First Name", "Last Name", "Email"},
			{"Alan", "Turing", "alan@example.com"},
		})
	})

	r := c.do("import", "book.xlsx", "--rejects", "rejects.csv")
	if r.code != 3 || !strings.HasPrefix(r.stdout, "Imported book.xlsx: 2 records") {
		t.Fatalf("import book.xlsx: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rejects, err := os.ReadFile(filepath.Join(c.dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\ufeffFirst Name,Last Name,Email,Phone,Birthday,Company,error\r\nGrace,,grace@example.com,,,,Last Name must have a value.\r\n"; string(rejects) != want {
		t.Errorf("rejects file:\n%q\nwant\n%q", rejects, want)
	}
	out := c.ok("import", "book.xlsx", "--sheet", "prospects")
	if !strings.HasPrefix(out, "Imported book.xlsx: 1 records") {
		t.Errorf("import --sheet prospects:\n%s", out)
	}
	// An import names the sheet it read, not the CSV made of it.
	if out := c.ok("imports", "show", "2"); !strings.Contains(out, `Excel workbook, sheet "Prospects", header on row 1)`) {
		t.Errorf("imports show 2 does not name the sheet:\n%s", out)
	}
	export := c.ok("export", "-")
	for _, want := range []string{
		"Zoë,Lefèvre,zoe@example.com,Lefèvre Ltd,", // the formula's value
		"4155550132",      // the phone number, stored as a number
		",1990-01-15\r\n", // the date, formatted as a date
		"Alan,Turing,alan@example.com,",
	} {
		if !strings.Contains(export, want) {
			t.Errorf("the export lacks %q:\n%s", want, export)
		}
	}
	var show struct {
		File     string `json:"file"`
		Size     int64  `json:"size"`
		Encoding string `json:"encoding"`
	}
	if err := json.Unmarshal([]byte(c.ok("imports", "show", "1", "--json")), &show); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(c.dir, "book.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if show.File != "book.xlsx" || show.Size != fi.Size() || show.Encoding != "utf-8" {
		t.Errorf("imports show: %+v; want book.xlsx, %d bytes, and the CSV kept of it in UTF-8", show, fi.Size())
	}

	c.fail(2, `localcrm: import: book.xlsx: This workbook has no sheet named "Clients". Its sheets are "Sheet1", "Customers", "Prospects": choose one of those.`+"\n",
		"import", "book.xlsx", "--sheet", "Clients")
	c.file("book.csv", "First Name,Last Name\r\nAda,Lovelace\r\n")
	c.fail(2, "localcrm: import: book.csv: A sheet can be chosen only for an Excel workbook (.xlsx), and this file is not one: leave the sheet out.\n",
		"import", "book.csv", "--sheet", "Customers")

	// An Excel 97-2003 workbook: an OLE2 file with a "Workbook" stream.
	xls := []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	xls = append(xls, make([]byte, 512-len(xls))...)
	for _, name := range []string{"Root Entry", "Workbook"} {
		entry := make([]byte, 128)
		for i, r := range name {
			entry[2*i] = byte(r)
		}
		xls = append(xls, entry...)
	}
	c.file("old.xls", string(xls))
	c.fail(2, "localcrm: import: old.xls: This is an Excel 97-2003 workbook (.xls), which localcrm cannot read. "+
		"Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV (in Excel: File → Save As → CSV UTF-8), then import that file.\n",
		"import", "old.xls")
	// Nothing of the workbooks is left in the imports folder: no upload,
	// no part excelize unpacked, no rows being converted.
	entries, err := os.ReadDir(filepath.Join(c.dir, "imports"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "upload-") || strings.HasPrefix(n, "excelize-") || strings.HasPrefix(n, "xlsx-") {
			t.Errorf("imports/%s is left behind", n)
		}
	}
}

// TestImportWorkbook50000 imports, with the real binary, a workbook of
// 50,000 customers laid out as Excel writes one (strings shared, a date
// column, phone numbers stored as numbers, a formula with its value), and
// its CSV twin: the workbook takes no more memory than the CSV file, but
// for what its conversion adds. Measured on the 2-core development
// machine, 2026-12-06, after SQLite's cache went down to 4 MB: peak RSS
// 48 MB for the workbook against 46 MB for its CSV twin (linking excelize
// adds about 3 MB to every localcrm process); the conversion alone takes
// 3.5-4 s of CPU.
func TestImportWorkbook50000(t *testing.T) {
	if testing.Short() {
		t.Skip("a workbook of 50,000 rows: not in -short")
	}
	const n = 50000
	c := newCLI(t)
	writeExcelWorkbook(t, filepath.Join(c.dir, "customers.xlsx"), n)
	twin := newCLI(t)
	generate(t, filepath.Join(twin.dir, "customers.csv"), func(w *bufio.Writer) {
		w.WriteString("First Name,Last Name,Email,Company,Voice,Birthday,City,Country,Comments,Alternative\r\n")
		for i := range n {
			born := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 30000+i%20000)
			fmt.Fprintf(w, "First%d,Last%d,user%d@example.com,Company %d,%d,%s,San Francisco,US,\"Called twice, no answer\",%d\r\n",
				i, i, i, i%5000, 4155550000+i, born.Format("2006-01-02"), 4155550000+i+1)
		}
	})

	peak := map[string]int64{}
	for _, run := range []struct {
		c    *cli
		file string
	}{{c, "customers.xlsx"}, {twin, "customers.csv"}} {
		r, rss := run.c.measured("import", run.file, "--json")
		t.Logf("%s, %d records: exit %d, peak RSS %.1f MB", run.file, n, r.code, float64(rss)/1024)
		var s struct {
			Created int `json:"created"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || r.code != 0 || r.stderr != "" || s.Created != n {
			t.Fatalf("%s: exit %d, %d created, stderr %q, stdout %.2000s", run.file, r.code, s.Created, r.stderr, r.stdout)
		}
		peak[run.file] = rss
	}
	if extra := peak["customers.xlsx"] - peak["customers.csv"]; extra > 8<<10 {
		t.Errorf("the workbook took %.1f MB more than its CSV twin; at most 8 MB more was expected", float64(extra)/1024)
	}
	if a, b := c.ok("export", "-"), twin.ok("export", "-"); a != b {
		t.Errorf("the workbook's customers differ from its CSV twin's")
	}
}

// writeExcelWorkbook writes a workbook of n customers to path as Excel
// lays one out: every string in the shared strings part, a date column
// with the built-in date format, phone numbers as numbers, and a formula
// whose value is saved beside it. Made by hand (not with excelize, which
// keeps a whole sheet in memory while it writes) so that it takes a
// second, not a minute, under the race detector.
func writeExcelWorkbook(t *testing.T, path string, n int) {
	t.Helper()
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	z := zip.NewWriter(file)
	part := func(name string) *bufio.Writer {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		return bufio.NewWriter(w)
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	for name, body := range map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/styles.xml":              `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet ` + ns + `><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
	} {
		w := part(name)
		w.WriteString(body)
		w.Flush()
	}
	// The shared strings: the header's, those every row shares, the
	// companies, then each row's names and email.
	header := []string{"First Name", "Last Name", "Email", "Company", "Voice", "Birthday", "City", "Country", "Comments", "Alternative"}
	const city, country, comments, companies = 10, 11, 12, 13
	rowStrings := companies + 5000
	w := part("xl/sharedStrings.xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst %s count="%d" uniqueCount="%d">`, ns, 10+7*n, rowStrings+3*n)
	for _, s := range append(header, "San Francisco", "US", "Called twice, no answer") {
		fmt.Fprintf(w, "<si><t>%s</t></si>", s)
	}
	for i := range 5000 {
		fmt.Fprintf(w, "<si><t>Company %d</t></si>", i)
	}
	for i := range n {
		fmt.Fprintf(w, "<si><t>First%d</t></si><si><t>Last%d</t></si><si><t>user%d@example.com</t></si>", i, i, i)
	}
	w.WriteString("</sst>")
	w.Flush()

	w = part("xl/worksheets/sheet1.xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet %s><dimension ref="A1:J%d"/><sheetData><row r="1">`, ns, n+1)
	for i := range header {
		fmt.Fprintf(w, `<c r="%s1" t="s"><v>%d</v></c>`, string(rune('A'+i)), i)
	}
	w.WriteString("</row>")
	for i := range n {
		r, s := i+2, rowStrings+3*i
		fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d" t="s"><v>%d</v></c>`+
			`<c r="D%d" t="s"><v>%d</v></c><c r="E%d"><v>%d</v></c><c r="F%d" s="1"><v>%d</v></c><c r="G%d" t="s"><v>%d</v></c>`+
			`<c r="H%d" t="s"><v>%d</v></c><c r="I%d" t="s"><v>%d</v></c><c r="J%d"><f>E%d+1</f><v>%d</v></c></row>`,
			r, r, s, r, s+1, r, s+2, r, companies+i%5000, r, 4155550000+i, r, 30000+i%20000, r, city, r, country, r, comments,
			r, r, 4155550000+i+1)
	}
	w.WriteString("</sheetData></worksheet>")
	w.Flush()
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
}
