package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"localcrm/internal/crm"
	"localcrm/internal/phone"

	"golang.org/x/text/unicode/norm"
)

// The search index holds, for each customer, the words of its first and
// last name, company and email, folded (searchFold), and a key for each of
// its phone numbers (phoneKey). The store computes them as the customer's
// search_words column, in the same arguments that write its values
// (insertCustomers, updateCustomerArgs), so that every writer of a
// customer keeps them current; the database's triggers copy the column
// into the full-text index in the writing transaction (migration 0011 on
// SQLite, 0007 on PostgreSQL).
//
// Folding is done here, in Go, rather than by the database's tokenizer:
// SQLite's unicode61 drops the accents of Latin letters only ("ελένη" was
// not "ελενη", nor "ёлка" "елка"), and PostgreSQL's unaccent cost imports a
// third of their time. The index then only splits on spaces, the cheapest
// way for it to read text.
//
// What an index costs an import is mostly its words' postings: each word
// of each customer is written, then merged into larger segments again and
// again as the index grows (FTS5's segments; PostgreSQL's GIN entries).
// So a phone number is one word, a key of its last five digits, shared by
// one number in a hundred thousand, and a search by phone checks its few
// candidates' numbers itself (search.matches); words that many customers
// share and that narrow no search are left out (stop words); and a run of
// digits is indexed by its first four ("lefevre1987" is "lefevre" and
// "1987"). How much the index costs an import is in the README's bench.

// searchFold appends to words the search words of text, each once:
// compatibility-decomposed (so "ﬁ" is "fi" and "Ｚ" is "Z"), without
// nonspacing marks (the accents of every script: "é", "ё", Greek tonos,
// Arabic harakat, Hebrew points), lower case, with the letters that carry
// their stroke in themselves spelt as people type them without it ("ø" is
// "o", "ł" "l", "ß" "ss", "æ" "ae"). Anything but letters and digits
// separates words, and letters and digits are separate words. A run of
// digits is indexed by its first wordDigits digits only. The legal forms
// of companies, which say little on their own, are left out (see
// legalForms).
func searchFold(words []string, text string) []string {
	from := len(words)
	return keep(fold(words, text, wordDigits), from, legalForms)
}

// keep returns words[:from] and those of words[from:] not in drop.
func keep(words []string, from int, drop map[string]bool) []string {
	kept := words[:from]
	for _, w := range words[from:] {
		if !drop[w] {
			kept = append(kept, w)
		}
	}
	return kept
}

// emailFold appends the search words of an email: those of its local
// part, and those of its domain but its top-level domains and the names
// of the big mail providers.
func emailFold(words []string, email string) []string {
	local, domain, _ := strings.Cut(email, "@")
	words = fold(words, local, wordDigits)
	from := len(words)
	return keep(fold(words, domain, wordDigits), from, domainWords)
}

// Stop words are left out of the index: each is in so many customers'
// words that it costs an import as much as any other word (a million
// customers' index cost a fifth more with them), and a search reading it
// went through a few hundred thousand customers to narrow nothing that
// its other words do not. A search leaves them out too (queryWords):
// "acme inc" finds Acme Inc by "acme", "zoe@gmail.com" Zoë by "zoe".
var (
	// legalForms are the legal forms of companies, left out of every text.
	legalForms = wordSet(`inc ltd llc llp lp plc corp co cie gmbh kg ag sa sas sarl srl spa bv nv ab oy sp zoo pty`)
	// domainWords are left out of the domain of an email: top-level
	// domains, and the mail providers half the customers have an address
	// at (a business's own domain stays: it says where the customer works).
	domainWords = wordSet(`com net org edu gov info biz io co uk de fr es it nl pl ca au us mx br ch at be se no dk fi ie pt cz ru jp cn in ac
		gmail googlemail yahoo ymail hotmail outlook live msn aol icloud me mac gmx web t online wp onet interia o2 orange free laposte sfr wanadoo
		libero virgilio btinternet sky virginmedia comcast verizon att protonmail proton yandex mail qq 163 126 naver videotron rogers shaw telefonica prodigy`)
)

func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// queryWords are the words of a search, read as the index's words were:
// folded, with a chunk written as an email or a domain ("zoe@gmail.com",
// "acme.com") read as emails are (emailFold), and legal forms left out.
// Words of a single letter are left out too: they begin too many words to
// narrow a search of others (a single digit stays: "Name7" is "name" and
// "7"). Should nothing be left, the words are kept as they are.
func queryWords(q string) []string {
	var words, all []string
	for _, chunk := range strings.Fields(q) {
		all = fold(all, chunk, 0)
		from := len(words)
		local, domain, email := strings.Cut(chunk, "@")
		if i := strings.LastIndexByte(chunk, '.'); !email && i > 0 && domainWords[strings.ToLower(chunk[i+1:])] {
			local, domain, email = "", chunk, true // a domain: acme.com
		}
		words = keep(fold(words, local, 0), from, legalForms)
		if email {
			from = len(words)
			words = keep(fold(words, domain, 0), from, domainWords)
		}
	}
	words = slices.DeleteFunc(words, func(w string) bool {
		r, size := utf8.DecodeRuneInString(w)
		return size == len(w) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return all
	}
	return words
}

// wordDigits is how many digits of a run of digits the index holds: a
// longer number ("lefevre190387@…") would be a word of one customer alone,
// and such words are an index's dearest (see above). A search for a longer
// number looks up its first digits and checks the customers found.
const wordDigits = 4

// fold is searchFold keeping at most maxDigits digits of a run of digits
// (all of them for 0).
func fold(words []string, text string, maxDigits int) []string {
	var b []byte
	digits := false // b holds digits, not letters
	flush := func() {
		if len(b) > 0 {
			if digits && maxDigits > 0 && len(b) > maxDigits {
				b = b[:maxDigits]
			}
			words = addWord(words, string(b))
			b = b[:0]
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				if digits {
					flush()
					digits = false
				}
				b = append(b, c|0x20)
			case c >= '0' && c <= '9':
				if !digits {
					flush()
					digits = true
				}
				b = append(b, c)
			default:
				flush()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		f, isDigit := foldRune(r)
		switch {
		case f == "" && isDigit:
		case f == "":
			flush()
		case isDigit != digits:
			flush()
			digits = isDigit
			b = append(b, f...)
		default:
			b = append(b, f...)
		}
	}
	flush()
	return words
}

// foldRune is the folded text of r, a letter's or digit's (isDigit), or
// "" for a separator; a nonspacing mark is "" and isDigit true: it is
// dropped, and separates nothing. Letters of the Latin, Greek and
// Cyrillic blocks, most of those people's names hold, are folded once,
// into foldTable; the rest as they come.
func foldRune(r rune) (folded string, isDigit bool) {
	if r < foldTableEnd {
		f := foldTable[r]
		return f.s, f.digit
	}
	return foldSlow(r)
}

const foldTableEnd = 0x530

type foldEntry struct {
	s     string
	digit bool
}

var foldTable = func() []foldEntry {
	t := make([]foldEntry, foldTableEnd)
	for r := range rune(foldTableEnd) {
		s, d := foldSlow(r)
		t[r] = foldEntry{s, d}
	}
	return t
}()

func foldSlow(r rune) (string, bool) {
	if unicode.Is(unicode.Mn, r) {
		return "", true
	}
	var b strings.Builder
	digit := unicode.IsNumber(r)
	for _, d := range norm.NFKD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, d):
		case unicode.IsLetter(d) || unicode.IsNumber(d):
			if s, ok := spelt[d]; ok {
				b.WriteString(s)
			} else {
				b.WriteRune(lower(d))
			}
		}
	}
	return b.String(), digit
}

// lower is r in lower case; a final sigma is a sigma.
func lower(r rune) rune {
	if r == 'ς' {
		return 'σ'
	}
	return unicode.ToLower(r)
}

// spelt are letters that keep a stroke or ligature through decomposition,
// each as people type it on a keyboard that lacks it.
var spelt = map[rune]string{
	'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'ħ': "h", 'Ħ': "h",
	'ı': "i", 'ŀ': "l", 'Ŀ': "l", 'ŧ': "t", 'Ŧ': "t", 'þ': "th", 'Þ': "th", 'æ': "ae", 'Æ': "ae",
	'œ': "oe", 'Œ': "oe", 'ß': "ss", 'ẞ': "ss", 'ĸ': "k", 'ŋ': "n", 'Ŋ': "n",
}

// addWord appends w to words unless it is there already.
func addWord(words []string, w string) []string {
	if slices.Contains(words, w) {
		return words
	}
	return append(words, w)
}

// keyDigits is how many of a number's last digits its search key holds:
// with four, a lookup among a million customers checked 160 candidates and
// took 2.6 ms; with five, 16, and 0.8 ms.
const keyDigits = 5

// phoneKey is the search index's key of a number whose digits (those of
// its international form, or else as written) are d: "_" and its last
// keyDigits digits. Word searches never meet these keys: searchFold splits
// words on "_".
func phoneKey(d string) string {
	if len(d) < keyDigits {
		return ""
	}
	return "_" + d[len(d)-keyDigits:]
}

// dialDigits are the digits of c's phone field key that a search compares:
// those of its international form, or, when it has none, those of its
// value as written, without an extension.
func dialDigits(c *crm.Customer, key, country string) string {
	if e := e164Of(c, key, country); e != "" {
		return phone.Digits(e)
	}
	return phone.NumberDigits(c.Values[key])
}

// searchWords is the search_words column of c: its folded words and its
// phone keys, separated by spaces. A phone value whose international form
// c does not carry (one written by a person, or changed since) is read
// with the schema's default country.
func searchWords(c *crm.Customer, sc *crm.Schema) string {
	words := make([]string, 0, 16)
	for _, key := range wordKeys[:3] {
		words = searchFold(words, c.Values[key])
	}
	words = emailFold(words, c.Values[crm.KeyEmail])
	for _, key := range sc.PhoneKeys() {
		if k := phoneKey(dialDigits(c, key, sc.Country)); k != "" {
			words = addWord(words, k)
		}
	}
	return strings.Join(words, " ")
}

// Words are a customer's search words made ahead of its write, with the
// values they were made from: an import makes them in its reader, beside
// the database's work, and the write takes them only if the customer
// still has those values (wordsOf), so that they can never be stale.
type Words struct {
	text   string
	values [len(wordKeys)]string
	phones [3]crm.PhoneForm
}

// wordKeys are the fields whose words are searched.
var wordKeys = [...]string{crm.KeyFirstName, crm.KeyLastName, "company", crm.KeyEmail}

// SearchWords makes c's search words ahead of its write.
func SearchWords(c *crm.Customer, sc *crm.Schema) Words {
	w := Words{text: searchWords(c, sc)}
	for i, key := range wordKeys {
		w.values[i] = c.Values[key]
	}
	for i, key := range phoneKeys {
		w.phones[i] = crm.PhoneForm{Value: c.Values[key], E164: c.Phones[key].E164}
	}
	return w
}

// wordsOf is the search words of c, the i-th of the customers words were
// made for (words may be nil): those made ahead if they are still c's,
// else made now.
func wordsOf(c *crm.Customer, sc *crm.Schema, words []Words, i int) string {
	if words != nil && words[i].text != "" && words[i].of(c) {
		return words[i].text
	}
	return searchWords(c, sc)
}

// of reports whether w was made from c's values as they are.
func (w *Words) of(c *crm.Customer) bool {
	for i, key := range wordKeys {
		if c.Values[key] != w.values[i] {
			return false
		}
	}
	for i, key := range phoneKeys {
		if v := c.Values[key]; v != w.phones[i].Value || v != "" && c.Phones[key] != w.phones[i] {
			return false
		}
	}
	return true
}

// e164Of is the international form of c's phone field key: the one c
// carries for its value, or else the value read now with country. It
// records what it read on c, so that the value's column and its search
// key agree and the value is read once.
func e164Of(c *crm.Customer, key, country string) string {
	if e, ok := c.PhoneForm(key); ok {
		return e
	}
	v := c.Values[key]
	if v == "" {
		return ""
	}
	e, _ := phone.E164(v, country)
	c.SetPhone(key, v, e)
	return e
}

// minPhoneDigits is how many digits a search needs before it looks in
// phone numbers: fewer would end too many numbers to be of use.
const minPhoneDigits = 6

// search is a search as an agent types it, made ready for the index.
type search struct {
	// terms is what the index looks for: every clause, each matching when
	// one of its terms does. Empty when there is nothing to look for.
	terms [][]term
	// numbers are what the phone keys of terms only approximate: each a
	// number a customer found must have (or, for a word of digits, a word
	// beginning so instead). Empty when terms are exact.
	numbers []wantNumber
}

// term is a word of the index a search looks for: that word, or any word
// beginning so (prefix).
type term struct {
	word   string
	prefix bool
}

// fts is s as a query of SQLite's index (FTS5's language), or on
// PostgreSQL (pg) as a tsquery. Every word is quoted: nothing an agent
// types is an operator of either.
func (s *search) fts(pg bool) string { return ftsQuery(s.terms, pg) }

// ftsQuery is terms as fts says.
func ftsQuery(terms [][]term, pg bool) string {
	or, and, quote := " OR ", " AND ", func(t term) string {
		if t.prefix {
			return `"` + t.word + `"*`
		}
		return `"` + t.word + `"`
	}
	if pg {
		or, and, quote = " | ", " & ", func(t term) string {
			if t.prefix {
				return "'" + t.word + "':*"
			}
			return "'" + t.word + "'"
		}
	}
	clauses := make([]string, len(terms))
	for i, c := range terms {
		alts := make([]string, len(c))
		for j, t := range c {
			alts[j] = quote(t)
		}
		clauses[i] = strings.Join(alts, or)
		if len(c) > 1 {
			clauses[i] = "(" + clauses[i] + ")"
		}
	}
	return strings.Join(clauses, and)
}

// tail is s as a condition on the customers the index does not hold yet
// (searchTail), with its arguments: each term looked for in search_words.
func (s *search) tail() (string, []any) {
	var args []any
	clauses := make([]string, len(s.terms))
	for i, c := range s.terms {
		alts := make([]string, len(c))
		for j, t := range c {
			if t.prefix {
				alts[j] = `instr(' ' || search_words, ' ' || ?) > 0`
			} else {
				alts[j] = `instr(' ' || search_words || ' ', ' ' || ? || ' ') > 0`
			}
			args = append(args, t.word)
		}
		clauses[i] = "(" + strings.Join(alts, " OR ") + ")"
	}
	return strings.Join(clauses, " AND "), args
}

// wantNumber is one number a search asks for, which the index finds only
// approximately: by a phone number's last digits, or a word's first.
type wantNumber struct {
	e164   string // the number as read with the default country: a phone with this form matches
	suffix string // else, a phone whose digits end so (digits left out before it) matches...
	// ...with no international form, when e164 is set: one with a form of
	// another number is another number, even if it ends alike. "" for none.
	word string // a word of the customer beginning so matches too ("" for none)
}

// newSearch reads q, a search as an agent types it, with country the
// default country.
//
// A phone number in a search (digits with + - ( ) . / and spaces, at
// least minPhoneDigits digits, alone or beside words) looks for that
// number: if it reads as a valid number, the customers with that number,
// or with a number kept as written that ends with its national digits; if
// not, the customers whose numbers end with its digits, leading zeros (a
// trunk or international prefix) left out. So "+44 20 7946 0958", "020
// 7946 0958" and "442079460958" find +442079460958 with or without a
// default country, "4155550132" finds "(415) 555-0132", and "lee 020 7946
// 0958" finds the Lees with that number.
//
// The rest of a search is words: each must begin a word of the customer's
// first name, last name, company or email, in any order, folded as the
// index folds them ("zoe lef" finds Zoë Lefèvre; "ZOË" finds Zoë;
// "societe" finds Société). A word of minPhoneDigits digits or more among
// other words may also be the end of a phone number ("lee 79460958").
func newSearch(q, country string) search {
	var s search
	var words []string // the chunks of q that are not phone numbers
	chunks := strings.Fields(q)
	for i := 0; i < len(chunks); {
		j := i
		for j < len(chunks) && phoneLike(chunks[j], 1) {
			j++
		}
		number := strings.Join(chunks[i:j], " ")
		if j == i || !phoneLike(number, minPhoneDigits) || j == i+1 && phone.Digits(number) == number && len(chunks) > 1 {
			// Not a number, or a single run of digits among words: it may
			// be a word's digits as well as a phone number's (below).
			words = append(words, chunks[i:max(j, i+1)]...)
			i = max(j, i+1)
			continue
		}
		n := wantNumber{suffix: strings.TrimLeft(phone.NumberDigits(number), "0")}
		if e, ok := phone.E164(number, country); ok {
			n = wantNumber{e164: e, suffix: phone.National(e)}
		}
		if key := phoneKey(n.suffix); key != "" {
			s.terms = append(s.terms, []term{{key, false}})
			s.numbers = append(s.numbers, n)
		}
		i = j
	}
	if len(words) == 0 {
		return s
	}
	for _, w := range queryWords(strings.Join(words, " ")) {
		if len(w) <= wordDigits || phone.Digits(w) != w {
			s.terms = append(s.terms, []term{{w, true}})
			continue
		}
		// A longer number: the index holds its first digits; the
		// customers found are checked for the whole. Long enough, it may
		// be the end of a phone number too.
		c := []term{{w[:wordDigits], true}}
		n := wantNumber{word: w}
		if d := strings.TrimLeft(w, "0"); len(w) >= minPhoneDigits && len(d) >= keyDigits {
			c = append(c, term{phoneKey(d), false})
			n.suffix = d
		}
		s.terms = append(s.terms, c)
		s.numbers = append(s.numbers, n)
	}
	return s
}

// numberSearch is the search for the number n: its key, checked.
func numberSearch(n wantNumber) search {
	key := phoneKey(n.suffix)
	if key == "" {
		return search{}
	}
	return search{terms: [][]term{{{key, false}}}, numbers: []wantNumber{n}}
}

// phoneLike reports whether q is written as (part of) a phone number:
// digits and the punctuation of phone numbers only, with at least digits
// digits.
func phoneLike(q string, digits int) bool {
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c >= '0' && c <= '9':
			n++
		case strings.IndexByte(" +-()./", c) < 0:
			return false
		}
	}
	return n >= digits
}

// matches reports whether c, a customer the index found for s, has every
// number s asks for.
func (s *search) matches(c *crm.Customer, sc *crm.Schema) bool {
	for _, n := range s.numbers {
		if !n.matches(c, sc) {
			return false
		}
	}
	return true
}

func (n *wantNumber) matches(c *crm.Customer, sc *crm.Schema) bool {
	for _, key := range sc.PhoneKeys() {
		e := e164Of(c, key, sc.Country)
		switch {
		case c.Values[key] == "":
		case n.e164 != "" && e == n.e164:
			return true
		case n.e164 != "" && e != "":
		case n.suffix != "" && strings.HasSuffix(dialDigits(c, key, sc.Country), n.suffix):
			return true
		}
	}
	if n.word != "" {
		for _, w := range fold(nil, c.Values[crm.KeyFirstName]+" "+c.Values[crm.KeyLastName]+" "+c.Values["company"]+" "+c.Values[crm.KeyEmail], 0) {
			if strings.HasPrefix(w, n.word) {
				return true
			}
		}
	}
	return false
}

// The newest customers are searched without the index. FTS5 writes what
// each statement adds to it as a segment of its own, and merges segments
// into larger ones over and over as they accumulate: a segment per import
// batch of 100 customers cost an import of a million customers 5 s of
// 36. So new customers enter the index some at a time, at least tailMax
// of them in one statement (catchUp), and until then a search reads them
// from the customers table itself: they are the customers numbered above
// customer_search_upto's, at most a few thousand, found by search_words in
// a millisecond or two. A customer is findable the moment its batch
// commits either way. PostgreSQL's index keeps itself: it has no tail.
const tailMax = 2000

const (
	searchUptoSQL = `SELECT upto FROM customer_search_upto`
	catchUpSQL    = `INSERT INTO customer_search (rowid, words)
	SELECT account_number, search_words FROM customers
	WHERE account_number > ?1 AND account_number <= ?2 AND search_words IS NOT NULL`
	setUptoSQL = `UPDATE customer_search_upto SET upto = ?`
)

// catchUp puts into the index, in tx, the customers numbered up to last
// that it does not hold yet, once they are tailMax or more (or with all,
// every one of them); last is the highest account number tx has given.
func (s *Store) catchUp(ctx context.Context, tx *sql.Tx, last int64, all bool) error {
	if s.pg || !s.searchIndex || last == 0 {
		return nil
	}
	var upto int64
	if err := tx.QueryRowContext(ctx, searchUptoSQL).Scan(&upto); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if last <= upto || last-upto < tailMax && !all {
		return nil
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{{catchUpSQL, []any{upto, last}}, {setUptoSQL, []any{last}}} {
		st, err := s.txStmt(ctx, tx, q.sql)
		if err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		if _, err := st.ExecContext(ctx, q.args...); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	return nil
}

// searchTail is where the customers the index does not hold yet are
// looked for (see tailMax).
const searchTail = ` FROM customers WHERE account_number > (SELECT upto FROM customer_search_upto) AND `

// search is ListCustomers for a search q (newSearch says what it finds).
// Its queries read one snapshot of the database, so that a customer the
// index takes in meanwhile is counted once.
func (s *Store) search(ctx context.Context, q string, f CustomerFilter) ([]*crm.Customer, int, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rollback(tx)
	sc, err := schema(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	found := newSearch(q, sc.Country)
	switch {
	case len(found.terms) == 0:
		return nil, 0, nil
	case len(found.numbers) > 0:
		ids, err := s.checked(ctx, tx, found, sc)
		if err != nil {
			return nil, 0, err
		}
		total := len(ids)
		cs, err := s.customersByAccount(ctx, tx, ids[min(f.Offset, total):min(f.Offset+f.Limit, total)])
		return cs, total, err
	}
	terms, some, err := s.expand(ctx, tx, found.terms)
	if err != nil {
		return nil, 0, err
	}
	match := ftsQuery(terms, s.pg)
	var indexed, tail int
	if some {
		if err := tx.QueryRowContext(ctx, s.dialect(countWordsSQL), match).Scan(&indexed); err != nil {
			return nil, 0, fmt.Errorf("count customers: %w", err)
		}
	}
	cond, args := found.tail()
	if !s.pg {
		if err := tx.QueryRowContext(ctx, `SELECT count(*)`+searchTail+cond, args...).Scan(&tail); err != nil {
			return nil, 0, fmt.Errorf("count customers: %w", err)
		}
	}
	var cs []*crm.Customer
	if f.Offset < indexed {
		rows, err := tx.QueryContext(ctx, s.dialect(searchWordsSQL), match, f.Limit, f.Offset)
		if err != nil {
			return nil, 0, fmt.Errorf("list customers: %w", err)
		}
		if cs, _, err = collectCustomers(rows, 0); err != nil {
			return nil, 0, err
		}
	}
	// The tail's customers come after the index's: their numbers are
	// higher.
	if len(cs) < f.Limit && tail > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT `+selectCustomerColumns+searchTail+cond+` ORDER BY account_number LIMIT ? OFFSET ?`,
			append(args, f.Limit-len(cs), max(0, f.Offset-indexed))...)
		if err != nil {
			return nil, 0, fmt.Errorf("list customers: %w", err)
		}
		more, _, err := collectCustomers(rows, 0)
		if err != nil {
			return nil, 0, err
		}
		cs = append(cs, more...)
	}
	return cs, indexed + tail, nil
}

// maxExpand is how many words of the index a word of a search may be the
// beginning of, for the search to look for those words rather than for
// the beginning (expand).
const maxExpand = 32

const vocabularySQL = `SELECT term FROM customer_search_vocab WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT ?3`

// expand returns s's terms for SQLite's index, each word looked for by its
// beginning replaced by the words of the index it begins, when they are
// few: FTS5 reads a beginning by merging every one of its words' lists of
// customers before it returns the first, 8 ms for "umbrella"* at a million
// customers even for a page of 50, where it reads a word's list only as
// far as a page needs (0.2 ms for "umbrella"). The words come from the
// index's vocabulary, in a millisecond or two. It reports false when a
// clause can match nothing in the index.
func (s *Store) expand(ctx context.Context, tx *sql.Tx, terms [][]term) ([][]term, bool, error) {
	if s.pg {
		return terms, true, nil
	}
	out := make([][]term, len(terms))
	for i, c := range terms {
		for _, t := range c {
			if !t.prefix {
				out[i] = append(out[i], t)
				continue
			}
			rows, err := tx.QueryContext(ctx, vocabularySQL, t.word, t.word+"\U0010FFFF", maxExpand+1)
			if err != nil {
				return nil, false, fmt.Errorf("search: %w", err)
			}
			var words []term
			for rows.Next() {
				var w string
				if err := rows.Scan(&w); err != nil {
					rows.Close()
					return nil, false, fmt.Errorf("search: %w", err)
				}
				words = append(words, term{w, false})
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return nil, false, fmt.Errorf("search: %w", err)
			}
			if len(words) > maxExpand {
				words = []term{t}
			}
			out[i] = append(out[i], words...)
		}
		if len(out[i]) == 0 {
			return nil, false, nil
		}
	}
	return out, true, nil
}

// maxCandidates bounds the customers a search by phone checks one by one:
// a number's last five digits are shared by one customer in a hundred
// thousand, so even ten million customers give a few hundred.
const maxCandidates = 50_000

var candidatesSQL = `SELECT rowid FROM customer_search WHERE customer_search MATCH ? ORDER BY rowid LIMIT ?`

var customersByAccountSQL = `SELECT ` + selectCustomerColumns + ` FROM customers WHERE account_number IN (SELECT value FROM json_each(?)) ORDER BY account_number`

// checked runs q, a search whose index query only approximates it, in tx,
// and returns the account numbers of the customers that match it, in
// order: the index's candidates (and the tail's), each checked.
func (s *Store) checked(ctx context.Context, tx *sql.Tx, q search, sc *crm.Schema) ([]int64, error) {
	var ids []int64
	collect := func(query string, args ...any) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("search: %w", err)
			}
			ids = append(ids, id)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("search: %w", err)
		}
		return nil
	}
	terms, some, err := s.expand(ctx, tx, q.terms)
	if err != nil {
		return nil, err
	}
	if some {
		if err := collect(s.dialect(candidatesSQL), ftsQuery(terms, s.pg), maxCandidates+1); err != nil {
			return nil, err
		}
	}
	if !s.pg {
		cond, args := q.tail()
		if err := collect(`SELECT account_number`+searchTail+cond+` ORDER BY account_number`, args...); err != nil {
			return nil, err
		}
	}
	if len(ids) > maxCandidates {
		return nil, crm.Invalid("search", "", fmt.Sprintf("More than %d customers could match this search; type more of the number or of the words, or add a name.", maxCandidates))
	}
	// The candidates are read with only what the check needs: a few
	// hundred whole customers took a lookup twice as long.
	var found []int64
	for start := 0; start < len(ids); start += 1000 {
		list, _ := json.Marshal(ids[start:min(start+1000, len(ids))])
		rows, err := tx.QueryContext(ctx, s.dialect(checkColumnsSQL), string(list))
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		for rows.Next() {
			c := crm.Customer{Values: map[string]string{}}
			vals := make([]sql.NullString, len(checkColumns)+len(phoneKeys))
			dest := []any{&c.AccountNumber}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("search: %w", err)
			}
			for i, key := range checkColumns {
				if vals[i].String != "" {
					c.Values[key] = vals[i].String
				}
			}
			for i, key := range phoneKeys {
				if v := c.Values[key]; v != "" {
					c.SetPhone(key, v, vals[len(checkColumns)+i].String)
				}
			}
			if q.matches(&c, sc) {
				found = append(found, c.AccountNumber)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	return found, nil
}

// checkColumns are the values search.matches reads, then the phone
// numbers' international forms (checkColumnsSQL).
var checkColumns = []string{crm.KeyFirstName, crm.KeyLastName, "company", crm.KeyEmail, "voice", "alternative", "fax"}

var checkColumnsSQL = `SELECT account_number, ` + strings.Join(checkColumns, ", ") + `, ` + strings.Join(phoneColumnList, ", ") +
	` FROM customers WHERE account_number IN (SELECT value FROM json_each(?)) ORDER BY account_number`

// customersByAccount reads the customers numbered ids, in tx, in order.
func (s *Store) customersByAccount(ctx context.Context, tx *sql.Tx, ids []int64) ([]*crm.Customer, error) {
	var cs []*crm.Customer
	for start := 0; start < len(ids); start += 1000 {
		list, _ := json.Marshal(ids[start:min(start+1000, len(ids))])
		rows, err := tx.QueryContext(ctx, s.dialect(customersByAccountSQL), string(list))
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		more, _, err := collectCustomers(rows, 0)
		if err != nil {
			return nil, err
		}
		cs = append(cs, more...)
	}
	return cs, nil
}

// fillSearchSQLite is fillSearch, then the index takes in every customer.
func fillSearchSQLite(ctx context.Context, tx *sql.Tx) error {
	if err := fillSearch(ctx, tx); err != nil {
		return err
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(account_number), 0) FROM customers`).Scan(&last); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, catchUpSQL, 0, last); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, setUptoSQL, last)
	return err
}

// fillSearch gives the customers that exist the columns migration 0011
// (0007 on PostgreSQL) adds: the international forms of their phone
// numbers, read with the default country, and their search words. It
// goes a thousand customers at a time, so that its memory does not grow
// with the file.
func fillSearch(ctx context.Context, tx *sql.Tx) error {
	sc, err := schema(ctx, tx)
	if err != nil {
		return err
	}
	page := `SELECT ` + selectCustomerColumns + ` FROM customers WHERE account_number > ? ORDER BY account_number LIMIT 1000`
	update := `UPDATE customers SET ` + strings.Join(derivedColumns, " = ?, ") + ` = ? WHERE account_number = ?`
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, page, after)
		if err != nil {
			return err
		}
		var cs []*crm.Customer
		for rows.Next() {
			c, err := scanCustomer(rows)
			if err != nil {
				rows.Close()
				return err
			}
			c.Phones = nil // the columns are new: nothing is read yet
			cs = append(cs, c)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if len(cs) == 0 {
			return nil
		}
		for _, c := range cs {
			args := appendDerived(make([]any, 0, len(derivedColumns)+1), c, sc)
			if _, err := tx.ExecContext(ctx, update, append(args, c.AccountNumber)...); err != nil {
				return err
			}
		}
		after = cs[len(cs)-1].AccountNumber
	}
}

// Lookup is what a caller lookup found: the customers, and the number
// looked for as read with the default country ("" if it did not read as
// one, or the lookup was not by phone).
type Lookup struct {
	Customers []*crm.Customer
	E164      string
}

// LookupPhone finds the customers with the number raw, however either was
// written: raw is read with the default country, and a customer matches
// when one of its numbers has the same international form, or, kept as
// written, ends with the same national number. A raw that does not read
// as a valid number matches the numbers that end with its digits (leading
// zeros left out), of which it needs minPhoneDigits. It is what a phone
// system asks when a call comes in.
func (s *Store) LookupPhone(ctx context.Context, raw string) (Lookup, error) {
	sc, err := s.Schema(ctx)
	if err != nil {
		return Lookup{}, err
	}
	var n wantNumber
	if e, ok := phone.E164(raw, sc.Country); ok {
		n = wantNumber{e164: e, suffix: phone.National(e)}
	} else {
		n.suffix = strings.TrimLeft(phone.NumberDigits(raw), "0")
		if len(n.suffix) < minPhoneDigits {
			// A number's leading zeros (a trunk prefix) do not tell it
			// apart, and the message says so, or "0958" would have 3.
			return Lookup{}, crm.Invalid("phone", raw, fmt.Sprintf("A phone number to look up needs at least %d digits besides its leading zeros, such as +44 20 7946 0958; %q has %d.", minPhoneDigits, crm.Shorten(raw), len(n.suffix)))
		}
	}
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Lookup{}, fmt.Errorf("look up phone: %w", err)
	}
	defer rollback(tx)
	ids, err := s.checked(ctx, tx, numberSearch(n), sc)
	if err != nil {
		return Lookup{}, err
	}
	cs, err := s.customersByAccount(ctx, tx, ids)
	return Lookup{Customers: cs, E164: n.e164}, err
}

var lookupEmailSQL = `SELECT ` + selectCustomerColumns + ` FROM customers WHERE email_hash = ? AND email_key = ?`

// LookupAccount finds the customer with the account number: none or one.
func (s *Store) LookupAccount(ctx context.Context, account int64) (Lookup, error) {
	c, err := s.GetCustomer(ctx, account)
	if errors.Is(err, crm.ErrNotFound) {
		return Lookup{}, nil
	}
	if err != nil {
		return Lookup{}, err
	}
	return Lookup{Customers: []*crm.Customer{c}}, nil
}

// LookupEmail finds the customer with the email, compared as uniqueness
// compares it (EmailKey), through the email index: none or one.
func (s *Store) LookupEmail(ctx context.Context, email string) (Lookup, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return Lookup{}, crm.Invalid("email", email, "Give the email to look up, such as ann@example.com.")
	}
	key := EmailKey(email)
	rows, err := s.read.QueryContext(ctx, lookupEmailSQL, emailHash(key), key)
	if err != nil {
		return Lookup{}, fmt.Errorf("look up email: %w", err)
	}
	cs, _, err := collectCustomers(rows, 0)
	return Lookup{Customers: cs}, err
}
