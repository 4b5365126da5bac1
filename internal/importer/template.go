package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"localcrm/internal/crm"
)

// Named mapping templates: an import's mapping and options saved under a
// name, to map the next file of the same kind in one step. Unlike a
// remembered mapping (remember.go), which the newest import with a similar
// header gives by itself, a template is chosen by the person, and stays
// until it is replaced or deleted.

// SaveTemplate saves import importID's mapping and its options that are not
// about one file as the template name, saved by by. Each column is kept by
// its header key, so that the template maps a file that writes the same
// header a little differently. A name in use is replaced only when replace
// says so, and replaced reports it; otherwise the error is crm.ErrConflict.
func (im *Importer) SaveTemplate(ctx context.Context, importID int64, name, by string, replace bool) (t *crm.Template, replaced bool, err error) {
	imp, err := im.store.GetImport(ctx, importID)
	if err != nil {
		return nil, false, err
	}
	o := imp.Options
	t = &crm.Template{
		Name:        name,
		Mapping:     headerMapping(imp),
		OnDuplicate: o.OnDuplicate, DateFormat: o.DateFormat, BatchSize: o.BatchSize, Update: o.Update,
		KeepRecord: o.KeepRecord, Country: o.Country, CheckPhones: o.CheckPhones,
		FromImport: imp.ID,
		SavedBy:    by,
	}
	if o.CountryColumn != "" {
		t.CountryColumn = headerKey(o.CountryColumn)
	}
	if replaced, err = im.store.SaveTemplate(ctx, t, replace); err != nil {
		return nil, false, err
	}
	return t, replaced, nil
}

// Templates returns every saved template, by name.
func (im *Importer) Templates(ctx context.Context) ([]*crm.Template, error) {
	return im.store.ListTemplates(ctx)
}

// Template returns the template called name, in any case. An unknown name
// is a crm.NoTemplateError, which lists the saved names.
func (im *Importer) Template(ctx context.Context, name string) (*crm.Template, error) {
	t, err := im.store.GetTemplate(ctx, name)
	if err != nil {
		return nil, im.noTemplate(ctx, name, err)
	}
	return t, nil
}

// DeleteTemplate deletes the template called name, in any case. The
// imports it was applied to keep their mapping.
func (im *Importer) DeleteTemplate(ctx context.Context, name string) error {
	return im.noTemplate(ctx, name, im.store.DeleteTemplate(ctx, name))
}

// noTemplate words a not-found error of the template name with the names
// that are saved; other errors pass as they are.
func (im *Importer) noTemplate(ctx context.Context, name string, err error) error {
	if !errors.Is(err, crm.ErrNotFound) {
		return err
	}
	list, lerr := im.store.ListTemplates(ctx)
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	e := &crm.NoTemplateError{Name: name}
	for _, t := range list {
		e.Saved = append(e.Saved, t.Name)
	}
	return e
}

// ApplyTemplate maps import importID's columns as the template name says
// and sets its options, then saves them through Configure, which refuses
// what it refuses of any mapping. reasons says, for each column the
// template decided, why it is mapped (or left out) as it is: the wizard
// shows them beside the fields, as it shows a suggestion's.
func (im *Importer) ApplyTemplate(ctx context.Context, importID int64, name string) (imp *crm.Import, reasons map[string]string, err error) {
	imp, err = im.store.GetImport(ctx, importID)
	if err != nil {
		return nil, nil, err
	}
	t, err := im.Template(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	o, reasons, err := im.TemplateOptions(ctx, imp, t)
	if err != nil {
		return nil, nil, err
	}
	imp, err = im.Configure(ctx, importID, o)
	if err != nil {
		return nil, nil, err
	}
	return imp, reasons, nil
}

// TemplateOptions returns imp's options with the template t applied, and
// the reasons of the columns it decided, without saving them: the command
// line applies its own flags over them before Configure. Each column of
// imp whose header key t knows is mapped as t says, or left out; any
// other column keeps its mapping, unless t gives its field to another
// column. A field deleted since t was saved is skipped, in the mapping and
// in the update rules, so that the rest of t still applies, and so is a
// country column the file does not have. The record limit stays imp's.
func (im *Importer) TemplateOptions(ctx context.Context, imp *crm.Import, t *crm.Template) (crm.ImportOptions, map[string]string, error) {
	sc, err := im.store.Schema(ctx)
	if err != nil {
		return crm.ImportOptions{}, nil, err
	}
	o := imp.Options
	var reasons map[string]string
	o.Mapping, reasons = overlay(imp.Columns, imp.Options.Mapping, t.Mapping, sc,
		fmt.Sprintf("from template %q", t.Name), fmt.Sprintf("left out by template %q", t.Name))
	o.OnDuplicate, o.DateFormat, o.BatchSize = t.OnDuplicate, t.DateFormat, t.BatchSize
	o.Update = existingRules(t.Update, sc)
	o.KeepRecord, o.Country, o.CheckPhones = t.KeepRecord, t.Country, t.CheckPhones
	o.CountryColumn = ""
	if t.CountryColumn != "" {
		i := slices.IndexFunc(imp.Columns, func(col string) bool { return headerKey(col) == t.CountryColumn })
		if i >= 0 {
			o.CountryColumn = imp.Columns[i]
		}
	}
	return o, reasons, nil
}

// existingRules is u without the rules and blank clears of fields that
// no longer exist.
func existingRules(u crm.UpdateRules, sc *crm.Schema) crm.UpdateRules {
	out := crm.UpdateRules{Default: u.Default}
	for key, rule := range u.Fields {
		if _, ok := sc.Field(key); ok {
			if out.Fields == nil {
				out.Fields = map[string]crm.UpdateRule{}
			}
			out.Fields[key] = rule
		}
	}
	for _, key := range u.BlankClears {
		if _, ok := sc.Field(key); ok {
			out.BlankClears = append(out.BlankClears, key)
		}
	}
	return out
}
