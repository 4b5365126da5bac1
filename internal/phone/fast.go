package phone

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file reads the numbers people usually write (digits with spaces,
// dashes, dots, parentheses and slashes, an optional leading +, and an
// optional simple extension such as "x123") as the library's Parse and
// IsValidNumber do, step for step, but with the plans' patterns matched by
// automata (dfa.go) and without the library's costliest step, looking for
// an extension in every number with a large case-insensitive pattern. Any
// other writing, and any step whose outcome it is not sure of, is left to
// the library (fastParse says so), so the answer is always the library's:
// FuzzFastMatchesLibrary compares the two over a corpus of writings of the
// numbers of every country.

// plan is what fastParse needs of one region's (or non-geographic
// code's) numbering plan, with its patterns ready to match.
type plan struct {
	cc        int
	general   desc
	types     []desc
	npfp      *regexp.Regexp // "^(?:" national prefix for parsing ")", nil if none
	transform string
	idd       *regexp.Regexp // the international prefix, unanchored as the library uses it
	leading   *regexp.Regexp // "^(?:" leading digits ")", nil if none
}

// desc is one kind of number of a plan: its possible lengths and pattern.
type desc struct {
	lengths, localOnly []int32
	pattern            *matcher // nil when the plan has no such numbers
}

func newDesc(d *phonenumbers.PhoneNumberDesc) desc {
	out := desc{lengths: d.GetPossibleLength(), localOnly: d.GetPossibleLengthLocalOnly()}
	if p := d.GetNationalNumberPattern(); p != "" {
		out.pattern = matcherFor(p)
	}
	return out
}

// matches is the library's isNumberMatchingDesc: one of the possible
// lengths, when the desc lists any, and the pattern.
func (d *desc) matches(nsn string) bool {
	if len(d.lengths) > 0 && !containsLength(d.lengths, len(nsn)) {
		return false
	}
	if d.pattern == nil {
		return nsn == "" // the library's pattern "^(?:)$"
	}
	return d.pattern.match(nsn)
}

// patternMatches is the general desc's pattern alone, as the library's
// parsing uses it.
func (d *desc) patternMatches(s string) bool {
	if d.pattern == nil {
		return s == ""
	}
	return d.pattern.match(s)
}

func containsLength(lengths []int32, n int) bool {
	for _, l := range lengths {
		if int(l) == n {
			return true
		}
	}
	return false
}

var (
	plansMu   sync.Mutex
	plans     = map[string]*plan{} // by region code, and "001+CC" for non-geographic codes
	byRegion  map[string]*phonenumbers.PhoneMetadata
	nonGeo    map[int]*phonenumbers.PhoneMetadata
	plansErr  error
	plansOnce sync.Once
)

func loadPlans() {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		plansErr = err
		return
	}
	byRegion, nonGeo = map[string]*phonenumbers.PhoneMetadata{}, map[int]*phonenumbers.PhoneMetadata{}
	for _, md := range coll.GetMetadata() {
		if md.GetId() == "001" {
			nonGeo[int(md.GetCountryCode())] = md
		} else {
			byRegion[md.GetId()] = md
		}
	}
}

// planFor returns the plan of a region (as the library's
// getMetadataForRegionOrCallingCode finds it), or nil.
func planFor(cc int, region string) *plan {
	plansOnce.Do(loadPlans)
	if plansErr != nil {
		return nil
	}
	key := region
	if region == "001" {
		key = "001+" + strconv.Itoa(cc)
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans[key]; ok {
		return p
	}
	var md *phonenumbers.PhoneMetadata
	if region == "001" {
		md = nonGeo[cc]
	} else if region != "" && phonenumbers.GetCountryCodeForRegion(region) != 0 {
		md = byRegion[region]
	}
	if md == nil {
		plans[key] = nil
		return nil
	}
	p := &plan{cc: int(md.GetCountryCode()), general: newDesc(md.GetGeneralDesc()),
		transform: md.GetNationalPrefixTransformRule()}
	for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(),
		md.GetVoip(), md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(), md.GetFixedLine(), md.GetMobile()} {
		if d != nil {
			p.types = append(p.types, newDesc(d))
		}
	}
	if np := md.GetNationalPrefixForParsing(); np != "" {
		p.npfp = regexp.MustCompile("^(?:" + np + ")")
	}
	p.idd = regexp.MustCompile(md.GetInternationalPrefix())
	if ld := md.GetLeadingDigits(); ld != "" {
		p.leading = regexp.MustCompile("^(?:" + ld + ")")
	}
	plans[key] = p
	return p
}

// known is the library's getNumberTypeHelper(nsn) != UNKNOWN: a number of
// the plan's general shape and of one of its kinds.
func (p *plan) known(nsn string) bool {
	if !p.general.matches(nsn) {
		return false
	}
	for i := range p.types {
		if p.types[i].matches(nsn) {
			return true
		}
	}
	return false
}

// Results of the library's testNumberLength.
const (
	lengthPossible = iota
	lengthLocalOnly
	lengthTooShort
	lengthTooLong
	lengthInvalid
)

func (p *plan) testLength(number string) int {
	possible := p.general.lengths
	if len(possible) == 0 || possible[0] == -1 {
		return lengthInvalid
	}
	n := int32(len(number))
	for _, l := range p.general.localOnly {
		if l == n {
			return lengthLocalOnly
		}
	}
	switch {
	case possible[0] == n:
		return lengthPossible
	case possible[0] > n:
		return lengthTooShort
	case possible[len(possible)-1] < n:
		return lengthTooLong
	}
	for _, l := range possible[1:] {
		if l == n {
			return lengthPossible
		}
	}
	return lengthInvalid
}

// stripNationalPrefix is the library's maybeStripNationalPrefixAndCarrierCode.
func (p *plan) stripNationalPrefix(number string) string {
	if number == "" || p.npfp == nil || !p.npfp.MatchString(number) {
		return number
	}
	viable := p.general.patternMatches(number)
	groups := p.npfp.FindStringSubmatchIndex(number)
	n := len(groups)/2 - 1
	if p.transform == "" || groups[n*2] < 0 {
		if viable && !p.general.patternMatches(number[groups[1]:]) {
			return number
		}
		return number[groups[1]:]
	}
	transformed := p.npfp.ReplaceAllString(number, p.transform)
	if viable && !p.general.patternMatches(transformed) {
		return number
	}
	return transformed
}

// Outcomes of fastParse.
const (
	parsed  = iota // the library's Parse gives cc and nsn
	failed         // the library's Parse returns an error
	unknown        // not a writing fastParse reads: ask the library
)

// fastParse reads s (trimmed) with the default region as the library's
// Parse does, when s is a writing it knows.
func fastParse(s, region string) (cc int, nsn string, outcome int) {
	s = withoutExtension(s)
	start, last, plus, digits := -1, -1, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if start < 0 {
				start = i
			}
			last = i
			digits++
		case c == '+':
			if plus || digits > 0 {
				return 0, "", unknown
			}
			plus, start = true, i
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return 0, "", unknown
		}
	}
	if digits < 3 {
		return 0, "", unknown // the library's viability rules for two digits or fewer
	}
	home := planFor(0, region)
	if home == nil && !plus {
		return 0, "", failed // no default region and no +: the library refuses it
	}
	number := Digits(s[start : last+1])
	var national string
	extracted, international := false, plus
	if !plus && home != nil {
		if loc := home.idd.FindStringIndex(number); loc != nil && loc[0] == 0 && (loc[1] == len(number) || number[loc[1]] != '0') {
			number, international = number[loc[1]:], true
		}
	}
	switch {
	case international:
		if len(number) <= 2 {
			return 0, "", unknown
		}
		if cc = countryCode(number); cc == 0 {
			return 0, "", unknown
		}
		national, extracted = number[len(strconv.Itoa(cc)):], true
	default:
		cc, national = home.cc, number
		if code := strconv.Itoa(home.cc); strings.HasPrefix(number, code) {
			rest := home.stripNationalPrefix(number[len(code):])
			if !home.general.patternMatches(number) && home.general.patternMatches(rest) || home.testLength(number) == lengthTooLong {
				national, extracted = rest, true
			}
		}
	}
	if len(national) < 2 {
		return 0, "", unknown
	}
	// The plan that reads the national number: the default region's,
	// unless a country code was read from the number (even the default
	// region's own: Canada's numbers are then read with the US plan, the
	// main one of +1), as the library does.
	p := home
	if main := phonenumbers.GetRegionCodeForCountryCode(cc); extracted && main != region {
		p = planFor(cc, main)
	}
	if p != nil {
		stripped := p.stripNationalPrefix(national)
		if l := p.testLength(stripped); l != lengthTooShort && l != lengthLocalOnly && l != lengthInvalid {
			national = stripped
		}
	}
	if len(national) < 2 || len(national) > 17 {
		return 0, "", unknown
	}
	return cc, national, parsed
}

// countryCode is the library's extractCountryCode: the first one to three
// digits that are a country calling code, or 0.
func countryCode(number string) int {
	if number == "" || number[0] == '0' {
		return 0
	}
	for i := 1; i <= 3 && i <= len(number); i++ {
		cc, _ := strconv.Atoi(number[:i])
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 0 {
			return cc
		}
	}
	return 0
}

// withoutExtension cuts a simple extension from the end of s: "x123",
// " ext. 123", "#123" (any case, up to six digits), which the library reads
// as an extension of the number before it. Anything else is returned as it
// is.
func withoutExtension(s string) string {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if n := len(s) - i; n == 0 || n > 6 {
		return s
	}
	body := strings.TrimRight(s[:i], " ")
	for _, label := range []string{"ext.", "ext", "x", "#"} {
		if len(body) > len(label) && strings.EqualFold(body[len(body)-len(label):], label) {
			number := strings.TrimRight(body[:len(body)-len(label)], " ")
			if number != "" && number[len(number)-1] >= '0' && number[len(number)-1] <= '9' {
				return number
			}
			return s
		}
	}
	return s
}

// fastValid is the library's isValid (this package's): valid in the
// default region, or valid where the number's own code places it.
func fastValid(cc int, nsn, region string) bool {
	if region != "" {
		if p := planFor(0, region); p != nil && p.cc == cc && p.known(nsn) {
			return true
		}
	}
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	var where string
	switch {
	case len(regions) == 0:
		return false
	case len(regions) == 1:
		where = regions[0]
	default:
		for _, r := range regions {
			p := planFor(cc, r)
			if p == nil {
				continue
			}
			if p.leading != nil {
				if p.leading.MatchString(nsn) {
					where = r
					break
				}
			} else if p.known(nsn) {
				where = r
				break
			}
		}
	}
	if where == "" {
		return false
	}
	p := planFor(cc, where)
	if p == nil || where != "001" && p.cc != cc {
		return false
	}
	return p.known(nsn)
}

// fastNormalize is Normalize's answer for a valid number, read the fast
// way: the E.164 form and ok, or ok false when the number is not valid or
// the writing is one to leave to the library (sure false then).
func fastNormalize(s, region string) (e164 string, ok, sure bool) {
	cc, nsn, outcome := fastParse(s, region)
	if outcome == unknown {
		return "", false, false
	}
	if outcome == parsed && fastValid(cc, nsn, region) {
		return "+" + strconv.Itoa(cc) + nsn, true, true
	}
	if i := strings.Index(s, "00"); i >= 0 && i == strings.IndexAny(s, "0123456789") {
		cc, nsn, outcome = fastParse(s[:i]+"+"+s[i+2:], region)
		switch {
		case outcome == unknown:
			return "", false, false
		case outcome == parsed && fastValid(cc, nsn, region):
			return "+" + strconv.Itoa(cc) + nsn, true, true
		}
	}
	return "", false, true
}
