package csvin

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sampleSize is how much of the start of a file Detect is meant to look at.
const sampleSize = 64 << 10

// The byte-order marks Detect recognises.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// candidateDelims are the delimiters Detect chooses among, in the order that breaks ties:
// comma first because it is the default everywhere, then semicolon (Excel's "CSV" in locales
// with a decimal comma), tab (Excel's "Unicode Text") and pipe.
var candidateDelims = []rune{',', ';', '\t', '|'}

// Detect looks at the start of a file (sample: up to the first 64 KiB; it may end mid-line
// or mid-character) and fills every zero field of want; fields already set in want are kept
// (they are user overrides).
//
// The rules are given with the functions that apply them: sniffEncoding, guessDelimiter and
// guessHeader. The delimiter and header are guessed on the rows exactly as the Reader will
// read them. A sample longer than 64 KiB is cut to 64 KiB.
func Detect(sample []byte, want Format) Format {
	sample = sample[:min(len(sample), sampleSize)]
	f := want
	if f.Encoding == "" {
		f.Encoding = sniffEncoding(sample)
	}
	if bom := bomFor(f.Encoding); bom != nil && bytes.HasPrefix(sample, bom) {
		f.BOM = true
	}
	text := decodeSample(sample, f.Encoding)
	if f.LineEnding == "" {
		f.LineEnding = firstLineEnding(text)
	}
	text = normalizeCR(text)

	sep := sepLineDelim(text)
	if f.Delimiter == 0 {
		f.Delimiter = sep
	}
	if f.Delimiter == 0 {
		f.Delimiter = guessDelimiter(text, sep != 0)
	}
	if f.HeaderLine == 0 {
		f.HeaderLine = guessHeader(sampleRows(text, f.Delimiter, sep != 0), sep != 0)
	}
	return f
}

// bomFor returns the byte-order mark of an encoding, or nil when it has none.
func bomFor(e Encoding) []byte {
	switch e {
	case UTF8:
		return bomUTF8
	case UTF16LE:
		return bomUTF16LE
	case UTF16BE:
		return bomUTF16BE
	}
	return nil
}

// sniffEncoding chooses an encoding from the raw bytes: a byte-order mark first; then
// UTF-16 by its NUL bytes (text that is mostly ASCII has a zero high byte in most code
// units: at odd offsets in little-endian, at even offsets in big-endian); then UTF-8 when
// the bytes are mostly UTF-8; and Windows-1252 otherwise, since it decodes anything.
func sniffEncoding(b []byte) Encoding {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return UTF8
	case bytes.HasPrefix(b, bomUTF16LE):
		return UTF16LE
	case bytes.HasPrefix(b, bomUTF16BE):
		return UTF16BE
	}
	if e := sniffUTF16(b); e != "" {
		return e
	}
	if mostlyUTF8(b) {
		return UTF8
	}
	return Windows1252
}

// sniffUTF16 recognises UTF-16 without a BOM: at least a quarter of the code units in the
// first 4 KiB have a NUL in one byte position, and the other position has almost none. The
// second condition keeps a text file with a stray NUL or two (csvkit's null_byte.csv) from
// being taken for UTF-16.
func sniffUTF16(b []byte) Encoding {
	n := min(len(b), 4096) &^ 1
	units := n / 2
	if units < 2 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	switch {
	case odd*4 >= units && even*8 <= odd:
		return UTF16LE
	case even*4 >= units && odd*8 <= even:
		return UTF16BE
	}
	return ""
}

// mostlyUTF8 reports whether b is UTF-8 text, perhaps with a few bytes that are not: it
// has more characters encoded as UTF-8 than bytes that are invalid in UTF-8. A file that
// is UTF-8 but for a row pasted in from elsewhere is read as UTF-8, so that only that row
// is refused ("is not valid UTF-8 text") rather than every other non-ASCII character
// garbled by reading all of it as Windows-1252. Windows-1252 text is hardly ever valid
// UTF-8 by chance: its accented letters are mostly followed by ASCII. An incomplete
// sequence at the very end does not count: the sample may have cut a character.
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r != utf8.RuneError || size > 1:
			valid++
		case len(b)-i >= utf8.UTFMax || utf8.FullRune(b[i:]):
			invalid++
		}
		i += size
	}
	return invalid == 0 || valid > invalid
}

// LooksDoubleByte reports whether a sample that is not UTF-8 reads more like a Chinese,
// Japanese or Korean double-byte encoding (Big5, GBK, Shift-JIS, EUC-KR), which the
// Reader cannot decode, than like Windows-1252, its fallback. In those encodings most
// characters are two bytes of 0x80 or more and a name is several characters, so such
// bytes come in runs of three or more; in Windows-1252 text they are accented letters
// among ASCII, one or two at a time ("Conceição", "Größe"). TestLooksDoubleByte holds it
// to real Big5 and Windows-1252 files and to names in each double-byte encoding.
func LooksDoubleByte(sample []byte) bool {
	high, inRuns, run := 0, 0, 0
	endRun := func() {
		if run >= 3 {
			inRuns += run
		}
		run = 0
	}
	for _, c := range sample {
		if c < utf8.RuneSelf {
			endRun()
			continue
		}
		high++
		run++
	}
	endRun()
	return high >= 16 && 2*inRuns >= high
}

// decodeSample decodes a sample to UTF-8 text without its BOM. The reading is lenient (a
// character cut at the end becomes U+FFFD): the text only feeds the guesses below.
func decodeSample(sample []byte, e Encoding) []byte {
	if bom := bomFor(e); bom != nil {
		sample = bytes.TrimPrefix(sample, bom)
	}
	dec := decoderFor(e)
	if dec == nil {
		return sample
	}
	text, err := dec.Bytes(sample)
	if err != nil {
		return sample
	}
	return text
}

// firstLineEnding names the first line break in text: "CRLF", "LF" or "CR"; "" when there
// is none.
func firstLineEnding(text []byte) string {
	i := bytes.IndexAny(text, "\r\n")
	switch {
	case i < 0:
		return ""
	case text[i] == '\n':
		return "LF"
	case i+1 < len(text) && text[i+1] == '\n':
		return "CRLF"
	}
	return "CR"
}

// normalizeCR returns text with every CR that is not followed by LF (a classic Mac line
// break) turned into LF; see recorder for why.
func normalizeCR(text []byte) []byte {
	if bytes.IndexByte(text, '\r') < 0 {
		return text
	}
	out := bytes.Clone(text)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

// sepLineDelim returns the character named by Excel's "sep=X" hint when it is the first line
// of text (optionally in quotes, as some tools write it), or 0. The line is not part of the
// table: the header comes after it.
func sepLineDelim(text []byte) rune {
	line := text
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	s := strings.TrimRight(string(line), "\r ")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if len(s) < 5 || !strings.EqualFold(s[:4], "sep=") {
		return 0
	}
	rest := s[4:]
	r, size := utf8.DecodeRuneInString(rest)
	// Any character counts here, so that a file naming one localcrm does
	// not read is refused by NewReader with that reason, not misread.
	if r == '"' || r == utf8.RuneError {
		return 0
	}
	// Tools that pad every line to the table's width write "sep=;;;;": allow it.
	if strings.Trim(rest[size:], string(r)) != "" {
		return 0
	}
	return r
}

// sampleRow is one record of the sample.
type sampleRow struct {
	line  int      // physical line the record starts on
	cells []string // for a malformed row, what a lenient reading makes of it
	bad   bool     // the row is malformed (its quoting, not its cell count)
}

// sampleRows reads text with delimiter d as the Reader would: strictly, so that a stray
// quote costs one row rather than swallowing the rows after it, as a lenient reading does.
// A malformed row's cells are its own line read leniently (stray quotes kept as text): what
// csv gives before the error is too few cells to tell a broken header from a title.
// It leaves out the "sep=" line when there is one, and the last record when text does not
// end in a line break, since the sample may have cut that record short (unless it is the
// only one). Blank lines are skipped.
func sampleRows(text []byte, d rune, hasSep bool) []sampleRow {
	r := newTextReader(bytes.NewReader(text), d, false, len(text)+1)
	var rows []sampleRow
	for {
		rec, err := r.next()
		if err != nil {
			break // the text is in memory: only its end stops the reading
		}
		if hasSep && rec.Line == 1 {
			continue
		}
		row := sampleRow{line: rec.Line, cells: slices.Clone(rec.Fields), bad: rec.Err != nil}
		if row.bad {
			row.cells = r.lenientFields(rec.Raw)
		}
		rows = append(rows, row)
	}
	if len(rows) > 1 && len(text) > 0 && text[len(text)-1] != '\n' {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// modalWidth returns the most common number of cells among well-formed rows with more than
// one cell, preferring the larger count on a tie, and how many rows have it. When no row is
// well formed, it counts the malformed ones as read leniently. With no row of more than one
// cell it returns (1, 0): a single-column table.
func modalWidth(rows []sampleRow) (width, freq int) {
	counts := make(map[int]int)
	for _, r := range rows {
		if n := len(r.cells); n > 1 && !r.bad {
			counts[n]++
		}
	}
	if len(counts) == 0 {
		for _, r := range rows {
			if n := len(r.cells); n > 1 {
				counts[n]++
			}
		}
	}
	width = 1
	for n, c := range counts {
		if c > freq || (c == freq && n > width) {
			width, freq = n, c
		}
	}
	return width, freq
}

// guessDelimiter chooses the candidate delimiter under which the most rows of the sample
// share one cell count greater than one: a real delimiter splits every row of a table the
// same way, while a character that only occurs inside some cells does not. Rows that do not
// fit (title rows, ragged rows) lower a candidate's score without ruling it out. Quotes are
// respected, so a delimiter inside quoted cells does not count, and a row that is malformed
// under a candidate does not count for it. Ties go to the earlier candidate; when no
// candidate splits any row the file is one column, read as comma.
func guessDelimiter(text []byte, hasSep bool) rune {
	best, bestScore := ',', 0
	for _, d := range candidateDelims {
		if _, score := modalWidth(sampleRows(text, d, hasSep)); score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// guessHeader returns the physical line of the header row.
//
// The header is normally the first row (the line after a "sep=" line). But spreadsheets
// exported to CSV often start with a title, notes or blank padding, so the header is the
// first row that does not look like such preamble. A preamble row either has at most half as
// many cells as the table's width (a title or a "Region:;Germany" note in a wider table) or
// has fewer than half of its cells filled (a title in the first cell of an otherwise empty
// row, a row of empty cells). The width is the most common cell count in the sample.
//
// The rule deliberately accepts a header whose cell count is not exactly the most common
// one: in a ragged file most rows may be one cell short of the header (chatwoot's
// invalid_contacts.csv), and in others every data row ends with an extra delimiter. When
// every row looks like preamble, the first row is the header.
func guessHeader(rows []sampleRow, hasSep bool) int {
	if len(rows) == 0 {
		if hasSep {
			return 2
		}
		return 1
	}
	width, _ := modalWidth(rows)
	for _, r := range rows {
		n := len(r.cells)
		if 2*n > width && 2*filledCells(r.cells) >= n {
			return r.line
		}
	}
	return rows[0].line
}

// filledCells counts the cells that hold more than white space.
func filledCells(cells []string) int {
	n := 0
	for _, c := range cells {
		if strings.TrimFunc(c, isSpaceOrBOM) != "" {
			n++
		}
	}
	return n
}

// isSpaceOrBOM reports white space and U+FEFF, the byte-order mark, which a file that was
// concatenated or re-saved may carry into its first cell.
func isSpaceOrBOM(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF'
}
