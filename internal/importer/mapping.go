package importer

import (
	"fmt"
	"maps"
	"slices"
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
	Mapping map[string]string // column name → field key
	Reasons map[string]string // column name → why it was chosen, for people
}

// synonyms maps normalised header names to standard field keys: the names
// that other CRMs, spreadsheets and mailing tools give these fields.
var synonyms = map[string]string{
	"first": "first_name", "firstname": "first_name", "givenname": "first_name", "forename": "first_name",
	"fname": "first_name", "christianname": "first_name", "contactfirstname": "first_name",
	"last": "last_name", "lastname": "last_name", "surname": "last_name", "familyname": "last_name",
	"lname": "last_name", "contactlastname": "last_name",
	"email": "email", "emailaddress": "email", "mail": "email", "emailid": "email", "primaryemail": "email",
	"contactemail": "email", "workemail": "email",
	"company": "company", "companyname": "company", "organisation": "company", "organization": "company",
	"organisationname": "company", "organizationname": "company", "employer": "company", "business": "company",
	"account": "company", "accountname": "company",
	"voice": "voice", "phone": "voice", "phonenumber": "voice", "telephone": "voice", "tel": "voice",
	"workphone": "voice", "businessphone": "voice", "officephone": "voice", "primaryphone": "voice",
	"alternative": "alternative", "mobile": "alternative", "mobilephone": "alternative", "cell": "alternative",
	"cellphone": "alternative", "mobilenumber": "alternative", "homephone": "alternative", "otherphone": "alternative",
	"alternativephone": "alternative", "alternatephone": "alternative",
	"fax": "fax", "faxnumber": "fax", "businessfax": "fax",
	"comments": "comments", "comment": "comments", "notes": "comments", "note": "comments",
	"description": "comments", "remarks": "comments",
	"customertype": "customer_type", "type": "customer_type", "category": "customer_type", "segment": "customer_type",
	"street": "addr1_street1", "address": "addr1_street1", "addressline1": "addr1_street1", "street1": "addr1_street1",
	"streetaddress": "addr1_street1", "address1": "addr1_street1", "primaryaddressstreet1": "addr1_street1",
	"addressline2": "addr1_street2", "street2": "addr1_street2", "address2": "addr1_street2",
	"primaryaddressstreet2": "addr1_street2", "city": "addr1_city", "town": "addr1_city", "locality": "addr1_city",
	"primaryaddresscity": "addr1_city", "state": "addr1_state", "province": "addr1_state", "region": "addr1_state",
	"county": "addr1_state", "stateprovince": "addr1_state", "primaryaddressstate": "addr1_state",
	"zip": "addr1_zip", "zipcode": "addr1_zip", "postalcode": "addr1_zip", "postcode": "addr1_zip",
	"postal": "addr1_zip", "primaryaddresszip": "addr1_zip",
	"country": "addr1_country", "countryregion": "addr1_country", "nation": "addr1_country",
	"primaryaddresscountry": "addr1_country", "accountnumber": "account_number", "accountno": "account_number",
}

// normalize reduces a header to lowercase letters and digits, so that
// "E-mail Address", "email_address" and "EmailAddress" compare equal.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// AutoMap proposes a mapping of the file's columns to the schema's fields:
// a column whose name, once normalised, is a field's key or label, or a
// known synonym of one, maps to that field. Each field is proposed once, for
// the first column that matches it best.
func AutoMap(columns []string, sc *crm.Schema) Suggestion {
	s := Suggestion{Mapping: map[string]string{}, Reasons: map[string]string{}}
	type match struct {
		key, reason string
		rank        int // lower is better: key, then label, then synonym
	}
	best := map[string]int{} // field key → rank taken
	matches := make([]match, len(columns))
	for i, col := range columns {
		if i == len(columns)-1 && col == errorColumn {
			continue
		}
		n := normalize(col)
		if n == "" {
			continue
		}
		m := match{rank: 99}
		for _, f := range sc.Fields {
			switch {
			case normalize(f.Key) == n && m.rank > 0:
				m = match{f.Key, fmt.Sprintf("the column name matches the field key %q", f.Key), 0}
			case normalize(f.Label) == n && m.rank > 1:
				m = match{f.Key, fmt.Sprintf("the column name matches the field label %q", f.Label), 1}
			}
		}
		if key, ok := synonyms[n]; ok && m.rank > 2 {
			f, _ := sc.Field(key)
			m = match{key, fmt.Sprintf("%q is a common name for %s", col, f.Label), 2}
		}
		if m.key == "" {
			continue
		}
		matches[i] = m
		if r, ok := best[m.key]; !ok || m.rank < r {
			best[m.key] = m.rank
		}
	}
	taken := map[string]bool{}
	for i, m := range matches {
		if m.key == "" || taken[m.key] || best[m.key] != m.rank {
			continue
		}
		taken[m.key] = true
		s.Mapping[columns[i]] = m.key
		s.Reasons[columns[i]] = m.reason
	}
	return s
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
