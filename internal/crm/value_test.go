package crm_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"localcrm/internal/crm"
)

// normalizeCase is one value given to Field.Normalize: want is the stored
// form when it is accepted; otherwise errSub is a part of the message.
type normalizeCase struct {
	in     string
	want   string
	errSub string
}

// valid and invalid build normalizeCases: valid stores the value as given,
// unless a stored form follows.
func valid(in string, stored ...string) normalizeCase {
	if len(stored) > 0 {
		return normalizeCase{in: in, want: stored[0]}
	}
	return normalizeCase{in: in, want: in}
}

func invalid(in, errSub string) normalizeCase { return normalizeCase{in: in, errSub: errSub} }

func checkNormalize(t *testing.T, f crm.Field, df crm.DateFormat, tests []normalizeCase) {
	t.Helper()
	for _, tt := range tests {
		got, err := f.Normalize(tt.in, df)
		switch {
		case tt.errSub == "" && err != nil:
			t.Errorf("%s: Normalize(%q) error %q, want %q", f.Key, tt.in, err, tt.want)
		case tt.errSub == "" && got != tt.want:
			t.Errorf("%s: Normalize(%q) = %q, want %q", f.Key, tt.in, got, tt.want)
		case tt.errSub != "" && err == nil:
			t.Errorf("%s: Normalize(%q) = %q, want an error containing %q", f.Key, tt.in, got, tt.errSub)
		case tt.errSub != "" && !strings.Contains(err.Error(), tt.errSub):
			t.Errorf("%s: Normalize(%q) error %q, want it to contain %q", f.Key, tt.in, err, tt.errSub)
		}
	}
}

// field returns a field of the test schema.
func field(t *testing.T, key string) crm.Field {
	t.Helper()
	f, ok := testSchema(t).Field(key)
	if !ok {
		t.Fatalf("no field %q in the test schema", key)
	}
	return f
}

func TestNormalizeTextLength(t *testing.T) {
	const tooLong = "is 31 characters long; the limit is 30"
	// Lengths count code points, not bytes: "Zoë" is 3 characters, and a
	// name of 30 two-byte characters fits although it is 60 bytes long.
	checkNormalize(t, field(t, "first_name"), crm.DateMDY, []normalizeCase{
		valid("Zoë"),
		valid(strings.Repeat("ë", 29) + "Z"),
		valid(strings.Repeat("ë", 30)),
		valid(strings.Repeat("a", 30)),
		valid(strings.Repeat("用", 30)),
		valid(strings.Repeat("😀", 30)),       // 4 bytes each, 30 code points
		valid(strings.Repeat("e\u0308", 15)), // e + combining diaeresis: 30 code points
		invalid(strings.Repeat("e\u0308", 15)+"e", tooLong),
		invalid(strings.Repeat("ë", 30)+"Z", tooLong),
		invalid(strings.Repeat("ë", 31), tooLong),
		invalid(strings.Repeat("a", 31), tooLong),
		invalid(strings.Repeat("😀", 31), tooLong),
	})
	if _, err := field(t, "first_name").Normalize(strings.Repeat("ë", 31), crm.DateMDY); err == nil ||
		err.Error() != "is 31 characters long; the limit is 30" {
		t.Errorf("exact message: %v", err)
	}
	checkNormalize(t, field(t, "comments"), crm.DateMDY, []normalizeCase{
		valid(strings.Repeat("ß", 400)),
		invalid(strings.Repeat("ß", 401), "is 401 characters long; the limit is 400"),
	})
	checkNormalize(t, field(t, "addr1_zip"), crm.DateMDY, []normalizeCase{
		valid("SW1A 1AA"),
		valid(strings.Repeat("9", 15)),
		invalid(strings.Repeat("9", 16), "the limit is 15"),
	})
	// A custom text field with no max length gets 255.
	checkNormalize(t, field(t, "remarks"), crm.DateMDY, []normalizeCase{
		valid(strings.Repeat("x", 255)),
		invalid(strings.Repeat("x", 256), "is 256 characters long; the limit is 255"),
	})
}

func TestNormalizeTextCharacters(t *testing.T) {
	const ctl = "holds a control character"
	checkNormalize(t, field(t, "notes"), crm.DateMDY, []normalizeCase{
		valid("plain"),
		valid("tab\there"),
		valid("two\nlines"),
		valid("windows\r\nlines"),
		valid("emoji 😀 and 中文"),
		valid("=1+2"), // formulas are the CSV writer's concern, not a rule of the value
		invalid("nul\x00", ctl),
		invalid("bell\x07", ctl),
		invalid("esc\x1b[0m", ctl),
		invalid("del\x7f", ctl),
		invalid("c1\u0085x", ctl),
		invalid("c1\u009bx", ctl),
		invalid("bad\xffutf8", "not valid UTF-8"),
		invalid("\xc3", "not valid UTF-8"),
	})
	_, err := field(t, "notes").Normalize("a\x00b", crm.DateMDY)
	if err == nil || err.Error() != "holds a control character (U+0000) that cannot be stored; remove it" {
		t.Errorf("exact message: %v", err)
	}
}

func TestNormalizeEmail(t *testing.T) {
	const (
		bare     = "is not a bare email address: give only the address, such as name@example.com, without a name or angle brackets"
		notOne   = "is not one email address: give a single address such as name@example.com"
		notEmail = "is not a valid email address: it must look like name@example.com"
		domain   = "is not a valid email address: the domain after @ must be a full name such as example.com"
		local64  = "is not a valid email address: the part before @ may be at most 64 characters"
	)
	label63 := strings.Repeat("b", 63)
	domain189 := label63 + "." + label63 + "." + strings.Repeat("d", 61)
	local := strings.Repeat("a", 64)
	email254 := local + "@" + domain189
	email255 := local + "@" + domain189 + "d"
	if n := len(email254); n != 254 {
		t.Fatalf("email254 is %d long", n)
	}

	tests := []normalizeCase{
		valid("ann@example.com"),
		valid("Ann.Lee@Example.COM"), // case is kept; the store's EmailKey compares
		valid("ann+crm@example.com"), // plus addressing
		valid("ann+crm+2024@mail.example.co.uk"),
		valid("o'brien@example.ie"),
		valid("first_last-x@sub-domain.example.org"),
		valid("a@b.co"),
		// Internationalised addresses (RFC 6532): real customers have them.
		valid("user@bücher.de"),
		valid("用户@例子.广告"),
		valid("josé@correo.es"),
		valid("пользователь@пример.рф"),
		valid(local + "@x.com"), // a 64-character local part
		valid(email254),
		invalid(strings.Repeat("a", 65)+"@x.com", local64),
		invalid(email255, "is 255 characters long; the limit is 254"),
		invalid("Ann <ann@x.com>", bare),
		invalid(`"Ann" <ann@x.com>`, bare),
		invalid(`"Ann Lee" <ann@x.com>`, bare),
		invalid("<ann@x.com>", bare),
		invalid("ann@x.com, bob@y.com", notOne),
		invalid("ann@x.com,bob@y.com", notOne),
		invalid("ann@x.com; bob@y.com", notOne),
		invalid("ann@x.com bob@y.com", notOne),
		invalid("ann@localhost", domain),
		invalid("ann@com", domain),
		invalid("ann@x.com.", notEmail),
		invalid("ann@.x.com", notEmail),
		invalid("ann@x..com", notEmail),
		invalid("ann", notEmail),
		invalid("ann@", notEmail),
		invalid("@x.com", notEmail),
		invalid("ann@@x.com", notEmail),
		invalid("ann..lee@x.com", notEmail),
		invalid(".ann@x.com", notEmail),
		invalid("mailto:ann@x.com", notEmail),
	}
	checkNormalize(t, field(t, "email"), crm.DateMDY, tests)
	for _, tt := range tests {
		if tt.errSub == "" {
			continue
		}
		if _, err := field(t, "email").Normalize(tt.in, crm.DateMDY); err != nil && err.Error() != tt.errSub {
			t.Errorf("Normalize(%q) error %q, want exactly %q", tt.in, err, tt.errSub)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	const msg = "is not a phone number: use digits, spaces and + ( ) - . / only, with an optional extension such as x123"
	checkNormalize(t, field(t, "voice"), crm.DateMDY, []normalizeCase{
		valid("5551234"),
		valid("+1 (555) 123-4567"),
		valid("+44 20 7946 0958"),
		valid("555.123.4567"),
		valid("089/1234-56"),
		valid("(555)1234567"),
		valid("+1 555 123 4567 x123"),
		valid("555-1234 X12"),
		valid("555-1234x12"),
		valid("555-1234 ext. 12"),
		valid("555-1234 ext 12"),
		valid("555-1234 EXT.12"),
		valid("555-1234 #12"),
		valid(strings.Repeat("1", 38)),
		invalid(strings.Repeat("1", 39), "is 39 characters long; the limit is 38"),
		invalid("1-800-FLOWERS", msg),
		invalid("call me", msg),
		invalid("555-1234 y12", msg),
		invalid("555-1234 ext", msg),
		invalid("x123", msg),
		invalid("()", msg),
		invalid("+", msg),
		invalid("- -", msg),
		invalid("++1 555", msg),
		invalid("1+555", msg),
		invalid("555,1234", msg),
		invalid("555\u00a01234", msg),
		invalid("١٢٣٤", msg), // Arabic-Indic digits
	})
}

func TestNormalizeURL(t *testing.T) {
	const msg = "is not a web address: write it in full, starting with http:// or https://"
	f := field(t, "website")
	long := "https://example.com/" + strings.Repeat("p", 2048-len("https://example.com/"))
	checkNormalize(t, f, crm.DateMDY, []normalizeCase{
		valid("http://example.com"),
		valid("https://example.com/"),
		valid("https://example.com/a/b?q=1&r=2#top"),
		valid("HTTPS://EXAMPLE.COM"),
		valid("http://localhost:8080/x"),
		valid("http://192.0.2.1/"),
		valid("http://[::1]/"),
		valid("https://user@example.com/"),
		valid("https://bücher.de/über"),
		valid(long),
		invalid(long+"p", "is 2049 characters long; the limit is 2048"),
		invalid("ftp://example.com/file", msg),
		invalid("mailto:ann@x.com", msg),
		invalid("javascript:alert(1)", msg),
		invalid("/relative/path", msg),
		invalid("relative/path", msg),
		invalid("example.com", msg),
		invalid("www.example.com", msg),
		invalid("//example.com", msg),
		invalid("http://", msg),
		invalid("https://", msg),
		invalid("http:///path", msg),
		invalid("http:example.com", msg),
		invalid("http://:80/", msg),
		invalid("http://user@/", msg),
		invalid("https://exa mple.com", msg),
		invalid("https://example.com/a b", msg),
		invalid("https://example.com/\tx", msg),
		invalid("http://%zz", msg),
	})
}

func TestNormalizeNumber(t *testing.T) {
	const msg = "is not a number: write digits with an optional sign and '.' as the decimal separator, such as -1234.56"
	const comma = msg + " (no thousands separators, no decimal comma)"
	checkNormalize(t, field(t, "score"), crm.DateMDY, []normalizeCase{
		valid("0"),
		valid("42"),
		valid("007"),
		valid("+1"),
		valid("-1"),
		valid("-1.5"),
		valid(".5"),
		valid("-.5"),
		valid("1."),
		valid("1234567890.0987654321"),
		valid(strings.Repeat("9", 38)),
		invalid(strings.Repeat("9", 39), "is 39 characters long; the limit is 38"),
		invalid("", msg), // Normalize is for non-empty values; Validate treats "" as no value
		invalid("1,5", comma),
		invalid("1,000", comma),
		invalid("1,000.50", comma),
		invalid("1e3", msg),
		invalid("1E-3", msg),
		invalid("-", msg),
		invalid("+", msg),
		invalid(".", msg),
		invalid("1.2.3", msg),
		invalid("1 000", msg),
		invalid("--1", msg),
		invalid("+-1", msg),
		invalid("0x10", msg),
		invalid("NaN", msg),
		invalid("Inf", msg),
		invalid("$5", msg),
		invalid("5%", msg),
		invalid("١٢", msg), // Arabic-Indic digits
		invalid("１２", msg), // full-width digits
	})
	for _, tt := range []struct{ in, want string }{{"1e3", msg}, {"1,5", comma}} {
		if _, err := field(t, "score").Normalize(tt.in, crm.DateMDY); err == nil || err.Error() != tt.want {
			t.Errorf("Normalize(%q) error %v, want exactly %q", tt.in, err, tt.want)
		}
	}
}

func TestNormalizeCheckbox(t *testing.T) {
	const msg = "is not a yes/no value: use true or false, yes or no, y or n, 1 or 0"
	var tests []normalizeCase
	for _, s := range []string{"true", "TRUE", "True", "tRuE", "yes", "YES", "Yes", "yEs", "y", "Y", "1"} {
		tests = append(tests, valid(s, "true"))
	}
	for _, s := range []string{"false", "FALSE", "False", "fAlSe", "no", "NO", "No", "nO", "n", "N", "0"} {
		tests = append(tests, valid(s, "false"))
	}
	for _, s := range []string{"maybe", "on", "off", "t", "f", "2", "-1", "01", "yes!", "ye", "oui", "x", "✓", "true false", "truee"} {
		tests = append(tests, invalid(s, msg))
	}
	checkNormalize(t, field(t, "opt_in"), crm.DateMDY, tests)
	if _, err := field(t, "opt_in").Normalize("maybe", crm.DateMDY); err == nil || err.Error() != msg {
		t.Errorf("exact message: %v", err)
	}
}

func TestNormalizePicklist(t *testing.T) {
	const msg = "is not one of the allowed values: VIP, Gold, Ünïcode"
	checkNormalize(t, field(t, "tier"), crm.DateMDY, []normalizeCase{
		valid("VIP"),
		valid("vip", "VIP"), // the stored value takes the field's own spelling
		valid("Vip", "VIP"),
		valid("GOLD", "Gold"),
		valid("üNÏCODE", "Ünïcode"),
		invalid("Platinum", msg),
		invalid("V.I.P.", msg),
		invalid("VIP Gold", msg),
		invalid("VI", msg),
	})
	if _, err := field(t, "tier").Normalize("Platinum", crm.DateMDY); err == nil || err.Error() != msg {
		t.Errorf("exact message: %v", err)
	}

	// A long list is cut short in the message.
	var values []string
	for i := 1; i <= 25; i++ {
		values = append(values, fmt.Sprintf("v%d", i))
	}
	long := crm.Field{Key: "long", Type: crm.TypePicklist, Values: values}
	if err := long.ValidateDefinition(); err != nil {
		t.Fatal(err)
	}
	_, err := long.Normalize("v26", crm.DateMDY)
	want := "is not one of the allowed values: " + strings.Join(values[:20], ", ") + " and 5 more"
	if err == nil || err.Error() != want {
		t.Errorf("long list: error %v, want %q", err, want)
	}

	// The standard Customer Type takes the admin's values.
	s := crm.NewSchema(nil, []string{"Retail", "Wholesale"})
	ct, _ := s.Field(crm.KeyCustomerType)
	checkNormalize(t, ct, crm.DateMDY, []normalizeCase{
		valid("retail", "Retail"),
		valid("WHOLESALE", "Wholesale"),
		invalid("Default", "is not one of the allowed values: Retail, Wholesale"),
	})
}

func TestNormalizeSystem(t *testing.T) {
	checkNormalize(t, field(t, "account_number"), crm.DateMDY, []normalizeCase{
		invalid("10000000", "is assigned by localcrm and cannot be set"),
	})
}

func TestNormalizeDate(t *testing.T) {
	const notReal = "is not a real calendar date"
	f := field(t, "birthday")
	checkNormalize(t, f, crm.DateMDY, []normalizeCase{
		valid("12/25/2024", "2024-12-25"),
		valid("02/29/2024", "2024-02-29"), // leap year
		valid("2/29/2024", "2024-02-29"),
		valid("2/3/2024", "2024-02-03"),   // one-digit month and day
		valid("02/03/2024", "2024-02-03"), // two-digit month and day
		valid("12/1/2024", "2024-12-01"),
		valid("1/31/2024", "2024-01-31"),
		valid("02/29/2000", "2000-02-29"),
		valid("01/01/0001", "0001-01-01"),
		valid("12/31/9999", "9999-12-31"),
		// YYYY-MM-DD is read whatever the declared format: it cannot be mistaken.
		valid("2024-12-25"),
		valid("2024-2-3", "2024-02-03"),
		invalid("02/29/2023", notReal),
		invalid("02/29/1900", notReal),
		invalid("02/30/2024", notReal), // never rolled over into March
		invalid("04/31/2024", notReal),
		invalid("13/01/2024", notReal),
		invalid("00/10/2024", notReal),
		invalid("10/00/2024", notReal),
		invalid("10/32/2024", notReal),
		invalid("01/01/0000", notReal),
		invalid("2024-02-30", notReal),
		invalid("2024-13-01", notReal),
		invalid("12/25/24", "is not a date in the form MM/DD/YYYY (for example 12/31/2024)"),
		invalid("123/1/2024", "is not a date in the form MM/DD/YYYY"),
		invalid("12/25/02024", "is not a date in the form MM/DD/YYYY"),
		invalid("12-25-2024", "is not a date in the form MM/DD/YYYY"),
		invalid("12.25.2024", "is not a date in the form MM/DD/YYYY"),
		invalid("Dec 25, 2024", "is not a date in the form MM/DD/YYYY"),
		invalid("2024-12-25T10:00:00Z", "is not a date in the form MM/DD/YYYY"),
		invalid("2024/12/25", "is not a date in the form MM/DD/YYYY"),
		invalid("１２/２５/２０２４", "is not a date in the form MM/DD/YYYY"),
		invalid("tomorrow", "is not a date in the form MM/DD/YYYY"),
	})
	checkNormalize(t, f, crm.DateDMY, []normalizeCase{
		valid("25/12/2024", "2024-12-25"),
		valid("29/02/2024", "2024-02-29"),
		valid("1/12/2024", "2024-12-01"),
		valid("3/2/2024", "2024-02-03"),
		valid("2024-12-25"),
		invalid("29/02/2023", notReal),
		invalid("30/02/2024", notReal),
		invalid("31/04/2024", notReal),
		invalid("12/25/2024", notReal),
	})
	checkNormalize(t, f, crm.DateISO, []normalizeCase{
		valid("2024-12-25"),
		valid("2024-02-29"),
		valid("2024-1-5", "2024-01-05"),
		invalid("2023-02-29", notReal),
		invalid("2024-02-30", notReal),
		invalid("12/25/2024", "is not a date in the form YYYY-MM-DD (for example 2024-12-31)"),
		invalid("25/12/2024", "is not a date in the form YYYY-MM-DD"),
		invalid("24-12-25", "is not a date in the form YYYY-MM-DD"),
	})
}

func TestParseDateHint(t *testing.T) {
	const choose = ": if the file writes dates that way, choose that date format"
	tests := []struct {
		in   string
		f    crm.DateFormat
		want string // the exact error
	}{
		// A value that is only a date in another format names that format.
		{"25/12/2024", crm.DateMDY, "is not a real calendar date as MM/DD/YYYY; it would be one as DD/MM/YYYY" + choose},
		{"31/1/2024", crm.DateMDY, "is not a real calendar date as MM/DD/YYYY; it would be one as DD/MM/YYYY" + choose},
		{"12/25/2024", crm.DateDMY, "is not a real calendar date as DD/MM/YYYY; it would be one as MM/DD/YYYY" + choose},
		{"12/25/2024", crm.DateISO, "is not a date in the form YYYY-MM-DD (for example 2024-12-31); it would be one as MM/DD/YYYY" + choose},
		{"25/12/2024", crm.DateISO, "is not a date in the form YYYY-MM-DD (for example 2024-12-31); it would be one as DD/MM/YYYY" + choose},
		// No hint when no other format makes it a date.
		{"02/30/2024", crm.DateMDY, "is not a real calendar date; check the month and the day"},
		{"30/02/2024", crm.DateDMY, "is not a real calendar date; check the month and the day"},
		{"13/13/2024", crm.DateMDY, "is not a real calendar date; check the month and the day"},
		{"13/13/2024", crm.DateDMY, "is not a real calendar date; check the month and the day"},
		{"2024-02-30", crm.DateMDY, "is not a real calendar date; check the month and the day"},
		{"tomorrow", crm.DateMDY, "is not a date in the form MM/DD/YYYY (for example 12/31/2024)"},
		{"tomorrow", crm.DateDMY, "is not a date in the form DD/MM/YYYY (for example 31/12/2024)"},
		{"", crm.DateISO, "is not a date in the form YYYY-MM-DD (for example 2024-12-31)"},
	}
	for _, tt := range tests {
		got, err := crm.ParseDate(tt.in, tt.f)
		if err == nil {
			t.Errorf("ParseDate(%q, %s) = %q, want an error", tt.in, tt.f, got)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseDate(%q, %s) error\n%q\nwant\n%q", tt.in, tt.f, err, tt.want)
		}
	}
}

func TestFittingDateFormats(t *testing.T) {
	mdy, dmy, iso := crm.DateMDY, crm.DateDMY, crm.DateISO
	tests := []struct {
		in   string
		want []crm.DateFormat
	}{
		{"12/25/2024", []crm.DateFormat{mdy}},
		{"25/12/2024", []crm.DateFormat{dmy}},
		{"01/02/2024", []crm.DateFormat{mdy, dmy}},
		{"2/29/2024", []crm.DateFormat{mdy}},
		{"29/2/2024", []crm.DateFormat{dmy}},
		// YYYY-MM-DD is read under every declared format.
		{"2024-12-25", []crm.DateFormat{mdy, dmy, iso}},
		{"02/30/2024", nil},
		{"13/13/2024", nil},
		{"2024-02-30", nil},
		{"12/25/24", nil},
		{"", nil},
		{"tomorrow", nil},
	}
	for _, tt := range tests {
		if got := crm.FittingDateFormats(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FittingDateFormats(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDateFormat(t *testing.T) {
	tests := []struct {
		in   string
		want crm.DateFormat
	}{
		{"", crm.DateMDY},
		{"MM/DD/YYYY", crm.DateMDY},
		{"mm/dd/yyyy", crm.DateMDY},
		{"DD/MM/YYYY", crm.DateDMY},
		{"dd/mm/yyyy", crm.DateDMY},
		{"YYYY-MM-DD", crm.DateISO},
		{"yyyy-mm-dd", crm.DateISO},
	}
	for _, tt := range tests {
		if got, err := crm.ParseDateFormat(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseDateFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"DD.MM.YYYY", "MDY", "ISO", "M/D/YYYY", " MM/DD/YYYY"} {
		_, err := crm.ParseDateFormat(in)
		p := oneProblem(t, err)
		want := crm.Problem{Field: "date_format", Value: in, Message: "The date format must be one of MM/DD/YYYY, DD/MM/YYYY or YYYY-MM-DD."}
		if p != want {
			t.Errorf("ParseDateFormat(%q): problem %+v, want %+v", in, p, want)
		}
	}
}
