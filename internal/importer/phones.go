package importer

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"localcrm/internal/crm"
	"localcrm/internal/phone"
)

// phoneReading reads the phone values of an import's records: each gets
// its international form (E.164), read with the country in effect for its
// row (the row's country column, else the import's country, else the
// default country). It runs in the reader, beside the database's work,
// so that the numbers cost the import no time (phone.E164 reads one in a
// few microseconds).
type phoneReading struct {
	keys    []string // the phone fields the import fills
	country string   // the import's country, or the default; "" for none
	column  int      // the row's country column, -1 if none
	name    string   // that column's name
	check   bool     // reject a value that is not a number of its country
	// countries caches the country column's cells as read: a file holds
	// few distinct countries, and reading one by its name costs a search
	// of the names ParseCountry knows.
	countries map[string]rowCountry
}

type rowCountry struct {
	code string
	err  *phone.Error // the cell is not a country; nil if it is
}

func newPhoneReading(imp *crm.Import, sc *crm.Schema, mapped []string) phoneReading {
	pr := phoneReading{column: -1, country: cmp.Or(imp.Options.Country, sc.Country), check: imp.Options.CheckPhones,
		countries: map[string]rowCountry{}}
	for _, key := range sc.PhoneKeys() {
		if slices.Contains(mapped, key) {
			pr.keys = append(pr.keys, key)
		}
	}
	if col := imp.Options.CountryColumn; col != "" {
		pr.column, pr.name = slices.Index(imp.Columns, col), col
	}
	return pr
}

// read gives c's phone values their international forms, and reports on r
// what it could not read: with the check, each value that is not a phone
// number of its country rejects r, saying why; without it, such values
// load as written and r.asWritten counts them. c's values are as
// validated; bad, when not nil, holds the fields whose values were
// already refused, which read leaves alone.
func (pr *phoneReading) read(r *record, c *crm.Customer, cells []string, sc *crm.Schema, bad map[string]bool) {
	if len(pr.keys) == 0 {
		return
	}
	country, cell, fromRow := pr.country, "", false
	if pr.column >= 0 && pr.column < len(cells) {
		if cell = strings.TrimSpace(cells[pr.column]); cell != "" {
			rc, ok := pr.countries[cell]
			if !ok {
				code, err := phone.ParseCountry(cell)
				rc.code = code
				errors.As(err, &rc.err)
				pr.countries[cell] = rc
			}
			if rc.err != nil {
				if pr.check && slices.ContainsFunc(pr.keys, func(k string) bool { return c.Values[k] != "" && !bad[k] }) {
					r.reject("", cell, fmt.Sprintf("Column %q: %s; without it, the row's phone numbers cannot be checked.", pr.name, rc.err.Error()))
					return
				}
				// Not knowing the row's country, read only the numbers
				// written with theirs; the rest load as written.
				rc.code = ""
			}
			country, fromRow = rc.code, true
		}
	}
	for _, key := range pr.keys {
		v := c.Values[key]
		if v == "" || bad[key] {
			continue
		}
		e, ok := phone.E164(v, country)
		if !ok && pr.check {
			f, _ := sc.Field(key)
			r.reject(key, v, phoneProblem(f.Label, v, country, pr.name, fromRow))
			continue
		}
		c.SetPhone(key, v, e)
		if !ok {
			r.asWritten++
		}
	}
}

// phoneProblem says why v, the value of the phone field label, is not a
// phone number of country, and how to load it.
func phoneProblem(label, v, country, column string, fromRow bool) string {
	_, err := phone.Normalize(v, country)
	var pe *phone.Error
	reason := "is not a phone number"
	if errors.As(err, &pe) {
		reason = pe.Reason
	}
	from := ""
	if fromRow {
		from = fmt.Sprintf(" (the row's country, column %q)", column)
	}
	return fmt.Sprintf("%s %s%s. Correct the number, or import without checking phone numbers to load it as written.", label, reason, from)
}

// phonesAsWritten counts the phone values of after, an updated customer,
// that the update changed and that have no international form.
func phonesAsWritten(after *crm.Customer, changes []crm.Change) int {
	n := 0
	for _, ch := range changes {
		if e, known := after.PhoneForm(ch.Field); known && e == "" {
			n++
		}
	}
	return n
}

// phonesWarning tells the summary of an import that loads n phone values
// as written, with o its options, what that means and what to do.
func phonesWarning(n int, o crm.ImportOptions) string {
	what := "%s phone values are not phone numbers of their country: they are kept as written, found by their digits, with no international form."
	if n == 1 {
		what = "%s phone value is not a phone number of its country: it is kept as written, found by its digits, with no international form."
	}
	how := " To read numbers written without their country code, set the import's country (or map a country column), or a default country (`localcrm settings set default_country GB`)"
	if o.Country != "" || o.CountryColumn != "" {
		how = " Correct them in the file"
	}
	return fmt.Sprintf(what, thousands(n)) + how + "; to reject such values with the reason, check phone numbers."
}

// checkPhoneOptions reads an import's country as its code ("United
// Kingdom" is GB) and refuses a country it does not know, or a country
// column the file does not have.
func checkPhoneOptions(columns []string, o *crm.ImportOptions) error {
	var v crm.ValidationError
	code, err := phone.ParseCountry(o.Country)
	var pe *phone.Error
	if errors.As(err, &pe) {
		v.Add("country", o.Country, fmt.Sprintf("The import's country %q %s.", o.Country, pe.Reason))
	}
	o.Country = code
	if o.CountryColumn != "" && !slices.Contains(columns, o.CountryColumn) {
		v.Add("country_column", o.CountryColumn, fmt.Sprintf("The country column %q is not a column of the file; %s.", crm.Shorten(o.CountryColumn), columnHint(columns)))
	}
	return v.Err()
}
