package phone

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		raw, country string
		want         string
	}{
		// GB, written every usual way.
		{"+44 20 7946 0958", "GB", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"020-7946-0958", "gb", "+442079460958"},
		{"(020) 7946 0958", "GB", "+442079460958"},
		{"020.7946.0958", "GB", "+442079460958"},
		{"442079460958", "GB", "+442079460958"},
		{"2079460958", "GB", "+442079460958"},
		{"+44 (0) 20 7946 0958", "GB", "+442079460958"},
		{"0044 20 7946 0958", "GB", "+442079460958"},
		{"  07911 123456 ", "GB", "+447911123456"},
		// The extension is dropped from E.164.
		{"020 7946 0958 x123", "GB", "+442079460958"},
		{"020 7946 0958 ext. 123", "GB", "+442079460958"},
		{"020 7946 0958 #123", "GB", "+442079460958"},
		// US.
		{"(202) 555-0143", "US", "+12025550143"},
		{"202.555.0143", "US", "+12025550143"},
		{"1 (202) 555-0143", "US", "+12025550143"},
		{"+1 202 555 0143", "US", "+12025550143"},
		{"011 44 20 7946 0958", "US", "+442079460958"}, // the US international prefix
		{"0044 20 7946 0958", "US", "+442079460958"},   // 00, which the US does not dial, still understood
		// DE.
		{"030 1234567", "DE", "+49301234567"},
		{"+49 (0)30 1234567", "DE", "+49301234567"},
		{"030/1234567", "DE", "+49301234567"},
		{"0049 30 1234567", "DE", "+49301234567"},
		// FR.
		{"01 42 68 53 00", "FR", "+33142685300"},
		{"+33 1 42 68 53 00", "FR", "+33142685300"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		// An international number keeps its own country whatever the default.
		{"+1 202 555 0143", "GB", "+12025550143"},
		{"+33 6 12 34 56 78", "DE", "+33612345678"},
		// International only: no default country.
		{"+44 20 7946 0958", "", "+442079460958"},
		{"0044 20 7946 0958", "", "+442079460958"},
		{"(+49) 30 1234567", "", "+49301234567"},
		{"+39 06 1234 5678", "", "+390612345678"}, // Italy keeps its leading 0
		{"+800 1234 5678", "", "+80012345678"},    // a non-geographic number
		{"０２０ ７９４６ ０９５８", "GB", "+442079460958"},  // full-width digits
	}
	for _, tt := range tests {
		got, err := Normalize(tt.raw, tt.country)
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", tt.raw, tt.country, got, err, tt.want)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		raw, country string
		want         string // the whole message
		kind         error
	}{
		{"", "GB", `"" is empty`, ErrInvalid},
		{"   ", "GB", `"   " is empty`, ErrInvalid},
		{"call reception", "GB", `"call reception" has letters; write the number in digits, with an extension such as x123 at the end`, ErrInvalid},
		{"1-800-FLOWERS", "US", `"1-800-FLOWERS" has letters; write the number in digits, with an extension such as x123 at the end`, ErrInvalid},
		{"()-", "GB", `"()-" has no digits`, ErrInvalid},
		{"1", "GB", `"1" is too short for a phone number of GB`, ErrInvalid},
		{"12", "GB", `"12" is too short for a phone number of GB`, ErrInvalid},
		{"020 7946 095", "GB", `"020 7946 095" is too short for a phone number of GB`, ErrInvalid},
		{"020 7946 09581", "GB", `"020 7946 09581" is too long for a phone number of GB`, ErrInvalid},
		{"+44 1", "", `"+44 1" is too short for a phone number`, ErrInvalid},
		{"0044 1", "", `"0044 1" is too short for a phone number`, ErrInvalid},
		{"0044 20 7946 095", "", `"0044 20 7946 095" is too short for a phone number of GB`, ErrInvalid},
		{"0044 20 7946 095", "US", `"0044 20 7946 095" is too short for a phone number of GB`, ErrInvalid},
		{"0044 20 7946 095", "GB", `"0044 20 7946 095" is too short for a phone number of GB`, ErrInvalid},
		{"+1 202 555 014", "", `"+1 202 555 014" is too short for a phone number of US`, ErrInvalid},
		{"+1 202 555 01434", "GB", `"+1 202 555 01434" is too long for a phone number of US`, ErrInvalid},
		{"030 123456789012345", "DE", `"030 123456789012345" is too long for a phone number of DE`, ErrInvalid},
		{"0201234567890123456789012345678901234567890", "GB", `"0201234567890123456789012345678901234567890" is too long for a phone number of GB`, ErrInvalid},
		{"010 12 34 56 78", "FR", `"010 12 34 56 78" is too long for a phone number of FR`, ErrInvalid},
		{"555 0143", "US", `"555 0143" is a local number; add its area code`, ErrInvalid},
		{"(212) 055-0123", "US", `"(212) 055-0123" is not a valid number in US; check the digits`, ErrInvalid},
		{"+1 555 123 4567", "", `"+1 555 123 4567" is not a valid number in US; check the digits`, ErrInvalid},
		{"07700 900123", "GB", `"07700 900123" is not a valid number in GB; check the digits`, ErrInvalid},
		{"0111 1234567", "DE", `"0111 1234567" is not a valid number in DE; check the digits`, ErrInvalid},
		{"01 23 45 67 8", "FR", `"01 23 45 67 8" is too short for a phone number of FR`, ErrInvalid},
		{"07 00 00 00 00", "FR", `"07 00 00 00 00" is not a valid number in FR; check the digits`, ErrInvalid},
		{"+999 1234 5678", "GB", `"+999 1234 5678" starts with a country code that does not exist; check the digits after the + or 00`, ErrInvalid},
		{"020 7946 0958", "", `"020 7946 0958" has no country code; write it with + and the country code (such as +44 20 7946 0958), or set a default country`, ErrInvalid},
		{"020 7946 0958", "XX", `"XX" is not a country localcrm knows; write a two-letter ISO code such as GB or US`, ErrUnknownCountry},
		{"020 7946 0958", "United Kingdom", `"United Kingdom" is not a country localcrm knows; write a two-letter ISO code such as GB or US`, ErrUnknownCountry},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.raw, tt.country)
		if err == nil {
			t.Errorf("Normalize(%q, %q) = %q, want error %s", tt.raw, tt.country, got, tt.want)
			continue
		}
		if err.Error() != tt.want || !errors.Is(err, tt.kind) || got != "" {
			t.Errorf("Normalize(%q, %q) = %q, %v; want error %s (%v)", tt.raw, tt.country, got, err, tt.want, tt.kind)
		}
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" {
			t.Errorf("Normalize(%q, %q): error %v is not an *Error with a reason", tt.raw, tt.country, err)
		}
	}
}

func TestParseCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{"GB", "GB"},
		{"gb", "GB"},
		{" us ", "US"},
		{"De", "DE"},
		{"IM", "IM"}, // Isle of Man: every region the library knows
		{"United Kingdom", "GB"},
		{"UNITED  KINGDOM", "GB"},
		{"UK", "GB"},
		{"U.K.", "GB"},
		{"Great Britain", "GB"},
		{"England", "GB"},
		{"United States", "US"},
		{"United States of America", "US"},
		{"USA", "US"},
		{"U.S.", "US"},
		{"U.S.A.", "US"},
		{"Germany", "DE"},
		{"Deutschland", "DE"},
		{"France", "FR"},
		{"The Netherlands", "NL"},
		{"Österreich", "AT"},
		{"España", "ES"},
	}
	for _, tt := range tests {
		if got, err := ParseCountry(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseCountry(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"Narnia", "XX", "ZZ", "001", "G", "UKR"} {
		_, err := ParseCountry(in)
		want := `"` + in + `" is not a country localcrm knows; write a two-letter ISO code such as GB or US`
		if err == nil || err.Error() != want || !errors.Is(err, ErrUnknownCountry) {
			t.Errorf("ParseCountry(%q) error = %v; want %s", in, err, want)
		}
	}
}

// TestCountryNames keeps the table honest: every code is one the library
// knows, and no name is listed twice or under two codes.
func TestCountryNames(t *testing.T) {
	seen := map[string]string{}
	for code, names := range countryNames {
		if !knownRegion(code) {
			t.Errorf("countryNames: %s is not a region the library knows", code)
		}
		for _, n := range names {
			if other, ok := seen[n]; ok {
				t.Errorf("countryNames: %q is listed under %s and %s", n, other, code)
			}
			seen[n] = code
			if got, err := ParseCountry(n); err != nil || got != code {
				t.Errorf("ParseCountry(%q) = %q, %v; want %s", n, got, err, code)
			}
		}
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"+44 (20) 7946-0958", "442079460958"},
		{"020.7946.0958 x12", "0207946095812"},
		{"２０７", ""}, // ASCII digits only
		{"no digits", ""},
	}
	for _, tt := range tests {
		if got := Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNational(t *testing.T) {
	tests := []struct{ e164, want string }{
		{"+442079460958", "2079460958"},
		{"+12025550143", "2025550143"},
		{"+390612345678", "0612345678"},
		{"+80012345678", "12345678"},
		{"442079460958", ""},
		{"+44 20", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := National(tt.e164); got != tt.want {
			t.Errorf("National(%q) = %q, want %q", tt.e164, got, tt.want)
		}
	}
}

// TestE164 checks that E164 agrees with Normalize, without the reason.
func TestE164(t *testing.T) {
	for _, tt := range []struct{ raw, country string }{
		{"020 7946 0958", "GB"}, {"020 7946 0958 x12", "gb"}, {"+1 (202) 555-0143", ""}, {"0044 20 7946 0958", ""},
		{"020 7946 095", "GB"}, {"call me", "GB"}, {"020 7946 0958", ""}, {"020 7946 0958", "XX"}, {"", "GB"},
		{"０２０ ７９４６ ０９５８", "GB"}, {"+999 1234 5678", "GB"}, {"(212) 055-0123", "US"},
	} {
		want, err := Normalize(tt.raw, tt.country)
		got, ok := E164(tt.raw, tt.country)
		if got != want || ok != (err == nil) {
			t.Errorf("E164(%q, %q) = %q, %v; Normalize gives %q, %v", tt.raw, tt.country, got, ok, want, err)
		}
	}
}

// BenchmarkNormalize reads the writings an import meets most, as the
// import does (E164, which never explains); BenchmarkLibrary reads the
// same through the library alone, for comparison.
func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w := benchWritings[i%len(benchWritings)]
		if _, ok := E164(w.raw, w.country); !ok {
			b.Fatal(w)
		}
	}
}

func BenchmarkLibrary(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w := benchWritings[i%len(benchWritings)]
		if _, err := parse(w.raw, w.country); err != nil {
			b.Fatal(err)
		}
	}
}

var benchWritings = []struct{ raw, country string }{
	{"+44 20 7946 0958", "GB"},
	{"020 7946 0958", "GB"},
	{"(202) 555-0143 x12", "US"},
	{"030 1234567", "DE"},
	{"01 42 68 53 00", "FR"},
}
