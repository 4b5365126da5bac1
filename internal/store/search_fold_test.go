package store

import (
	"slices"
	"testing"
)

// TestSearchFold: the words the index holds of a text, folded as agents
// type (case and the accents of every script ignored).
func TestSearchFold(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Zoë Testé", []string{"zoe", "teste"}},
		{"Zoe\u0301", []string{"zoe"}}, // a decomposed accent
		{"SOCIÉTÉ Générale", []string{"societe", "generale"}},
		{"Ελένη ΣΩΚΡΆΤΗΣ", []string{"ελενη", "σωκρατησ"}},
		{"Алёна Йорк", []string{"алена", "иорк"}},
		{"Øystein Łukasz Straße Æsir Œuvre", []string{"oystein", "lukasz", "strasse", "aesir", "oeuvre"}},
		{"ﬁnance Ｚｏｅ", []string{"finance", "zoe"}},
		{"مُحَمَّد", []string{"محمد"}},
		{"Nguyễn Văn", []string{"nguyen", "van"}},
		{"O'Brien-Smythe", []string{"o", "brien", "smythe"}},
		{"Acme Widgets GmbH & Co. KG", []string{"acme", "widgets"}},
		{"3M 3m", []string{"3", "m"}},
		{"Pure_Juice", []string{"pure", "juice"}},
		{"", nil},
		{"  -- ", nil},
	}
	for _, tt := range tests {
		if got := searchFold(nil, tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("searchFold(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	// An email: its domain's top-level domains and big mail providers are
	// stop words; a business's domain is not.
	for email, want := range map[string][]string{
		"lefevre190387@GMAIL.com":     {"lefevre", "1903"},
		"zoe.lee@acme-widgets.co.uk":  {"zoe", "lee", "acme", "widgets"},
		"Ann.Orange@orange.fr":        {"ann", "orange"}, // the name stays, the provider goes
		"jsmith+crm@mail.example.org": {"jsmith", "crm", "example"},
		"no-at-sign":                  {"no", "at", "sign"},
	} {
		if got := emailFold(nil, email); !slices.Equal(got, want) {
			t.Errorf("emailFold(%q) = %q, want %q", email, got, want)
		}
	}
}

// TestQueryWords: a search's words are read as the index's: stop words
// and single letters left out, unless nothing else is left.
func TestQueryWords(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"Zoë Lefèvre", []string{"zoe", "lefevre"}},
		{"acme inc", []string{"acme"}},
		{"patel@gmail.com", []string{"patel"}},
		{"acme.com", []string{"acme"}},
		{"orange", []string{"orange"}}, // a company's name
		{"O'Brien", []string{"brien"}},
		{"Sarah Ó S", []string{"sarah"}},
		{"j", []string{"j"}},
		{"Name7 Doe", []string{"name", "7", "doe"}},
		{"inc", []string{"inc"}},
		{"de la cruz", []string{"de", "la", "cruz"}},
	}
	for _, tt := range tests {
		if got := queryWords(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("queryWords(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// TestSearchQuery: what a search asks the index, and what it leaves to the
// check of each customer found.
func TestSearchQuery(t *testing.T) {
	tests := []struct {
		q, country string
		match      string
		numbers    []wantNumber
	}{
		{"zoe lef", "", `"zoe"* AND "lef"*`, nil},
		{`ann" OR "bob`, "", `"ann"* AND "or"* AND "bob"*`, nil},
		{"acme inc", "", `"acme"*`, nil}, // stop words are left out...
		{"Inc.", "", `"inc"*`, nil},      // ...unless there is nothing else
		{"% *", "", "", nil},
		{"+44 20 7946 0958", "", `"_60958"`, []wantNumber{{e164: "+442079460958", suffix: "2079460958"}}},
		{"020 7946 0958", "GB", `"_60958"`, []wantNumber{{e164: "+442079460958", suffix: "2079460958"}}},
		{"020 7946 0958", "", `"_60958"`, []wantNumber{{suffix: "2079460958"}}},
		{"(415) 555-0132", "", `"_50132"`, []wantNumber{{suffix: "4155550132"}}},
		{"12345", "", `"1234"*`, []wantNumber{{word: "12345"}}},
		{"1987", "", `"1987"*`, nil},
		{"lee 79460958", "", `"lee"* AND ("7946"* OR "_60958")`, []wantNumber{{suffix: "79460958", word: "79460958"}}},
		{"0958", "", `"0958"*`, nil},
	}
	for _, tt := range tests {
		got := newSearch(tt.q, tt.country)
		if match := got.fts(false); match != tt.match || !slices.Equal(got.numbers, tt.numbers) {
			t.Errorf("newSearch(%q, %q) = %q %+v, want %q %+v", tt.q, tt.country, match, got.numbers, tt.match, tt.numbers)
		}
	}
	s := newSearch("zoe 79460958", "")
	if got := s.fts(true); got != `'zoe':* & ('7946':* | '_60958')` {
		t.Errorf("on PostgreSQL: %q", got)
	}
	cond, args := s.tail()
	if cond != `(instr(' ' || search_words, ' ' || ?) > 0) AND (instr(' ' || search_words, ' ' || ?) > 0 OR instr(' ' || search_words || ' ', ' ' || ? || ' ') > 0)` ||
		!slices.Equal(args, []any{"zoe", "7946", "_60958"}) {
		t.Errorf("the tail's condition: %s %q", cond, args)
	}
}
