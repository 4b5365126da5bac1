// Package phone reads phone numbers as people write them and gives their
// international form (E.164, such as +442079460958) and the keys a search
// index holds for them. It is the only package that imports
// github.com/nyaruka/phonenumbers, Google's libphonenumber numbering plans
// for every country: the rest of localcrm asks this package.
//
// The library loads its metadata once, in its package init, and keeps it for
// the life of the process; this package adds no state of its own. Measured
// with GODEBUG=inittrace=1 and runtime.MemStats (Go 1.26, amd64), that init
// takes 15-25 ms and allocates 2.5 MB in 35,000 allocations, of which 1.7 MB
// stays live; the library's cache of compiled patterns then grows with the
// countries seen (+0.2 MB for the first GB number, 9 MB live in all once
// numbers of every region have been read). Importing this package makes
// `go build ./cmd/localcrm` 4.9 MB larger (4.1 MB stripped): code, the
// library's and that of the protobuf runtime it decodes its metadata with.
// Only 70 KB is numbering data; the carrier and geocoding tables the library
// embeds are unused here and left out by the linker.
//
// Through the library alone, reading a number cost 25-50 µs, nearly all of
// it the library's regular expressions, so an import of a million records
// would have spent most of a minute of one core on their phone numbers.
// The writings people use most are therefore read by fast.go, which follows
// the library's steps with the plans' patterns compiled to automata
// (dfa.go), in 1-3 µs a number (BenchmarkNormalize), and gives the same
// answer (FuzzFastMatchesLibrary); the rest, and the reasons of numbers
// that are not valid, are the library's.
package phone

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

var (
	// ErrInvalid is the kind of the errors Normalize returns for a value
	// that is not a phone number of its country.
	ErrInvalid = errors.New("not a phone number")
	// ErrUnknownCountry is the kind of the errors ParseCountry and Normalize
	// return for a country they do not know.
	ErrUnknownCountry = errors.New("unknown country")
)

// Error says why a value was refused, in words for the person who wrote it.
// Its Error method gives the value and the reason
// (`"020 7946 095" is too short for a phone number of GB`); a caller that
// names the field itself writes Reason after the field's label
// ("Voice is too short …"), as crm's own value messages are written.
type Error struct {
	Value  string // the value as given
	Reason string // what is wrong, starting with a verb: "is too short for a phone number of GB"
	Kind   error  // ErrInvalid or ErrUnknownCountry
}

func (e *Error) Error() string { return strconv.Quote(e.Value) + " " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) (or ErrUnknownCountry) true.
func (e *Error) Unwrap() error { return e.Kind }

const unknownCountry = "is not a country localcrm knows; write a two-letter ISO code such as GB or US"

// ParseCountry reads a country as a setting, an import option or an address
// Country column writes it: a two-letter ISO 3166-1 code in any case ("gb"),
// or one of the common English (and a few native) names in countryNames
// ("United Kingdom", "UK", "U.S.A.", "Deutschland"). It returns the
// upper-case region code, such as "GB". An empty s gives "" and no error:
// no default country.
func ParseCountry(s string) (string, error) {
	key := strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(s, ".", ""))), " ")
	key = strings.TrimPrefix(key, "the ")
	if key == "" {
		return "", nil
	}
	if code := strings.ToUpper(key); len(code) == 2 && knownRegion(code) {
		return code, nil
	}
	for code, names := range countryNames {
		if slices.Contains(names, key) {
			return code, nil
		}
	}
	return "", &Error{Value: s, Reason: unknownCountry, Kind: ErrUnknownCountry}
}

// knownRegion reports whether the library has a numbering plan for code,
// an upper-case two-letter region code.
func knownRegion(code string) bool {
	return code[0] >= 'A' && code[0] <= 'Z' && phonenumbers.GetCountryCodeForRegion(code) != 0
}

// countryNames lists, for each region code, the country names exporters most
// often write for it, lower case, without dots or a leading "the", with single
// spaces, as ParseCountry compares them. Two-letter codes are not listed:
// every region the library knows is accepted by its code. It is a modest
// table on purpose: a name that is not here is refused with a message asking
// for the code, which always works.
var countryNames = map[string][]string{
	"GB": {"united kingdom", "uk", "great britain", "britain", "england", "scotland", "wales", "northern ireland", "united kingdom of great britain and northern ireland"},
	"US": {"united states", "united states of america", "usa", "america"},
	"DE": {"germany", "deutschland"},
	"FR": {"france"},
	"ES": {"spain", "españa", "espana"},
	"IT": {"italy", "italia"},
	"NL": {"netherlands", "holland", "nederland"},
	"BE": {"belgium", "belgique", "belgië", "belgie"},
	"LU": {"luxembourg"},
	"CH": {"switzerland", "schweiz", "suisse", "svizzera"},
	"AT": {"austria", "österreich", "osterreich", "oesterreich"},
	"IE": {"ireland", "republic of ireland", "éire", "eire"},
	"PT": {"portugal"},
	"DK": {"denmark", "danmark"},
	"SE": {"sweden", "sverige"},
	"NO": {"norway", "norge"},
	"FI": {"finland", "suomi"},
	"IS": {"iceland"},
	"PL": {"poland", "polska"},
	"CZ": {"czech republic", "czechia"},
	"GR": {"greece"},
	"HU": {"hungary"},
	"RO": {"romania"},
	"TR": {"turkey", "türkiye", "turkiye"},
	"RU": {"russia", "russian federation"},
	"UA": {"ukraine"},
	"IL": {"israel"},
	"AE": {"united arab emirates", "uae"},
	"SA": {"saudi arabia"},
	"IN": {"india"},
	"CN": {"china", "people's republic of china"},
	"HK": {"hong kong"},
	"JP": {"japan"},
	"KR": {"south korea", "korea", "republic of korea"},
	"SG": {"singapore"},
	"AU": {"australia"},
	"NZ": {"new zealand"},
	"CA": {"canada"},
	"MX": {"mexico", "méxico"},
	"BR": {"brazil", "brasil"},
	"AR": {"argentina"},
	"ZA": {"south africa"},
	"NG": {"nigeria"},
	"KE": {"kenya"},
	"EG": {"egypt"},
}

// Normalize returns the E.164 form ("+442079460958") of a phone number
// written in any common way: with spaces, dots, dashes, parentheses, a
// leading + or 00 before the country code, a "(0)" trunk prefix, and an
// extension such as "x123", "ext. 123" or "#123" at the end.
//
// country is the default region code (as ParseCountry returns it, in any
// case) used for numbers written without a country code. With country ""
// a number must be international: a national one is refused with a message
// saying to set a default country. A number that starts with + or 00 is read
// as international whatever country is, so a GB import can hold US numbers.
//
// The extension is dropped: E.164 has none, and the field keeps the number as
// written, extension included, so nothing is lost.
//
// Normalize accepts only numbers the library finds valid, not merely
// possible. "Possible" checks the length alone; "valid" also checks the
// country's number plan (area codes, mobile and service ranges), so it
// catches typos that keep the right length, such as "+1 212 055 0123" (no
// US exchange starts with 0) or Ofcom's drama numbers "07700 900123". So
// "check phone numbers" rejects exactly the values Normalize refuses, and an
// E.164 form is only ever stored for a number that can be dialled. The cost
// is that the plans are a snapshot: a range opened after this version of the
// library is refused until the library is updated; without the check such a
// value still loads as written.
//
// Errors are *Error of kind ErrInvalid (or ErrUnknownCountry when country is
// not a region code) and say what is wrong for that country:
// "has letters", "is too short for a phone number of GB",
// "is not a valid number in US; check the digits".
func Normalize(raw, country string) (e164 string, err error) {
	if region, ok := regionOf(country); ok {
		if e, ok, _ := fastNormalize(strings.TrimSpace(raw), region); ok {
			return e, nil
		}
	}
	n, err := parse(raw, country)
	if err != nil {
		return "", err
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// E164 is Normalize without the reason: the E.164 form of raw and true, or
// "" and false when raw is not a valid number of its country (or country
// is not one). It is for an import that loads such values as they are
// written, and spends no time explaining them.
func E164(raw, country string) (string, bool) {
	region, ok := regionOf(country)
	if !ok {
		return "", false
	}
	s := strings.TrimSpace(raw)
	if e, ok, sure := fastNormalize(s, region); ok || sure {
		return e, ok
	}
	n, err := parse(raw, country)
	if err != nil {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// regionOf is country as a region code, and whether it is one (or "").
func regionOf(country string) (string, bool) {
	region := strings.ToUpper(strings.TrimSpace(country))
	return region, region == "" || len(region) == 2 && knownRegion(region)
}

// parse is Normalize before formatting: the valid number raw stands for.
func parse(raw, country string) (*phonenumbers.PhoneNumber, error) {
	invalid := func(reason string) error { return &Error{Value: raw, Reason: reason, Kind: ErrInvalid} }
	region := strings.ToUpper(strings.TrimSpace(country))
	if region != "" && (len(region) != 2 || !knownRegion(region)) {
		return nil, &Error{Value: country, Reason: unknownCountry, Kind: ErrUnknownCountry}
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, invalid("is empty")
	}
	number := s
	if strings.IndexFunc(s, unicode.IsLetter) >= 0 {
		// Letters are allowed only in an extension ("x123"). The library
		// would read "1-800-FLOWERS" as digits, but a value in a CRM with
		// letters is far more often a note or a shifted column. (Most values
		// have no letters and skip the costly extension pattern here.)
		// The library's helper finds an extension only in a value that
		// starts with a digit or a +, where its Parse first skips what
		// comes before them: "(+44) 20 7946 0958 x12".
		number = s
		if lead := strings.IndexFunc(s, func(r rune) bool { return r == '+' || unicode.IsDigit(r) }); lead >= 0 {
			number, _ = phonenumbers.MaybeSeparateExtensionFromPhone(s[lead:])
		}
		if strings.IndexFunc(number, unicode.IsLetter) >= 0 {
			return nil, invalid("has letters; write the number in digits, with an extension such as x123 at the end")
		}
	}
	first := strings.IndexFunc(number, unicode.IsDigit) // any script's digits: the library reads them all
	if first < 0 {
		return nil, invalid("has no digits")
	}
	plus := strings.IndexByte(number, '+')
	international := plus >= 0 && plus < first || strings.HasPrefix(Digits(number), "00")
	if region == "" && !international {
		return nil, invalid("has no country code; write it with + and the country code (such as +44 20 7946 0958), or set a default country")
	}
	// where names the country a national number belongs to, for messages
	// given before the number is parsed.
	where := ""
	if !international {
		where = " of " + region
	}

	n, err := phonenumbers.Parse(s, region)
	if err == nil && isValid(n, region) {
		return n, nil
	}
	if i := strings.Index(s, "00"); i >= 0 && i == strings.IndexAny(s, "0123456789") {
		// 00 is the international prefix of most of the world, but the
		// library reads it only where the default country dials it (not
		// with no default, nor in the US, which dials 011). So a value
		// starting with 00 that is not valid as written is read, and if
		// still wrong explained, as if it started with +.
		n, err = phonenumbers.Parse(s[:i]+"+"+s[i+2:], region)
		if err == nil && isValid(n, region) {
			return n, nil
		}
	}
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return nil, invalid("starts with a country code that does not exist; check the digits after the + or 00")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return nil, invalid("is too long for a phone number" + where)
	case err != nil:
		// ErrNotANumber (a single digit), ErrTooShortNSN and
		// ErrTooShortAfterIDD: too few digits to be read at all.
		return nil, invalid("is too short for a phone number" + where)
	}
	where = " of " + place(n, region)
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return nil, invalid("starts with a country code that does not exist; check the digits after the + or 00")
	case phonenumbers.TOO_SHORT:
		return nil, invalid("is too short for a phone number" + where)
	case phonenumbers.TOO_LONG:
		return nil, invalid("is too long for a phone number" + where)
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return nil, invalid("is a local number; add its area code")
	case phonenumbers.INVALID_LENGTH:
		return nil, invalid("has the wrong number of digits for a phone number" + where)
	}
	// The length is possible but the number is not in the plan. Where one
	// digit more or less would make it valid (GB's "020 7946 095" has the
	// length of other GB numbers), say so: it is the likelier mistake.
	cc := "+" + strconv.Itoa(int(n.GetCountryCode()))
	nsn := phonenumbers.GetNationalSignificantNumber(n)
	if len(nsn) > 1 && validE164(cc+nsn[:len(nsn)-1]) {
		return nil, invalid("is too long for a phone number" + where)
	}
	for d := '0'; d <= '9'; d++ {
		if validE164(cc + nsn + string(d)) {
			return nil, invalid("is too short for a phone number" + where)
		}
	}
	return nil, invalid("is not a valid number in " + place(n, region) + "; check the digits")
}

// isValid reports whether n is a valid number. It asks first whether n is
// valid in region, the default country, which is what most numbers of an
// import are and is quicker than IsValidNumber, which first finds the
// region among all those sharing n's country code (25 for +1).
func isValid(n *phonenumbers.PhoneNumber, region string) bool {
	return region != "" && phonenumbers.IsValidNumberForRegion(n, region) || phonenumbers.IsValidNumber(n)
}

// validE164 reports whether s, written as +<country code><digits>, is valid.
func validE164(s string) bool {
	_, ok, sure := fastNormalize(s, "")
	if sure {
		return ok
	}
	n, err := phonenumbers.Parse(s, "")
	return err == nil && phonenumbers.IsValidNumber(n)
}

// place names the country of n for messages: the default region when n is
// in it, else the main region of n's country code (US for +1), else the
// code itself (+800 has no region).
func place(n *phonenumbers.PhoneNumber, region string) string {
	cc := int(n.GetCountryCode())
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == cc {
		return region
	}
	if r := phonenumbers.GetRegionCodeForCountryCode(cc); r != phonenumbers.UNKNOWN_REGION && r != "001" {
		return r
	}
	return "+" + strconv.Itoa(cc)
}

// Digits returns only the ASCII digits of s: "+44 (20) 7946-0958" gives
// "442079460958".
func Digits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// NumberDigits returns the ASCII digits of the number raw holds, without
// an extension: those before the first letter, '#', ',' or ';'. "(202)
// 555-0143 x12" gives "2025550143".
func NumberDigits(raw string) string {
	if i := strings.IndexFunc(raw, func(r rune) bool { return unicode.IsLetter(r) || strings.ContainsRune("#,;", r) }); i >= 0 {
		raw = raw[:i]
	}
	return Digits(raw)
}

// National returns the national significant number of e164, a number as
// Normalize returns it: its digits after the country code ("2079460958"
// for "+442079460958"). It returns "" for anything else.
func National(e164 string) string {
	if len(e164) < 2 || e164[0] != '+' {
		return ""
	}
	d := e164[1:]
	if Digits(d) != d {
		return ""
	}
	cc := countryCode(d)
	if cc == 0 {
		return ""
	}
	return d[len(strconv.Itoa(cc)):]
}
