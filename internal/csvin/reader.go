package csvin

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrNoHeader is returned by NewReader for a file without a header row.
var ErrNoHeader = errors.New("the file is empty: it has no header row")

// ErrDelimiter is returned by NewReader for a delimiter other than comma,
// semicolon, tab or pipe, such as one a file's "sep=" line names.
var ErrDelimiter = errors.New("unsupported delimiter")

// headerPastEnd is the error for a header row set after the last row of the file. It
// wraps ErrNoHeader, with a message of its own: the file is not empty.
type headerPastEnd int

func (e headerPastEnd) Error() string {
	return fmt.Sprintf("the header row is set to line %d, but the file has no row on or after it", int(e))
}

func (headerPastEnd) Unwrap() error { return ErrNoHeader }

// RecordError describes a row that cannot be loaded as it stands.
type RecordError struct {
	Line int    // physical line the row starts on
	Msg  string // plain words a person can act on
}

func (e *RecordError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// The messages of RecordError, in words for the person who has to fix the file.
const (
	msgBareQuote  = `has a quote (") in an unquoted cell; put the whole cell in double quotes and double the quote inside it`
	msgAfterQuote = `has text after the closing quote (") of a quoted cell; put the whole cell in double quotes and double the quote inside it`
	msgNeverEnds  = `has a quoted cell that never ends: a closing quote (") is missing`
	msgTooLarge   = `is longer than 1 MB, so a closing quote (") is probably missing from a quoted cell that starts on it`
	msgNotUTF8    = `is not valid UTF-8 text; save the file as UTF-8, or choose the windows-1252 encoding`
)

// Record is one row of the file.
type Record struct {
	Line int // physical line (1-based, counting every line of the file, including the header and blank lines) where the record starts
	// Row is the row a spreadsheet shows the record on (the file's first
	// row is 1): its line, less the line breaks inside quoted cells of the
	// records before it, since a spreadsheet shows each record on one row.
	Row    int
	Fields []string // cells exactly as in the file after CSV unquoting (not trimmed), with the spreadsheet-formula guard removed
	Raw    string   // the record's text as it stands in the decoded file, without its final line break
	Err    error    // non-nil when the row is malformed; a *RecordError. Fields may still hold what could be read.
}

// Reader streams the records of a CSV file. It holds only the record being read, so files
// of any size can be read in constant memory.
type Reader struct {
	format    Format
	header    []string
	checkUTF8 bool // the text is the file's bytes as they are, which may not be valid UTF-8

	src *countingReader
	rec *recorder
	csv *csv.Reader

	// The csv.Reader is replaced after a quoted cell that never ends, to restart on the
	// next line; lineBase and offBase place its lines and offsets in the file.
	lineBase int   // physical lines before the csv.Reader's first line
	offBase  int64 // text offset of the csv.Reader's first byte

	prev    int64 // text offset where the next record's text begins
	lines   int   // complete physical lines consumed
	partial bool  // the text consumed ends in a line without a line break (end of file)
	eof     bool
	inCells int // line breaks inside the quoted cells of the records read so far

	record Record
}

// countingReader counts the bytes of the original file read so far, for Offset.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decoderFor returns the decoder from an encoding to UTF-8, or nil for UTF-8 itself. The
// UTF-16 decoders ignore byte-order marks because the reader removes the one at the start
// itself (and detection has settled the byte order).
func decoderFor(e Encoding) *encoding.Decoder {
	switch e {
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	case Windows1252:
		return charmap.Windows1252.NewDecoder()
	}
	return nil
}

// NewReader returns a Reader for the file r, which must be positioned at its very start
// (BOM included). f should come from Detect; a zero field falls back to UTF-8, comma, or a
// header on line 1. NewReader reads through the header row: the first record that starts
// on or after f.HeaderLine. The rows before it (a title, notes, a "sep=" line) are skipped.
// It returns an error wrapping ErrNoHeader when there is no such row, and an error wrapping
// a *RecordError when the header row cannot be read.
func NewReader(r io.Reader, f Format) (*Reader, error) {
	if f.Encoding == "" {
		f.Encoding = UTF8
	}
	if f.Delimiter == 0 {
		f.Delimiter = ','
	}
	if !validDelim(f.Delimiter) {
		return nil, fmt.Errorf("%q: %w", f.Delimiter, ErrDelimiter)
	}
	if f.HeaderLine < 1 {
		f.HeaderLine = 1
	}
	var dec *encoding.Decoder
	if f.Encoding != UTF8 {
		if dec = decoderFor(f.Encoding); dec == nil {
			return nil, fmt.Errorf("unknown encoding %q", f.Encoding)
		}
	}

	cr := &countingReader{r: r}
	text, err := skipBOM(cr, bomFor(f.Encoding))
	if err != nil {
		return nil, err
	}
	if dec != nil {
		text = transform.NewReader(text, dec)
	}
	rd := newTextReader(text, f.Delimiter, f.Encoding == UTF8, maxRecordBytes)
	rd.format = f
	rd.src = cr

	for {
		rec, err := rd.next()
		if err == io.EOF {
			if rd.lines == 0 && !rd.partial {
				return nil, ErrNoHeader
			}
			return nil, headerPastEnd(f.HeaderLine)
		}
		if err != nil {
			return nil, err
		}
		if rec.Line < f.HeaderLine {
			continue
		}
		if rec.Err != nil {
			return nil, fmt.Errorf("the header row cannot be read: %w", rec.Err)
		}
		rd.header = make([]string, len(rec.Fields))
		for i, c := range rec.Fields {
			rd.header[i] = Unneutralize(strings.TrimFunc(c, isSpaceOrBOM))
		}
		return rd, nil
	}
}

// newTextReader returns a Reader of UTF-8 text (checkUTF8: text that may not be valid
// UTF-8) that has not read its header. Detect uses it too, so that the guesses are made on
// exactly the rows the Reader will return.
func newTextReader(text io.Reader, delim rune, checkUTF8 bool, limit int) *Reader {
	r := &Reader{
		format:    Format{Encoding: UTF8, Delimiter: delim},
		checkUTF8: checkUTF8,
		src:       &countingReader{},
		rec:       newRecorder(text, limit),
	}
	r.restart(0, 0)
	return r
}

// skipBOM reads the first bytes of r and drops them if they are bom. It returns a reader
// of the rest of the file.
func skipBOM(r io.Reader, bom []byte) (io.Reader, error) {
	if len(bom) == 0 {
		return r, nil
	}
	head := make([]byte, len(bom))
	n, err := io.ReadFull(r, head)
	switch {
	case err == nil && bytes.Equal(head, bom):
		return r, nil
	case err == nil || err == io.EOF || err == io.ErrUnexpectedEOF:
		return io.MultiReader(bytes.NewReader(head[:n]), r), nil
	}
	return nil, err
}

// restart begins a new csv.Reader at text offset off, which is the start of physical line
// lines+1.
func (r *Reader) restart(off int64, lines int) {
	r.rec.rewind(off)
	r.csv = csv.NewReader(r.rec)
	r.csv.Comma = r.format.Delimiter
	r.csv.FieldsPerRecord = -1 // the count is checked against the header, to say what is wrong
	r.csv.ReuseRecord = true
	r.offBase = off
	r.prev = off
	r.lineBase = lines
	r.lines = lines
	r.partial = false
}

// Header returns the cells of the header row, trimmed of white space and of any byte-order
// mark, and otherwise as in the file: names may be empty or repeated.
func (r *Reader) Header() []string { return r.header }

// Offset returns how many bytes of the original (encoded) file have been read, including
// read-ahead, for a progress bar.
func (r *Reader) Offset() int64 { return r.src.n }

// Line returns the physical line the reader has reached: the last line of the last record
// read (0 before the first).
func (r *Reader) Line() int {
	if r.partial {
		return r.lines + 1
	}
	return r.lines
}

// Read returns the next data record, or io.EOF after the last. A row that is malformed or
// does not have as many cells as the header comes back with Err set; reading can go on.
// Other errors (from reading the file) end the reading. The Record is valid until the next
// call to Read.
func (r *Reader) Read() (*Record, error) {
	rec, err := r.next()
	if err != nil {
		return nil, err
	}
	for i, c := range rec.Fields {
		rec.Fields[i] = Unneutralize(c)
	}
	if rec.Err == nil && len(rec.Fields) != len(r.header) {
		rec.Err = &RecordError{Line: rec.Line, Msg: fmt.Sprintf("has %s but the header has %s",
			plural(len(rec.Fields), "cell"), plural(len(r.header), "column"))}
	}
	return rec, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// next reads the next record of the file, with its line, its text and any quoting or
// encoding error, but with its cells as csv read them: Read removes the formula guard and
// checks the cell count, which the header row must not have done to it.
func (r *Reader) next() (*Record, error) {
	if r.eof {
		return nil, io.EOF
	}
	for {
		fields, err := r.csv.Read()
		if err == io.EOF {
			r.eof = true
			return nil, io.EOF
		}
		if errors.Is(err, errTooLarge) {
			if rec := r.tooLarge(); rec != nil {
				return rec, nil
			}
			continue
		}
		var perr *csv.ParseError
		if err != nil && !errors.As(err, &perr) {
			return nil, err
		}
		end := r.offBase + r.csv.InputOffset()

		// The text csv consumed begins with the blank lines it skipped.
		start, blank := r.rec.skipBreaks(r.prev)
		body := r.rec.slice(start, end)
		line := r.lines + blank + 1

		var msg string
		restartAt := int64(-1)
		if perr != nil {
			switch {
			case errors.Is(perr.Err, csv.ErrBareQuote):
				msg = msgBareQuote
			case errors.Is(perr.Err, csv.ErrQuote) && r.quoteEndsEarly(body, line, perr):
				msg = msgAfterQuote
			case errors.Is(perr.Err, csv.ErrQuote):
				// A quoted cell is still open at the end of the file. By the rules of
				// CSV it holds the rest of the file, but far more often its closing
				// quote is missing. So the record is cut to its first line, reported,
				// and reading restarts on the next line: the rest of the file loads.
				msg = msgNeverEnds
				if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
					body = body[:i+breakLen(body, i)]
					restartAt = start + int64(len(body))
				}
			default:
				msg = perr.Err.Error()
			}
		}

		rec := &r.record
		*rec = Record{Line: line, Row: line - r.inCells, Fields: fields, Raw: string(trimBreak(body))}
		breaks := countBreaks(body)
		if endsWithBreak(body) {
			r.inCells += breaks - 1
		} else {
			r.inCells += breaks
		}
		r.lines += blank + breaks
		r.partial = !endsWithBreak(body)
		if restartAt >= 0 {
			r.restart(restartAt, r.lines)
		} else {
			r.prev = end
			r.rec.consume(end)
		}

		if r.checkUTF8 && !utf8.ValidString(rec.Raw) {
			msg = msgNotUTF8
		}
		if msg != "" {
			rec.Err = &RecordError{Line: line, Msg: msg}
		}
		if perr != nil {
			// csv gives the cells before the error. A lenient reading of the row (stray
			// quotes kept as text) gives all of them when it comes out at the header's
			// width, as it does for a stray quote in a cell; but after a quoted cell that
			// never ends, csv's last cell holds every line after it, so only the lenient
			// reading of the row's first line will do.
			if lazy := r.lenientFields(rec.Raw); msg == msgNeverEnds || len(lazy) == len(r.header) {
				rec.Fields = lazy
			}
		}
		return rec, nil
	}
}

// quoteEndsEarly tells the two causes of csv.ErrQuote apart. When a quoted cell is closed
// and followed by more text (`"a"b`), csv reports the column of the closing quote; when the
// cell never ends, it reports a column past the end of the text. body is the record's text
// and line the physical line it starts on.
func (r *Reader) quoteEndsEarly(body []byte, line int, perr *csv.ParseError) bool {
	text := body
	for n := r.lineBase + perr.Line - line; n > 0; n-- { // skip to the line of the error
		i := bytes.IndexAny(text, "\r\n")
		if i < 0 {
			return false
		}
		text = text[i+breakLen(text, i):]
	}
	if i := bytes.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	col := perr.Column - 1
	return col >= 0 && col < len(text) && text[col] == '"'
}

// tooLarge handles a record that has grown past the recorder's limit. When the text so far
// is only blank lines (csv skips them within one read), it steps over them and returns nil.
// Otherwise the record's first line is reported as malformed and reading restarts on the
// next line, as for a quoted cell that never ends.
func (r *Reader) tooLarge() *Record {
	start, blank := r.rec.skipBreaks(r.prev)
	if held := r.rec.end(); start == held || (start == held-1 && r.rec.at(start) == '\r') {
		r.restart(start, r.lines+blank) // a CR left over awaits the next byte
		return nil
	}
	line := r.lines + blank + 1
	text, next := r.rec.lineAt(start)
	r.restart(next, line)

	rec := &r.record
	*rec = Record{Line: line, Row: line - r.inCells, Raw: text, Fields: r.lenientFields(text), Err: &RecordError{Line: line, Msg: msgTooLarge}}
	if r.checkUTF8 && !utf8.ValidString(text) {
		rec.Err = &RecordError{Line: line, Msg: msgNotUTF8}
	}
	return rec
}

// lenientFields reads raw as leniently as possible (stray quotes kept as text), for the
// cells of a malformed row.
func (r *Reader) lenientFields(raw string) []string {
	cr := csv.NewReader(strings.NewReader(raw))
	cr.Comma = r.format.Delimiter
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cells, _ := cr.Read()
	return cells
}

// breakLen returns the length of the line break at b[i]: 2 for CRLF, 1 for LF or CR.
func breakLen(b []byte, i int) int {
	if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return 2
	}
	return 1
}

// countBreaks counts the line breaks in b: CRLF, LF and a lone CR each count once.
func countBreaks(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	if bytes.IndexByte(b, '\r') < 0 {
		return n
	}
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			n++
		}
	}
	return n
}

func endsWithBreak(b []byte) bool {
	return len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r')
}

// trimBreak removes one final line break.
func trimBreak(b []byte) []byte {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return b[:len(b)-2]
	case endsWithBreak(b):
		return b[:len(b)-1]
	}
	return b
}
