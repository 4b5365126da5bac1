package web

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

// apiWorkbook returns a workbook with two sheets of customers.
func apiWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for _, s := range []struct {
		sheet string
		rows  [][]any
	}{
		{"Customers", [][]any{{"First Name", "Last Name", "Email"}, {"Ada", "Lovelace", "ada@example.com"}}},
		{"Prospects", [][]any{{"First Name", "Last Name", "Email"}, {"Alan", "Turing", "alan@example.com"}, {"Grace", "Hopper", "grace@example.com"}}},
	} { // in order: the first sheet is the one read by default
		sheet, rows := s.sheet, s.rows
		if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAPIUploadWorkbook: POST /api/v1/imports reads an Excel workbook's
// first sheet, or the one its sheet field names, and says which; an
// unknown sheet is a 400 naming the sheets.
func TestAPIUploadWorkbook(t *testing.T) {
	s := newTestServer(t)
	book := apiWorkbook(t)

	up := s.mustUpload(t, "book.xlsx", book)
	if up.Sheet != "Customers" || !reflect.DeepEqual(up.Sheets, []string{"Customers", "Prospects"}) || up.Records != 1 || up.Encoding != "utf-8" || up.Delimiter != "comma" {
		t.Errorf("upload: sheet %q of %q, %d records, %s, %s", up.Sheet, up.Sheets, up.Records, up.Encoding, up.Delimiter)
	}
	up = s.mustUpload(t, "book.xlsx", book, "sheet", "Prospects")
	if up.Sheet != "Prospects" || up.Records != 2 || !reflect.DeepEqual(up.Preview[0], []string{"Alan", "Turing", "alan@example.com"}) {
		t.Errorf("upload with sheet Prospects: sheet %q, %d records, preview %q", up.Sheet, up.Records, up.Preview)
	}

	resp, b := s.upload(t, "book.xlsx", book, "sheet", "Clients")
	e := apiCheckError(t, "upload with sheet Clients", resp, b, 400, "invalid")
	if want := `This workbook has no sheet named "Clients". Its sheets are "Customers", "Prospects": choose one of those.`; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
	if e.Fields["sheet"] == "" {
		t.Errorf("fields %v, want one for sheet", e.Fields)
	}
}
