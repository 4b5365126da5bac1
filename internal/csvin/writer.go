package csvin

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// guardChars are the characters that make a spreadsheet read a cell as a formula (= + - @)
// or that hide the start of one from a check (tab, CR), after OWASP's advice on CSV
// injection.
const guardChars = "=+-@\t\r"

// Neutralize returns cell made safe to open in a spreadsheet: a cell beginning with = + - @
// tab or CR is prefixed with "'", which spreadsheets take as "this is text" and do not
// show. Unneutralize undoes it.
func Neutralize(cell string) string {
	if cell != "" && strings.IndexByte(guardChars, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// Unneutralize removes the guard Neutralize adds: "'" followed by = + - @ tab or CR gives
// the cell without the "'"; anything else is returned unchanged. The reader applies it to
// every cell, so a file the product wrote (a rejects file) imports as it was.
//
// Note that the reader turns a lone CR into LF, so a cell that began with CR does not come
// back through a file: it comes back beginning with "'" and LF.
func Unneutralize(cell string) string {
	if len(cell) >= 2 && cell[0] == '\'' && strings.IndexByte(guardChars, cell[1]) >= 0 {
		return cell[1:]
	}
	return cell
}

// Writer writes CSV that is safe to open in a spreadsheet: UTF-8, CRLF line endings as
// Excel writes them, every cell passed through Neutralize. It writes no BOM itself; a
// caller that wants Excel to recognise UTF-8 writes one first.
//
// It does its own quoting rather than use encoding/csv's Writer, whose CRLF mode drops a CR
// inside a cell: here cells are written byte for byte.
type Writer struct {
	w     *bufio.Writer
	delim rune
	err   error
}

// NewWriter returns a Writer to w that separates cells with delim (comma when 0).
func NewWriter(w io.Writer, delim rune) *Writer {
	if delim == 0 {
		delim = ','
	}
	wr := &Writer{w: bufio.NewWriter(w), delim: delim}
	if !validDelim(delim) {
		wr.err = errors.New("csvin: invalid delimiter for the writer")
	}
	return wr
}

// Write writes one record. Errors are sticky: after one, Write and Flush return it.
func (w *Writer) Write(fields []string) error {
	if w.err != nil {
		return w.err
	}
	for i, f := range fields {
		if i > 0 {
			w.w.WriteRune(w.delim)
		}
		f = Neutralize(f)
		if !w.needsQuotes(f) {
			w.w.WriteString(f)
			continue
		}
		w.w.WriteByte('"')
		w.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		w.w.WriteByte('"')
	}
	_, w.err = w.w.WriteString("\r\n") // bufio.Writer keeps the first error: checked here
	return w.err
}

// quoteChars are the characters that make a cell quoted: every delimiter a spreadsheet
// may split on, not only the file's own. A spreadsheet whose list separator is ";" (most
// of Europe's) splits an unquoted "x;=cmd|' /C calc'!A0" in a comma file into two cells,
// the second a formula that the guard, which looks at a cell's start, never saw.
const quoteChars = ",;\t|\"\r\n"

// needsQuotes reports whether a cell must be quoted: it holds any delimiter, a quote or a
// line break, or begins with white space (which some readers would trim).
func (w *Writer) needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if strings.ContainsAny(f, quoteChars) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// Flush writes any buffered data to the underlying writer and returns the first error met.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.w.Flush()
	return w.err
}
