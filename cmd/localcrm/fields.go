package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"localcrm/internal/crm"
)

const fieldsUsage = `Usage: localcrm fields COMMAND [ARGS]

Commands:
  list [--json]                 list every field, standard and custom
  add NAME --type TYPE [FLAGS]  add a custom field
  edit NAME [FLAGS]             change a custom field or the customer types
  delete NAME --yes             delete a custom field and all its values

Run 'localcrm fields COMMAND -h' for a command's flags.
`

const fieldsListUsage = `Usage: localcrm fields list [--json]

Lists every field, standard and custom, in the order forms show them.

  --json   print a JSON array of fields
`

const fieldsAddUsage = `Usage: localcrm fields add NAME --type TYPE [FLAGS]

Adds a custom field. NAME is up to 32 characters of a-z, 0-9 and _,
starting with a letter.

  --type TYPE       text, url, number, date, picklist or checkbox; fixed once saved
  --label L         the name people see (default: NAME)
  --max-length N    the longest value of a text (default 255), url or number field
  --values "A,B,C"  a picklist's values, in order; quote one holding a comma: 'A,"B, C"'
  --default V       the value a new customer gets when it has none
  --required        every customer must have a value
`

const fieldsEditUsage = `Usage: localcrm fields edit NAME [FLAGS]

Changes a custom field: only the flags given change. The customer types are
the values of the standard field customer_type:
  localcrm fields edit customer_type --values "Default,VIP"

  --label L         the name people see
  --max-length N    the longest value of a text, url or number field
  --values "A,B,C"  a picklist's values, in order; quote one holding a comma: 'A,"B, C"'
  --default V       the value a new customer gets when it has none ("" for none)
  --required=true|false
  --type TYPE       accepted only if it is the saved type: a type cannot change
`

const fieldsDeleteUsage = `Usage: localcrm fields delete NAME --yes

Deletes a custom field and its value on every customer; --yes confirms.
`

func runFields(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, fieldsUsage, map[string]func(context.Context, *app, []string) error{
		"list":   fieldsList,
		"add":    fieldsAdd,
		"edit":   fieldsEdit,
		"delete": fieldsDelete,
	}, args)
}

func fieldsList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("fields list")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, fieldsListUsage); err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		fields := slices.Clone(sc.Fields)
		for i := range fields {
			if fields[i].Values == nil {
				fields[i].Values = []string{} // scripts get an array, never null
			}
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(fields)
	}
	t := newTable()
	t.row("KEY", "LABEL", "TYPE", "MAX LENGTH", "REQUIRED", "STANDARD", "DEFAULT", "VALUES")
	for _, f := range sc.Fields {
		t.row(f.Key, f.Label, string(f.Type), strconv.Itoa(f.MaxLength),
			yesNo(f.Required), yesNo(f.Standard), f.Default, strings.Join(f.Values, ", "))
	}
	return t.writeTo(a.stdout)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// fieldFlags are the flags that define a field, shared by add and edit.
type fieldFlags struct {
	typ, label, values, def string
	maxLength               int
	required                bool
}

func (ff *fieldFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&ff.typ, "type", "", "")
	fs.StringVar(&ff.label, "label", "", "")
	fs.StringVar(&ff.values, "values", "", "")
	fs.StringVar(&ff.def, "default", "", "")
	fs.IntVar(&ff.maxLength, "max-length", 0, "")
	fs.BoolVar(&ff.required, "required", false, "")
}

func fieldsAdd(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("fields add")
	var ff fieldFlags
	ff.register(fs)
	pos, err := a.parse(fs, args, fieldsAddUsage, "NAME")
	if err != nil {
		return err
	}
	set := given(fs)
	if !set["type"] {
		return &usageError{msg: "--type is missing: give one of " + typeList(), usage: fieldsAddUsage}
	}
	typ, err := parseType(ff.typ)
	if err != nil {
		return err
	}
	f := crm.Field{
		Key:       pos[0],
		Label:     ff.label,
		Type:      typ,
		MaxLength: ff.maxLength,
		Default:   ff.def,
		Required:  ff.required,
	}
	if set["values"] {
		if f.Values, err = splitValues(ff.values); err != nil {
			return err
		}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	err = st.CreateField(ctx, &f)
	if errors.Is(err, crm.ErrConflict) {
		return &messageError{msg: fmt.Sprintf("there is already a field named %q", f.Key), err: err}
	}
	return err
}

func fieldsEdit(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("fields edit")
	var ff fieldFlags
	ff.register(fs)
	pos, err := a.parse(fs, args, fieldsEditUsage, "NAME")
	if err != nil {
		return err
	}
	set := given(fs)
	if len(set) == 0 {
		return &usageError{msg: "nothing to change: give the flags of what changes", usage: fieldsEditUsage}
	}
	var values []string
	if set["values"] {
		if values, err = splitValues(ff.values); err != nil {
			return err
		}
	}
	var typ crm.FieldType
	if set["type"] {
		if typ, err = parseType(ff.typ); err != nil {
			return err
		}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	f, ok := sc.Field(pos[0])
	if !ok {
		return noField(pos[0])
	}
	if f.Key == crm.KeyCustomerType {
		// Only the customer types of this standard field are the admin's
		// to change; the store would ignore any other flag silently.
		for _, name := range slices.Sorted(maps.Keys(set)) {
			if name != "values" {
				return &usageError{msg: fmt.Sprintf("--%s cannot change %s: only its values, the customer types, can change (--values)", name, f.Key)}
			}
		}
		return st.UpdateField(ctx, &crm.Field{Key: f.Key, Values: values})
	}
	// The store refuses a standard field, a new type or flags the type does
	// not take, each with the domain's own message.
	if set["type"] {
		f.Type = typ
	}
	if set["label"] {
		f.Label = ff.label
	}
	if set["max-length"] {
		f.MaxLength = ff.maxLength
	}
	if set["values"] {
		f.Values = values
	}
	if set["default"] {
		f.Default = ff.def
	}
	if set["required"] {
		f.Required = ff.required
	}
	return st.UpdateField(ctx, &f)
}

func fieldsDelete(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("fields delete")
	yes := fs.Bool("yes", false, "")
	pos, err := a.parse(fs, args, fieldsDeleteUsage, "NAME")
	if err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	sc, err := st.Schema(ctx)
	if err != nil {
		return err
	}
	f, ok := sc.Field(pos[0])
	if !ok {
		return noField(pos[0])
	}
	if !f.Standard && !*yes {
		return &usageError{msg: fmt.Sprintf("deleting the field %q deletes its value on every customer; pass --yes to delete it", f.Key)}
	}
	return st.DeleteField(ctx, f.Key)
}

func noField(name string) error {
	return &messageError{
		msg: fmt.Sprintf("there is no field %s; the fields are listed by `localcrm fields list`", strconv.Quote(name)),
		err: crm.ErrNotFound,
	}
}

// parseType reads --type; a name that is no custom field type is a usage
// error, so that it is never reported as an attempt to change a type.
func parseType(s string) (crm.FieldType, error) {
	t := crm.FieldType(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(crm.CustomTypes, t) {
		return "", &usageError{msg: fmt.Sprintf("--type must be one of %s, not %q", typeList(), s)}
	}
	return t, nil
}

func typeList() string {
	s := make([]string, len(crm.CustomTypes))
	for i, t := range crm.CustomTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// splitValues reads a comma-separated list of picklist values. It is read
// as one CSV record so that a value holding a comma can be quoted.
func splitValues(s string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.LazyQuotes = true // a lone " inside a value is just a character
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("--values %q cannot be read as a comma-separated list: %v", s, err)}
	}
	var values []string
	for _, rec := range records {
		for _, v := range rec {
			values = append(values, strings.TrimSpace(v))
		}
	}
	return values, nil
}
