package crm

import (
	"bytes"
	"encoding/json"
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
		b = append(b, ',')
		b = j.appendString(b, f.Key)
		b = append(b, ':')
		b = j.appendString(b, v)
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
