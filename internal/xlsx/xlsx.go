// Package xlsx reads Excel workbooks (.xlsx, .xlsm) for the import: the
// names of their sheets, and the rows of one sheet as UTF-8 CSV that
// csvin reads back cell for cell, so that a workbook goes through the same
// pipeline as a CSV file. It is the only package that knows
// github.com/xuri/excelize, which it uses in streaming mode.
//
// A cell becomes the text a person means by it, not the text Excel shows:
// a number its stored value in full (4155550132, never "4.16E+09" or
// "4,155,550,132"), a date its calendar date (2024-01-15, with the time of
// day when its format shows one), a formula the value Excel saved with it,
// a boolean TRUE or FALSE, and text itself.
//
// Memory: excelize keeps in memory the parts of a workbook that are not
// sheets or its shared strings (styles, the workbook's own part, pictures,
// pivot caches), and small sheets, so [Open] refuses a workbook with more
// than [MaxOtherBytes] of those; the other sheets and the shared strings
// wait in temporary files and are read as streams. See BenchmarkToCSV for what a workbook of
// 50,000 rows takes.
package xlsx

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Workbook is an open workbook. Close it to remove its temporary files.
type Workbook struct {
	f        *excelize.File
	date1904 bool     // serial numbers count days from 1904-01-01, as in workbooks from old Macs
	sheets   []string // in the workbook's order
	kinds    []kind   // what each cell style's number format shows, once formats are rewritten
	tmpDir   string
}

// Options are the settings of Open.
type Options struct {
	// TmpDir is the folder for the workbook's parts that wait on disk and
	// for the rows being converted; "" means the system's.
	TmpDir string
}

// Limits of what Open reads into memory or unpacks.
const (
	// MaxOtherBytes is the most a workbook may hold, unpacked, besides its
	// sheets and shared strings larger than streamAbove: excelize reads
	// all of that into memory.
	MaxOtherBytes = 32 << 20
	// MaxUnpackedBytes is the most a workbook may unpack to in all: its
	// sheets wait on disk unpacked, and a ZIP bomb must not fill the disk.
	MaxUnpackedBytes = 4 << 30
	// streamAbove is the size above which excelize leaves a sheet or the
	// shared strings on disk rather than in memory; small, so that a
	// workbook of many sheets is not all held in memory at once.
	streamAbove = 256 << 10
)

// ErrUnreadable is returned (wrapped, with the cause) for a file that is a
// workbook but cannot be read: damaged, incomplete or not what its parts
// say.
var ErrUnreadable = errors.New("the workbook cannot be read")

// ErrNotWorkbook is returned by Open for a file that is not a ZIP archive
// holding xl/workbook.xml.
var ErrNotWorkbook = errors.New("not an Excel workbook")

// BulkyError is returned by Open for a workbook that holds more than
// MaxOtherBytes besides its cells, or unpacks to more than
// MaxUnpackedBytes.
type BulkyError struct {
	Other    int64 // bytes of parts other than sheets and shared strings, unpacked
	Unpacked int64 // bytes of all parts, unpacked
}

func (e *BulkyError) Error() string {
	return fmt.Sprintf("the workbook unpacks to %d bytes, %d of them besides its sheets", e.Unpacked, e.Other)
}

// NoSheetError is returned for a sheet name the workbook does not have.
type NoSheetError struct {
	Name   string
	Sheets []string // the workbook's sheets, in its order
}

func (e *NoSheetError) Error() string {
	return fmt.Sprintf("the workbook has no sheet named %q; its sheets are %s", e.Name, quoteList(e.Sheets))
}

// quoteList writes names quoted and separated by commas.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// IsWorkbook reports whether the ZIP archive z is an Excel workbook: it
// holds xl/workbook.xml (an .xlsx, .xlsm, .xltx or .xltm file).
func IsWorkbook(z *zip.Reader) bool { return Has(z, "xl/workbook.xml") }

// Has reports whether the ZIP archive z holds a file named name, in any case.
func Has(z *zip.Reader, name string) bool {
	for _, f := range z.File {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Open opens the workbook in the file at path.
func Open(path string, o Options) (*Workbook, error) {
	if err := checkSizes(path); err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		TmpDir:            o.TmpDir,
		UnzipXMLSizeLimit: streamAbove,
		UnzipSizeLimit:    MaxUnpackedBytes,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	b := &Workbook{f: f, sheets: f.GetSheetList(), tmpDir: o.TmpDir}
	props, err := f.GetWorkbookProps()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	b.date1904 = props.Date1904 != nil && *props.Date1904
	if len(b.sheets) == 0 {
		_ = f.Close()
		return nil, fmt.Errorf("%w: it lists no sheets", ErrUnreadable)
	}
	return b, nil
}

// checkSizes refuses, from its ZIP directory, a file that is not a
// workbook, or one whose parts excelize would hold in memory, or unpack to
// disk, beyond the limits.
func checkSizes(file string) error {
	z, err := zip.OpenReader(file)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotWorkbook, err)
	}
	defer z.Close()
	if !IsWorkbook(&z.Reader) {
		return ErrNotWorkbook
	}
	var e BulkyError
	for _, f := range z.File {
		size := int64(f.UncompressedSize64)
		if f.UncompressedSize64 > MaxUnpackedBytes {
			size = MaxUnpackedBytes + 1
		}
		e.Unpacked += size
		// excelize leaves on disk the sheets and shared strings larger
		// than streamAbove, and holds every other part in memory.
		name := strings.ToLower(f.Name)
		streamed := size > streamAbove && (name == "xl/sharedstrings.xml" ||
			strings.HasPrefix(name, "xl/worksheets/sheet") && path.Ext(name) == ".xml")
		if !streamed {
			e.Other += size
		}
	}
	if e.Other > MaxOtherBytes || e.Unpacked > MaxUnpackedBytes {
		return &e
	}
	return nil
}

// Close removes the workbook's temporary files.
func (b *Workbook) Close() error { return b.f.Close() }

// Sheets returns the names of the workbook's sheets, in its order.
func (b *Workbook) Sheets() []string { return b.sheets }

// Sheet returns the workbook's name of the sheet called name: the sheet of
// exactly that name, or else the one whose name differs only in case (as
// Excel compares them). It returns a *NoSheetError when there is none.
func (b *Workbook) Sheet(name string) (string, error) {
	for _, s := range b.sheets {
		if s == name {
			return s, nil
		}
	}
	for _, s := range b.sheets {
		if strings.EqualFold(s, name) {
			return s, nil
		}
	}
	return "", &NoSheetError{Name: name, Sheets: b.sheets}
}

// FirstWithData returns the first sheet, in the workbook's order, that has
// a cell with a value, preferring visible sheets to hidden ones; "" when
// every sheet is empty.
func (b *Workbook) FirstWithData(ctx context.Context) (string, error) {
	var hidden []string
	for _, s := range b.sheets {
		if visible, err := b.f.GetSheetVisible(s); err == nil && !visible {
			hidden = append(hidden, s)
			continue
		}
		ok, err := b.hasData(ctx, s)
		if err != nil || ok {
			return s, err
		}
	}
	for _, s := range hidden {
		ok, err := b.hasData(ctx, s)
		if err != nil || ok {
			return s, err
		}
	}
	return "", nil
}

// hasData reports whether sheet has a cell with a value. It reads up to
// the first such cell.
func (b *Workbook) hasData(ctx context.Context, sheet string) (bool, error) {
	rows, err := b.f.Rows(sheet)
	if err != nil {
		return false, fmt.Errorf("%w: sheet %q: %w", ErrUnreadable, sheet, err)
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return false, fmt.Errorf("%w: sheet %q: %w", ErrUnreadable, sheet, err)
		}
		if width(cells) > 0 {
			return true, nil
		}
	}
	if err := rows.Error(); err != nil {
		return false, fmt.Errorf("%w: sheet %q: %w", ErrUnreadable, sheet, err)
	}
	return false, nil
}

// width returns how many of cells count: up to the last one that is not
// empty.
func width(cells []string) int {
	n := len(cells)
	for n > 0 && cells[n-1] == "" {
		n--
	}
	return n
}
