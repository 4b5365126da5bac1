package importer

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"localcrm/internal/crm"
)

// ColumnNames names a file's columns for mappings: the header cell itself,
// or "column N" (N counting from 1) when the cell is empty or repeats an
// earlier one, so that every column can be mapped unambiguously.
func ColumnNames(header []string) []string {
	names := make([]string, len(header))
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" || seen[h] {
			h = fmt.Sprintf("column %d", i+1)
			// An earlier header may itself be named so ("column 2", "").
			for n := 2; seen[h]; n++ {
				h = fmt.Sprintf("column %d (%d)", i+1, n)
			}
		}
		seen[h] = true
		names[i] = h
	}
	return names
}

// errorColumn is the column the rejects file adds; a file that ends with it
// is a rejects file being imported again, and the column is ignored.
const errorColumn = "error"

// Suggestion is an automatic mapping and, for each mapped column, why.
type Suggestion struct {
	Mapping map[string]string   // column name → field key
	Reasons map[string]string   // column name → why it was chosen, or why it is left to choose, for people
	Choices map[string][]string // column → the fields it could be, for the user to choose
}

// Ranks of a column's fit to a field: when several columns fit one field,
// the field goes to the lowest rank, then to the first column.
const (
	rankKey      = iota // the field's key, as localcrm's own export writes it
	rankLabel           // a standard field's label
	rankName            // a common name, an address block's part, a custom field's label
	rankFallback        // a name a person maps only when the file has nothing better
)

// synonyms are the names other CRMs, spreadsheets and mailing tools give the
// standard fields. They are read as headers are (see readHeader), so
// "E-mail Address", "email_address" and "EmailAddress" all match "email
// address", and "Tel" matches "phone".
var synonyms = map[string]string{
	"first": "first_name", "first name": "first_name", "given name": "first_name", "forename": "first_name",
	"christian name": "first_name", "contact first name": "first_name",
	"last": "last_name", "last name": "last_name", "surname": "last_name", "family name": "last_name",
	"contact last name": "last_name",

	"email": "email", "email address": "email", "mail": "email", "email id": "email", "primary email": "email",
	"contact email": "email", "work email": "email", "business email": "email",

	"company": "company", "company name": "company", "organization": "company", "organization name": "company",
	"employer": "company",

	"voice": "voice", "phone": "voice", "phone number": "voice", "telephone": "voice", "telephone number": "voice",
	"work phone": "voice", "business phone": "voice", "office phone": "voice", "primary phone": "voice",
	"alternative": "alternative", "mobile": "alternative", "mobile phone": "alternative",
	"mobile number": "alternative", "mobile phone number": "alternative", "cell": "alternative",
	"cell phone": "alternative", "alternative phone": "alternative", "alternate phone": "alternative",
	"fax": "fax", "fax number": "fax", "business fax": "fax", "work fax": "fax",
	"comments": "comments", "comment": "comments", "notes": "comments", "note": "comments",
	"description": "comments", "remarks": "comments",
	"customer type": "customer_type", "type": "customer_type", "category": "customer_type", "segment": "customer_type",
	"account number": "account_number",
	// An address without a block word is the primary address.
	"street": "addr1_street1", "address": "addr1_street1", "address line 1": "addr1_street1",
	"street 1": "addr1_street1", "street address": "addr1_street1", "address 1": "addr1_street1",
	"address line 2": "addr1_street2", "street 2": "addr1_street2", "address 2": "addr1_street2",
	"city": "addr1_city", "town": "addr1_city", "locality": "addr1_city",
	"state": "addr1_state", "province": "addr1_state", "region": "addr1_state", "county": "addr1_state",
	"state province": "addr1_state", "state region": "addr1_state",
	"zip": "addr1_zip", "zip code": "addr1_zip", "postal code": "addr1_zip", "postcode": "addr1_zip",
	"postal": "addr1_zip", "zip postal code": "addr1_zip",
	"country": "addr1_country", "country region": "addr1_country", "nation": "addr1_country",
}

// fallbacks are names a person maps only when the file has nothing better:
// Home Phone and Other Phone lose Alternative to Mobile, and Account loses
// Company to Company.
var fallbacks = map[string]string{
	"home phone": "alternative", "other phone": "alternative", "home fax": "fax",
	"account": "company", "account name": "company", "business": "company",
	"home email": "email", "personal email": "email",
}

// abbreviations are the short words of exports, the original contact-center
// system's above all ("Acct No", "Cust Type", "Addr1 St1"), each with the
// words it stands for. "St" is expanded only before a number (see expand):
// alone it could be a street or a state.
var abbreviations = map[string]string{
	"acct": "account", "addr": "address", "alt": "alternative", "cmnt": "comment", "cmnts": "comments",
	"cntry": "country", "co": "company", "ctry": "country", "cust": "customer", "fname": "first name",
	"lname": "last name", "mob": "mobile", "nbr": "number", "no": "number", "num": "number", "#": "number",
	"org": "organization", "organisation": "organization", "ph": "phone", "pri": "primary", "prim": "primary",
	"prov": "province", "sec": "secondary", "tel": "phone",
}

// blockWords begin the columns of a named address block ("Business Street",
// "MailingPostalCode"), each with the address it is outright: primary and
// secondary name theirs, the others (0) take one in the order the file's
// blocks first appear.
var blockWords = map[string]int{
	"business": 0, "work": 0, "home": 0, "mailing": 0, "other": 0, "billing": 0, "shipping": 0, "physical": 0,
	"postal": 0, "residential": 0, "office": 0, "primary": 1, "secondary": 2,
}

// addressParts are the parts of an address block, each with the suffix of
// its field's key. Parts without a field (Street 3, PO Box, Formatted, Type,
// Label, Latitude) are not listed, so their columns stay unmapped.
var addressParts = map[string]string{
	"street": "street1", "street 1": "street1", "street address": "street1", "address line 1": "street1",
	"address 1": "street1", "line 1": "street1",
	"street 2": "street2", "address line 2": "street2", "address 2": "street2", "line 2": "street2",
	"extended address": "street2",

	"city": "city", "town": "city",
	"state": "state", "province": "state", "region": "state", "county": "state", "state province": "state",
	"state region": "state",

	"zip": "zip", "zip code": "zip", "postal code": "zip", "zip postal code": "zip", "postcode": "zip",
	"country": "country", "country region": "country",
}

// partNames name an address part in reasons.
var partNames = map[string]string{
	"street1": "street", "street2": "second street line", "city": "city", "state": "state", "zip": "zip code",
	"country": "country",
}

// header is a column name read as words.
type header struct {
	words []string   // lowercase, abbreviations expanded: "Addr1 St1" → address 1 street 1
	plain string     // the words before expansion, for reasons: "addr 1 st 1"
	alts  [][]string // the words of each alternative the name offers: "Phone/Fax", "Tel or Fax"
}

// readHeader splits a column name into words: on anything but letters and
// digits, between a lowercase and an uppercase letter (MailingPostalCode),
// and between letters and digits (addr1_street1). A byte-order mark, whether
// read right (U+FEFF) or as Windows-1252 (ï»¿), is dropped wherever a
// spreadsheet left it.
func readHeader(col string) header {
	col = strings.ReplaceAll(col, "ï»¿", "")
	var tokens []string // words, and "/" where the name offers alternatives
	var word []rune
	end := func() {
		if len(word) > 0 {
			tokens = append(tokens, strings.ToLower(string(word)))
			word = word[:0]
		}
	}
	var prev rune
	for _, r := range col {
		switch {
		case r == '\ufeff':
			continue // invisible, so it does not end a word either
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(word) > 0 && (unicode.IsLower(prev) && unicode.IsUpper(r) || unicode.IsDigit(prev) != unicode.IsDigit(r)) {
				end()
			}
			word = append(word, r)
		default:
			end()
			if r == '/' || r == '#' {
				tokens = append(tokens, string(r))
			}
		}
		prev = r
	}
	end()

	var h header
	alt := []string{}
	for _, w := range expand(tokens) {
		if w == "/" || w == "or" {
			h.alts = append(h.alts, alt)
			alt = []string{}
		}
		if w != "/" {
			h.words = append(h.words, w)
		}
		if w != "/" && w != "or" {
			alt = append(alt, w)
		}
	}
	h.alts = append(h.alts, alt)
	h.plain = strings.Join(slices.DeleteFunc(tokens, func(w string) bool { return w == "/" }), " ")
	return h
}

// expand replaces abbreviations by the words they stand for, and joins the
// "e" and "mail" of "E-mail".
func expand(tokens []string) []string {
	var out []string
	for i := 0; i < len(tokens); i++ {
		w, next := tokens[i], ""
		if i+1 < len(tokens) {
			next = tokens[i+1]
		}
		switch {
		case w == "e" && next == "mail":
			out = append(out, "email")
			i++
		case w == "st" && isNumber(next):
			out = append(out, "street")
		case abbreviations[w] != "":
			out = append(out, strings.Fields(abbreviations[w])...)
		default:
			out = append(out, w)
		}
	}
	return out
}

func isNumber(w string) bool {
	n, err := strconv.Atoi(w)
	return err == nil && n > 0
}

// joined is the form in which a header's words are compared: "E-mail
// Address", "email_address" and "EmailAddress" compare equal.
func joined(words []string) string { return strings.Join(words, "") }

// fit is a field a column fits, how well and why.
type fit struct {
	key    string
	rank   int
	reason string
}

// reading is what AutoMap makes of one column.
type reading struct {
	fits []fit // one: the column's field; two or more: the user chooses
	// block and part are a column of a named address block ("mailing",
	// "zip"), whose address is known only once every column is read.
	block, part string
	slot        int // the address (1 or 2) this column names outright
}

// name is a whole header that names a field: its key, its label or a synonym.
type name struct {
	key   string
	rank  int
	kind  string // "key", "label", "synonym" or "fallback"
	plain string // its words before expansion: "addr 1 city"
}

// mapper holds what AutoMap compares headers with, read as headers are.
type mapper struct {
	sc    *crm.Schema
	names map[string][]name // joined words → the fields they name
	parts map[string]string // joined words → address part
}

func newMapper(sc *crm.Schema) *mapper {
	m := &mapper{sc: sc, names: map[string][]name{}, parts: map[string]string{}}
	add := func(phrase string, n name) {
		h := readHeader(phrase)
		n.plain = h.plain
		m.names[joined(h.words)] = append(m.names[joined(h.words)], n)
	}
	for _, f := range sc.Fields {
		add(f.Key, name{key: f.Key, rank: rankKey, kind: "key"})
		// A custom field's label is no better a match than a common name:
		// when an admin labels a field "Mobile", a "Mobile" column could be
		// either, and the user chooses.
		labelRank := rankName
		if f.Standard {
			labelRank = rankLabel
		}
		add(f.Label, name{key: f.Key, rank: labelRank, kind: "label"})
	}
	for _, phrase := range slices.Sorted(maps.Keys(synonyms)) {
		add(phrase, name{key: synonyms[phrase], rank: rankName, kind: "synonym"})
	}
	for _, phrase := range slices.Sorted(maps.Keys(fallbacks)) {
		add(phrase, name{key: fallbacks[phrase], rank: rankFallback, kind: "fallback"})
	}
	for phrase, part := range addressParts {
		m.parts[joined(readHeader(phrase).words)] = part
	}
	return m
}

// AutoMap proposes a mapping of the file's columns to the schema's fields,
// each with its reason. A column maps to a field when its name, read as
// words with abbreviations expanded, is the field's key or label or a common
// name for it; when it is a part of an address block (Business City,
// MailingPostalCode, Address 2 - Street); or when it is the value of a
// numbered group (E-mail 1 - Value, Phone 2 - Value). Each field is proposed
// once, for the first of the columns that fit it best. A column that fits
// two fields equally (Phone/Fax) is left for the user to choose, with both
// in Choices.
func AutoMap(columns []string, sc *crm.Schema) Suggestion {
	s := Suggestion{Mapping: map[string]string{}, Reasons: map[string]string{}, Choices: map[string][]string{}}
	m := newMapper(sc)
	reads := make([]reading, len(columns))
	for i, col := range columns {
		if i == len(columns)-1 && col == errorColumn {
			continue
		}
		reads[i] = m.read(col)
	}
	m.placeBlocks(columns, reads)

	best := map[string]int{} // field key → the best rank of a column that fits it alone
	for _, r := range reads {
		if len(r.fits) == 1 {
			f := r.fits[0]
			if b, ok := best[f.key]; !ok || f.rank < b {
				best[f.key] = f.rank
			}
		}
	}
	taken := map[string]bool{}
	for i, r := range reads {
		col := columns[i]
		switch {
		case len(r.fits) > 1:
			var keys, labels []string
			for _, f := range r.fits {
				keys = append(keys, f.key)
				labels = append(labels, m.label(f.key))
			}
			s.Choices[col] = keys
			s.Reasons[col] = fmt.Sprintf("%q could be %s: choose one", col, orList(labels))
		case len(r.fits) == 1:
			f := r.fits[0]
			if taken[f.key] || best[f.key] != f.rank {
				continue
			}
			taken[f.key] = true
			s.Mapping[col] = f.key
			s.Reasons[col] = f.reason
		}
	}
	return s
}

// read makes what it can of one column, in order: its whole name, a
// numbered group, an address block, then each of the alternatives it offers.
func (m *mapper) read(col string) reading {
	h := readHeader(col)
	if len(h.words) == 0 {
		return reading{}
	}
	if fits := m.whole(col, h); len(fits) > 0 {
		r := reading{fits: fits}
		if len(fits) == 1 {
			r.slot = heldSlot(fits[0])
		}
		return r
	}
	if r, ok := m.numbered(col, h.words); ok {
		return r
	}
	if r, ok := m.block(col, h.words); ok {
		return r
	}
	return m.alternatives(col, h)
}

// lookup returns the fields that words name best, in schema order.
func (m *mapper) lookup(words []string) []name {
	names := m.names[joined(words)]
	if len(words) == 0 || len(names) == 0 {
		return nil // an empty alternative ("Phone/") names nothing, whatever a label of "???" reads as
	}
	top := slices.MinFunc(names, func(a, b name) int { return cmp.Compare(a.rank, b.rank) }).rank
	var out []name
	for _, n := range names {
		if n.rank == top && !slices.ContainsFunc(out, func(o name) bool { return o.key == n.key }) {
			out = append(out, n)
		}
	}
	position := func(n name) int {
		return slices.IndexFunc(m.sc.Fields, func(f crm.Field) bool { return f.Key == n.key })
	}
	slices.SortStableFunc(out, func(a, b name) int { return cmp.Compare(position(a), position(b)) })
	return out
}

// whole matches the column's whole name with the fields' keys and labels and
// the synonyms.
func (m *mapper) whole(col string, h header) []fit {
	var fits []fit
	for _, n := range m.lookup(h.words) {
		f, _ := m.sc.Field(n.key)
		var what string
		switch n.kind {
		case "key":
			what = fmt.Sprintf("the field key %q", f.Key)
		case "label":
			what = fmt.Sprintf("the field label %q", f.Label)
		case "synonym":
			what = "a common name for " + f.Label
		default:
			what = "a name for " + f.Label + " when the file has no better column"
		}
		var reason string
		switch {
		case strings.ReplaceAll(h.plain, " ", "") != strings.ReplaceAll(n.plain, " ", ""):
			// They match only once abbreviations are expanded, on one side or both.
			reason = fmt.Sprintf("%q reads as %q, %s", col, strings.Join(h.words, " "), what)
		case n.kind == "key" || n.kind == "label":
			reason = "the column name matches " + what
		default:
			reason = fmt.Sprintf("%q is %s", col, what)
		}
		fits = append(fits, fit{n.key, n.rank, reason})
	}
	return fits
}

// heldSlot is the address (1 or 2) a column takes outright, whatever named
// blocks the file has: one whose name is an address field's key or label,
// or a street without a block word, which makes the file's own address the
// primary one. A bare City, State or Region holds none: alone, it says less
// about the file's addresses.
func heldSlot(f fit) int {
	if !crm.IsStandardKey(f.key) || f.rank > rankLabel && !strings.Contains(f.key, "_street") {
		return 0
	}
	switch {
	case strings.HasPrefix(f.key, "addr1_"):
		return 1
	case strings.HasPrefix(f.key, "addr2_"):
		return 2
	}
	return 0
}

// numbered reads the numbered groups of Google's and Outlook's exports:
// "E-mail 1 - Value", "Phone 2 - Value", "Organization 1 - Name", "E-mail 2
// Address". The first email is Email; the first phone Voice and the second
// Alternative; the first organization's name Company. Later members have no
// field, and a group's Type and Label columns are not values. ok reports
// that the column is a group's value, mapped or not.
func (m *mapper) numbered(col string, words []string) (r reading, ok bool) {
	if len(words) < 2 || !isNumber(words[1]) {
		return reading{}, false
	}
	n, _ := strconv.Atoi(words[1])
	rest := strings.Join(words[2:], " ")
	var keys []string
	var what string
	switch {
	case words[0] == "email" && (rest == "" || rest == "value" || rest == "address"):
		keys, what = []string{"email"}, "%s email"
	case words[0] == "phone" && (rest == "" || rest == "value" || rest == "number"):
		keys, what = []string{"voice", "alternative"}, "%s phone"
	case words[0] == "organization" && rest == "name":
		keys, what = []string{"company"}, "name of the %s organization"
	default:
		return reading{}, false
	}
	if n > len(keys) {
		return reading{}, true
	}
	reason := fmt.Sprintf("%q is the %s of a numbered group, so %s", col, fmt.Sprintf(what, ordinal(n)), m.label(keys[n-1]))
	return reading{fits: []fit{{keys[n-1], rankFallback, reason}}}, true
}

// block reads a column of an address block: a block word, optionally
// "address", then a part ("Business Postal Code", "Billing Address City",
// "OtherStreet"), or Google's numbered "Address 2 - City". A named block's
// address is decided by placeBlocks. ok reports that the column is an
// address block's, mapped or not.
func (m *mapper) block(col string, words []string) (r reading, ok bool) {
	var word string // the block word, "" for Google's "Address N"
	var slot int
	switch {
	case words[0] == "address" && len(words) > 2 && isNumber(words[1]):
		slot, _ = strconv.Atoi(words[1])
		words = words[2:]
	case len(words) > 1:
		var named bool
		slot, named = blockWords[words[0]]
		if !named {
			return reading{}, false
		}
		word, words = words[0], words[1:]
	default:
		return reading{}, false
	}
	part := m.parts[joined(words)]
	if part == "" && len(words) > 1 && words[0] == "address" {
		part = m.parts[joined(words[1:])]
	}
	switch {
	case part == "":
		return reading{}, false
	case slot == 0:
		return reading{block: word, part: part}, true
	case slot > 2:
		return reading{}, true // a third address has no fields
	}
	key := fmt.Sprintf("addr%d_%s", slot, part)
	reason := fmt.Sprintf("%q is the %s of address block %d, so %s", col, partNames[part], slot, m.label(key))
	if word != "" {
		reason = fmt.Sprintf("%q is the %s of the %s address, so %s", col, partNames[part], word, m.label(key))
	}
	return reading{fits: []fit{{key, rankName, reason}}, slot: slot}, true
}

// placeBlocks gives each named address block an address, in the order the
// blocks first appear among the file's columns: the primary address, then
// the secondary one, skipping one that another column names outright
// ("Address 1 - City", "Secondary Address City", a bare "Street"). A third
// block is left unmapped.
func (m *mapper) placeBlocks(columns []string, reads []reading) {
	var free []int
	for _, slot := range []int{1, 2} {
		if !slices.ContainsFunc(reads, func(r reading) bool { return r.slot == slot }) {
			free = append(free, slot)
		}
	}
	slots := map[string]int{} // block word → address, 0 for none
	for i := range reads {
		r := &reads[i]
		if r.block == "" {
			continue
		}
		slot, seen := slots[r.block]
		if !seen {
			if len(slots) < len(free) {
				slot = free[len(slots)]
			}
			slots[r.block] = slot
		}
		if slot == 0 {
			continue
		}
		key := fmt.Sprintf("addr%d_%s", slot, r.part)
		block := strings.ToUpper(r.block[:1]) + r.block[1:]
		r.fits = []fit{{key, rankName, fmt.Sprintf("%q is the %s of the file's %s address block (%s), so %s",
			columns[i], partNames[r.part], ordinal(slot), block, m.label(key))}}
	}
}

// alternatives reads a name that offers alternatives ("Phone/Fax", "Tel or
// Fax", "Mobile/Cell"), each matched whole. Alternatives that all name one
// field map to it; alternatives naming two fields leave the column to the
// user.
func (m *mapper) alternatives(col string, h header) reading {
	if len(h.alts) < 2 {
		return reading{}
	}
	var fits []fit
	all := true // every alternative names a field
	for _, alt := range h.alts {
		names := m.lookup(alt)
		all = all && len(names) > 0
		for _, n := range names {
			i := slices.IndexFunc(fits, func(f fit) bool { return f.key == n.key })
			if i < 0 {
				fits = append(fits, fit{key: n.key, rank: n.rank})
			} else {
				fits[i].rank = max(fits[i].rank, n.rank)
			}
		}
	}
	switch {
	case len(fits) > 1:
		return reading{fits: fits}
	case len(fits) == 1 && all:
		fits[0].reason = fmt.Sprintf("each name in %q is a name for %s", col, m.label(fits[0].key))
		return reading{fits: fits}
	}
	return reading{}
}

// label is a field's label, for reasons.
func (m *mapper) label(key string) string {
	f, _ := m.sc.Field(key)
	return f.Label
}

// ordinal spells the first few positions, for reasons.
func ordinal(n int) string {
	if names := []string{"first", "second", "third"}; n <= len(names) {
		return names[n-1]
	}
	return fmt.Sprintf("%dth", n)
}

// orList joins names for a reason: "A or B", "A, B or C".
func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Unmapped lists the columns a mapping leaves out, in file order, except a
// trailing error column of a rejects file.
func Unmapped(columns []string, mapping map[string]string) []string {
	out := []string{}
	for i, c := range columns {
		if mapping[c] == "" && !(i == len(columns)-1 && c == errorColumn) {
			out = append(out, c)
		}
	}
	return out
}

// columnHint names a file's columns for a message: all of a short header,
// the first few of a long one.
func columnHint(columns []string) string {
	const shown = 10
	if len(columns) <= shown {
		return "its columns are: " + strings.Join(columns, ", ")
	}
	return fmt.Sprintf("its %d columns begin with: %s, …", len(columns), strings.Join(columns[:shown], ", "))
}

// CheckMapping refuses a mapping that names columns the file lacks or fields
// the schema lacks, maps two columns to one field, or leaves First or Last
// Name unmapped (allowed only when the import updates existing customers
// found by email or account number). It removes empty entries.
//
// Its work and its messages are bounded by the file's columns, whatever a
// request sends: a mapping with more entries than the file has columns is
// refused at once, columns are looked up in a set, and a message about an
// unknown column does not list the whole header.
func CheckMapping(columns []string, mapping map[string]string, sc *crm.Schema, policy crm.DuplicatePolicy) error {
	var v crm.ValidationError
	if len(mapping) > len(columns) {
		return crm.Invalid("mapping", "", fmt.Sprintf("The mapping has %d entries, but the file has only %d columns; map each column at most once.", len(mapping), len(columns)))
	}
	have := make(map[string]bool, len(columns))
	for _, c := range columns {
		have[c] = true
	}
	byField := map[string]string{}
	for _, col := range slices.Sorted(maps.Keys(mapping)) {
		if mapping[col] == "" {
			delete(mapping, col)
		} else if !have[col] {
			v.Add("mapping", col, fmt.Sprintf("The mapping names the column %q, which the file does not have; %s.", crm.Shorten(col), columnHint(columns)))
		}
	}
	for _, col := range columns {
		key := mapping[col]
		if key == "" {
			continue
		}
		if _, ok := sc.Field(key); !ok {
			v.Add("mapping", key, fmt.Sprintf("The column %q is mapped to %q, which is not a field; see the fields with `localcrm fields list`.", col, key))
			continue
		}
		if other, ok := byField[key]; ok {
			v.Add("mapping", key, fmt.Sprintf("The columns %q and %q are both mapped to %s; map one column to each field.", other, col, key))
			continue
		}
		byField[key] = col
	}
	matchKey := byField[crm.KeyEmail] != "" || byField[crm.KeyAccountNumber] != ""
	if policy != crm.DuplicateUpdate || !matchKey {
		for _, key := range []string{crm.KeyFirstName, crm.KeyLastName} {
			if byField[key] == "" {
				f, _ := sc.Field(key)
				v.Add(key, "", fmt.Sprintf("%s is not mapped to any column; map the column that holds it (every new customer needs a %s).", f.Label, f.Label))
			}
		}
	}
	return v.Err()
}
