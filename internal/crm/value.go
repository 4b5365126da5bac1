package crm

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DateFormat is how dates are written in a file being imported. Values are
// always stored as YYYY-MM-DD.
type DateFormat string

const (
	DateMDY DateFormat = "MM/DD/YYYY" // the default, as in the original product
	DateDMY DateFormat = "DD/MM/YYYY"
	DateISO DateFormat = "YYYY-MM-DD"
)

// DateFormats lists the formats a user may declare, default first.
var DateFormats = []DateFormat{DateMDY, DateDMY, DateISO}

// ParseDateFormat accepts a format's name; empty means the default.
func ParseDateFormat(s string) (DateFormat, error) {
	if s == "" {
		return DateMDY, nil
	}
	for _, f := range DateFormats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", Invalid("date_format", s, fmt.Sprintf("The date format must be one of %s, %s or %s.", DateMDY, DateDMY, DateISO))
}

var (
	slashDateRE = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
	isoDateRE   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	numberRE    = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
)

// ParseDate reads v written in format f (or, whatever f is, as YYYY-MM-DD,
// which cannot be mistaken for another format) and returns it as
// YYYY-MM-DD. Impossible dates such as 02/30/2024 are errors, never rolled
// over into the next month.
func ParseDate(v string, f DateFormat) (string, error) {
	iso, matched, ok := parseDate(v, f)
	if ok {
		return iso, nil
	}
	var msg string
	if !matched {
		msg = fmt.Sprintf("is not a date in the form %s (for example %s)", f, exampleDate(f))
		if alt := otherDateFormat(v, f); alt != "" {
			msg += fmt.Sprintf("; it would be one as %s: if the file writes dates that way, choose that date format", alt)
		}
	} else {
		msg = "is not a real calendar date"
		if alt := otherDateFormat(v, f); alt != "" {
			msg += fmt.Sprintf(" as %s; it would be one as %s: if the file writes dates that way, choose that date format", f, alt)
		} else {
			msg += "; check the month and the day"
		}
	}
	return "", fmt.Errorf("%s", msg)
}

// parseDate is ParseDate without the explanation, so that the hints can try
// other formats without recursing: matched says whether v has the shape of a
// date in f, ok whether it is also a real calendar date.
func parseDate(v string, f DateFormat) (iso string, matched, ok bool) {
	var y, m, d string
	if p := isoDateRE.FindStringSubmatch(v); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if p := slashDateRE.FindStringSubmatch(v); p != nil && f != DateISO {
		y, m, d = p[3], p[1], p[2]
		if f == DateDMY {
			m, d = d, m
		}
	} else {
		return "", false, false
	}
	t, err := time.Parse("2006-1-2", y+"-"+m+"-"+d)
	if err != nil || t.Year() < 1 {
		return "", true, false
	}
	return t.Format(time.DateOnly), true, true
}

// otherDateFormat returns a declarable format other than f in which v is a
// real date, or "" when there is none.
func otherDateFormat(v string, f DateFormat) DateFormat {
	for _, g := range DateFormats {
		if g == f || g == DateISO {
			continue
		}
		if _, _, ok := parseDate(v, g); ok {
			return g
		}
	}
	return ""
}

// FittingDateFormats returns the declarable formats in which v is a real
// date; the importer counts them to warn when a file seems to use another
// format than the one declared.
func FittingDateFormats(v string) []DateFormat {
	var fs []DateFormat
	for _, f := range DateFormats {
		if _, _, ok := parseDate(v, f); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

func exampleDate(f DateFormat) string {
	switch f {
	case DateDMY:
		return "31/12/2024"
	case DateISO:
		return "2024-12-31"
	}
	return "12/31/2024"
}

// Normalize checks one non-empty, trimmed value against the field and returns
// it in its stored form: picklist values in the field's own spelling, dates
// as YYYY-MM-DD, checkboxes as true or false. The error says, without the
// field's name, what is wrong and how to make it valid.
func (f Field) Normalize(v string, df DateFormat) (string, error) {
	if !utf8.ValidString(v) {
		// Lengths count code points, and PostgreSQL refuses such text
		// (failing a whole batch), so it is stopped here, per value.
		return "", fmt.Errorf("holds bytes that are not valid UTF-8 text; check the file's encoding")
	}
	if n := utf8.RuneCountInString(v); n > f.MaxLength && f.Type != TypeDate && f.Type != TypeCheckbox && f.Type != TypePicklist {
		return "", fmt.Errorf("is %d characters long; the limit is %d", n, f.MaxLength)
	}
	switch f.Type {
	case TypeText:
		if r, ok := controlChar(v); ok {
			return "", fmt.Errorf("holds a control character (%U) that cannot be stored; remove it", r)
		}
	case TypeEmail:
		return v, checkEmail(v)
	case TypePhone:
		if !isPhone(v) {
			return "", fmt.Errorf("is not a phone number: use digits, spaces and + ( ) - . / only, with an optional extension such as x123")
		}
	case TypeURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || strings.ContainsAny(v, " \t\n") {
			return "", fmt.Errorf("is not a web address: write it in full, starting with http:// or https://")
		}
	case TypeNumber:
		if !numberRE.MatchString(v) {
			msg := "is not a number: write digits with an optional sign and '.' as the decimal separator, such as -1234.56"
			if strings.Contains(v, ",") {
				msg += " (no thousands separators, no decimal comma)"
			}
			return "", fmt.Errorf("%s", msg)
		}
	case TypeDate:
		return ParseDate(v, df)
	case TypeCheckbox:
		switch strings.ToLower(v) {
		case "true", "yes", "y", "1":
			return "true", nil
		case "false", "no", "n", "0":
			return "false", nil
		}
		return "", fmt.Errorf("is not a yes/no value: use true or false, yes or no, y or n, 1 or 0")
	case TypePicklist:
		for _, p := range f.Values {
			if strings.EqualFold(p, v) {
				return p, nil
			}
		}
		return "", fmt.Errorf("is not one of the allowed values: %s", listValues(f.Values))
	case TypeSystem:
		return "", fmt.Errorf("is assigned by localcrm and cannot be set")
	}
	return v, nil
}

// checkEmail accepts one bare address (no display name, no angle brackets)
// whose domain has at least two labels. Internationalised addresses
// (RFC 6532) are accepted, since many customers have them.
func checkEmail(v string) error {
	if plainEmail(v) {
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		if strings.ContainsAny(v, "<>") || strings.Contains(v, "\"") {
			return fmt.Errorf("is not a bare email address: give only the address, such as name@example.com, without a name or angle brackets")
		}
		if strings.ContainsAny(v, ",; ") {
			return fmt.Errorf("is not one email address: give a single address such as name@example.com")
		}
		return fmt.Errorf("is not a valid email address: it must look like name@example.com")
	}
	local, domain, _ := strings.Cut(v, "@")
	if utf8.RuneCountInString(local) > 64 {
		return fmt.Errorf("is not a valid email address: the part before @ may be at most 64 characters")
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || slices.Contains(labels, "") {
		return fmt.Errorf("is not a valid email address: the domain after @ must be a full name such as example.com")
	}
	return nil
}

// controlChar finds a control character other than tab and line breaks.
func controlChar(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return r, true
		}
	}
	return 0, false
}

// listValues names allowed picklist values, cutting a long list short.
func listValues(vs []string) string {
	const most = 20
	if len(vs) <= most {
		return strings.Join(vs, ", ")
	}
	return strings.Join(vs[:most], ", ") + fmt.Sprintf(" and %d more", len(vs)-most)
}

// isPhone accepts an optional +, then digits, spaces and ( ) - . /, then an
// optional extension such as "x123", "ext. 123" or "#123". It is a loop,
// not a regular expression, because it runs for every phone cell of every
// import.
func isPhone(v string) bool {
	i, digits := 0, 0
	if strings.HasPrefix(v, "+") {
		i = 1
	}
	for ; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '9' {
			digits++
		} else if !strings.ContainsRune(" ()./-", rune(c)) {
			break
		}
	}
	if digits == 0 {
		return false
	}
	if i == len(v) {
		return true
	}
	rest := strings.ToLower(strings.TrimLeft(v[i:], " "))
	switch {
	case strings.HasPrefix(rest, "ext."):
		rest = rest[4:]
	case strings.HasPrefix(rest, "ext"):
		rest = rest[3:]
	case strings.HasPrefix(rest, "x"), strings.HasPrefix(rest, "#"):
		rest = rest[1:]
	default:
		return false
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return false
	}
	for j := 0; j < len(rest); j++ {
		if rest[j] < '0' || rest[j] > '9' {
			return false
		}
	}
	return true
}

// plainEmail accepts the common shape of address, ASCII dot-atoms such as
// ann.lee+news@mail.example.com, without the cost of net/mail, which
// checkEmail still asks about everything else (quoted local parts,
// internationalised addresses, display names to refuse).
func plainEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	if at < 1 || at > 64 || at == len(v)-1 {
		return false
	}
	local, domain := v[:at], v[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(isAlnum(c) || strings.IndexByte("!#$%&'*+/=?^_`{|}~.-", c) >= 0) {
			return false
		}
	}
	labels := 0
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' {
				return false
			}
		}
		labels++
	}
	return labels >= 2
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
