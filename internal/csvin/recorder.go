package csvin

import (
	"errors"
	"io"
)

// errTooLarge is returned by recorder.Read when encoding/csv has read more than the limit
// without finishing a record: almost always a quoted cell whose closing quote is missing,
// which would otherwise swallow the rest of the file into one record held in memory.
var errTooLarge = errors.New("record too large")

// maxRecordBytes is the default limit on one record's text. Spreadsheets cap a cell at
// 32,767 characters, so a real row stays far below it.
const maxRecordBytes = 1 << 20

// readChunk is how much the recorder asks its source for at a time.
const readChunk = 32 << 10

// recorder sits between the decoded text and encoding/csv. It does two jobs.
//
// It turns every CR that is not followed by LF into LF as it serves the text. encoding/csv
// only breaks lines at LF, so without this a file with classic-Mac (CR-only) line endings
// would be one long line. The change is byte for byte, so offsets stay the same; it also
// applies inside quoted cells, where encoding/csv already turns CRLF into LF.
//
// And it keeps every byte that encoding/csv has been served but has not yet consumed
// (encoding/csv reads ahead through a bufio.Reader). The Reader uses csv.Reader.InputOffset
// before and after each record to cut the record's original text out of that window, then
// calls consume so the window never holds more than one record plus the read-ahead. Keeping
// the text also lets the Reader rewind: after a quoted cell that never ends, it restarts
// parsing on the line after the one the cell began on.
//
// Offsets are absolute: counted in bytes of decoded text from the start of the file.
type recorder struct {
	src   io.Reader
	buf   []byte // buf[lo:] holds the text from offset base on
	lo    int
	base  int64
	pos   int64 // offset of the next byte to serve
	mark  int64 // offset where the text the Reader has not consumed begins
	limit int64 // most bytes served past mark before Read fails with errTooLarge
	eof   bool  // src is exhausted
	err   error // sticky error from src other than io.EOF
}

func newRecorder(src io.Reader, limit int) *recorder {
	return &recorder{src: src, buf: make([]byte, 0, readChunk), limit: int64(limit)}
}

// end returns the offset just past the text held.
func (c *recorder) end() int64 { return c.base + int64(len(c.buf)-c.lo) }

// at returns the byte at offset off, which must be held.
func (c *recorder) at(off int64) byte { return c.buf[c.lo+int(off-c.base)] }

// slice returns the held text in [from, to). It is valid until the next fill.
func (c *recorder) slice(from, to int64) []byte {
	return c.buf[c.lo+int(from-c.base) : c.lo+int(to-c.base)]
}

// Read serves held text, filling from src as needed, with lone CRs turned into LF.
func (c *recorder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.pos-c.mark >= c.limit {
		return 0, errTooLarge
	}
	var avail int64
	for {
		avail = c.end() - c.pos
		// A CR at the end of what is held may be the first half of a CRLF: wait for the
		// next byte before deciding whether it is a line break of its own.
		if avail > 0 && !c.eof && c.err == nil && c.at(c.end()-1) == '\r' {
			avail--
		}
		if avail > 0 {
			break
		}
		if c.err != nil {
			return 0, c.err
		}
		if c.eof {
			return 0, io.EOF
		}
		c.fill()
	}
	n := copy(p, c.slice(c.pos, c.pos+min(avail, int64(len(p)))))
	for i, b := range p[:n] {
		if b == '\r' {
			next := c.pos + int64(i) + 1
			if next == c.end() || c.at(next) != '\n' {
				p[i] = '\n'
			}
		}
	}
	c.pos += int64(n)
	return n, nil
}

// fill reads one chunk from src into the buffer. When the buffer has no room left, it moves
// the held text to the front, over the consumed text; it grows the buffer only when the
// held text fills it, and shrinks it again once an overlong record has gone, so that one
// bad row does not keep a megabyte for the rest of the file.
func (c *recorder) fill() {
	if cap(c.buf)-len(c.buf) < readChunk/2 {
		held := len(c.buf) - c.lo
		size := cap(c.buf)
		switch {
		case held+readChunk > size:
			size = 2*size + readChunk
		case size > 4*readChunk && held <= readChunk:
			size = 2 * readChunk
		}
		if size != cap(c.buf) {
			nb := make([]byte, held, size)
			copy(nb, c.buf[c.lo:])
			c.buf = nb
		} else {
			c.buf = c.buf[:copy(c.buf, c.buf[c.lo:])]
		}
		c.lo = 0
	}
	n, err := c.src.Read(c.buf[len(c.buf):cap(c.buf)])
	c.buf = c.buf[:len(c.buf)+n]
	switch {
	case err == io.EOF:
		c.eof = true
	case err != nil:
		c.err = err
	}
}

// consume drops the text before off (the end of a record the Reader has dealt with).
func (c *recorder) consume(off int64) {
	c.lo += int(off - c.base)
	c.base = off
	c.mark = off
}

// rewind drops the text before off and serves again from there; off must be held.
func (c *recorder) rewind(off int64) {
	c.consume(off)
	c.pos = off
}

// more makes sure the byte at off is held, reading from src as needed. It reports false at
// the end of the text.
func (c *recorder) more(off int64) bool {
	for off >= c.end() {
		if c.eof || c.err != nil {
			return false
		}
		c.fill()
	}
	return true
}

// skipBreaks returns the offset of the first byte at or after off that is not part of a
// line break, and the number of line breaks skipped. It stops at the end of what is held;
// a CR held last counts as a line break only when src is exhausted.
func (c *recorder) skipBreaks(off int64) (int64, int) {
	n := 0
	for off < c.end() {
		switch c.at(off) {
		case '\n':
			off++
		case '\r':
			if off+1 == c.end() && !c.eof && c.err == nil {
				return off, n
			}
			off++
			if off < c.end() && c.at(off) == '\n' {
				off++
			}
		default:
			return off, n
		}
		n++
	}
	return off, n
}

// lineAt finds the line that starts at off. It returns the line's text without its line
// break, cut at most limit bytes long, and the offset where the next line starts (or the
// end of the text). When the line is longer than the limit it reads on, discarding, to find
// the line's end, so memory stays bounded.
func (c *recorder) lineAt(off int64) (text string, next int64) {
	i := off
	kept := false
	keep := func(to int64) {
		if !kept {
			text, kept = string(c.slice(off, to)), true
		}
	}
	for {
		if !c.more(i) {
			keep(i)
			return text, i
		}
		switch c.at(i) {
		case '\n':
			keep(i)
			return text, i + 1
		case '\r':
			keep(i) // before more, which may move the held text
			if c.more(i+1) && c.at(i+1) == '\n' {
				return text, i + 2
			}
			return text, i + 1
		}
		i++
		if i-off >= c.limit {
			keep(i)
			c.consume(i) // let the held text go while looking for the line's end
		}
	}
}
