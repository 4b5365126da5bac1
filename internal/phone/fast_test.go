package phone

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// library is what Normalize answered before fast.go: the library's parse
// and validity alone, the E.164 form or "".
func library(raw, country string) string {
	n, err := parse(raw, country)
	if err != nil {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// defaults are the default countries each writing is read with: none, a
// few whose plans differ in their prefixes (00 and 011 dialled out, 0 and
// 1 and 8 as trunk prefixes, Argentina's and Mexico's rewriting rules),
// and the number's own region.
var defaults = []string{"", "GB", "US", "DE", "FR", "IT", "AR", "MX", "BR", "RU", "CA", "IN", "AU", "JP"}

// writings returns the ways people write the example numbers of region:
// international and national layouts, digits alone, 00 and 011 before the
// country code, a "(0)" trunk prefix, an extension, and with a digit
// dropped, added or changed, so that invalid numbers are compared too.
func writings(region string) []string {
	var out []string
	for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
		n := phonenumbers.GetExampleNumberForType(region, typ)
		if n == nil {
			continue
		}
		cc := fmt.Sprint(n.GetCountryCode())
		nsn := phonenumbers.GetNationalSignificantNumber(n)
		national := phonenumbers.Format(n, phonenumbers.NATIONAL)
		out = append(out, "+"+cc+" "+nsn, "00"+cc+" "+nsn, "011 "+cc+" "+nsn, "+"+cc+" (0) "+nsn, cc+nsn,
			"("+nsn[:min(3, len(nsn))]+") "+nsn[min(3, len(nsn)):], national, national+" ext. 345",
			strings.ReplaceAll(national, " ", "-"), phonenumbers.Format(n, phonenumbers.INTERNATIONAL)+" x12")
		for _, bad := range []string{nsn[:len(nsn)-1], nsn + "7", "9" + nsn[1:]} {
			out = append(out, "+"+cc+bad, "0"+bad, bad)
		}
	}
	return out
}

// FuzzFastMatchesLibrary checks that the fast reading of a number gives
// exactly the library's answer: its seeds are the writings above of every
// region's example numbers.
func FuzzFastMatchesLibrary(f *testing.F) {
	for _, region := range slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions())) {
		for _, w := range writings(region) {
			f.Add(w, region)
		}
	}
	for _, s := range []string{"020 7946 0958", "0044 20 7946 0958", "(+49) 30 1234567", "+44 (0)20 7946 0958",
		"1 (202) 555-0143", "011 44 20 7946 0958", "555 0143", "12", "123", "+1", "+0 123", "00", "0", "x123", "1 x2",
		"+44 20 7946 0958 X99", "(+44) 20 7946 0958 x12", "020 7946 0958 ext123", "202-555-0143 #", "/ 20 7946 0958 /", "+800 1234 5678"} {
		f.Add(s, "GB")
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		if !phoneLike(raw) {
			return
		}
		// Each input is read with no default, its own region and one of
		// defaults, chosen by the input, so that the seeds take seconds.
		countries := []string{"", defaults[len(raw)%len(defaults)]}
		if len(region) == 2 && knownRegion(region) {
			countries = append(countries, region)
		}
		for _, c := range countries {
			want := library(raw, c)
			if got, ok := E164(raw, c); got != want || ok != (want != "") {
				t.Fatalf("E164(%q, %q) = %q, %v; the library says %q", raw, c, got, ok, want)
			}
			if got, err := Normalize(raw, c); got != want || (err == nil) != (want != "") {
				t.Fatalf("Normalize(%q, %q) = %q, %v; the library says %q", raw, c, got, err, want)
			}
		}
	})
}

// phoneLike keeps the fuzzer to short strings of the characters numbers
// are written with, where the fast reading applies and may go wrong.
func phoneLike(s string) bool {
	if len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789 +-.()/#xXtTeE", r) {
			return false
		}
	}
	return true
}

// TestAutomata checks the automata against regexp on the patterns of the
// plans of a few regions, number by number.
func TestAutomata(t *testing.T) {
	for _, region := range []string{"GB", "US", "DE", "FR", "AR", "IT", "CN", "BR"} {
		p := planFor(0, region)
		for _, d := range append([]desc{p.general}, p.types...) {
			if d.pattern == nil {
				continue
			}
			dfa, err := compileDFA(d.pattern.src)
			if err != nil {
				t.Errorf("%s: %q: %v", region, d.pattern.src, err)
				continue
			}
			re := regexpFor(d.pattern.src)
			for _, w := range writings(region) {
				s := Digits(w)
				for i := 0; i <= len(s); i++ {
					if got, want := dfa.match(s[i:]), re.MatchString(s[i:]); got != want {
						t.Errorf("%s: %q on %q: automaton %v, regexp %v", region, d.pattern.src, s[i:], got, want)
					}
				}
			}
		}
	}
}

func regexpFor(pattern string) *regexp.Regexp { return regexp.MustCompile("^(?:" + pattern + ")$") }
