package crm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxTemplateNameLength bounds a template's name: long enough to say what
// the file is ("Monthly export of the Lyon shop, from Salesforce"), short
// enough for a select in the wizard and a column of a table.
const MaxTemplateNameLength = 80

// Template is a named mapping template: how to map the columns of a file
// that comes again and again, and the import's choices that are not about
// one file. Columns are known by their header key (a column's name read as
// the importer reads headers), so that a file that writes "E-mail" where
// the template's wrote "Email" still matches; the importer makes the keys.
// The record limit, the encoding and the delimiter belong to one file and
// are not kept.
type Template struct {
	Name        string            `json:"name"`
	Mapping     map[string]string `json:"mapping"` // header key → field key; "" leaves the column out
	OnDuplicate DuplicatePolicy   `json:"on_duplicate"`
	DateFormat  DateFormat        `json:"date_format"`
	BatchSize   int               `json:"batch_size"`
	Update      UpdateRules       `json:"update_rules"`
	// The options of ImportOptions with the same names; CountryColumn is
	// a header key, as the mapping's columns are.
	KeepRecord    bool      `json:"keep_record,omitempty"`
	Country       string    `json:"country,omitempty"`
	CountryColumn string    `json:"country_column,omitempty"`
	CheckPhones   bool      `json:"check_phones,omitempty"`
	FromImport    int64     `json:"from_import"` // the import it was saved from, for people; 0 when none
	SavedBy       string    `json:"saved_by"`
	SavedAt       time.Time `json:"saved_at"`
}

// TemplateKey is the form of a template's name that uniqueness and look-ups
// compare: names differ by more than case and surrounding spaces.
func TemplateKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CheckTemplateName trims a template's name and reports whether it is one:
// 1 to 80 characters, with no control characters, which would break the
// line of a table or a log.
func CheckTemplateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return "", Invalid("name", name, "A template needs a name, such as the system the file comes from; give one.")
	case n > MaxTemplateNameLength:
		return "", Invalid("name", name, fmt.Sprintf("A template's name has at most %d characters; this one has %d. Give a shorter one.", MaxTemplateNameLength, n))
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "", Invalid("name", name, "A template's name cannot hold tabs, line breaks or other control characters; use letters, digits, spaces and punctuation.")
	}
	return name, nil
}

// Check trims the name, fills the options' defaults and reports every
// problem at once. It needs no schema: whether the mapped fields and the
// update rules' fields still exist is decided when the template is
// applied, which skips fields deleted since.
func (t *Template) Check() error {
	var v ValidationError
	if name, err := CheckTemplateName(t.Name); err != nil {
		v.Problems = append(v.Problems, err.(*ValidationError).Problems...)
	} else {
		t.Name = name
	}
	mapped := 0
	for _, key := range t.Mapping {
		if key != "" {
			mapped++
		}
	}
	if mapped == 0 {
		v.Add("mapping", "", "A template must map at least one column to a field; map the import's columns first, then save it as a template.")
	}
	// The options are checked as an import's are; the record limit is not
	// a template's, so a valid one stands in for it.
	o := ImportOptions{OnDuplicate: t.OnDuplicate, DateFormat: t.DateFormat, BatchSize: t.BatchSize, MaxRecords: 1}
	if err := o.Check(); err != nil {
		v.Problems = append(v.Problems, err.(*ValidationError).Problems...)
	} else {
		t.OnDuplicate, t.DateFormat, t.BatchSize = o.OnDuplicate, o.DateFormat, o.BatchSize
	}
	return v.Err()
}

// NoTemplateError reports a template name that is not saved, with the
// names that are, so that whoever mistyped it sees what to choose instead.
// It is ErrNotFound.
type NoTemplateError struct {
	Name  string
	Saved []string // the names of the saved templates, in order
}

func (e *NoTemplateError) Error() string {
	if len(e.Saved) == 0 {
		return fmt.Sprintf("there is no template named %s: no template is saved yet; save one from an import first", strconv.Quote(e.Name))
	}
	quoted := make([]string, len(e.Saved))
	for i, n := range e.Saved {
		quoted[i] = strconv.Quote(n)
	}
	return fmt.Sprintf("there is no template named %s; the saved templates are %s", strconv.Quote(e.Name), strings.Join(quoted, ", "))
}

// Is makes errors.Is(err, ErrNotFound) true for a NoTemplateError.
func (e *NoTemplateError) Is(target error) bool { return target == ErrNotFound }

// Audit actions of templates, beside those in user.go.
const (
	AuditTemplateSaved   AuditAction = "template-saved"
	AuditTemplateDeleted AuditAction = "template-deleted"
)
