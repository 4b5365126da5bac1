package csvin

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// TestDetectRealFiles detects the format of real files and reads them, checking the
// encoding, delimiter, line ending and header found, and records that prove the decoding
// and line numbers right.
func TestDetectRealFiles(t *testing.T) {
	const (
		mt  = "excel-variants/messytables-horror/"
		ck  = "excel-variants/csvkit-examples/"
		cus = "customers/"
	)
	type cell struct {
		line  int    // the record on this physical line
		field int    // this cell of it
		want  string // equals this (trimmed of spaces) or, with a leading "~", contains it
	}
	tests := []struct {
		file       string
		enc        Encoding
		bom        bool
		delim      rune
		ending     string
		headerLine int
		header0    string // first header cell ("" = not checked)
		cols       int
		records    int
		cells      []cell
		raws       map[int]string // line -> text the record's Raw contains
		errs       map[int]string // line -> message of every record with an error
		bad        int            // when errs is nil: how many records have an error
	}{
		// UTF-16 with a BOM, little and big endian.
		{file: ck + "test_utf16_little.csv", enc: UTF16LE, bom: true, delim: ',', ending: "LF", headerLine: 1,
			header0: "a", cols: 3, records: 2, cells: []cell{{3, 2, "ʤ"}}},
		{file: ck + "test_utf16_big.csv", enc: UTF16BE, bom: true, delim: ',', ending: "LF", headerLine: 1,
			header0: "a", cols: 3, records: 2, cells: []cell{{3, 2, "ʤ"}}},
		// messytables expects 328 rows with the header and Organisation_name second.
		{file: mt + "utf-16le_encoded.csv", enc: UTF16LE, bom: true, delim: ',', ending: "CRLF", headerLine: 1,
			header0: "Organisation_code", cols: 0, records: 327, cells: []cell{{2, 0, "~"}}},
		// UTF-8 with a BOM: the BOM is not part of the first header cell.
		{file: ck + "test_utf8_bom.csv", enc: UTF8, bom: true, delim: ',', ending: "LF", headerLine: 1,
			header0: "foo", cols: 3, records: 2, cells: []cell{{3, 2, "ʤ"}}},
		{file: mt + "utf8bom.csv", enc: UTF8, bom: true, delim: ',', ending: "", headerLine: 1,
			header0: "kitten", cols: 2, records: 0},
		{file: "commons-csv/CSVFileParser/bom.csv", enc: UTF8, bom: true, delim: ',', ending: "LF", headerLine: 1,
			header0: "Date", cols: 6, records: 251, cells: []cell{{2, 0, "14-Mar-14"}}},
		// Windows-1252 decoded to the right characters.
		{file: mt + "spanish_chars.csv", enc: Windows1252, delim: ',', ending: "CRLF", headerLine: 1,
			header0: "GF_ID", cols: 8, records: 116,
			cells: []cell{{2, 3, "Gobierno"}, {2, 7, "~gestión  gubernamental"}, {2, 7, "~política interior"}}},
		{file: ck + "test_latin1.csv", enc: Windows1252, delim: ',', ending: "LF", headerLine: 1,
			header0: "a", cols: 3, records: 2, cells: []cell{{3, 2, "©"}}},
		{file: mt + "sparse_with_column_errors.csv", enc: Windows1252, delim: ',', ending: "CRLF", headerLine: 1,
			header0: "LP", cols: 4, records: 2237, cells: []cell{{2, 1, "~Trägerorganisationen"}, {2, 1, "~überwiegend"}}},
		// Semicolons.
		{file: mt + "simple.ssv", enc: UTF8, delim: ';', ending: "LF", headerLine: 1,
			header0: "date", cols: 3, records: 6, cells: []cell{{3, 1, "-1"}, {7, 2, "Berkeley"}}},
		// Frappe pads cells with spaces, and writes `""` followed by spaces: text after a
		// closing quote, malformed under RFC 4180 (lines 2 and 5). The quoted cell with a
		// comma in it must not make the file look comma-separated.
		{file: cus + "frappe-data-import/sample_import_file_semicolon.csv", enc: UTF8, delim: ';', ending: "LF", headerLine: 1,
			header0: "Title", cols: 14, records: 4,
			cells: []cell{{2, 0, "Test 5"}, {3, 5, "child title 2"}, {4, 1, "test description 2"}, {5, 3, "5"}},
			raws:  map[int]string{2: "child description with ,comma and", 5: "child title asdf"},
			errs:  map[int]string{2: msgAfterQuote, 5: msgAfterQuote}},
		// Pipes, with mixed CRLF and LF endings.
		{file: mt + "simple.psv", enc: UTF8, delim: '|', ending: "CRLF", headerLine: 1,
			header0: "Year", cols: 6, records: 28, cells: []cell{{2, 0, "1986"}, {29, 0, "2013"}}},
		// Tabs.
		{file: mt + "example.tsv", enc: UTF8, delim: '\t', ending: "LF", headerLine: 1,
			header0: "hour", cols: 17, records: 140, cells: []cell{{2, 1, "15955"}}},
		{file: ck + "dummy.tsv", enc: UTF8, delim: '\t', ending: "LF", headerLine: 1,
			header0: "a", cols: 3, records: 1, cells: []cell{{2, 2, "3"}}},
		// CR-only line endings (classic Mac Excel); the header comes after two title rows
		// and a row of empty cells.
		{file: mt + "mixedGLB.csv", enc: UTF8, delim: ',', ending: "CR", headerLine: 4,
			header0: "Year", cols: 19, records: 133, cells: []cell{{5, 0, "1880"}, {5, 1, "-43"}, {6, 0, "1881"}}},
		// CR-only, with a quoted cell holding a CR: that record spans lines 3 and 4.
		{file: ck + "mac_newlines.csv", enc: UTF8, delim: ',', ending: "CR", headerLine: 1,
			header0: "a", cols: 3, records: 2, cells: []cell{{2, 0, "1"}, {3, 0, "Once upon\na time"}, {3, 2, "6"}}},
		// Ragged rows are reported with their lines while the other rows load.
		{file: ck + "bad.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 1,
			header0: "column_a", cols: 3, records: 3, cells: []cell{{4, 1, "mixed types.... uh oh"}, {3, 1, "I'm too short!"}},
			errs: map[int]string{2: "has 4 cells but the header has 3 columns", 3: "has 2 cells but the header has 3 columns"}},
		{file: cus + "chatwoot-contact-import/invalid_contacts.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 1,
			header0: "id", cols: 8, records: 25, cells: []cell{{4, 7, "+91848484848"}, {26, 1, "~"}},
			errs: raggedLines(5, 26, "has 7 cells but the header has 8 columns")},
		// Header detection past title, blank and padding rows.
		{file: mt + "excel_pasting.csv", enc: UTF8, delim: ',', ending: "CRLF", headerLine: 4,
			header0: "Year", cols: 9, records: 17, cells: []cell{{5, 0, "Timber"}, {5, 1, "2,666"}, {14, 0, "Machinery and \nequipment"}}},
		// messytables: 11 columns, "1985" second, Gefäßchirurgie in the second data row
		// and Frauenheilkunde in the tenth.
		// Its last 16 records are notes of one or two cells, reported as ragged.
		{file: mt + "weird_head_padding.csv", enc: UTF8, delim: ';', ending: "LF", headerLine: 12,
			header0: "", cols: 11, records: 76, cells: []cell{{14, 0, "Gefäßchirurgie"}, {22, 0, "~Frauenheilkunde"}},
			raws: map[int]string{13: `"   Chirurgie (ohne Orthopädie) ...";`}, bad: 16},
		{file: mt + "begrotingsanalyse-2011.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 4,
			header0: "", cols: 20, records: 39, cells: []cell{{5, 2, "A"}, {9, 1, "Onroerendezaakbelastingen"}}},
		{file: mt + "skip_initials.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 1,
			header0: "field1", cols: 2, records: 2, cells: []cell{{2, 1, "~    goodbye"}}},
		{file: ck + "test_skip_lines.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 4,
			header0: "a", cols: 3, records: 1, cells: []cell{{5, 0, "1"}}},
		// A stray NUL is not UTF-16.
		{file: ck + "null_byte.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 1,
			header0: "a", cols: 3, records: 1, cells: []cell{{2, 0, "\x00"}}},
		// A single column reads as comma.
		{file: mt + "long.csv", enc: UTF8, delim: ',', ending: "LF", headerLine: 1,
			header0: "foo", cols: 1, records: 3999},
		// Big5 (Traditional Chinese) is not one of the supported encodings: it is not
		// valid UTF-8, so the fallback reads it as Windows-1252, as mojibake. The
		// importer refuses such a file unless the user chose Windows-1252 (see
		// TestLooksDoubleByte); the Reader, asked to, still reads it.
		{file: mt + "characters.csv", enc: Windows1252, delim: ',', ending: "CRLF", headerLine: 1,
			header0: "id", cols: 18, records: 382},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.file[strings.LastIndex(tt.file, "/")+1:], "/"), func(t *testing.T) {
			res := readAll(t, readTestFile(t, tt.file), Format{})
			f := res.format
			if f.Encoding != tt.enc || f.BOM != tt.bom || f.Delimiter != tt.delim || f.LineEnding != tt.ending || f.HeaderLine != tt.headerLine {
				t.Errorf("Detect = %+v\nwant {Encoding:%s BOM:%t Delimiter:%d LineEnding:%s HeaderLine:%d}",
					f, tt.enc, tt.bom, tt.delim, tt.ending, tt.headerLine)
			}
			if len(res.header) == 0 || res.header[0] != tt.header0 {
				t.Errorf("header %q, want it to begin with %q", res.header, tt.header0)
			}
			if tt.cols != 0 && len(res.header) != tt.cols {
				t.Errorf("header has %d columns, want %d: %q", len(res.header), tt.cols, res.header)
			}
			if len(res.recs) != tt.records {
				t.Errorf("%d records, want %d", len(res.recs), tt.records)
			}
			byLine := make(map[int]Record)
			bad := 0
			for _, rec := range res.recs {
				byLine[rec.Line] = rec
				if rec.Err != nil {
					bad++
				}
				if got, want := errMsg(rec), tt.errs[rec.Line]; tt.errs != nil && got != want {
					t.Errorf("line %d: error %q, want %q", rec.Line, got, want)
				}
			}
			if tt.errs == nil && bad != tt.bad {
				t.Errorf("%d records with errors, want %d", bad, tt.bad)
			}
			for line, want := range tt.raws {
				if !strings.Contains(byLine[line].Raw, want) {
					t.Errorf("line %d: Raw %q does not contain %q", line, byLine[line].Raw, want)
				}
			}
			for _, c := range tt.cells {
				rec, ok := byLine[c.line]
				if !ok || c.field >= len(rec.Fields) {
					t.Errorf("no record with cell %d on line %d", c.field, c.line)
					continue
				}
				got := rec.Fields[c.field]
				if want, ok := strings.CutPrefix(c.want, "~"); ok {
					if !strings.Contains(got, want) {
						t.Errorf("line %d cell %d = %q, want it to contain %q", c.line, c.field, got, want)
					}
				} else if strings.TrimSpace(got) != c.want {
					t.Errorf("line %d cell %d = %q, want %q", c.line, c.field, got, c.want)
				}
			}
		})
	}
}

func raggedLines(from, to int, msg string) map[int]string {
	m := make(map[int]string)
	for l := from; l <= to; l++ {
		m[l] = msg
	}
	return m
}

// TestDetectOverrides checks that fields set in want are kept.
func TestLooksDoubleByte(t *testing.T) {
	for file, want := range map[string]bool{
		"excel-variants/messytables-horror/characters.csv":                true, // Big5
		"excel-variants/messytables-horror/spanish_chars.csv":             false,
		"excel-variants/messytables-horror/sparse_with_column_errors.csv": false,
		"excel-variants/csvkit-examples/test_latin1.csv":                  false,
	} {
		b := readTestFile(t, file)
		if got := LooksDoubleByte(b[:min(len(b), sampleSize)]); got != want {
			t.Errorf("LooksDoubleByte(%s) = %v, want %v", file, got, want)
		}
	}
	// The other double-byte encodings, each on a small customer file in its language.
	for _, tt := range []struct {
		name string
		enc  encoding.Encoding
		text string
	}{
		{"Shift-JIS", japanese.ShiftJIS, "山田,太郎,東京都\n佐藤,花子,大阪府\n鈴木,一郎,横浜市\n"},
		{"EUC-JP", japanese.EUCJP, "山田,太郎,東京都\n佐藤,花子,大阪府\n鈴木,一郎,横浜市\n"},
		{"GBK", simplifiedchinese.GBK, "王,小明,北京市\n李,娜,上海市\n张,伟,深圳市\n"},
		{"Big5", traditionalchinese.Big5, "陳,大文,台北市\n林,美玲,高雄市\n張,志明,台中市\n"},
		{"EUC-KR", korean.EUCKR, "김,민준,서울특별시\n이,서연,부산광역시\n박,지훈,인천광역시\n"},
	} {
		b, err := tt.enc.NewEncoder().Bytes([]byte("first,last,city\n" + tt.text))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !LooksDoubleByte(b) {
			t.Errorf("LooksDoubleByte(%s) = false, want true", tt.name)
		}
	}
	// Accented letters side by side, as in "Conceição" or "Größe", are not enough.
	if LooksDoubleByte([]byte(strings.Repeat("Concei\xe7\xe3o Gr\xf6\xdfe M\xfcller Jos\xe9\n", 10))) {
		t.Error("Windows-1252 names with some adjacent accented letters look double-byte")
	}
}

func TestDetectOverrides(t *testing.T) {
	data := readTestFile(t, "excel-variants/messytables-horror/simple.ssv")
	want := Format{Encoding: Windows1252, Delimiter: ',', LineEnding: "CRLF", HeaderLine: 3}
	if got := Detect(sample(data), want); got != want {
		t.Errorf("Detect = %+v, want %+v", got, want)
	}
	// Reading simple.ssv as comma-separated, as the user asked, gives one column.
	res := readAll(t, data, Format{Delimiter: ','})
	if !reflect.DeepEqual(res.header, []string{"date;temperature;place"}) || len(res.recs) != 6 {
		t.Errorf("header %q, %d records", res.header, len(res.recs))
	}
}

// TestDetectInline covers cases no real file in testdata shows: Excel's sep= line, UTF-16
// without a BOM, a sample cut in the middle of a character or a record, mixed line endings.
func TestDetectInline(t *testing.T) {
	utf16le := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	utf16be := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r>>8), byte(r))
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want Format
	}{
		{"empty", nil, Format{Encoding: UTF8, Delimiter: ',', HeaderLine: 1}},
		{"sep line", []byte("sep=;\r\na;b\r\n1;2\r\n"), Format{Encoding: UTF8, Delimiter: ';', LineEnding: "CRLF", HeaderLine: 2}},
		{"quoted sep line", []byte("\"sep=|\"\na|b\n"), Format{Encoding: UTF8, Delimiter: '|', LineEnding: "LF", HeaderLine: 2}},
		{"padded sep line", []byte("sep=,,,\na,b,c\n1,2,3\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 2}},
		{"sep tab", []byte("SEP=\t\na\tb\n"), Format{Encoding: UTF8, Delimiter: '\t', LineEnding: "LF", HeaderLine: 2}},
		{"not a sep line", []byte("sep=ab,c\n1,2\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"utf-16le without BOM", utf16le("a;b\r\n1;2\r\n"), Format{Encoding: UTF16LE, Delimiter: ';', LineEnding: "CRLF", HeaderLine: 1}},
		{"utf-16be without BOM", utf16be("a\tb\n1\t2\n"), Format{Encoding: UTF16BE, Delimiter: '\t', LineEnding: "LF", HeaderLine: 1}},
		// "é" cut after its first byte at the end of the sample is still UTF-8.
		{"utf-8 cut mid-character", []byte("a,b\n1,caf\xc3"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"windows-1252", []byte("a,b\n1,caf\xe9\n"), Format{Encoding: Windows1252, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		// UTF-8 with a row pasted in from a Windows-1252 file is still UTF-8; that row
		// alone will be refused. With as many bytes invalid as characters valid, it is not.
		{"mostly utf-8", []byte("name,city\nJörg,Köln\nZoë,Zürich\nJos\xe9,Bogot\xe1\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"half utf-8", []byte("name,city\nJörg,Köln\nJos\xe9,Bogot\xe1\n"), Format{Encoding: Windows1252, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		// The last line may be cut short: it does not count against semicolon.
		{"truncated last line", []byte("a;b\n1;2\n3;4\n5,6,7,8,9"), Format{Encoding: UTF8, Delimiter: ';', LineEnding: "LF", HeaderLine: 1}},
		// Delimiters inside quotes do not count.
		{"quoted commas", []byte("a;b\n\"1,5\";\"2,5\"\n\"3,5\";4\n"), Format{Encoding: UTF8, Delimiter: ';', LineEnding: "LF", HeaderLine: 1}},
		// A tie goes to comma.
		{"tie", []byte("a,b;c\n1,2;3\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"single column", []byte("name\nAda\nGrace\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"mixed endings", []byte("a,b\r1,2\n3,4\r\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "CR", HeaderLine: 1}},
		// A header one cell wider than most rows is still the header.
		{"ragged", []byte("a,b,c\n1,2\n3,4\n5,6\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"title row", []byte("Customers 2024\n\nname,email,phone\nAda,a@x,1\nBob,b@x,2\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 3}},
		// A header with a stray quote is still the header, so that the import can say
		// it cannot be read, while a title with quotes in it is passed over.
		{"malformed header", []byte("First Name,Last \"Name,Email\nAda,Lovelace,a@x\nBob,Stone,b@x\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 1}},
		{"quoted title", []byte("Customers of \"Acme\"\nname,email,phone\nAda,a@x,1\nBob,b@x,2\n"), Format{Encoding: UTF8, Delimiter: ',', LineEnding: "LF", HeaderLine: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.in, Format{}); got != tt.want {
				t.Errorf("Detect(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseEncoding(t *testing.T) {
	tests := []struct {
		in   string
		want Encoding
	}{
		{"", ""}, {"auto", ""}, {" AUTO ", ""},
		{"utf-8", UTF8}, {"UTF8", UTF8}, {"utf_8", UTF8},
		{"utf-16le", UTF16LE}, {"UTF-16-LE", UTF16LE}, {"utf16le", UTF16LE},
		{"utf-16be", UTF16BE}, {"utf-16-be", UTF16BE},
		{"windows-1252", Windows1252}, {"cp1252", Windows1252}, {"latin1", Windows1252}, {"ISO-8859-1", Windows1252},
	}
	for _, tt := range tests {
		if got, err := ParseEncoding(tt.in); got != tt.want || err != nil {
			t.Errorf("ParseEncoding(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseEncoding("big5")
	if err == nil || !strings.Contains(err.Error(), "windows-1252") || !strings.Contains(err.Error(), "utf-16le") {
		t.Errorf("ParseEncoding(big5) error %v, want it to list the accepted names", err)
	}
}

func TestParseDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{"", 0}, {"auto", 0}, {"comma", ','}, {",", ','}, {"Semicolon", ';'}, {";", ';'},
		{"tab", '\t'}, {"\t", '\t'}, {`\t`, '\t'}, {"pipe", '|'}, {"|", '|'},
	}
	for _, tt := range tests {
		got, err := ParseDelimiter(tt.in)
		if got != tt.want || err != nil {
			t.Errorf("ParseDelimiter(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if tt.want != 0 {
			if back, _ := ParseDelimiter(DelimiterName(got)); back != got {
				t.Errorf("ParseDelimiter(DelimiterName(%q)) = %q", got, back)
			}
		}
	}
	_, err := ParseDelimiter("colon")
	if err == nil || !strings.Contains(err.Error(), "semicolon") || !strings.Contains(err.Error(), "pipe") {
		t.Errorf("ParseDelimiter(colon) error %v, want it to list the accepted names", err)
	}
	for r, want := range map[rune]string{',': "comma", ';': "semicolon", '\t': "tab", '|': "pipe"} {
		if got := DelimiterName(r); got != want {
			t.Errorf("DelimiterName(%q) = %q, want %q", r, got, want)
		}
	}
}
