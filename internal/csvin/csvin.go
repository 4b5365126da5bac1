// Package csvin reads the CSV files that users' other systems produce and writes CSV that
// is safe to open in a spreadsheet.
//
// Reading is two steps. [Detect] looks at the first bytes of a file and works out its
// encoding (UTF-8 with or without a byte-order mark, UTF-16 LE/BE, Windows-1252 as the
// fallback), delimiter (comma, semicolon, tab, pipe), line endings and header row; the user
// may override any of these. [NewReader] then decodes the file to UTF-8 and streams its
// records, each with the physical line it starts on and its original text, so that an
// import can name the line of every error and write rejected rows back out unchanged. The
// file is never held in memory: the reader keeps only the row being read.
//
// Parsing is encoding/csv's strict RFC 4180 reading. A malformed row (bad quoting, the
// wrong number of cells, text that is not valid UTF-8) comes back as a [Record] with Err
// set, and reading goes on with the next row, so one bad row never costs the rest of the
// file.
//
// Writing goes through [Writer], which guards every cell against formula injection (see
// [Neutralize]); the reader removes that guard again, so the product's own exports, such as
// a rejects file, can be fixed in a spreadsheet and imported as they are.
package csvin

import (
	"fmt"
	"strings"
)

// Encoding names a text encoding the package can decode. The empty Encoding means "detect".
type Encoding string

// The encodings a file may be in. UTF-8 is assumed when the bytes allow it; Windows-1252 is
// the fallback because it is what Excel writes on Western-European Windows machines, and it
// decodes any byte sequence (which also makes it the right reading of ISO-8859-1 files).
const (
	UTF8        Encoding = "utf-8"
	UTF16LE     Encoding = "utf-16le"
	UTF16BE     Encoding = "utf-16be"
	Windows1252 Encoding = "windows-1252"
)

// encodingAliases maps the spellings users and other tools use to an Encoding. Keys are
// lower case with "_" turned into "-".
var encodingAliases = map[string]Encoding{
	"auto":         "",
	"":             "",
	"utf-8":        UTF8,
	"utf8":         UTF8,
	"utf-8-sig":    UTF8, // Python's name for UTF-8 with a BOM
	"utf-8-bom":    UTF8,
	"utf-16le":     UTF16LE,
	"utf16le":      UTF16LE,
	"utf-16-le":    UTF16LE,
	"utf16-le":     UTF16LE,
	"utf-16be":     UTF16BE,
	"utf16be":      UTF16BE,
	"utf-16-be":    UTF16BE,
	"utf16-be":     UTF16BE,
	"windows-1252": Windows1252,
	"windows1252":  Windows1252,
	"cp1252":       Windows1252,
	"cp-1252":      Windows1252,
	"win-1252":     Windows1252,
	"win1252":      Windows1252,
	// ISO-8859-1 differs from Windows-1252 only in 0x80-0x9F, which ISO-8859-1 uses for
	// control characters no real text contains; browsers read it as Windows-1252 for that
	// reason (WHATWG Encoding Standard), and so do we.
	"latin1":     Windows1252,
	"latin-1":    Windows1252,
	"iso-8859-1": Windows1252,
	"iso8859-1":  Windows1252,
}

// ParseEncoding turns a user's choice of encoding into an Encoding. "auto" and "" give ""
// (detect). Case, surrounding space and "_" for "-" are ignored, and common aliases such as
// "utf8", "utf-16-le", "cp1252" and "latin1" are accepted.
func ParseEncoding(s string) (Encoding, error) {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	if e, ok := encodingAliases[key]; ok {
		return e, nil
	}
	return "", fmt.Errorf("unknown encoding %q: choose auto, %s, %s, %s or %s",
		s, UTF8, UTF16LE, UTF16BE, Windows1252)
}

// ParseDelimiter turns a user's choice of delimiter into a rune. "auto" and "" give 0
// (detect). It accepts the names "comma", "semicolon", "tab" and "pipe" and the characters
// themselves (and `\t` written out).
func ParseDelimiter(s string) (rune, error) {
	if s == "\t" { // checked before trimming, which would remove it
		return '\t', nil
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return 0, nil
	case "comma", ",":
		return ',', nil
	case "semicolon", ";":
		return ';', nil
	case "tab", `\t`:
		return '\t', nil
	case "pipe", "|":
		return '|', nil
	}
	return 0, fmt.Errorf("unknown delimiter %q: choose auto, comma (,), semicolon (;), tab or pipe (|)", s)
}

// DelimiterName gives the name ParseDelimiter accepts for a delimiter: "comma",
// "semicolon", "tab" or "pipe", and 0 as "auto". There are no others (see validDelim);
// anything else is given as the character itself.
func DelimiterName(r rune) string {
	switch r {
	case 0:
		return "auto"
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case '|':
		return "pipe"
	}
	return string(r)
}

// validDelim reports whether r is one of the four delimiters localcrm reads and writes:
// comma, semicolon, tab and pipe. Any other, even one a file's "sep=" line names, is
// refused: a rejects file is written in its source's delimiter, and with "=" (or + - @)
// as the delimiter, a row whose first cell is empty would begin with a formula.
func validDelim(r rune) bool {
	return r == ',' || r == ';' || r == '\t' || r == '|'
}

// Format describes how a file is written. Zero fields mean "detect".
type Format struct {
	Encoding   Encoding
	BOM        bool // the file starts with a byte-order mark (detected; informative)
	Delimiter  rune
	LineEnding string // "CRLF", "LF" or "CR" (detected from the first line break; informative); "" when the sample has none
	HeaderLine int    // physical line (1-based, in the decoded text) of the header row; 0 = detect
}
