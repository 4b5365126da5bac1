package csvin

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ada", "Ada"},
		{"=SUM(A1)", "'=SUM(A1)"},
		{"+1", "'+1"},
		{"-5", "'-5"},
		{"@x", "'@x"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=x", "'=x"}, // begins with "'", not a guard character
		{" =x", " =x"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.in != "'=x" {
			if back := Unneutralize(Neutralize(tt.in)); back != tt.in {
				t.Errorf("Unneutralize(Neutralize(%q)) = %q", tt.in, back)
			}
		}
	}
	for in, want := range map[string]string{
		"'=x": "=x", "'-5": "-5", "'\r": "\r", "'": "'", "''=x": "''=x", "'a": "'a", "x'=": "x'=",
	} {
		if got := Unneutralize(in); got != want {
			t.Errorf("Unneutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriterRoundTrip writes cells that need the guard or quoting, checks the bytes, and
// reads them back with the Reader.
func TestWriterRoundTrip(t *testing.T) {
	header := []string{"name", "formula", "number", "at", "tab", "quoted", "multi", "space", "empty"}
	rows := [][]string{
		{"Zoë", "=SUM(A1)", "-5", "@x", "\tx", `say "hi", then`, "two\nlines", " lead", ""},
		{"O'Brien", "+1", "'=x", "'plain", "a\tb", `"`, "cr\r\nlf", "trail ", "=1,2"},
	}
	for _, delim := range []rune{',', ';', '\t'} {
		t.Run(DelimiterName(delim), func(t *testing.T) {
			var b bytes.Buffer
			w := NewWriter(&b, delim)
			for _, r := range append([][]string{header}, rows...) {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if delim == ',' {
				want := "name,formula,number,at,tab,quoted,multi,space,empty\r\n" +
					"Zoë,'=SUM(A1),'-5,'@x,\"'\tx\",\"say \"\"hi\"\", then\",\"two\nlines\",\" lead\",\r\n" +
					"O'Brien,'+1,'=x,'plain,\"a\tb\",\"\"\"\",\"cr\r\nlf\",trail ,\"'=1,2\"\r\n"
				if out != want {
					t.Errorf("written\n%q\nwant\n%q", out, want)
				}
			}
			if n := strings.Count(out, "\n") - strings.Count(out, "\r\n"); n != 1 { // the one in "two\nlines"
				t.Errorf("%d line breaks are not CRLF: %q", n, out)
			}

			data := b.Bytes()
			res := readAll(t, data, Format{})
			if res.format.Delimiter != delim {
				t.Errorf("delimiter detected as %q", res.format.Delimiter)
			}
			if !reflect.DeepEqual(res.header, header) {
				t.Errorf("header %q", res.header)
			}
			for i, rec := range res.recs {
				want := slicesReplace(rows[i], map[string]string{
					// The guard cannot tell a cell the user began with "'=" from one
					// it guarded: it comes back without the "'".
					"'=x": "=x",
					// encoding/csv turns CRLF in a quoted cell into LF.
					"cr\r\nlf": "cr\nlf",
				})
				if rec.Err != nil || !reflect.DeepEqual(rec.Fields, want) {
					t.Errorf("line %d: %q (%v), want %q", rec.Line, rec.Fields, rec.Err, want)
				}
			}
		})
	}
}

// TestWriterQuotesEveryDelimiter: a cell holding any delimiter a spreadsheet
// may split on is quoted, whatever the file's own, so that a spreadsheet
// reading a comma file with ";" (or "|", or tab) as its separator cannot
// split a formula out of the middle of a cell; and the cell reads back as
// written.
func TestWriterQuotesEveryDelimiter(t *testing.T) {
	cells := []string{"x;=cmd|' /C calc'!A0;", "a,=1+1", "b|@SUM(1)", "c\t-2+3", "plain"}
	for _, delim := range []rune{',', ';', '\t', '|'} {
		t.Run(DelimiterName(delim), func(t *testing.T) {
			var b bytes.Buffer
			w := NewWriter(&b, delim)
			header := []string{"h1", "h2", "h3", "h4", "h5"}
			for _, r := range [][]string{header, cells} {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			line := strings.SplitN(b.String(), "\r\n", 3)[1]
			for _, c := range cells[:4] {
				if !strings.Contains(line, `"`+c+`"`) {
					t.Errorf("%q is not quoted in %q", c, line)
				}
			}
			// Split the line as a spreadsheet with each other separator
			// would, honouring quotes: no piece begins a formula.
			for _, sep := range []rune{',', ';', '\t', '|'} {
				for _, piece := range splitQuoted(line, sep) {
					if piece != "" && strings.ContainsRune("=+-@", rune(piece[0])) {
						t.Errorf("split on %q, %q begins a formula", sep, piece)
					}
				}
			}
			res := readAll(t, b.Bytes(), Format{Delimiter: delim})
			if len(res.recs) != 1 || !reflect.DeepEqual(res.recs[0].Fields, cells) {
				t.Errorf("read back %+v, want %q", res.recs, cells)
			}
		})
	}
}

// splitQuoted splits a CSV line on sep outside double quotes, as
// spreadsheets do, keeping the quotes.
func splitQuoted(line string, sep rune) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == sep && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, cur.String())
}

func slicesReplace(s []string, m map[string]string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		if r, ok := m[v]; ok {
			v = r
		}
		out[i] = v
	}
	return out
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterErrors(t *testing.T) {
	w := NewWriter(failWriter{}, ',')
	w.Write([]string{"a"})
	if err := w.Flush(); err == nil || err.Error() != "disk full" {
		t.Errorf("Flush error %v, want disk full", err)
	}
	if err := w.Write([]string{"b"}); err == nil {
		t.Error("Write after a failed Flush succeeded")
	}
	if err := NewWriter(&bytes.Buffer{}, '"').Write([]string{"a"}); err == nil {
		t.Error(`Write with delimiter '"' succeeded`)
	}
}
