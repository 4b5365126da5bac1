package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"localcrm/internal/crm"
)

const templatesHelp = `Usage: localcrm templates COMMAND [ARGS]

Named mapping templates: how an import mapped its columns, and its choices
that are not about one file (duplicates, date format, batch size, update
rules), saved under a name to map the next file of the same kind in one
step: localcrm import FILE --template NAME. A template knows columns by
their names read as the automatic mapping reads them, so "E-mail" in one
file matches "Email" in the next. Names are unique ignoring case.

Commands:
  list [--json]                 every template, by name
  save IMPORT_ID NAME [--replace]
                                save the mapping and options of an import (as
                                'localcrm imports list' shows it) as the template NAME;
                                --replace replaces a template of that name
  delete NAME                   delete a template; imports it mapped keep their mapping
`

func runTemplates(ctx context.Context, a *app, args []string) error {
	return a.group(ctx, templatesHelp, map[string]func(context.Context, *app, []string) error{
		"list":   templatesList,
		"save":   templatesSave,
		"delete": templatesDelete,
	}, args)
}

func templatesList(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("templates list")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, templatesHelp); err != nil {
		return err
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	list, err := im.Templates(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []*crm.Template{} // an array, never null
		}
		b, err := json.Marshal(list)
		if err != nil {
			return err
		}
		return a.printJSON(b)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintln(a.stdout, "No templates yet: `localcrm templates save IMPORT_ID NAME` saves an import's mapping as one.")
		return err
	}
	t := newTable()
	t.row("NAME", "COLUMNS", "DUPLICATES", "DATES", "BATCH", "FROM IMPORT", "SAVED BY", "SAVED")
	for _, tp := range list {
		mapped := 0
		for _, field := range tp.Mapping {
			if field != "" {
				mapped++
			}
		}
		from := "-"
		if tp.FromImport > 0 {
			from = strconv.FormatInt(tp.FromImport, 10)
		}
		t.row(tp.Name, strconv.Itoa(mapped), string(tp.OnDuplicate), string(tp.DateFormat), strconv.Itoa(tp.BatchSize),
			from, tp.SavedBy, localTime(tp.SavedAt))
	}
	return t.writeTo(a.stdout)
}

func templatesSave(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("templates save")
	replace := fs.Bool("replace", false, "")
	pos, err := a.parse(fs, args, templatesHelp, "IMPORT_ID", "NAME")
	if err != nil {
		return err
	}
	id, err := importID(pos[0])
	if err != nil {
		return err
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	_, _, err = im.SaveTemplate(ctx, id, pos[1], crm.ActorFrom(ctx).Name, *replace)
	switch {
	case errors.Is(err, crm.ErrConflict):
		name, _ := crm.CheckTemplateName(pos[1])
		return &messageError{msg: fmt.Sprintf("a template named %q exists; choose another name, or pass --replace to replace it", name), err: err}
	case errors.Is(err, crm.ErrNotFound):
		return &messageError{msg: fmt.Sprintf("there is no import %d; `localcrm imports list` shows them", id), err: err}
	}
	return err
}

func templatesDelete(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("templates delete")
	pos, err := a.parse(fs, args, templatesHelp, "NAME")
	if err != nil {
		return err
	}
	im, err := a.importer(ctx)
	if err != nil {
		return err
	}
	return noTemplate(im.DeleteTemplate(ctx, pos[0]))
}

// noTemplate adds to the message of a template name that is not saved, when
// none is, how to save one from the command line.
func noTemplate(err error) error {
	var nt *crm.NoTemplateError
	if errors.As(err, &nt) && len(nt.Saved) == 0 {
		return &messageError{msg: err.Error() + " with `localcrm templates save IMPORT_ID NAME`", err: err}
	}
	return err
}
