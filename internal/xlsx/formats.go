package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Why number formats are rewritten.
//
// A date in a workbook is a number, the days since 1900 (or 1904), told
// apart from other numbers only by its cell's number format. excelize's
// streaming reader (Rows) gives each cell's value but not its style, and
// the only reader that gives styles (GetCellStyle) loads the whole sheet
// into memory. So rewriteFormats changes, in memory only, the number
// format of every cell style before the sheet is read:
//
//   - a style that shows a date or time gets a format that writes a marker
//     (a Unicode noncharacter, U+FDD1 to U+FDD5, one per kind of date or
//     time) and the number with all its digits; cell turns it into an ISO
//     date or time;
//   - every other style gets a format id that is neither built in nor
//     defined, for which excelize gives the value as stored: a number in
//     full (it would otherwise show 441632960961 as "4.41632961E+11" in
//     General, or "1,234.50"), text as it is.
//
// Booleans come as TRUE and FALSE, and a formula as the value Excel saved
// with it. Noncharacters are "for a program's internal use" (Unicode §23.7)
// and never begin a cell's text in practice, so the markers cannot be
// mistaken for data.

// kind is what a number format shows of a number.
type kind uint8

const (
	plain      kind = iota // anything but a date or time: the value as stored
	date                   // a calendar date: 2024-01-15
	dateTime               // a date and a time of day: 2024-01-15 14:30:00
	clock                  // a time of day: 14:30:00
	duration               // elapsed time, [h]:mm:ss: 30:00:00
	dateOrTime             // an East Asian built-in format that is one or the other by locale
)

// markerBase + kind is the marker of a date or time of that kind.
const markerBase = '\uFDD0'

// builtinKind returns the kind of a built-in number format (ECMA-376 Part 1,
// §18.8.30).
func builtinKind(id int) kind {
	switch {
	case id >= 14 && id <= 17:
		return date
	case id >= 18 && id <= 21, id == 45, id == 47:
		return clock
	case id == 22:
		return dateTime
	case id == 46:
		return duration
	// East Asian formats, whose codes depend on the locale.
	case id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		return date
	case id == 32, id == 33:
		return clock
	case id == 34, id == 35:
		return dateOrTime
	}
	return plain
}

// codeKind returns the kind of a custom number format code, from its first
// section: a date if it has day, month or year tokens (d, m, y), a time if
// it has hours or seconds (h, s; m next to them is minutes), elapsed time
// for [h], [m] or [s]. Text in quotes, escaped characters and the other
// bracketed parts (colours, conditions, locales) are not tokens.
func codeKind(code string) kind {
	var hasDate, hasTime, hasM, elapsed bool
	s := strings.ToLower(code)
loop:
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ';':
			break loop // the first section decides
		case '"':
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				break loop
			}
		case '\\', '_', '*': // an escaped character, a space as wide as one, a fill
			i++
		case '[':
			j := strings.IndexByte(s[i+1:], ']')
			if j < 0 {
				break loop
			}
			if in := s[i+1 : i+1+j]; in != "" && strings.Trim(in, "hms") == "" {
				elapsed, hasTime = true, true
			}
			i += j + 1
		case 'g':
			if strings.HasPrefix(s[i:], "general") {
				i += len("general") - 1
			}
		case 'a':
			if strings.HasPrefix(s[i:], "am/pm") {
				hasTime = true
				i += len("am/pm") - 1
			} else if strings.HasPrefix(s[i:], "a/p") {
				hasTime = true
				i += len("a/p") - 1
			}
		case 'd', 'y':
			hasDate = true
		case 'h', 's':
			hasTime = true
		case 'm':
			hasM = true
		}
	}
	switch {
	case elapsed:
		return duration
	case hasDate && hasTime:
		return dateTime
	case hasDate, hasM && !hasTime:
		return date
	case hasTime:
		return clock
	}
	return plain
}

// styleKind returns the kind of a cell style's number format.
func styleKind(s *excelize.Style) kind {
	if s.CustomNumFmt != nil {
		return codeKind(*s.CustomNumFmt)
	}
	return builtinKind(s.NumFmt)
}

// rewriteFormats rewrites the number format of every cell style, in memory
// only (see above). It is done once, before the first sheet is read.
func (b *Workbook) rewriteFormats() error {
	if b.kinds != nil {
		return nil
	}
	st := b.f.Styles
	if st == nil || st.CellXfs == nil || len(st.CellXfs.Xf) == 0 {
		b.kinds = []kind{}
		return nil
	}
	n := len(st.CellXfs.Xf)
	kinds := make([]kind, n)
	for i := range n {
		s, err := b.f.GetStyle(i)
		if err != nil {
			return fmt.Errorf("%w: cell style %d: %w", ErrUnreadable, i, err)
		}
		kinds[i] = styleKind(s)
	}
	// The formats that write the markers, added as new styles; their
	// number format ids are then given to the workbook's own styles.
	marked := map[kind]int{}
	for k := date; k <= dateOrTime; k++ {
		m := string(rune(markerBase + rune(k)))
		code := fmt.Sprintf(`"%s"0.###############;"%s"-0.###############`, m, m)
		idx, err := b.f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
		marked[k] = *st.CellXfs.Xf[idx].NumFmtID
	}
	// An id no format has: excelize gives such a cell's value as stored.
	asStored := 164 // the first id of custom formats
	if st.NumFmts != nil {
		for _, f := range st.NumFmts.NumFmt {
			asStored = max(asStored, f.NumFmtID+1)
		}
	}
	for i := range n {
		id := asStored
		if k := kinds[i]; k != plain {
			id = marked[k]
		}
		st.CellXfs.Xf[i].NumFmtID = &id
	}
	b.kinds = kinds
	return nil
}

// cell returns the text of a cell as excelize gives it once formats are
// rewritten: a marked date or time as ISO text, anything else as it is.
func (b *Workbook) cell(v string) string {
	r, size := utf8.DecodeRuneInString(v)
	if r <= markerBase || r > markerBase+rune(dateOrTime) {
		return v
	}
	num := v[size:]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return num
	}
	if s, ok := render(kind(r-markerBase), f, b.date1904); ok {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// lastSerial is the serial number of 9999-12-31 in the 1900 date system,
// the last day Excel shows; the 1904 system's is 1,462 days less.
const lastSerial = 2958465

// render writes the serial number v as a date or time of kind k, in a
// workbook of the 1904 date system or not. It returns false for a number
// that is no date or time: negative, or past 9999-12-31, or before the
// first day of its date system (Excel shows such numbers as "#####" or as
// the non-date 1900-01-00).
func render(k kind, v float64, date1904 bool) (string, bool) {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "", false
	}
	if k == dateOrTime {
		k = date
		if v < 1 {
			k = clock
		}
	}
	switch k {
	case clock:
		secs := int64(math.Round((v - math.Floor(v)) * 86400))
		return hms(secs % 86400), true
	case duration:
		if v*86400 > math.MaxInt32 {
			return "", false
		}
		return hms(int64(math.Round(v * 86400))), true
	}
	first, last := 1.0, float64(lastSerial+1)
	if date1904 {
		first, last = 0, float64(lastSerial+1-1462)
	}
	if v < first || v >= last {
		return "", false
	}
	if !date1904 && math.Floor(v) == 60 {
		// 1900-02-29, which never was: Excel counts it (as Lotus 1-2-3
		// did), and shows it. Written out, a date field refuses it.
		if k == date {
			return "1900-02-29", true
		}
		secs := int64(math.Round((v - 60) * 86400))
		if secs < 86400 {
			return "1900-02-29 " + hms(secs), true
		}
	}
	if k == date {
		v = math.Floor(v) // a date format shows the day, whatever the time: never the next day
	}
	t, err := excelize.ExcelDateToTime(v, date1904)
	if err != nil || t.Year() > 9999 {
		return "", false
	}
	if k == date {
		return t.Format("2006-01-02"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}

// hms writes a count of seconds as HH:MM:SS (hours may be more than 23).
func hms(secs int64) string {
	return fmt.Sprintf("%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
}
