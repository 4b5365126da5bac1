package crm

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Customer is one record of the customer file. Values holds every field's
// stored value by key, standard and custom alike; a missing or empty value
// means "no value". The account number is kept apart because localcrm, not
// the user, assigns it.
type Customer struct {
	AccountNumber int64
	Values        map[string]string
	// Phones holds the international forms of its phone fields' values,
	// by key, as read with the country in effect when each was written
	// (an import's row, the import, the default). It travels with the
	// values so that a customer written back from its stored state keeps
	// them; a form whose value has changed since is stale, and the store
	// reads the value again with the default country (PhoneForm).
	Phones    map[string]PhoneForm
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PhoneForm is the international form (E.164, such as "+442079460958") of
// a phone field's value, with the value it was read from.
type PhoneForm struct {
	Value string // the field's value it was read from
	E164  string // "" when Value is not a phone number of its country
}

// SetPhone records e164 as the international form of value, the phone
// field key's value ("" when value is not a phone number).
func (c *Customer) SetPhone(key, value, e164 string) {
	if c.Phones == nil {
		c.Phones = make(map[string]PhoneForm, 3)
	}
	c.Phones[key] = PhoneForm{Value: value, E164: e164}
}

// PhoneForm returns the international form of the phone field key's
// value, and whether it is known: false when the field has no value, or
// its form was read from a value it no longer holds.
func (c *Customer) PhoneForm(key string) (e164 string, known bool) {
	v := c.Values[key]
	f, ok := c.Phones[key]
	if v == "" || !ok || f.Value != v {
		return "", false
	}
	return f.E164, true
}

// KeepPhones gives c the forms of others that are still its own: those
// read from the values c's fields hold now. An update keeps the forms of
// the values it leaves and takes those of the values it brings.
func (c *Customer) KeepPhones(others ...*Customer) {
	for _, o := range others {
		for key, f := range o.Phones {
			if v := c.Values[key]; v != "" && v == f.Value {
				c.SetPhone(key, f.Value, f.E164)
			}
		}
	}
}

// Get returns the value of the field key, or "".
func (c *Customer) Get(key string) string { return c.Values[key] }

// Set sets the value of the field key.
func (c *Customer) Set(key, value string) {
	if c.Values == nil {
		c.Values = make(map[string]string)
	}
	c.Values[key] = value
}

// Name is the customer's full name, for lists and messages.
func (c *Customer) Name() string {
	return strings.TrimSpace(c.Get(KeyFirstName) + " " + c.Get(KeyLastName))
}

// Schema is the full set of fields a customer has: the standard fields, with
// the admin's customer types, followed by the custom fields.
type Schema struct {
	Fields []Field
	// Country is the default country, a region code such as "GB" (or ""):
	// phone numbers written without a country code are read as its, unless
	// an import says otherwise. An admin sets it.
	Country  string
	index    map[string]int
	required []int // positions of the required fields
}

// NewSchema builds the schema from the custom fields and the customer types
// an admin defined. With no customer types, "Default" alone is offered.
func NewSchema(custom []Field, customerTypes []string) *Schema {
	s := &Schema{Fields: append(StandardFields(), custom...)}
	s.index = make(map[string]int, len(s.Fields))
	for i, f := range s.Fields {
		s.index[f.Key] = i
		if f.Required {
			s.required = append(s.required, i)
		}
		if f.Key == KeyCustomerType && len(customerTypes) > 0 {
			s.Fields[i].Values = customerTypes
			if !containsFold(customerTypes, f.Default) {
				s.Fields[i].Default = customerTypes[0]
			}
		}
	}
	return s
}

// Field returns the field with key.
func (s *Schema) Field(key string) (Field, bool) {
	i, ok := s.index[key]
	if !ok {
		return Field{}, false
	}
	return s.Fields[i], true
}

// PhoneKeys returns the keys of the phone fields, in order.
func (s *Schema) PhoneKeys() []string {
	var keys []string
	for _, f := range s.Fields {
		if f.Type == TypePhone {
			keys = append(keys, f.Key)
		}
	}
	return keys
}

// Custom returns the custom fields, in order.
func (s *Schema) Custom() []Field {
	for i, f := range s.Fields {
		if !f.Standard {
			return s.Fields[i:]
		}
	}
	return nil
}

// ValidateOptions tune Validate for where a record comes from.
type ValidateOptions struct {
	// DateFormat is how dates in the values are written; the zero value
	// means the default, MM/DD/YYYY.
	DateFormat DateFormat
	// Partial skips the "must have a value" rules, for a record that will
	// only update some fields of an existing customer.
	Partial bool
	// Stored holds an existing customer's values as saved, for an edit. A
	// value the edit leaves as it was is not judged again, nor a required
	// field that stays empty: a customer saved under older rules (a picklist
	// value since removed, a field since made required) can still be edited
	// in its other fields.
	Stored map[string]string
}

// Validate checks every value of c against its field and rewrites each in
// its stored form (trimmed, dates as YYYY-MM-DD, picklists in the field's
// spelling). It reports every problem at once, in a *ValidationError. It
// never touches a database: uniqueness is the store's job.
func (s *Schema) Validate(c *Customer, o ValidateOptions) error {
	if o.DateFormat == "" {
		o.DateFormat = DateMDY
	}
	var v ValidationError
	var unknown []string
	var blanks map[string]string // blank values of required fields, as given
	for key, raw := range c.Values {
		i, ok := s.index[key]
		if !ok {
			unknown = append(unknown, key)
			continue
		}
		f := &s.Fields[i]
		if stored, ok := o.Stored[key]; ok && raw == stored {
			continue
		}
		val := strings.TrimSpace(raw)
		if val == "" {
			if f.Required && raw != "" {
				if blanks == nil {
					blanks = map[string]string{}
				}
				blanks[key] = raw
			}
			delete(c.Values, key)
			continue
		}
		norm, err := f.Normalize(val, o.DateFormat)
		if err != nil {
			v.Add(f.Key, raw, fmt.Sprintf("%s %s.", f.Label, err))
			continue
		}
		if norm != raw {
			c.Values[key] = norm
		}
	}
	if !o.Partial {
		for _, i := range s.required {
			if f := &s.Fields[i]; c.Values[f.Key] == "" && (o.Stored == nil || o.Stored[f.Key] != "") {
				v.Add(f.Key, blanks[f.Key], fmt.Sprintf("%s must have a value.", f.Label))
			}
		}
	}
	// The same record always gets the same report: problems in field order,
	// then unknown keys in name order.
	if len(v.Problems) > 1 {
		slices.SortStableFunc(v.Problems, func(a, b Problem) int { return s.index[a.Field] - s.index[b.Field] })
	}
	slices.Sort(unknown)
	for _, key := range unknown {
		v.Add(key, c.Values[key], fmt.Sprintf("There is no field %q; the fields are listed by `localcrm fields list`.", key))
	}
	return v.Err()
}

// ApplyDefaults gives every field that has a default value and no value in c
// its default. It is for new customers only: an update never fills blanks.
func (s *Schema) ApplyDefaults(c *Customer) {
	for _, f := range s.Fields {
		if f.Default != "" && strings.TrimSpace(c.Get(f.Key)) == "" {
			c.Set(f.Key, f.Default)
		}
	}
}

func containsFold(ss []string, s string) bool {
	for _, t := range ss {
		if strings.EqualFold(t, s) {
			return true
		}
	}
	return false
}
