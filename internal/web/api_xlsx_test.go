package web

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/xlsx/xlsxtest"

	"github.com/xuri/excelize/v2"
)

// apiWorkbook returns a workbook with two sheets of customers, the first
// of them the one read by default.
func apiWorkbook(t *testing.T) []byte {
	return xlsxtest.Build(t, func(f *excelize.File) {
		xlsxtest.Stream(t, f, "Customers", [][]any{{"First Name", "Last Name", "Email"}, {"Ada", "Lovelace", "ada@example.com"}})
		xlsxtest.Stream(t, f, "Prospects", [][]any{{"First Name", "Last Name", "Email"}, {"Alan", "Turing", "alan@example.com"}, {"Grace", "Hopper", "grace@example.com"}})
		if err := f.DeleteSheet("Sheet1"); err != nil {
			t.Fatal(err)
		}
	})
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
	// The import keeps the sheet: its summary and its page name it, not
	// the encoding and delimiter of the CSV made of it.
	var sum struct {
		Sheet string `json:"sheet"`
	}
	s.call(t, http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", up.ID), nil, http.StatusOK, &sum)
	if sum.Sheet != "Prospects" {
		t.Errorf("the import's summary names sheet %q, want Prospects", sum.Sheet)
	}
	_, page := s.page(t, s.pageSession(t, "boss"), http.MethodGet, fmt.Sprintf("/imports/%d", up.ID), nil)
	if !strings.Contains(page, "<dt>Excel workbook</dt><dd>sheet “Prospects”</dd>") || strings.Contains(page, "<dt>Delimiter</dt>") {
		t.Errorf("the import's page does not name the sheet:\n%s", pageSnippet(page))
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
