package csvin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// testdata is the repository's shared test data (third-party files; see SOURCES.md there).
const testdata = "../../testdata"

func readTestFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// result is everything a reading of one file gave, with records copied.
type result struct {
	format Format
	header []string
	recs   []Record
	line   int // Reader.Line at the end
}

// sample returns what a caller passes to Detect: the first 64 KiB.
func sample(data []byte) []byte { return data[:min(len(data), sampleSize)] }

// readAll detects the format of data (fields set in want are kept), reads every record and
// checks what must hold for any file: see checkRecords.
func readAll(t testing.TB, data []byte, want Format) result {
	t.Helper()
	f := Detect(sample(data), want)
	res, err := readWith(data, f)
	if err != nil {
		t.Fatalf("NewReader(%+v): %v", f, err)
	}
	if msg := checkRecords(data, res); msg != "" {
		t.Fatal(msg)
	}
	return res
}

// readWith reads data with format f to the end.
func readWith(data []byte, f Format) (result, error) {
	res := result{format: f}
	r, err := NewReader(bytes.NewReader(data), f)
	if err != nil {
		return res, err
	}
	res.header = r.Header()
	prevOff := r.Offset()
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		c := *rec
		c.Fields = slices.Clone(rec.Fields)
		res.recs = append(res.recs, c)
		if r.Offset() < prevOff {
			return res, errors.New("Offset went back")
		}
		prevOff = r.Offset()
	}
	if r.Offset() != int64(len(data)) {
		return res, errors.New("Offset at the end is not the size of the file")
	}
	res.line = r.Line()
	return res, nil
}

// checkRecords checks that records start on ascending lines after the header, that each
// Raw is the decoded text found at the start of its Line (which pins line numbers and Raw
// against an independent count of line breaks), and that an Err is a *RecordError naming
// the record's line. It returns a description of the first failure, or "".
func checkRecords(data []byte, res result) string {
	text := decodeSample(data, res.format.Encoding)
	starts := lineStarts(text)
	prev := 0
	for _, rec := range res.recs {
		if rec.Line <= prev {
			return fmt.Sprintf("record lines do not ascend: %d after %d", rec.Line, prev)
		}
		prev = rec.Line
		if rec.Line > len(starts) {
			return fmt.Sprintf("line %d is past the end of the file", rec.Line)
		}
		if !bytes.HasPrefix(text[starts[rec.Line-1]:], []byte(rec.Raw)) {
			return fmt.Sprintf("line %d: Raw %.60q is not the text of that line", rec.Line, rec.Raw)
		}
		if rec.Err != nil {
			var re *RecordError
			if !errors.As(rec.Err, &re) || re.Line != rec.Line {
				return fmt.Sprintf("line %d: Err is not a *RecordError for the line: %v", rec.Line, rec.Err)
			}
		}
	}
	return ""
}

// lineStarts returns the offset at which each physical line of text starts: a line ends at
// CRLF, LF or a lone CR.
func lineStarts(text []byte) []int {
	starts := []int{0}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		case '\n':
			starts = append(starts, i+1)
		}
	}
	return starts
}

// errMsg returns the message of a record's error, or "".
func errMsg(rec Record) string {
	var re *RecordError
	if errors.As(rec.Err, &re) {
		return re.Msg
	}
	if rec.Err != nil {
		return rec.Err.Error()
	}
	return ""
}
