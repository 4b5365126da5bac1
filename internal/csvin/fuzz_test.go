package csvin

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzReader sends arbitrary bytes through Detect, NewReader and Read. It must never panic;
// record lines must ascend and stay >= 1; Offset must never go back; and every record must
// pass checkRecords (Raw is the text at its line).
func FuzzReader(f *testing.F) {
	for _, file := range []string{
		"csv-spectrum/csvs/quotes_and_newlines.csv",
		"csv-spectrum/csvs/newlines_crlf.csv",
		"csv-spectrum/csvs/location_coordinates.csv",
		"commons-csv/CSVFileParser/test.csv",
		"commons-csv/CSV-141/csv-141.csv",
		"commons-csv/CSV-290/psql.csv",
		"excel-variants/csvkit-examples/mac_newlines.csv",
		"excel-variants/csvkit-examples/test_utf16_little.csv",
		"excel-variants/csvkit-examples/test_utf16_big.csv",
		"excel-variants/csvkit-examples/test_latin1.csv",
		"excel-variants/csvkit-examples/bad.csv",
		"excel-variants/csvkit-examples/test_header_newline.csv",
		"excel-variants/csvkit-examples/null_byte.csv",
		"excel-variants/messytables-horror/simple.psv",
		"excel-variants/messytables-horror/complex.csv",
	} {
		f.Add(readTestFile(f, file))
	}
	f.Add([]byte("sep=;\r\na;b\r\n1;\"x\n2;y\r3;z"))
	f.Add([]byte("a,b\n1,\"open\n\n\r\n2,3\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		format := Detect(sample(data), Format{})
		r, err := NewReader(bytes.NewReader(data), format)
		if err != nil {
			var re *RecordError
			if !errors.Is(err, ErrNoHeader) && !errors.Is(err, ErrDelimiter) && !errors.As(err, &re) {
				t.Fatalf("NewReader: unexpected error %v", err)
			}
			return
		}
		res := result{format: format, header: r.Header()}
		prevOff, prevLine := r.Offset(), r.Line()
		if prevLine < 1 {
			t.Fatalf("Line() = %d after the header", prevLine)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if rec.Line < 1 || rec.Line <= prevLine {
				t.Fatalf("record on line %d after line %d", rec.Line, prevLine)
			}
			if r.Offset() < prevOff {
				t.Fatalf("Offset went from %d to %d", prevOff, r.Offset())
			}
			if r.Line() < rec.Line {
				t.Fatalf("Line() = %d after a record on line %d", r.Line(), rec.Line)
			}
			prevOff, prevLine = r.Offset(), r.Line()
			res.recs = append(res.recs, Record{Line: rec.Line, Raw: rec.Raw, Err: rec.Err})
		}
		if r.Offset() != int64(len(data)) {
			t.Fatalf("Offset %d at the end, want %d", r.Offset(), len(data))
		}
		if msg := checkRecords(data, res); msg != "" {
			t.Fatal(msg)
		}
	})
}

// FuzzNeutralize: Unneutralize undoes Neutralize for every cell that does not already
// begin with "'" and a guard character (which Unneutralize takes for a guarded cell), and
// Neutralize never leaves a guard character first.
func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{"", "=SUM(A1)", "-5", "@x", "\tx", "\rx", "'=x", "'", "plain", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Neutralize(s)
		if n != "" && strings.IndexByte(guardChars, n[0]) >= 0 {
			t.Fatalf("Neutralize(%q) = %q begins with a guard character", s, n)
		}
		if len(s) >= 2 && s[0] == '\'' && strings.IndexByte(guardChars, s[1]) >= 0 {
			return
		}
		if back := Unneutralize(n); back != s {
			t.Fatalf("Unneutralize(Neutralize(%q)) = %q", s, back)
		}
	})
}
