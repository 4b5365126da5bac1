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
					"Zoë,'=SUM(A1),'-5,'@x,'\tx,\"say \"\"hi\"\", then\",\"two\nlines\",\" lead\",\r\n" +
					"O'Brien,'+1,'=x,'plain,a\tb,\"\"\"\",\"cr\r\nlf\",trail ,\"'=1,2\"\r\n"
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
