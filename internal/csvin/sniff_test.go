package csvin

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name   string
		sample string
		want   string // the start of what Sniff says; "" for text
	}{
		{"zip", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml", "This is a ZIP archive, not a CSV file: extract it first, then import the CSV file inside."},
		{"empty zip", "PK\x05\x06" + strings.Repeat("\x00", 18), "This is a ZIP archive"},
		{"xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 16), "This is an Excel 97-2003 workbook (.xls)"},
		{"pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is a PDF document"},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is a PNG image"},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "This is a JPEG image"},
		{"gif", "GIF89a\x01\x00\x01\x00", "This is a GIF image"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "This is a gzip-compressed file"},
		{"7z", "7z\xbc\xaf\x27\x1c\x00\x04", "This is a 7-Zip archive"},
		{"rar", "Rar!\x1a\x07\x01\x00", "This is a RAR archive"},
		{"sqlite", "SQLite format 3\x00\x10\x00", "This is a SQLite database"},
		{"elf", "\x7fELF\x02\x01\x01\x00", "This is a program (an ELF executable)"},
		{"utf-32le", "\xff\xfe\x00\x00a\x00\x00\x00", "This file is UTF-32 text"},
		{"utf-32be", "\x00\x00\xfe\xff\x00\x00\x00a", "This file is UTF-32 text"},
		{"NUL run", "first_name,last_name\nAda,Lovelace\n\x00\x00\x00\x00\x00\x00\x00\x00", "This file holds NUL bytes"},
		{"NULs by the dozen", strings.Repeat("abc\x00defg,", 40), "This file holds NUL bytes"},

		{"csv", "first_name,last_name\nAda,Lovelace\n", ""},
		{"stray NUL", "a,b,c\n\x00,2,3\n", ""},
		{"few NULs in a long file", strings.Repeat("a\x00,b\n", 3) + strings.Repeat("abcdefgh,ijklmnop\n", 200), ""},
		{"utf-16le with BOM", "\xff\xfeA\x00,\x00B\x00\n\x00", ""},
		{"utf-16le without BOM", "A\x00,\x00B\x00\n\x00C\x00,\x00D\x00\n\x00", ""},
		{"utf-16be without BOM", "\x00A\x00,\x00B\x00\n\x00C\x00,\x00D\x00\n", ""},
		{"text starting like a signature", "PK,Name\n1,Ann\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		got := Sniff([]byte(tt.sample))
		if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) || tt.want != "" && got == "" {
			t.Errorf("%s: Sniff = %q, want %q...", tt.name, got, tt.want)
		}
	}
}

// TestSniffPassesEveryRealCSV: no file of the third-party corpus, stray NUL
// and UTF-16 included, is taken for binary data.
func TestSniffPassesEveryRealCSV(t *testing.T) {
	root := filepath.Join("..", "..", "testdata")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "hostile" { // made to be refused
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv", ".tsv", ".psv", ".ssv", ".txt":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if msg := Sniff(b[:min(len(b), sampleSize)]); msg != "" {
			t.Errorf("%s: Sniff = %q, want \"\"", path, msg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("only %d files checked; is the testdata folder there?", n)
	}
}
