package xlsx

import (
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// customersBook writes a workbook of n customers as Excel would: strings
// shared, a date column formatted as a date, phone numbers stored as
// numbers and a formula with its value, ten columns in all.
func customersBook(tb testing.TB, n int) string {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		tb.Fatal(err)
	}
	header := []any{"First Name", "Last Name", "Email", "Company", "Phone", "Birthday", "City", "Country", "Comments", "Twice"}
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		tb.Fatal(err)
	}
	for i := 2; i <= n+1; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		row := []any{fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i), fmt.Sprintf("user%d@example.com", i),
			fmt.Sprintf("Company %d", i%5000), 4155550000 + i, 30000 + i%20000, "San Francisco", "US",
			"Called twice, no answer", 2 * (4155550000 + i)}
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			tb.Fatal(err)
		}
		// The formula keeps the value set above as its saved value.
		if err := f.SetCellFormula("Sheet1", fmt.Sprintf("J%d", i), fmt.Sprintf("E%d*2", i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.SetCellStyle("Sheet1", "F2", fmt.Sprintf("F%d", n+1), date); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "customers.xlsx")
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkToCSV converts a sheet of 50,000 customers (ten columns). On
// the 2-core development machine, 2026-12-06: 2.6-3.5 s of CPU a sheet (up
// to 6 s of wall time while other work ran), nearly all of it excelize
// reading the sheet's XML, and about 690 MB allocated in all (17 million
// allocations), garbage the collector takes as it goes.
// What it costs in memory is measured on the real binary, where the
// collector runs as it does for an import: converting such a workbook
// (import --dry-run) peaks at 50 MB of RSS, and importing it at 71-74 MB,
// within a few MB of its CSV twin (cmd/localcrm's TestImportWorkbook50000).
func BenchmarkToCSV(b *testing.B) {
	path := customersBook(b, 50000)
	b.ReportAllocs()
	for b.Loop() {
		wb, err := Open(path, Options{TmpDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		st, err := wb.ToCSV(b.Context(), "Sheet1", io.Discard, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if st.Records != 50001 {
			b.Fatalf("%d records", st.Records)
		}
		wb.Close()
	}
}
