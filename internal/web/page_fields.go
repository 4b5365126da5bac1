package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"localcrm/internal/crm"
)

// fieldListPage is the Fields tab: the standard fields, read-only, and the
// custom fields an admin defined.
type fieldListPage struct {
	pageMeta
	Standard []crm.Field
	Custom   []crm.Field
	// Country is the default country of phone numbers (page_settings.go),
	// as set, or as typed in a refused form.
	Country      string
	CountryError string
}

func (p *pages) fieldList(w http.ResponseWriter, r *http.Request) {
	p.renderFields(w, r, http.StatusOK, nil, "")
}

// renderFields renders the Fields tab; typed and its problem are a refused
// default country (nil when none was).
func (p *pages) renderFields(w http.ResponseWriter, r *http.Request, status int, typed *string, problem string) {
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		p.pageError(w, r, tabFields, err)
		return
	}
	data := fieldListPage{pageMeta: pageMeta{Title: "Fields", Tab: tabFields}, Custom: sc.Custom(), Country: sc.Country}
	for _, f := range sc.Fields {
		if f.Standard {
			data.Standard = append(data.Standard, f)
		}
	}
	if typed != nil {
		data.Country, data.CountryError = *typed, problem
		data.Alert = "The default country was not changed."
		data.Invalid = []invalidInput{{ID: "default_country", Message: problem}}
	}
	p.render(w, r, status, "fields.html", &data)
}

// fieldPage is the form that creates a custom field or edits one, and, for a
// picklist (Customer Type included), manages its values.
type fieldPage struct {
	pageMeta
	New        bool
	Standard   bool // Customer Type: only its values can change
	Field      crm.Field
	Types      []typeOption
	ValuesText string // a new picklist's values, one per line
	NewValue   string // the value being added, kept when it is refused
	Errors     map[string]string
}

// typeOption is one choice of the type select.
type typeOption struct {
	Value    crm.FieldType
	Label    string
	Selected bool
}

var typeLabels = map[crm.FieldType]string{
	crm.TypeText:     "Text",
	crm.TypeURL:      "Web address (URL)",
	crm.TypeNumber:   "Number",
	crm.TypeDate:     "Date",
	crm.TypePicklist: "Picklist (one of a list of values)",
	crm.TypeCheckbox: "Checkbox (yes or no)",
}

func typeOptions(selected crm.FieldType) []typeOption {
	opts := make([]typeOption, len(crm.CustomTypes))
	for i, t := range crm.CustomTypes {
		opts[i] = typeOption{Value: t, Label: typeLabels[t], Selected: t == selected}
	}
	return opts
}

// HasLength reports whether the field's maximum length is the admin's to
// choose; the other types have a fixed one.
func (pg fieldPage) HasLength() bool {
	switch pg.Field.Type {
	case crm.TypeText, crm.TypeURL, crm.TypeNumber:
		return true
	}
	return false
}

// For reports whether the field's type is one of types (separated by
// spaces): the form shows the inputs that apply to the type, and the new
// field's script shows the others when another type is chosen.
func (pg fieldPage) For(types string) bool {
	return slices.Contains(strings.Fields(types), string(pg.Field.Type))
}

// DefaultID is the id of the input of the default value, which is a
// choice of the values for a picklist and of yes or no for a checkbox.
func (pg fieldPage) DefaultID() string {
	switch pg.Field.Type {
	case crm.TypePicklist:
		return "default-pick"
	case crm.TypeCheckbox:
		return "default-check"
	}
	return "default"
}

// PickValues are the values a picklist's default is chosen from: the
// field's, or for a new field the ones typed so far (the script keeps the
// list in step as they are typed).
func (pg fieldPage) PickValues() []string {
	if !pg.New {
		return pg.Field.Values
	}
	var values []string
	seen := map[string]bool{}
	for _, line := range strings.Split(pg.ValuesText, "\n") {
		v := strings.TrimSpace(line)
		if v == "" || seen[strings.ToLower(v)] {
			continue
		}
		seen[strings.ToLower(v)] = true
		values = append(values, v)
	}
	return values
}

// summarize lists the form's problems for the error summary, in the
// order of the form.
func (pg *fieldPage) summarize() {
	pg.Invalid = nil
	for _, key := range []string{"label", "name", "type", "max_length", "values", "default"} {
		msg := pg.Errors[key]
		if msg == "" {
			continue
		}
		id := key
		switch {
		case key == "default":
			id = pg.DefaultID()
		case key == "values" && !pg.New:
			id = "new-value" // a saved field's values change one at a time
		}
		pg.Invalid = append(pg.Invalid, invalidInput{ID: id, Message: msg})
	}
}

// TypeLabel names the field's type for people, short enough for the
// read-only input of the edit form: the values and the default below it
// say the rest.
func (pg fieldPage) TypeLabel() string {
	switch pg.Field.Type {
	case crm.TypePicklist:
		return "Picklist"
	case crm.TypeCheckbox:
		return "Checkbox"
	}
	if l, ok := typeLabels[pg.Field.Type]; ok {
		return l
	}
	return string(pg.Field.Type)
}

func (p *pages) fieldNew(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "field.html", &fieldPage{
		pageMeta: pageMeta{Title: "New custom field", Tab: tabFields},
		New:      true,
		Field:    crm.Field{Type: crm.TypeText},
		Types:    typeOptions(crm.TypeText),
	})
}

// fieldFromForm reads a field definition from the posted form. A length
// that is not a number is reported with the definition's own problems.
func fieldFromForm(r *http.Request) (crm.Field, map[string]string) {
	f := crm.Field{
		Key:      strings.TrimSpace(r.PostFormValue("name")),
		Label:    strings.TrimSpace(r.PostFormValue("label")),
		Type:     crm.FieldType(r.PostFormValue("type")),
		Default:  strings.TrimSpace(r.PostFormValue("default")),
		Required: r.PostFormValue("required") != "",
	}
	errs := map[string]string{}
	if s := strings.TrimSpace(r.PostFormValue("max_length")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs["max_length"] = "The maximum length must be a whole number of characters."
		}
		f.MaxLength = n
	}
	for _, line := range strings.Split(r.PostFormValue("values"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			f.Values = append(f.Values, line)
		}
	}
	return f, errs
}

// fieldErrors sorts a refused save's problems into the form's fields, or
// reports that the error is not the user's to fix.
func fieldErrors(err error, errs map[string]string) bool {
	var verr *crm.ValidationError
	switch {
	case errors.As(err, &verr):
		for k, msg := range verr.Fields() {
			if _, ok := errs[k]; !ok {
				errs[k] = msg
			}
		}
	case errors.Is(err, crm.ErrConflict):
		errs["name"] = pageSentence(strings.TrimSuffix(err.Error(), ": "+crm.ErrConflict.Error())) + " Choose another name."
	default:
		return false
	}
	return true
}

func (p *pages) fieldCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabFields, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	f, errs := fieldFromForm(r)
	values := r.PostFormValue("values")
	if len(errs) == 0 {
		err := p.Store.CreateField(r.Context(), &f)
		if err == nil {
			p.redirectFlash(w, r, "/fields", fmt.Sprintf("The field %s was created.", f.Label))
			return
		}
		if !fieldErrors(err, errs) {
			p.pageError(w, r, tabFields, err)
			return
		}
	} else {
		// The form's own problems stopped the save: the definition's are
		// reported beside them, so that every problem shows at once.
		check := f
		fieldErrors(check.ValidateDefinition(), errs)
	}
	// A name that is taken is the store's to find, once the rest is
	// valid; it is looked up here too, so that it is not left for a
	// second try.
	if _, taken := errs["name"]; !taken && f.Key != "" {
		sc, err := p.Store.Schema(r.Context())
		if err != nil {
			p.pageError(w, r, tabFields, err)
			return
		}
		if _, ok := sc.Field(f.Key); ok {
			errs["name"] = fmt.Sprintf("A custom field named %q already exists. Choose another name.", f.Key)
		}
	}
	data := &fieldPage{
		pageMeta:   pageMeta{Title: "New custom field", Tab: tabFields, Alert: "The field was not created: correct the entries marked below."},
		New:        true,
		Field:      f,
		Types:      typeOptions(f.Type),
		ValuesText: values,
		Errors:     errs,
	}
	data.summarize()
	p.render(w, r, http.StatusUnprocessableEntity, "field.html", data)
}

// pageField finds the field of the path: a custom field, or Customer Type,
// the one standard field whose values an admin edits.
func (p *pages) pageField(w http.ResponseWriter, r *http.Request) (crm.Field, bool) {
	name := r.PathValue("name")
	sc, err := p.Store.Schema(r.Context())
	if err != nil {
		p.pageError(w, r, tabFields, err)
		return crm.Field{}, false
	}
	f, ok := sc.Field(name)
	switch {
	case !ok:
		p.pageNotFound(w, r, tabFields, fmt.Sprintf("field %q", name))
		return crm.Field{}, false
	case f.Standard && f.Key != crm.KeyCustomerType:
		p.pageError(w, r, tabFields, crm.Invalid("name", name, fmt.Sprintf("%s is a standard field; it cannot be changed.", f.Label)))
		return crm.Field{}, false
	}
	return f, true
}

func (p *pages) fieldEdit(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pageField(w, r)
	if !ok {
		return
	}
	data := p.fieldEditPage(f)
	p.render(w, r, http.StatusOK, "field.html", &data)
}

func (p *pages) fieldEditPage(f crm.Field) fieldPage {
	title := "Edit field " + f.Label
	if f.Key == crm.KeyCustomerType {
		title = "Customer types"
	}
	return fieldPage{
		pageMeta: pageMeta{Title: title, Tab: tabFields},
		Standard: f.Standard,
		Field:    f,
		Types:    typeOptions(f.Type),
		Errors:   map[string]string{},
	}
}

func (p *pages) fieldUpdate(w http.ResponseWriter, r *http.Request) {
	old, ok := p.pageField(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabFields, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	if old.Standard {
		p.pageError(w, r, tabFields, crm.Invalid("name", old.Key, fmt.Sprintf("Only the values of %s can change.", old.Label)))
		return
	}
	f, errs := fieldFromForm(r)
	f.Key, f.Values = old.Key, old.Values // the name is fixed; values change one at a time
	if r.PostForm.Has("name") {
		f.Key = strings.TrimSpace(r.PostFormValue("name"))
	}
	if len(errs) == 0 {
		err := p.Store.UpdateField(r.Context(), &f)
		if err == nil {
			p.redirectFlash(w, r, "/fields/"+old.Key, "Your changes were saved.")
			return
		}
		if !fieldErrors(err, errs) {
			p.pageError(w, r, tabFields, err)
			return
		}
	}
	data := p.fieldEditPage(old)
	data.Alert = "The field was not saved: correct the entries marked below."
	data.Errors = errs
	// Show what was typed, on the saved field's name and type.
	data.Field.Label, data.Field.Default, data.Field.Required = f.Label, f.Default, f.Required
	if f.MaxLength != 0 {
		data.Field.MaxLength = f.MaxLength
	}
	data.summarize()
	p.render(w, r, http.StatusUnprocessableEntity, "field.html", &data)
}

// fieldValues adds, moves or removes one value of a picklist. Each change is
// its own small form, so that it works with buttons and the keyboard alone.
func (p *pages) fieldValues(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pageField(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		p.pageError(w, r, tabFields, crm.Invalid("form", "", "The form could not be read."))
		return
	}
	if f.Type != crm.TypePicklist {
		p.pageError(w, r, tabFields, crm.Invalid("type", string(f.Type), fmt.Sprintf("%s is not a picklist; it has no list of values.", f.Label)))
		return
	}
	values := slices.Clone(f.Values)
	newValue := strings.TrimSpace(r.PostFormValue("value"))
	op, arg, _ := strings.Cut(r.PostFormValue("op"), ":")
	i, err := strconv.Atoi(arg)
	if op != "add" && (err != nil || i < 0 || i >= len(values)) {
		p.pageError(w, r, tabFields, crm.Invalid("values", arg, "That value is no longer in the list; reload the page and try again."))
		return
	}
	errs := map[string]string{}
	switch op {
	case "add":
		if newValue == "" {
			errs["values"] = "Type the value to add."
		}
		values = append(values, newValue)
	case "up":
		if i > 0 {
			values[i-1], values[i] = values[i], values[i-1]
		}
	case "down":
		if i < len(values)-1 {
			values[i], values[i+1] = values[i+1], values[i]
		}
	case "remove":
		values = slices.Delete(values, i, i+1)
	default:
		p.pageError(w, r, tabFields, crm.Invalid("op", op, "Unknown change to the list of values."))
		return
	}
	if len(errs) == 0 {
		updated := f
		updated.Values = values
		err := p.Store.UpdateField(r.Context(), &updated)
		if err == nil {
			p.redirectFlash(w, r, "/fields/"+f.Key+"#values", "The list of values was saved.")
			return
		}
		if !fieldErrors(err, errs) {
			p.pageError(w, r, tabFields, err)
			return
		}
		if msg, ok := errs["default"]; ok && op == "remove" {
			errs["values"] = msg + " Change the default value before removing it."
		}
	}
	data := p.fieldEditPage(f)
	data.Alert = "The list of values was not changed: see the message below the list."
	data.Errors = errs
	data.NewValue = newValue
	data.summarize()
	p.render(w, r, http.StatusUnprocessableEntity, "field.html", &data)
}

func (p *pages) fieldDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pageField(w, r)
	if !ok {
		return
	}
	if f.Standard {
		p.pageError(w, r, tabFields, crm.Invalid("name", f.Key, fmt.Sprintf("%s is a standard field; it cannot be deleted.", f.Label)))
		return
	}
	p.render(w, r, http.StatusOK, "confirm.html", &confirmPage{
		pageMeta: pageMeta{Title: "Delete the field " + f.Label + "?", Tab: tabFields},
		Question: fmt.Sprintf("Delete the field %s (%s)?", f.Label, f.Key),
		Detail:   "Every customer's value for this field is deleted with it. This cannot be undone.",
		Action:   "/fields/" + f.Key + "/delete",
		Button:   "Delete the field " + f.Label,
		Back:     "/fields/" + f.Key,
	})
}

func (p *pages) fieldDelete(w http.ResponseWriter, r *http.Request) {
	f, ok := p.pageField(w, r)
	if !ok {
		return
	}
	if err := p.Store.DeleteField(r.Context(), f.Key); err != nil {
		p.pageError(w, r, tabFields, err)
		return
	}
	p.redirectFlash(w, r, "/fields", fmt.Sprintf("The field %s (%s) and its values were deleted.", f.Label, f.Key))
}
