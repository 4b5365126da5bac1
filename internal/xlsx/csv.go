package xlsx

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"

	"localcrm/internal/csvin"
)

// Limits are what ToCSV refuses a sheet beyond; a zero field means no
// limit.
type Limits struct {
	MaxColumns  int // the last column with a value, in any row
	MaxRecords  int // rows with a value below the first such row
	MaxRowBytes int // a row's CSV text, line break included
}

// Stats say what ToCSV wrote.
type Stats struct {
	Rows    int // lines written: one per row of the sheet, up to its last row with a value
	Records int // rows with a value, the first (the header, usually) included
	Columns int // cells in each line but the blank ones
}

// ColumnsError is returned by ToCSV for a sheet with a value in a column
// past Limits.MaxColumns.
type ColumnsError struct {
	Sheet       string
	Row, Column int // the first row with such a value, and its last column with one
	Limit       int
}

func (e *ColumnsError) Error() string {
	return fmt.Sprintf("row %d of sheet %q has a value in column %d (%s); the limit is %d columns", e.Row, e.Sheet, e.Column, ColumnName(e.Column), e.Limit)
}

// RecordsError is returned by ToCSV for a sheet with more rows of data
// than Limits.MaxRecords below its first.
type RecordsError struct {
	Sheet string
	Limit int
}

func (e *RecordsError) Error() string {
	return fmt.Sprintf("sheet %q has more than %d rows with values below its first", e.Sheet, e.Limit)
}

// RowSizeError is returned by ToCSV for a row whose CSV text is longer than
// Limits.MaxRowBytes.
type RowSizeError struct {
	Sheet string
	Row   int
	Bytes int // the row's CSV text, without its line break
	Limit int
}

func (e *RowSizeError) Error() string {
	return fmt.Sprintf("row %d of sheet %q is %d bytes as CSV; the limit is %d", e.Row, e.Sheet, e.Bytes, e.Limit)
}

// ColumnName returns the letters Excel names column n by (1 is A, 28 is AB).
func ColumnName(n int) string {
	name, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return fmt.Sprint(n)
	}
	return name
}

// ToCSV writes the rows of sheet (a name Sheets gives) to w as CSV: UTF-8
// without a byte-order mark, comma-separated, CRLF line endings, through
// csvin's Writer, so that csvin's Reader gives back each cell's text (as
// for any CSV file, a line break in a cell comes back as LF, and a cell
// that begins with ' and = + - @ loses the ').
//
// Line n is row n of the sheet, so that an error's line number is the
// row's (until a cell holds a line break): an empty row is a blank line,
// which readers pass over. Every other line has as many cells as the
// sheet's widest row, as Excel's own "Save as CSV" writes them, so that
// cells left empty at the end of a row do not make it shorter than the
// header. Rows after the last row with a value are left out.
//
// The sheet is read twice: once from the workbook to a
// temporary file of its cells, counting its columns, then from that file.
// Memory holds a row at a time.
func (b *Workbook) ToCSV(ctx context.Context, sheet string, w io.Writer, lim Limits) (Stats, error) {
	if err := b.rewriteFormats(); err != nil {
		return Stats{}, err
	}
	spill, err := os.CreateTemp(b.tmpDir, "xlsx-rows-*")
	if err != nil {
		return Stats{}, err
	}
	defer os.Remove(spill.Name())
	defer spill.Close()

	st, err := b.readRows(ctx, sheet, spill, lim)
	if err != nil {
		return st, err
	}
	if _, err := spill.Seek(0, io.SeekStart); err != nil {
		return st, err
	}
	return st, writeRows(bufio.NewReaderSize(spill, 256<<10), st, sheet, w, lim)
}

// readRows reads the rows of sheet into spill: per row, the count of its
// cells up to its last one with a value, then each cell's length and text
// (as uvarints and bytes). It checks the columns and records against lim.
func (b *Workbook) readRows(ctx context.Context, sheet string, spill io.Writer, lim Limits) (Stats, error) {
	var st Stats
	rows, err := b.f.Rows(sheet)
	if err != nil {
		return st, fmt.Errorf("%w: sheet %q: %w", ErrUnreadable, sheet, err)
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(spill, 256<<10)
	var num [binary.MaxVarintLen64]byte
	for row := 1; rows.Next(); row++ {
		if row%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		cells, err := rows.Columns()
		if err != nil {
			return st, fmt.Errorf("%w: sheet %q, row %d: %w", ErrUnreadable, sheet, row, err)
		}
		n := width(cells)
		if n > 0 {
			if lim.MaxColumns > 0 && n > lim.MaxColumns {
				return st, &ColumnsError{Sheet: sheet, Row: row, Column: n, Limit: lim.MaxColumns}
			}
			st.Records++
			if lim.MaxRecords > 0 && st.Records-1 > lim.MaxRecords {
				return st, &RecordsError{Sheet: sheet, Limit: lim.MaxRecords}
			}
			st.Columns = max(st.Columns, n)
			st.Rows = row
		}
		bw.Write(num[:binary.PutUvarint(num[:], uint64(n))])
		for _, c := range cells[:n] {
			c = b.cell(c)
			bw.Write(num[:binary.PutUvarint(num[:], uint64(len(c)))])
			bw.WriteString(c)
		}
	}
	if err := rows.Error(); err != nil {
		return st, fmt.Errorf("%w: sheet %q: %w", ErrUnreadable, sheet, err)
	}
	return st, bw.Flush()
}

// writeRows writes the first st.Rows rows that readRows kept in spill to w
// as CSV, each but the blank ones st.Columns cells wide.
func writeRows(spill *bufio.Reader, st Stats, sheet string, w io.Writer, lim Limits) error {
	var line bytes.Buffer
	cw := csvin.NewWriter(&line, ',')
	record := make([]string, st.Columns)
	var cell []byte
	for row := 1; row <= st.Rows; row++ {
		n, err := binary.ReadUvarint(spill)
		if err != nil {
			return fmt.Errorf("read the rows kept: %w", noEOF(err))
		}
		clear(record)
		for i := range n {
			size, err := binary.ReadUvarint(spill)
			if err != nil {
				return fmt.Errorf("read the rows kept: %w", noEOF(err))
			}
			if uint64(cap(cell)) < size {
				cell = make([]byte, size)
			}
			cell = cell[:size]
			if _, err := io.ReadFull(spill, cell); err != nil {
				return fmt.Errorf("read the rows kept: %w", noEOF(err))
			}
			record[i] = string(cell)
		}
		line.Reset()
		if n == 0 {
			err = cw.Write(nil) // a blank line
		} else {
			err = cw.Write(record)
		}
		if err == nil {
			err = cw.Flush()
		}
		if err != nil {
			return err
		}
		if lim.MaxRowBytes > 0 && line.Len() > lim.MaxRowBytes {
			return &RowSizeError{Sheet: sheet, Row: row, Bytes: line.Len() - 2, Limit: lim.MaxRowBytes}
		}
		if _, err := w.Write(line.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// noEOF turns the end of the kept rows, which readRows wrote in full, into
// an unexpected one.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
