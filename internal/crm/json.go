package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// jsonTime is RFC 3339 with the milliseconds the store keeps.
const jsonTime = "2006-01-02T15:04:05.000Z07:00"

// CustomerJSON writes customers as JSON objects whose keys follow the
// schema's order, which encoding/json cannot do for a map: account_number
// (a number), then the fields' values as stored, then created_at and
// updated_at. The CLI's --json output, its JSON export and the API all use
// it, so a customer reads the same everywhere.
type CustomerJSON struct {
	sc *Schema
	// export writes every field, "" for no value, and no timestamps, so
	// that each object has the keys of the CSV export's header.
	export bool
	// Phones says how phone numbers are written (an export's choice);
	// the zero value writes them as written.
	Phones PhoneColumns
	str    bytes.Buffer
	enc    *json.Encoder
}

// NewCustomerJSON returns a writer of customers of sc; export as above.
func NewCustomerJSON(sc *Schema, export bool) *CustomerJSON {
	j := &CustomerJSON{sc: sc, export: export}
	j.enc = json.NewEncoder(&j.str)
	j.enc.SetEscapeHTML(false) // "AT&T" stays readable
	return j
}

// Append appends c as a compact JSON object to b.
func (j *CustomerJSON) Append(b []byte, c *Customer) []byte {
	b = append(b, `{"account_number":`...)
	b = strconv.AppendInt(b, c.AccountNumber, 10)
	for _, f := range j.sc.Fields {
		v := c.Get(f.Key)
		if f.Key == KeyAccountNumber || (v == "" && !j.export) {
			continue
		}
		if f.Type == TypePhone {
			v = PhoneValue(c, f.Key, j.Phones)
		}
		b = append(b, ',')
		b = j.appendString(b, f.Key)
		b = append(b, ':')
		b = j.appendString(b, v)
		if f.Type == TypePhone && j.Phones == PhonesBoth {
			e, _ := c.PhoneForm(f.Key)
			if e != "" || j.export {
				b = append(b, ',')
				b = j.appendString(b, f.Key+E164Suffix)
				b = append(b, ':')
				b = j.appendString(b, e)
			}
		}
	}
	if !j.export {
		b = append(b, `,"created_at":`...)
		b = j.appendString(b, c.CreatedAt.UTC().Format(jsonTime))
		b = append(b, `,"updated_at":`...)
		b = j.appendString(b, c.UpdatedAt.UTC().Format(jsonTime))
	}
	return append(b, '}')
}

func (j *CustomerJSON) appendString(b []byte, s string) []byte {
	j.str.Reset()
	_ = j.enc.Encode(s) // cannot fail: a string always encodes, invalid UTF-8 as U+FFFD
	return append(b, bytes.TrimSuffix(j.str.Bytes(), []byte{'\n'})...)
}

// PhoneColumns says how an export writes customers' phone numbers.
type PhoneColumns string

const (
	// PhonesWritten writes each number as it was written, as exports
	// always did: the default, byte for byte what earlier versions wrote.
	PhonesWritten PhoneColumns = "written"
	// PhonesE164 writes each number in its international form (E.164),
	// or as written when it has none, so that nothing is lost.
	PhonesE164 PhoneColumns = "e164"
	// PhonesBoth writes each number as written, followed by a column of
	// its international form ("" when it has none) named KEY_e164.
	PhonesBoth PhoneColumns = "both"
)

// ParsePhoneColumns reads the name of a PhoneColumns; "" is written.
func ParsePhoneColumns(s string) (PhoneColumns, error) {
	switch p := PhoneColumns(s); p {
	case "":
		return PhonesWritten, nil
	case PhonesWritten, PhonesE164, PhonesBoth:
		return p, nil
	}
	return "", Invalid("phones", s, fmt.Sprintf("The phone numbers of an export are written, e164 or both, not %q.", s))
}

// E164Suffix ends the name of the column of a phone field's international
// form, in an export with PhonesBoth ("voice_e164").
const E164Suffix = "_e164"

// PhoneValue is the value of c's phone field key as p writes it: as
// written, or in its international form where it has one.
func PhoneValue(c *Customer, key string, p PhoneColumns) string {
	if p == PhonesE164 {
		if e, _ := c.PhoneForm(key); e != "" {
			return e
		}
	}
	return c.Get(key)
}
