// Package xlsxtest makes Excel workbooks for tests with excelize: the
// files people bring, built by the tests that read them.
package xlsxtest

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Build returns the bytes of a new workbook that build fills, saved with
// opts (as excelize's SaveAs takes them).
func Build(t testing.TB, build func(f *excelize.File), opts ...excelize.Options) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var b bytes.Buffer
	if _, err := f.WriteTo(&b, opts...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Stream writes rows to sheet, made if it is new, from row 1, with
// excelize's StreamWriter, which keeps a formula's value beside it as
// Excel does; a nil row is left out (an empty row of the sheet).
func Stream(t testing.TB, f *excelize.File, sheet string, rows [][]any) {
	t.Helper()
	if _, err := f.NewSheet(sheet); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		if row == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
}
