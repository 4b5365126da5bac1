package csvin

import "bytes"

// magic is a kind of file that is not text, known by how it begins.
type magic struct {
	prefix []byte
	msg    string // what Sniff says of such a file
}

// saveAsCSV is what a person does with a workbook to import it.
const saveAsCSV = "open it in Excel and Save As CSV UTF-8, then import that file."

// msgZIP is what Sniff says of a ZIP archive.
const msgZIP = "This is a ZIP archive, not a CSV file: extract it first, then import the CSV file inside."

// magics are the kinds of file people pick by mistake instead of their CSV
// export: workbooks, archives, images, documents, databases and programs.
// Each prefix holds a control byte or a byte that is not UTF-8, or is a
// signature such as "%PDF-" or "GIF89a" that no header row begins with.
//
// A ZIP archive and an OLE2 file (the first two signatures) are known here
// only by their first bytes; the importer looks inside them first, since an
// Excel workbook (.xlsx) is a ZIP archive it reads, and says more.
var magics = []magic{
	{[]byte("PK\x03\x04"), msgZIP},
	{[]byte("PK\x05\x06"), msgZIP},
	{[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "This is an Excel 97-2003 workbook (.xls) or another old Office document, not a CSV file: " + saveAsCSV},
	{[]byte("%PDF-"), "This is a PDF document, not a CSV file: a table in a PDF cannot be imported. Export the data from the program it came from as CSV UTF-8, then import that file."},
	{[]byte("\x89PNG\r\n\x1a\n"), "This is a PNG image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
	{[]byte("\xff\xd8\xff"), "This is a JPEG image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
	{[]byte("GIF87a"), "This is a GIF image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
	{[]byte("GIF89a"), "This is a GIF image, not a CSV file: a picture of a table cannot be imported. Export the data itself as CSV UTF-8, then import that file."},
	{[]byte("\x1f\x8b\x08"), "This is a gzip-compressed file, not a CSV file: decompress it first (gunzip, or open it with an archive tool), then import the CSV file inside."},
	{[]byte("7z\xbc\xaf\x27\x1c"), "This is a 7-Zip archive, not a CSV file: extract it first, then import the CSV file inside."},
	{[]byte("Rar!\x1a\x07"), "This is a RAR archive, not a CSV file: extract it first, then import the CSV file inside."},
	{[]byte("SQLite format 3\x00"), "This is a SQLite database, not a CSV file: export the table as CSV (in the sqlite3 shell: .mode csv, .headers on, .output FILE.csv), then import that file."},
	{[]byte("\x7fELF"), "This is a program (an ELF executable), not a CSV file: choose the CSV file itself."},
	{[]byte("\xff\xfe\x00\x00"), "This file is UTF-32 text, which localcrm cannot read: save it as UTF-8 (in Excel: Save As, then \"CSV UTF-8\") and import it again."},
	{[]byte("\x00\x00\xfe\xff"), "This file is UTF-32 text, which localcrm cannot read: save it as UTF-8 (in Excel: Save As, then \"CSV UTF-8\") and import it again."},
}

// msgNUL is what Sniff says of a file with NUL bytes that is not UTF-16.
const msgNUL = "This file holds NUL bytes, which text never does: it is not a CSV file but binary data, " +
	"or a CSV file damaged by a crash or an interrupted copy. Open it in the program that made it, " +
	"save it as CSV UTF-8 and import that file."

// Sniff looks at the start of a file (up to the first 64 KiB, as for
// Detect) and, when it is not text at all, returns a sentence for people
// saying what it is and how to get a CSV file from it; for anything that may
// be text it returns "". Reading such a file as CSV would give a misleading
// message, such as an unmapped column or a Chinese encoding.
//
// It recognises common binary formats by their magic bytes, and binary data
// in general by its NUL bytes: text holds none, bar the odd stray NUL in a
// cell (which the row's check rejects on its own line), while binary data
// holds them in runs or by the dozen. UTF-16 text, whose ASCII characters
// each have a NUL byte, is told apart as Detect does.
func Sniff(sample []byte) string {
	sample = sample[:min(len(sample), sampleSize)]
	for _, m := range magics {
		if bytes.HasPrefix(sample, m.prefix) {
			return m.msg
		}
	}
	if bytes.HasPrefix(sample, bomUTF16LE) || bytes.HasPrefix(sample, bomUTF16BE) || sniffUTF16(sample) != "" {
		return ""
	}
	if binaryNULs(sample) {
		return msgNUL
	}
	return ""
}

// binaryNULs reports whether b holds NUL bytes as binary data does: four or
// more in a row, or at least 8 and more than one in every 256 bytes.
func binaryNULs(b []byte) bool {
	n := bytes.Count(b, []byte{0})
	if n == 0 {
		return false
	}
	if bytes.Contains(b, []byte{0, 0, 0, 0}) {
		return true
	}
	return n >= 8 && n*256 > len(b)
}
