package csvin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestFourCopies reads one file saved four ways (plain comma/LF; Excel's "CSV UTF-8"; a
// semicolon CSV with CRLF; Excel's "Unicode Text", UTF-16LE with tabs) and wants the same
// header and the same 1000 records, on the same lines, from each.
func TestFourCopies(t *testing.T) {
	copies := []struct {
		file  string
		enc   Encoding
		bom   bool
		delim rune
	}{
		{"customers/react-spreadsheet-import/exampleFile.csv", UTF8, false, ','},
		{"synthetic/exampleFile.utf8-bom.comma.crlf.csv", UTF8, true, ','},
		{"synthetic/exampleFile.semicolon.crlf.csv", UTF8, false, ';'},
		{"synthetic/exampleFile.utf16le-bom.tab.crlf.txt", UTF16LE, true, '\t'},
	}
	wantHeader := []string{"firstname", "lastname", "years", "team", "manager", "email"}
	var first result
	for i, c := range copies {
		res := readAll(t, readTestFile(t, c.file), Format{})
		if res.format.Encoding != c.enc || res.format.BOM != c.bom || res.format.Delimiter != c.delim || res.format.HeaderLine != 1 {
			t.Errorf("%s: Detect = %+v", c.file, res.format)
		}
		if !reflect.DeepEqual(res.header, wantHeader) {
			t.Errorf("%s: header %q", c.file, res.header)
		}
		if len(res.recs) != 1000 {
			t.Fatalf("%s: %d records, want 1000", c.file, len(res.recs))
		}
		for j, rec := range res.recs {
			if rec.Err != nil || rec.Line != j+2 {
				t.Fatalf("%s: record %d on line %d: %v", c.file, j, rec.Line, rec.Err)
			}
		}
		if i == 0 {
			first = res
			if got := res.recs[0].Fields; !reflect.DeepEqual(got, []string{"Christy", "Rodmann", "44", "Developers", "FALSE", "Christy.Rodmann@mailmail.com"}) {
				t.Errorf("first record %q", got)
			}
			continue
		}
		for j := range res.recs {
			if !reflect.DeepEqual(res.recs[j].Fields, first.recs[j].Fields) {
				t.Errorf("%s: line %d: %q, but the plain file has %q", c.file, res.recs[j].Line, res.recs[j].Fields, first.recs[j].Fields)
			}
		}
	}
}

// TestReaderRows covers the reader's handling of malformed and awkward rows: each must be
// reported on its line with its text while the rows after it load.
func TestReaderRows(t *testing.T) {
	type row struct {
		line   int
		fields []string
		raw    string
		err    string
	}
	tests := []struct {
		name   string
		in     string
		format Format // zero: detect
		header []string
		rows   []row
		line   int // Reader.Line at the end
	}{
		{
			name: "quoted cell that never ends, then more rows",
			in:   "a,b\n1,\"x\n2,y\r\n\n3,z\n",
			rows: []row{
				{2, []string{"1", "x"}, `1,"x`, msgNeverEnds},
				{3, []string{"2", "y"}, "2,y", ""},
				{5, []string{"3", "z"}, "3,z", ""},
			},
			line: 5,
		},
		{
			name: "quoted cell that never ends on the last line",
			in:   "a,b\n1,2\n3,\"x",
			rows: []row{
				{2, []string{"1", "2"}, "1,2", ""},
				{3, []string{"3", "x"}, `3,"x`, msgNeverEnds},
			},
			line: 3,
		},
		{
			name: "stray quotes",
			in:   "name,height\nAda,5'11\"\n\"Bob\"x,6\nCy,7\n",
			rows: []row{
				{2, []string{"Ada", `5'11"`}, `Ada,5'11"`, msgBareQuote},
				// csv stops at the error, and a lenient reading runs the quoted cell
				// to the end of the row: nothing could be read.
				{3, []string{}, `"Bob"x,6`, msgAfterQuote},
				{4, []string{"Cy", "7"}, "Cy,7", ""},
			},
			line: 4,
		},
		{
			name: "multi-line cells and every kind of line break",
			in:   "a,b\r\n\"1\r\n1\",2\r\"3\r3\",4\n5,\"6\n\n6\"\r\n7,8",
			rows: []row{
				{2, []string{"1\n1", "2"}, "\"1\r\n1\",2", ""},
				{4, []string{"3\n3", "4"}, "\"3\r3\",4", ""},
				{6, []string{"5", "6\n\n6"}, "5,\"6\n\n6\"", ""},
				{9, []string{"7", "8"}, "7,8", ""},
			},
			line: 9,
		},
		{
			name: "blank lines are counted",
			in:   "\n\r\n\ra,b\n\n\n1,2\r\n\r\n",
			rows: []row{
				{7, []string{"1", "2"}, "1,2", ""},
			},
			line: 7,
		},
		{
			name: "formula guard removed, nothing else changed",
			in:   "a,b,c,d\n'=1+1,' x ,'@x,''-1\n",
			rows: []row{
				{2, []string{"=1+1", "' x ", "@x", "''-1"}, "'=1+1,' x ,'@x,''-1", ""},
			},
			line: 2,
		},
		{
			name:   "header trimmed and BOM-free, duplicate and empty names kept",
			in:     "\ufeff\ufeff Name ,,Name,\t=x\n1,2,3,4\n",
			header: []string{"Name", "", "Name", "=x"},
			rows:   []row{{2, []string{"1", "2", "3", "4"}, "1,2,3,4", ""}},
			line:   2,
		},
		{
			name:   "sep line is skipped",
			in:     "sep=;\r\na;b\r\n1;2\r\n",
			header: []string{"a", "b"},
			rows:   []row{{3, []string{"1", "2"}, "1;2", ""}},
			line:   3,
		},
		{
			name:   "header line set by the user",
			in:     "title\nnotes,more\na,b\n1,2\n",
			format: Format{Encoding: UTF8, Delimiter: ',', HeaderLine: 3},
			header: []string{"a", "b"},
			rows:   []row{{4, []string{"1", "2"}, "1,2", ""}},
			line:   4,
		},
		{
			name:   "header line on a blank line takes the next row",
			in:     "x,y\n\na,b\n1,2\n",
			format: Format{Encoding: UTF8, Delimiter: ',', HeaderLine: 2},
			header: []string{"a", "b"},
			rows:   []row{{4, []string{"1", "2"}, "1,2", ""}},
			line:   4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			f := tt.format
			if f == (Format{}) {
				f = Detect(sample(data), Format{})
			}
			res, err := readWith(data, f)
			if err != nil {
				t.Fatal(err)
			}
			if msg := checkRecords(data, res); msg != "" {
				t.Error(msg)
			}
			if tt.header != nil && !reflect.DeepEqual(res.header, tt.header) {
				t.Errorf("header %q, want %q", res.header, tt.header)
			}
			var got []row
			for _, rec := range res.recs {
				got = append(got, row{rec.Line, rec.Fields, rec.Raw, errMsg(rec)})
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("records\n got %+v\nwant %+v", got, tt.rows)
			}
			if res.line != tt.line {
				t.Errorf("Line() = %d at the end, want %d", res.line, tt.line)
			}
		})
	}
}

// TestInvalidUTF8AfterSample: a file detected as UTF-8 from its first 64 KiB that has a
// Windows-1252 byte further on gets that row reported, not silently altered.
func TestInvalidUTF8AfterSample(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("name,city\n")
	for b.Len() < sampleSize+100 {
		b.WriteString("Zoë,Zürich\n")
	}
	lines := bytes.Count(b.Bytes(), []byte("\n"))
	b.WriteString("Ren\xe9e,Paris\nAda,London\n")
	data := b.Bytes()

	res := readAll(t, data, Format{})
	if res.format.Encoding != UTF8 {
		t.Fatalf("detected %s", res.format.Encoding)
	}
	n := len(res.recs)
	bad, last := res.recs[n-2], res.recs[n-1]
	if bad.Line != lines+1 || errMsg(bad) != msgNotUTF8 || bad.Raw != "Ren\xe9e,Paris" {
		t.Errorf("bad row: line %d (want %d), %v, Raw %q", bad.Line, lines+1, bad.Err, bad.Raw)
	}
	if last.Err != nil || last.Fields[0] != "Ada" {
		t.Errorf("row after it: %+v", last)
	}
	for _, rec := range res.recs[:n-2] {
		if rec.Err != nil || rec.Fields[0] != "Zoë" {
			t.Fatalf("line %d: %+v", rec.Line, rec)
		}
	}
	// The message says what to do, and the user's choice works.
	res = readAll(t, data, Format{Encoding: Windows1252})
	if got := res.recs[len(res.recs)-2].Fields[0]; got != "Renée" {
		t.Errorf("as windows-1252: %q", got)
	}
}

func TestNoHeader(t *testing.T) {
	for _, in := range []string{"", "\xef\xbb\xbf", "\r\n\r\n\n", "\xff\xfe"} {
		f := Detect([]byte(in), Format{})
		if _, err := NewReader(strings.NewReader(in), f); !errors.Is(err, ErrNoHeader) {
			t.Errorf("NewReader(%q) error %v, want ErrNoHeader", in, err)
		}
	}
	_, err := NewReader(strings.NewReader("a,b\n1,2\n"), Format{HeaderLine: 5})
	if !errors.Is(err, ErrNoHeader) || err.Error() != "the header row is set to line 5, but the file has no row on or after it" {
		t.Errorf("header past the end: error %v, want one wrapping ErrNoHeader", err)
	}
	_, err = NewReader(strings.NewReader("a,\"b\"c\n1,2\n"), Format{})
	var re *RecordError
	if !errors.As(err, &re) || re.Line != 1 || re.Msg != msgAfterQuote {
		t.Errorf("malformed header: error %v", err)
	}
	if err := (&RecordError{Line: 12, Msg: "has 5 cells but the header has 6 columns"}).Error(); err != "line 12: has 5 cells but the header has 6 columns" {
		t.Errorf("RecordError.Error() = %q", err)
	}
}

// rowSource generates a CSV file of n rows on the fly, so that the file is never in memory.
// With openQuote, row 2 opens a quoted cell that is never closed (and no other row has a
// quote, which would close it).
type rowSource struct {
	n, i      int
	openQuote bool
	buf       []byte
}

func (s *rowSource) Read(p []byte) (int, error) {
	for len(s.buf) < min(len(p), 4096) && s.i <= s.n {
		switch {
		case s.i == 0:
			s.buf = append(s.buf, "id,first,last,email,notes\r\n"...)
		case s.i == 2 && s.openQuote:
			s.buf = append(s.buf, "2,Ada,\"Lovelace,ada@example.com,no closing quote\r\n"...)
		case s.openQuote:
			s.buf = fmt.Appendf(s.buf, "%d,Zoë,O'Brien,z%d@example.com,likes CSV\r\n", s.i, s.i)
		default:
			s.buf = fmt.Appendf(s.buf, "%d,Zoë,O'Brien,z%d@example.com,\"likes \"\"CSV\"\", commas\"\r\n", s.i, s.i)
		}
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	return n, nil
}

// TestMemoryBounded reads a generated 200,000-row file (about 14 MB) and checks that the
// heap does not grow with it: the reader keeps only the record being read. The second case
// opens a quoted cell on row 2 that never closes; the rest of the file then cannot be one
// record held in memory: the row is reported and the rows after it still load.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200,000 rows")
	}
	for _, openQuote := range []bool{false, true} {
		t.Run(fmt.Sprintf("openQuote=%t", openQuote), func(t *testing.T) {
			const rows = 200_000
			src := &rowSource{n: rows, openQuote: openQuote}
			r, err := NewReader(src, Format{Encoding: UTF8, Delimiter: ',', HeaderLine: 1})
			if err != nil {
				t.Fatal(err)
			}
			var ms runtime.MemStats
			var base, peak uint64
			n, bad := 0, 0
			for {
				rec, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				if rec.Err != nil {
					bad++
					if rec.Line != 3 || !strings.HasPrefix(rec.Raw, "2,Ada,\"Lovelace") {
						t.Errorf("error on line %d (%q): %v", rec.Line, rec.Raw[:min(len(rec.Raw), 40)], rec.Err)
					}
				} else if rec.Line != n+1 {
					t.Fatalf("record %d on line %d", n, rec.Line)
				}
				if n%20_000 == 0 {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					if base == 0 {
						base = ms.HeapInuse
					}
					peak = max(peak, ms.HeapInuse)
				}
			}
			if n != rows || bad != btoi(openQuote) {
				t.Errorf("%d records, %d with errors; want %d and %d", n, bad, rows, btoi(openQuote))
			}
			t.Logf("HeapInuse: %d KiB after 20,000 rows, at most %d KiB after", base>>10, peak>>10)
			if peak > base+1<<20 || peak > 8<<20 {
				t.Errorf("heap grew from %d KiB to %d KiB while reading", base>>10, peak>>10)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTooLarge: a quoted cell that never closes in a file larger than the record limit is
// reported as soon as the limit is passed, and reading goes on with the next line.
func TestTooLarge(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("a,b\n1,\"open\n")
	for i := 0; b.Len() < maxRecordBytes+1000; i++ {
		fmt.Fprintf(&b, "x%d,y\n", i) // distinct lines, so that checkRecords pins line numbers
	}
	data := b.Bytes()
	res, err := readWith(data, Format{Encoding: UTF8, Delimiter: ',', HeaderLine: 1})
	if err != nil {
		t.Fatal(err)
	}
	if msg := checkRecords(data, res); msg != "" {
		t.Fatal(msg)
	}
	first := res.recs[0]
	if first.Line != 2 || errMsg(first) != msgTooLarge || first.Raw != `1,"open` {
		t.Errorf("first record: %+v", first)
	}
	if want := bytes.Count(data, []byte("\n")) - 1; len(res.recs) != want {
		t.Errorf("%d records, want %d", len(res.recs), want)
	}
	for _, rec := range res.recs[1:] {
		if rec.Err != nil {
			t.Fatalf("line %d: %v", rec.Line, rec.Err)
		}
	}
}

// TestReaderOffset: Offset counts bytes of the encoded file, for a progress bar.
func TestReaderOffset(t *testing.T) {
	data := readTestFile(t, "synthetic/exampleFile.utf16le-bom.tab.crlf.txt")
	r, err := NewReader(bytes.NewReader(data), Detect(sample(data), Format{}))
	if err != nil {
		t.Fatal(err)
	}
	var prev int64
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if r.Offset() < prev || r.Offset() > int64(len(data)) {
			t.Fatalf("Offset %d after %d (size %d)", r.Offset(), prev, len(data))
		}
		prev = r.Offset()
	}
	if prev != int64(len(data)) {
		t.Errorf("Offset at the end %d, want %d", prev, len(data))
	}
}

// TestHeaderFormulaGuard: a header cell the writer guarded, such as
// "'@handle", reads back as it was, like any other cell.
func TestHeaderFormulaGuard(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b, ',')
	if err := w.Write([]string{"first_name", "@handle", "=total"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&b, Detect(b.Bytes(), Format{}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header(), []string{"first_name", "@handle", "=total"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Header() = %q, want %q", got, want)
	}
}

// TestRowNumbers: a record's row is where a spreadsheet shows it, which
// differs from its line after a cell with a line break; blank lines and
// rows before the header are rows too.
func TestRowNumbers(t *testing.T) {
	text := "Title\nname,note\nAnn,\"two\nlines\"\n\nBo,\"three\r\nmore\r\nlines\"\nCy,one\n"
	r, err := NewReader(strings.NewReader(text), Format{HeaderLine: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		got = append(got, fmt.Sprintf("%s line %d row %d", rec.Fields[0], rec.Line, rec.Row))
	}
	want := []string{"Ann line 3 row 3", "Bo line 6 row 5", "Cy line 9 row 6"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
