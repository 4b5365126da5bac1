package importer

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"localcrm/internal/crm"
	"localcrm/internal/xlsx/xlsxtest"
)

// customersWorkbook is a workbook of three customers and a rejected row
// on a sheet "Customers", after an empty first sheet and before a sheet
// "Notes": dates formatted as dates, phone numbers stored as numbers, a
// company made by a formula (with its value, as Excel saves it), a
// checkbox from booleans and a score shown as money.
func customersWorkbook(t *testing.T) []byte {
	return xlsxtest.Build(t, func(f *excelize.File) {
		date := must(f.NewStyle(&excelize.Style{NumFmt: 14}))
		money := must(f.NewStyle(&excelize.Style{NumFmt: 4}))
		row := func(first, last, email string, phone int, born float64, company string, vip bool, score float64, comments string, n int) []any {
			return []any{first, last, email, phone, excelize.Cell{StyleID: date, Value: born},
				excelize.Cell{Formula: fmt.Sprintf(`B%d&" Ltd"`, n), Value: company}, vip,
				excelize.Cell{StyleID: money, Value: score}, comments}
		}
		xlsxtest.Stream(t, f, "Customers", [][]any{
			{"First Name", "Last Name", "Email", "Phone", "Birthday", "Company", "VIP", "Score", "Comments"},
			row("Zoë", "Lefèvre", "zoe@example.com", 4155550132, 32888, "Lefèvre Ltd", true, 1234.5, "=not a formula", 2),
			row("Grace", "Hopper", "GRACE@example.com", 442079460958, 2, "Hopper Ltd", false, 0.1, "line one\nline two, with a comma", 3),
			nil, // an empty row: a blank line
			{"Nameless", "", "nameless@example.com"},
			row("Ada", "Lovelace", "ada@example.com", 4155550100, 45306, "Lovelace Ltd", false, -5, "", 6),
		})
		xlsxtest.Stream(t, f, "Notes", [][]any{{"Imported from the shop, December"}})
	})
}

// customersTwin is customersWorkbook's sheet as a person would write it in
// a CSV file: dates as MM/DD/YYYY, the formula's value, the numbers as
// stored rather than as shown (1234.5, not "1,234.50").
const customersTwin = "First Name,Last Name,Email,Phone,Birthday,Company,VIP,Score,Comments\r\n" +
	"Zoë,Lefèvre,zoe@example.com,4155550132,01/15/1990,Lefèvre Ltd,TRUE,1234.5,=not a formula\r\n" +
	"Grace,Hopper,GRACE@example.com,442079460958,01/02/1900,Hopper Ltd,FALSE,0.1,\"line one\nline two, with a comma\"\r\n" +
	"\r\n" +
	"Nameless,,nameless@example.com,,,,,,\r\n" +
	"Ada,Lovelace,ada@example.com,4155550100,01/15/2024,Lovelace Ltd,FALSE,-5,\r\n"

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestWorkbookImportsAsItsCSVTwin: an Excel workbook imports to exactly
// the customers its CSV twin gives, with the same report and a rejects
// file that is CSV.
func TestWorkbookImportsAsItsCSVTwin(t *testing.T) {
	fields := []crm.Field{
		{Key: "birthday", Label: "Birthday", Type: crm.TypeDate},
		{Key: "vip", Label: "VIP", Type: crm.TypeCheckbox},
		{Key: "score", Label: "Score", Type: crm.TypeNumber},
	}
	book := customersWorkbook(t)

	twin, fromBook := newEnv(t), newEnv(t)
	for _, f := range fields {
		twin.field(f)
		fromBook.field(f)
	}
	twinImp := twin.load("customers.csv", []byte(customersTwin), crm.ImportOptions{})

	p := fromBook.create("customers.xlsx", book)
	if want := (&WorkbookInfo{Sheet: "Customers", Sheets: []string{"Sheet1", "Customers", "Notes"}}); !reflect.DeepEqual(p.Workbook, want) {
		t.Errorf("workbook %+v, want %+v", p.Workbook, want)
	}
	imp := p.Import
	if imp.FileName != "customers.xlsx" || imp.FileSize != int64(len(book)) || imp.Encoding != "utf-8" || imp.Delimiter != "comma" || imp.HeaderLine != 1 || imp.Total != 4 {
		t.Errorf("import %+v", imp)
	}
	if !reflect.DeepEqual(p.Rows[0], []string{"Zoë", "Lefèvre", "zoe@example.com", "4155550132", "1990-01-15", "Lefèvre Ltd", "TRUE", "1234.5", "=not a formula"}) {
		t.Errorf("preview's first row %q", p.Rows[0])
	}
	imp, err := fromBook.im.Configure(fromBook.ctx, imp.ID, crm.ImportOptions{Mapping: p.Suggestion.Mapping})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Sheet != "Customers" || twinImp.Sheet != "" {
		t.Errorf("the import as stored names sheet %q (its CSV twin %q), want %q", imp.Sheet, twinImp.Sheet, "Customers")
	}
	dry, err := fromBook.im.DryRun(fromBook.ctx, imp.ID, 10)
	if err != nil || dry.Created != 3 || dry.Rejected != 1 {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if imp, err = fromBook.im.Start(fromBook.ctx, imp.ID, nil); err != nil {
		t.Fatal(err)
	}
	if c := imp.Counts; c.Records != 4 || c.Created != 3 || c.Rejected != 1 || !reflect.DeepEqual(c, twinImp.Counts) {
		t.Errorf("counts %+v, want 4 records, 3 created, 1 rejected, as the twin's %+v", c, twinImp.Counts)
	}

	export := func(e *env) string {
		var b bytes.Buffer
		if _, err := Export(e.ctx, e.st, "csv", &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got, want := export(fromBook), export(twin)
	if got != want {
		t.Errorf("the workbook's customers:\n%s\ndiffer from its CSV twin's:\n%s", got, want)
	}
	for _, s := range []string{"1990-01-15", "1900-01-02", "2024-01-15", "4155550132", "442079460958", "1234.5", "true", "Lovelace Ltd", "=not a formula"} {
		if !strings.Contains(got, s) {
			t.Errorf("the export lacks %q:\n%s", s, got)
		}
	}
	if got, want := fromBook.errors(imp), twin.errors(twinImp); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %+v, want the twin's %+v", got, want)
	}

	var rejects bytes.Buffer
	if err := fromBook.im.WriteRejects(fromBook.ctx, imp.ID, &rejects); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rejects.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("the rejects file is not CSV: %v\n%s", err, rejects.String())
	}
	if len(rows) != 2 || rows[0][9] != "error" || rows[1][0] != "Nameless" || rows[1][9] == "" {
		t.Errorf("rejects file %q", rows)
	}
}

// TestWorkbookSheets: a sheet chosen by name is read; an unknown one is
// refused naming the sheets; a CSV file takes no sheet.
func TestWorkbookSheets(t *testing.T) {
	e := newEnv(t)
	book := customersWorkbook(t)
	p, err := e.im.Create(e.ctx, Upload{Name: "customers.xlsx", Body: bytes.NewReader(book), Sheet: "notes"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Workbook.Sheet != "Notes" || !reflect.DeepEqual(p.Columns, []string{"Imported from the shop, December"}) || p.Import.Total != 0 {
		t.Errorf("sheet %q: columns %q, %d records", p.Workbook.Sheet, p.Columns, p.Import.Total)
	}

	_, err = e.im.Create(e.ctx, Upload{Name: "customers.xlsx", Body: bytes.NewReader(book), Sheet: "Clients"})
	wantInvalid(t, err, "sheet", `customers.xlsx: This workbook has no sheet named "Clients". Its sheets are "Sheet1", "Customers", "Notes": choose one of those.`)
	_, err = e.im.Create(e.ctx, Upload{Name: "customers.xlsx", Body: bytes.NewReader(book), Sheet: "Sheet1"})
	wantInvalid(t, err, "sheet", `customers.xlsx: Sheet "Sheet1" of this workbook is empty: there is nothing to import. Its sheets are "Sheet1", "Customers", "Notes"; choose one that holds the customers.`)
	_, err = e.im.Create(e.ctx, Upload{Name: "customers.csv", Body: strings.NewReader(customersTwin), Sheet: "Customers"})
	wantInvalid(t, err, "sheet", "customers.csv: A sheet can be chosen only for an Excel workbook (.xlsx), and this file is not one: leave the sheet out.")
	assertNoTempFiles(t, e.im.dir)
}

// wantInvalid checks that err is an ErrInvalid for field with the message
// msg (after the file's name).
func wantInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	var v *crm.ValidationError
	if !errors.Is(err, crm.ErrInvalid) || !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].Field != field {
		t.Errorf("error %v (%#v), want an invalid %s", err, v, field)
		return
	}
	if err.Error() != msg {
		t.Errorf("error\n%s\nwant\n%s", err, msg)
	}
}

// assertNoTempFiles checks that no upload is left behind in dir.
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), "upload-") || strings.HasPrefix(d.Name(), "excelize-") || strings.HasPrefix(d.Name(), "xlsx-") {
			t.Errorf("%s is left in the imports folder", d.Name())
		}
	}
}

// zipOf returns a ZIP archive of the named files.
func zipOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i := 0; i < len(files); i += 2 {
		w, err := z.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oleFile returns the start of an OLE2 compound file whose directory
// names streams.
func oleFile(streams ...string) []byte {
	b := []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	b = append(b, make([]byte, 512-len(b))...)
	for _, s := range append([]string{"Root Entry"}, streams...) {
		entry := make([]byte, 128)
		for i, r := range s {
			entry[2*i] = byte(r)
		}
		b = append(b, entry...)
	}
	return b
}

// TestOtherContainersRefused: ZIP archives and Office files that are not
// workbooks are refused, each saying what it is and how to get a CSV file.
func TestOtherContainersRefused(t *testing.T) {
	saveAs := "(in Excel: File → Save As → CSV UTF-8)"
	encrypted := xlsxtest.Build(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Customers", [][]any{{"First Name"}, {"Ada"}})
	}, excelize.Options{Password: "secret"})
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"locked.xlsx", encrypted, "This Office file is protected with a password (it is encrypted), so localcrm cannot read it. " +
			"Open it in Excel, remove the password (File → Info → Protect Workbook → Encrypt with Password, and clear it) and save it, or save it as CSV " + saveAs + ", then import that file."},
		{"old.xls", oleFile("Workbook", "\x05SummaryInformation"), "This is an Excel 97-2003 workbook (.xls), which localcrm cannot read. " +
			"Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV " + saveAs + ", then import that file."},
		{"older.xls", oleFile("Book"), "This is an Excel 97-2003 workbook (.xls), which localcrm cannot read. " +
			"Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV " + saveAs + ", then import that file."},
		{"letter.doc", oleFile("WordDocument", "1Table"), "This is a Word 97-2003 document (.doc), not a CSV file: a table in a document cannot be imported. " +
			"Copy the table into Excel and save it as CSV " + saveAs + ", then import that file."},
		{"unknown.ole", oleFile("Contents"), "This is an Excel 97-2003 workbook (.xls) or another old Office document, not a CSV file: " +
			"open it in Excel and Save As CSV UTF-8, then import that file."},
		{"book.xlsb", zipOf(t, "[Content_Types].xml", "<Types/>", "xl/workbook.bin", "\x00"), "This is an Excel Binary Workbook (.xlsb), which localcrm cannot read. " +
			"Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV " + saveAs + ", then import that file."},
		{"sheet.ods", zipOf(t, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<office:document-content/>"),
			"This is an OpenDocument spreadsheet (.ods), which localcrm cannot read. Open it in LibreOffice Calc and save it as CSV " +
				"(File → Save As, file type \"Text CSV\", character set \"Unicode (UTF-8)\") or as an Excel Workbook (.xlsx), then import that file."},
		{"letter.docx", zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>"),
			"This is a Word document (.docx), not a CSV file: a table in a document cannot be imported. Copy the table into Excel and save it as CSV " + saveAs + ", then import that file."},
		{"export.zip", zipOf(t, "export/customers.csv", "a,b\n", "export/readme.md", "hi"),
			"This is a ZIP archive, not a CSV file: extract it first, then import the CSV file inside (it holds customers.csv)."},
		{"photos.zip", zipOf(t, "a.jpg", "\xff\xd8\xff"), "This is a ZIP archive, not a CSV file or an Excel workbook: extract it first, then import the CSV file inside."},
		{"cut.xlsx", customersWorkbook(t)[:2000], "This file begins as a ZIP archive does (an Excel workbook, .xlsx, is one), but it is damaged or incomplete, " +
			"so it cannot be read. Copy or download it again; if it is a workbook, open it in Excel and save it again, or save it as CSV " + saveAs + ", then import that file."},
		{"parts.xlsx", zipOf(t, "[Content_Types].xml", "<Types/>", "xl/workbook.xml", `<workbook><sheets><sheet name="Customers" sheetId="1"/></sheets></workbook>`),
			"This is an Excel workbook (.xlsx), but it is damaged or incomplete, so it cannot be read. Open it in Excel and save it again, or save it as CSV " + saveAs + ", then import that file."},
		{"empty.xlsx", xlsxtest.Build(t, func(*excelize.File) {}), `Every sheet of this workbook is empty ("Sheet1"): there is nothing to import.`},
	}
	e := newEnv(t)
	for _, tt := range tests {
		_, err := e.im.Create(e.ctx, Upload{Name: tt.name, Body: bytes.NewReader(tt.body)})
		wantInvalid(t, err, "file", tt.name+": "+tt.want)
	}
	assertNoTempFiles(t, e.im.dir)
}

// TestZIPOfManyFiles: a ZIP archive whose list of files would take more
// memory than a workbook's ever does is refused before it is read, whether
// its end record is ZIP's or ZIP64's (past 65,535 files).
func TestZIPOfManyFiles(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int{20000, 70000} {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for i := range n {
			if _, err := z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("xl/media/picture-with-a-long-name-%06d.png", i), Method: zip.Store}); err != nil {
				t.Fatal(err)
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		size := zipDirectorySize(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if size < int64(n)*46 {
			t.Errorf("%d files: a directory of %d bytes?", n, size)
		}
		_, err := e.im.Create(e.ctx, Upload{Name: "many.xlsx", Body: bytes.NewReader(b.Bytes())})
		wantInvalid(t, err, "file", fmt.Sprintf("many.xlsx: This ZIP archive holds too many files: their list takes %s, and localcrm reads at most 1.0 MB. "+
			"Extract the CSV file you need and import that; if this is an Excel workbook, save it as CSV (in Excel: File → Save As → CSV UTF-8), then import that file.", megabytes(size)))
	}
	book := customersWorkbook(t)
	if size := zipDirectorySize(bytes.NewReader(book), int64(len(book))); size <= 0 || size > 4096 {
		t.Errorf("a workbook's directory: %d bytes", size)
	}
	assertNoTempFiles(t, e.im.dir)
}

// TestWorkbookLimits: a sheet over the column limit, or with more records
// than one import may load, is refused at upload, saying where.
func TestWorkbookLimits(t *testing.T) {
	e := newEnv(t)
	e.im.MaxColumns, e.im.MaxRecords = 3, 2
	wide := xlsxtest.Build(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Customers", [][]any{{"First Name", "Last Name"}, {"Ada", "Lovelace", nil, "x"}})
	})
	_, err := e.im.Create(e.ctx, Upload{Name: "wide.xlsx", Body: bytes.NewReader(wide)})
	wantInvalid(t, err, "file", `wide.xlsx: Row 2 of sheet "Customers" has a value in column 4 (D); localcrm reads at most 3 columns. `+
		"Remove the columns you do not need (or split the sheet into narrower ones) and upload the workbook again; an administrator can raise the limit with --max-columns.")

	long := xlsxtest.Build(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Customers", [][]any{{"First Name"}, {"Ada"}, {"Grace"}, {"Alan"}})
	})
	_, err = e.im.Create(e.ctx, Upload{Name: "long.xlsx", Body: bytes.NewReader(long)})
	if want := `long.xlsx: sheet "Customers" holds more than 2 records (rows with values below its first row); one import may load at most 2. ` +
		"Split the sheet and import each part: too large"; !errors.Is(err, crm.ErrTooLarge) || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	assertNoTempFiles(t, e.im.dir)
}

// TestWorkbookReading: while a workbook uploads, Reading is told its own
// bytes, up to its size and never beyond (not those of the CSV made of it,
// which is larger), and the CSV kept is the one the import reads.
func TestWorkbookReading(t *testing.T) {
	e := newEnv(t)
	book := customersWorkbook(t)
	var told []int64
	p, err := e.im.Create(e.ctx, Upload{Name: "customers.xlsx", Body: bytes.NewReader(book), Reading: func(n int64) { told = append(told, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(told) == 0 || told[len(told)-1] != int64(len(book)) || slices.Max(told) != int64(len(book)) {
		t.Errorf("Reading was told %v, want the workbook's bytes up to its %d", told, len(book))
	}
	if p.Import.Total != 4 {
		t.Errorf("the import counts %d records, want 4", p.Import.Total)
	}
}
