package crm

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// FieldType is the kind of value a field holds. The first four are the
// standard fields' own kinds; custom fields use the six from text on.
type FieldType string

const (
	TypeSystem   FieldType = "system" // assigned by localcrm, read-only
	TypeEmail    FieldType = "email"
	TypePhone    FieldType = "phone"
	TypeText     FieldType = "text"
	TypeURL      FieldType = "url"
	TypeNumber   FieldType = "number"
	TypeDate     FieldType = "date"
	TypePicklist FieldType = "picklist"
	TypeCheckbox FieldType = "checkbox"
)

// CustomTypes lists the types a custom field may have, in the order forms
// offer them.
var CustomTypes = []FieldType{TypeText, TypeURL, TypeNumber, TypeDate, TypePicklist, TypeCheckbox}

// Limits of field definitions (DESIGN.md §1).
const (
	MaxNameLen     = 32
	MaxLabelLen    = 32
	MaxDefaultLen  = 85
	MaxPicklistLen = 85
	// MaxPicklistValues bounds a picklist: every customer form lists its
	// values, and the values' total size is at most this many times
	// MaxPicklistLen.
	MaxPicklistValues  = 1000
	DefaultTextLen     = 255
	MaxTextLen         = 4000
	MaxURLLen          = 2048
	MaxNumberLen       = 255
	DefaultNumberLen   = 38
	dateLen            = 10
	checkboxLen        = 5
	AccountNumberStart = 10000000
)

// Field describes one field of the customer record, standard or custom.
type Field struct {
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	Type      FieldType `json:"type"`
	MaxLength int       `json:"max_length"`
	Required  bool      `json:"required"`
	Standard  bool      `json:"standard"`
	Values    []string  `json:"values"`  // picklist values, in order
	Default   string    `json:"default"` // applied when a new customer has no value
}

// Standard field keys that code refers to by name.
const (
	KeyAccountNumber = "account_number"
	KeyFirstName     = "first_name"
	KeyLastName      = "last_name"
	KeyEmail         = "email"
	KeyCustomerType  = "customer_type"
)

// DefaultCustomerType is the customer type that exists from the start.
const DefaultCustomerType = "Default"

// standardFields is the fixed part of every schema, in display order.
var standardFields = func() []Field {
	fs := []Field{
		{Key: KeyAccountNumber, Label: "Account Number", Type: TypeSystem, MaxLength: 8},
		{Key: KeyFirstName, Label: "First Name", Type: TypeText, MaxLength: 30, Required: true},
		{Key: KeyLastName, Label: "Last Name", Type: TypeText, MaxLength: 30, Required: true},
		{Key: KeyEmail, Label: "Email", Type: TypeEmail, MaxLength: 254},
		{Key: "company", Label: "Company", Type: TypeText, MaxLength: 50},
		{Key: "voice", Label: "Voice", Type: TypePhone, MaxLength: 38},
		{Key: "alternative", Label: "Alternative", Type: TypePhone, MaxLength: 38},
		{Key: "fax", Label: "Fax", Type: TypePhone, MaxLength: 38},
		{Key: "comments", Label: "Comments", Type: TypeText, MaxLength: 400},
		{Key: KeyCustomerType, Label: "Customer Type", Type: TypePicklist, MaxLength: 85,
			Values: []string{DefaultCustomerType}, Default: DefaultCustomerType},
	}
	for i, name := range []string{"Primary", "Secondary"} {
		p := fmt.Sprintf("addr%d_", i+1)
		fs = append(fs,
			Field{Key: p + "street1", Label: name + " Address Street 1", Type: TypeText, MaxLength: 50},
			Field{Key: p + "street2", Label: name + " Address Street 2", Type: TypeText, MaxLength: 50},
			Field{Key: p + "city", Label: name + " Address City", Type: TypeText, MaxLength: 40},
			Field{Key: p + "state", Label: name + " Address State", Type: TypeText, MaxLength: 30},
			Field{Key: p + "zip", Label: name + " Address Zip", Type: TypeText, MaxLength: 15},
			Field{Key: p + "country", Label: name + " Address Country", Type: TypeText, MaxLength: 50},
		)
	}
	for i := range fs {
		fs[i].Standard = true
	}
	return fs
}()

// StandardFields returns the standard fields in display order. The caller
// owns the returned slice.
func StandardFields() []Field {
	fs := slices.Clone(standardFields)
	for i := range fs {
		fs[i].Values = slices.Clone(fs[i].Values)
	}
	return fs
}

// IsStandardKey reports whether key names a standard field.
func IsStandardKey(key string) bool {
	return slices.ContainsFunc(standardFields, func(f Field) bool { return f.Key == key })
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ValidateDefinition checks a custom field's definition and fills the
// defaults a form may leave out (label from name, max length from type). It
// reports every problem at once.
func (f *Field) ValidateDefinition() error {
	var v ValidationError
	f.Key = strings.TrimSpace(f.Key)
	f.Label = strings.TrimSpace(f.Label)
	f.Default = strings.TrimSpace(f.Default)
	switch {
	case f.Key == "":
		v.Add("name", f.Key, "The field needs a name.")
	case utf8.RuneCountInString(f.Key) > MaxNameLen:
		v.Add("name", f.Key, fmt.Sprintf("The name is %d characters long; the limit is %d.", utf8.RuneCountInString(f.Key), MaxNameLen))
	case !nameRE.MatchString(f.Key):
		v.Add("name", f.Key, "The name may hold only lowercase letters a-z, digits and _, and must start with a letter (for example loyalty_tier).")
	case IsStandardKey(f.Key):
		v.Add("name", f.Key, fmt.Sprintf("%q is the name of a standard field; choose another name.", f.Key))
	case f.Key == "created_at" || f.Key == "updated_at":
		// A customer as JSON carries these timestamps beside its fields.
		v.Add("name", f.Key, fmt.Sprintf("%q is reserved for the customer's timestamps; choose another name.", f.Key))
	}
	// The label is checked before it defaults to the name, so that a name
	// that is too long is not reported a second time as the label.
	if n := utf8.RuneCountInString(f.Label); n > MaxLabelLen {
		v.Add("label", f.Label, fmt.Sprintf("The label is %d characters long; the limit is %d.", n, MaxLabelLen))
	}
	if f.Label == "" {
		f.Label = f.Key
	}
	f.Standard = false
	// The default is checked against the type, the length and the values
	// when they are sound, whatever else is wrong, so that every problem
	// is reported at once; against a length that is not, it is checked
	// for everything else.
	typeOK, lengthOK := true, true
	before := len(v.Problems)
	switch f.Type {
	case TypeText:
		f.checkMaxLength(&v, DefaultTextLen, MaxTextLen)
	case TypeURL:
		f.checkMaxLength(&v, MaxURLLen, MaxURLLen)
	case TypeNumber:
		f.checkMaxLength(&v, DefaultNumberLen, MaxNumberLen)
	case TypeDate:
		f.fixMaxLength(&v, dateLen)
	case TypeCheckbox:
		f.fixMaxLength(&v, checkboxLen)
	case TypePicklist:
		f.fixMaxLength(&v, MaxPicklistLen)
		before = len(v.Problems)
		f.checkPicklistValues(&v)
		typeOK = len(v.Problems) == before
	default:
		v.Add("type", string(f.Type), fmt.Sprintf("The type must be one of %s.", joinTypes(CustomTypes)))
		typeOK = false
	}
	if f.Type != TypePicklist && typeOK {
		lengthOK = len(v.Problems) == before
	}
	if f.Type != TypePicklist && slices.Contains(CustomTypes, f.Type) && slices.IndexFunc(f.Values, func(s string) bool { return strings.TrimSpace(s) != "" }) >= 0 {
		v.Add("values", strings.Join(f.Values, ","), fmt.Sprintf("Values are for picklist fields only, not for a %s field.", f.Type))
	}
	if f.Type != TypePicklist {
		f.Values = nil
	}
	if f.Default != "" {
		check := *f
		if !lengthOK {
			check.MaxLength = MaxDefaultLen
		}
		switch n := utf8.RuneCountInString(f.Default); {
		case n > MaxDefaultLen:
			v.Add("default", f.Default, fmt.Sprintf("The default value is %d characters long; the limit is %d.", n, MaxDefaultLen))
		case typeOK: // without a type or values, there is nothing to check it against
			if norm, err := check.Normalize(f.Default, DateISO); err != nil {
				v.Add("default", f.Default, "The default value "+err.Error()+".")
			} else {
				f.Default = norm
			}
		}
	}
	return v.Err()
}

func (f *Field) checkMaxLength(v *ValidationError, def, limit int) {
	if f.MaxLength == 0 {
		f.MaxLength = def
		return
	}
	if f.MaxLength < 1 || f.MaxLength > limit {
		v.Add("max_length", fmt.Sprint(f.MaxLength), fmt.Sprintf("The maximum length of a %s field must be from 1 to %d.", f.Type, limit))
	}
}

// fixMaxLength sets the length of a type whose length is fixed, refusing
// another one rather than dropping it without a word.
func (f *Field) fixMaxLength(v *ValidationError, n int) {
	if f.MaxLength != 0 && f.MaxLength != n {
		v.Add("max_length", fmt.Sprint(f.MaxLength), fmt.Sprintf("The length of a %s field is fixed at %d characters; leave the maximum length out.", f.Type, n))
	}
	f.MaxLength = n
}

func (f *Field) checkPicklistValues(v *ValidationError) {
	before := len(v.Problems)
	if n := countNonBlank(f.Values); n > MaxPicklistValues {
		v.Add("values", "", fmt.Sprintf("A picklist has at most %d values; this one has %d. For a list that long, use a text field.", MaxPicklistValues, n))
		f.Values = nil
		return
	}
	values := make([]string, 0, len(f.Values))
	seen := make(map[string]string, len(f.Values)) // folded → as first written
	for _, s := range f.Values {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if n := utf8.RuneCountInString(s); n > MaxPicklistLen {
			v.Add("values", s, fmt.Sprintf("The picklist value %q is %d characters long; the limit is %d.", shorten(s, 40), n, MaxPicklistLen))
			continue
		}
		key := foldCase(s)
		if first, ok := seen[key]; ok {
			v.Add("values", s, fmt.Sprintf("The picklist value %q is there twice (as %q); values must differ by more than case.", s, first))
			continue
		}
		seen[key] = s
		values = append(values, s)
	}
	if len(values) == 0 && len(v.Problems) == before {
		v.Add("values", "", "A picklist field needs at least one value.")
	}
	f.Values = values
}

func countNonBlank(ss []string) int {
	n := 0
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	return n
}

// foldCase maps strings that strings.EqualFold calls equal to one key, so
// that duplicates are found with a map rather than by comparing every pair.
func foldCase(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// ValidateChange checks that an edit of a saved custom field keeps what may
// not change: its name and its type.
func ValidateChange(old, updated Field) error {
	var v ValidationError
	if name := strings.TrimSpace(updated.Key); name != old.Key {
		v.Add("name", updated.Key, fmt.Sprintf(
			"The name of %q cannot be changed once saved; create a new field named %q instead.", old.Key, name))
	}
	if old.Type != updated.Type {
		v.Add("type", string(updated.Type), fmt.Sprintf(
			"The type of %q is %s and cannot be changed once saved; create a new field of type %s instead.", old.Key, old.Type, updated.Type))
	}
	return v.Err()
}

// ValidatePicklistValues checks a new list of values for a standard picklist
// such as Customer Type, whose other properties are fixed.
func ValidatePicklistValues(f Field, values []string) ([]string, error) {
	var v ValidationError
	f.Values = values
	f.checkPicklistValues(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return f.Values, nil
}

func joinTypes(ts []FieldType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// shorten cuts s to at most n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Shorten cuts a value for a message or report to at most 80 characters.
func Shorten(s string) string { return shorten(s, 80) }
