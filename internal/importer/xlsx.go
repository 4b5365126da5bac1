package importer

// Excel workbooks. An upload that is a ZIP archive or an OLE2 compound file
// (the two containers of Office documents) is kept whole in a temporary
// file, since neither can be told apart from its first bytes alone. A
// workbook is converted, once, to the CSV of one of its sheets, and that
// CSV becomes the import's file: the preview, mapping, validation, dry run,
// resume, reports and rejects file then work as for any CSV file, and the
// rejects file of a workbook is a CSV file. Any other such file is refused,
// saying what it is and how to get a CSV file from it.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf16"

	"localcrm/internal/crm"
	"localcrm/internal/csvin"
	"localcrm/internal/xlsx"
)

// WorkbookInfo says which sheet of an Excel workbook an import reads.
type WorkbookInfo struct {
	Sheet  string   // the sheet read
	Sheets []string // every sheet of the workbook, in its order
}

// maxRowBytes is the most text a row of a sheet may have as CSV: the
// limit csvin's reader puts on a record (its maxRecordBytes), which would
// otherwise reject the row as a quoted cell that never ends.
const maxRowBytes = 1 << 20

// Signatures of the containers of Office documents.
var (
	zipMagic      = []byte("PK\x03\x04")
	emptyZIPMagic = []byte("PK\x05\x06")
	oleMagic      = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
)

// isContainer reports whether a file that begins with sample is a ZIP
// archive or an OLE2 compound file.
func isContainer(sample []byte) bool {
	return bytes.HasPrefix(sample, zipMagic) || bytes.HasPrefix(sample, emptyZIPMagic) || bytes.HasPrefix(sample, oleMagic)
}

// book is an uploaded workbook, read as the CSV of one of its sheets.
type book struct {
	info WorkbookInfo
	size int64 // the workbook's bytes, as uploaded
}

// How people get a CSV file out of Excel; the messages below end with it.
const excelSaveAs = "(in Excel: File → Save As → CSV UTF-8)"

// readBook keeps body, the whole upload, in a temporary file and reads it
// as a workbook, one of whose sheets it converts to CSV into out, which it
// leaves at its start: the file the import keeps. A file of another kind
// is refused, saying what it is. up.Reading is told the upload's bytes as
// they arrive; converting tells nothing, since the CSV is not the file.
func (im *Importer) readBook(ctx context.Context, up Upload, body io.Reader, out *os.File) (*book, error) {
	kept, err := os.CreateTemp(im.dir, "upload-*.book")
	if err != nil {
		return nil, fmt.Errorf("keep uploaded file: %w", err)
	}
	defer os.Remove(kept.Name())
	defer kept.Close()
	if up.Reading != nil {
		body = &readingReader{r: body, told: up.Reading}
	}
	size, err := io.Copy(kept, body)
	if err != nil {
		if diskFull(err) {
			return nil, im.noRoom(err)
		}
		return nil, fmt.Errorf("read %s: %w", up.Name, err)
	}
	msg, err := containerKind(kept, size)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", up.Name, err)
	}
	if msg != "" {
		return nil, fmt.Errorf("%s: %w", up.Name, crm.Invalid("file", "", msg))
	}
	b, err := im.convertBook(ctx, up, kept.Name(), out)
	if err != nil {
		if diskFull(err) {
			return nil, im.noRoom(err)
		}
		return nil, bookError(err, up.Name)
	}
	b.size = size
	return b, nil
}

// containerKind says what the ZIP archive or OLE2 file f, of size bytes,
// is when it is not an Excel workbook, and how to get a CSV file from it;
// "" for a workbook.
func containerKind(f *os.File, size int64) (string, error) {
	head := make([]byte, len(oleMagic))
	if _, err := f.ReadAt(head, 0); err == nil && bytes.Equal(head, oleMagic) {
		return oleKind(f)
	}
	if dir := zipDirectorySize(f, size); dir > maxZIPDirectory {
		return fmt.Sprintf("This ZIP archive holds too many files: their list takes %s, and localcrm reads at most %s. "+
			"Extract the CSV file you need and import that; if this is an Excel workbook, save it as CSV %s, then import that file.",
			megabytes(dir), megabytes(maxZIPDirectory), excelSaveAs), nil
	}
	z, err := zip.NewReader(f, size)
	if err != nil {
		return "This file begins as a ZIP archive does (an Excel workbook, .xlsx, is one), " +
			"but it is damaged or incomplete, so it cannot be read. Copy or download it again; if it is a workbook, " +
			"open it in Excel and save it again, or save it as CSV " + excelSaveAs + ", then import that file.", nil
	}
	if !xlsx.IsWorkbook(z) {
		return zipKind(z), nil
	}
	return "", nil
}

// convertBook converts the sheet of the workbook at path that up chooses
// (or the first with data) to CSV into out.
func (im *Importer) convertBook(ctx context.Context, up Upload, path string, out *os.File) (*book, error) {
	wb, err := xlsx.Open(path, xlsx.Options{TmpDir: im.dir})
	if err != nil {
		return nil, err
	}
	defer wb.Close()
	info := WorkbookInfo{Sheets: wb.Sheets()}
	if up.Sheet != "" {
		if info.Sheet, err = wb.Sheet(up.Sheet); err != nil {
			return nil, err
		}
	} else {
		if info.Sheet, err = wb.FirstWithData(ctx); err != nil {
			return nil, err
		}
		if info.Sheet == "" {
			return nil, crm.Invalid("file", "", fmt.Sprintf("Every sheet of this workbook is empty (%s): there is nothing to import.", quoted(info.Sheets)))
		}
	}

	w := bufio.NewWriterSize(out, 256<<10)
	limits := xlsx.Limits{
		MaxColumns:  cmp.Or(im.MaxColumns, DefaultMaxColumns),
		MaxRecords:  cmp.Or(im.MaxRecords, crm.DefaultMaxRecords),
		MaxRowBytes: maxRowBytes,
	}
	st, err := wb.ToCSV(ctx, info.Sheet, w, limits)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, err
	}
	if st.Records == 0 {
		return nil, crm.Invalid("sheet", info.Sheet, fmt.Sprintf("Sheet %q of this workbook is empty: there is nothing to import. "+
			"Its sheets are %s; choose one that holds the customers.", info.Sheet, quoted(info.Sheets)))
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("keep uploaded file: %w", err)
	}
	return &book{info: info}, nil
}

// readingReader tells told how many bytes have been read through it, about
// every megabyte: a workbook's progress while it uploads.
type readingReader struct {
	r       io.Reader
	n, last int64
	told    func(int64)
}

func (r *readingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.n += int64(n); r.n-r.last >= 1<<20 || err == io.EOF {
		r.last = r.n
		r.told(r.n)
	}
	return n, err
}

// bookError turns what convertBook refuses in the workbook name into a
// message for people; other errors are returned as they are.
func bookError(err error, name string) error {
	refuse := func(field, value, msg string) error {
		return fmt.Errorf("%s: %w", name, crm.Invalid(field, value, msg))
	}
	var (
		noSheet *xlsx.NoSheetError
		bulky   *xlsx.BulkyError
		columns *xlsx.ColumnsError
		records *xlsx.RecordsError
		rowSize *xlsx.RowSizeError
	)
	switch {
	case errors.As(err, &noSheet):
		return refuse("sheet", noSheet.Name, fmt.Sprintf("This workbook has no sheet named %q. Its sheets are %s: choose one of those.",
			noSheet.Name, quoted(noSheet.Sheets)))
	case errors.As(err, &bulky):
		return refuse("file", "", fmt.Sprintf("This workbook unpacks to %s, %s of it besides the cells of its sheets (pictures, charts or other content); "+
			"localcrm reads at most %s of such content, and %s in all. Save the sheet with the customers as CSV %s, then import that file.",
			megabytes(bulky.Unpacked), megabytes(bulky.Other), megabytes(xlsx.MaxOtherBytes), megabytes(xlsx.MaxUnpackedBytes), excelSaveAs))
	case errors.As(err, &columns):
		return refuse("file", "", fmt.Sprintf("Row %d of sheet %q has a value in column %s (%s); localcrm reads at most %s columns. "+
			"Remove the columns you do not need (or split the sheet into narrower ones) and upload the workbook again; "+
			"an administrator can raise the limit with --max-columns.",
			columns.Row, columns.Sheet, thousands(columns.Column), xlsx.ColumnName(columns.Column), thousands(columns.Limit)))
	case errors.As(err, &records):
		return fmt.Errorf("%s: sheet %q holds more than %s records (rows with values below its first row); one import may load at most %s. "+
			"Split the sheet and import each part: %w", name, records.Sheet, thousands(records.Limit), thousands(records.Limit), crm.ErrTooLarge)
	case errors.As(err, &rowSize):
		return refuse("file", "", fmt.Sprintf("Row %d of sheet %q holds %s of text; localcrm reads rows of at most %s. "+
			"Shorten its cells, or remove the row, and upload the workbook again.",
			rowSize.Row, rowSize.Sheet, megabytes(int64(rowSize.Bytes)), megabytes(int64(rowSize.Limit))))
	case errors.Is(err, xlsx.ErrUnreadable), errors.Is(err, xlsx.ErrNotWorkbook):
		return refuse("file", "", msgDamaged)
	case errors.Is(err, crm.ErrInvalid):
		return fmt.Errorf("%s: %w", name, err)
	}
	return err
}

// msgDamaged is what is said of a workbook that cannot be read.
const msgDamaged = "This is an Excel workbook (.xlsx), but it is damaged or incomplete, so it cannot be read. " +
	"Open it in Excel and save it again, or save it as CSV " + excelSaveAs + ", then import that file."

// quoted writes names quoted and separated by commas.
func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// zipKind says what a ZIP archive that is not an Excel workbook is, and how
// to get a CSV file from it.
func zipKind(z *zip.Reader) string {
	has := func(name string) bool { return xlsx.Has(z, name) }
	switch {
	case has("xl/workbook.bin"):
		return "This is an Excel Binary Workbook (.xlsb), which localcrm cannot read. Open it in Excel and save it as " +
			"an Excel Workbook (.xlsx) or as CSV " + excelSaveAs + ", then import that file."
	case has("mimetype") && has("content.xml"):
		if strings.HasPrefix(mimetype(z), "application/vnd.oasis.opendocument.spreadsheet") {
			return "This is an OpenDocument spreadsheet (.ods), which localcrm cannot read. Open it in LibreOffice Calc " +
				"and save it as CSV (File → Save As, file type \"Text CSV\", character set \"Unicode (UTF-8)\") " +
				"or as an Excel Workbook (.xlsx), then import that file."
		}
		return "This is an OpenDocument file (such as a LibreOffice document), not a CSV file or an Excel workbook. " +
			"Export the data from the program it came from as CSV UTF-8, then import that file."
	case has("word/document.xml"):
		return "This is a Word document (.docx), not a CSV file: a table in a document cannot be imported. " +
			"Copy the table into Excel and save it as CSV " + excelSaveAs + ", then import that file."
	case has("ppt/presentation.xml"):
		return "This is a PowerPoint presentation (.pptx), not a CSV file: a table in a presentation cannot be imported. " +
			"Copy the table into Excel and save it as CSV " + excelSaveAs + ", then import that file."
	}
	for _, f := range z.File {
		if strings.HasPrefix(strings.ToLower(f.Name), "xl/") {
			return msgDamaged
		}
	}
	var inside []string
	for _, f := range z.File {
		switch strings.ToLower(path.Ext(f.Name)) {
		case ".csv", ".tsv", ".txt":
			if len(inside) < 3 {
				inside = append(inside, path.Base(f.Name))
			}
		}
	}
	if len(inside) > 0 {
		return fmt.Sprintf("This is a ZIP archive, not a CSV file: extract it first, then import the CSV file inside (it holds %s).", strings.Join(inside, ", "))
	}
	return "This is a ZIP archive, not a CSV file or an Excel workbook: extract it first, then import the CSV file inside."
}

// mimetype returns the start of an OpenDocument file's mimetype entry.
func mimetype(z *zip.Reader) string {
	for _, f := range z.File {
		if f.Name != "mimetype" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return ""
		}
		defer rc.Close()
		b, _ := io.ReadAll(io.LimitReader(rc, 100))
		return string(b)
	}
	return ""
}

// maxZIPDirectory is the most the list of files of an uploaded ZIP
// archive (its central directory) may take: archive/zip holds each of its
// entries in memory, a few hundred bytes for each file, and a workbook has
// a few dozen files, a thousand with many pictures.
const maxZIPDirectory = 1 << 20

// zipDirectorySize returns the size of the central directory of the ZIP
// archive f, of size bytes, as its end record (or ZIP64 end record) gives
// it; -1 when there is none, which archive/zip then reports.
func zipDirectorySize(f io.ReaderAt, size int64) int64 {
	const endLen, locatorLen, end64Len = 22, 20, 56
	tail := make([]byte, min(size, endLen+0xFFFF)) // the end record, and a comment of up to 64 KiB
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
		return -1
	}
	i := bytes.LastIndex(tail, emptyZIPMagic)
	if i < 0 || len(tail)-i < endLen {
		return -1
	}
	if dir := binary.LittleEndian.Uint32(tail[i+12:]); dir != 0xFFFFFFFF {
		return int64(dir)
	}
	// ZIP64: a locator just before the end record gives where its own end
	// record is.
	if i < locatorLen || !bytes.HasPrefix(tail[i-locatorLen:], []byte("PK\x06\x07")) {
		return -1
	}
	end64 := make([]byte, end64Len)
	off := binary.LittleEndian.Uint64(tail[i-locatorLen+8:])
	if off > uint64(size) {
		return -1
	}
	if _, err := f.ReadAt(end64, int64(off)); err != nil || !bytes.HasPrefix(end64, []byte("PK\x06\x06")) {
		return -1
	}
	return int64(min(binary.LittleEndian.Uint64(end64[40:]), 1<<62))
}

// oleStreams are the streams that tell OLE2 compound files apart, by the
// names their directory gives them (UTF-16LE, ending in a NUL), most
// telling first: an encrypted Office file holds EncryptedPackage whatever
// it is.
var oleStreams = []struct {
	name string
	msg  string
}{
	{"EncryptedPackage", "This Office file is protected with a password (it is encrypted), so localcrm cannot read it. " +
		"Open it in Excel, remove the password (File → Info → Protect Workbook → Encrypt with Password, and clear it) and save it, " +
		"or save it as CSV " + excelSaveAs + ", then import that file."},
	{"Workbook", msgXLS},
	{"Book", msgXLS}, // Excel 5.0 and 95
	{"WordDocument", "This is a Word 97-2003 document (.doc), not a CSV file: a table in a document cannot be imported. " +
		"Copy the table into Excel and save it as CSV " + excelSaveAs + ", then import that file."},
	{"PowerPoint Document", "This is a PowerPoint 97-2003 presentation (.ppt), not a CSV file: a table in a presentation cannot be imported. " +
		"Copy the table into Excel and save it as CSV " + excelSaveAs + ", then import that file."},
}

const msgXLS = "This is an Excel 97-2003 workbook (.xls), which localcrm cannot read. " +
	"Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV " + excelSaveAs + ", then import that file."

// oleKind says what an OLE2 compound file is, from the names of its
// streams; when they tell nothing, what csvin.Sniff says of any file that
// begins as one. Its directory may be anywhere in the file, so the whole
// file is searched, a window at a time.
func oleKind(f io.ReaderAt) (string, error) {
	pats := make([][]byte, len(oleStreams))
	longest := 0
	for i, s := range oleStreams {
		for _, u := range utf16.Encode([]rune(s.name + "\x00")) {
			pats[i] = append(pats[i], byte(u), byte(u>>8))
		}
		longest = max(longest, len(pats[i]))
	}
	found := make([]bool, len(pats))
	buf := make([]byte, 64<<10)
	for off := int64(0); ; {
		n, err := f.ReadAt(buf, off)
		for i, p := range pats {
			found[i] = found[i] || bytes.Contains(buf[:n], p)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		off += int64(n - longest + 1) // a name may straddle two windows
	}
	for i, s := range oleStreams {
		if found[i] {
			return s.msg, nil
		}
	}
	return csvin.Sniff(oleMagic), nil
}
