package main

import (
	"context"
	"encoding/json"
	"fmt"
)

const settingsUsage = `Usage: localcrm settings [--json]
       localcrm settings set NAME VALUE

Shows or changes the settings of the whole customer file. The change is in
the audit log.

Settings:
  default_country   the country of phone numbers written without their
                    country code (an ISO code such as GB or US, or a name
                    such as "United Kingdom"; "" for none). Each phone value
                    keeps what was written and gains its international form
                    (+442079460958) read with it; an import may name another
                    country, or a column giving each row's. Numbers saved
                    before a change keep the form they were given.

  --json            print the settings as a JSON object
`

func runSettings(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "set" {
		return settingsSet(ctx, a, args[1:])
	}
	fs := newFlagSet("settings")
	asJSON := fs.Bool("json", false, "")
	if _, err := a.parse(fs, args, settingsUsage); err != nil {
		return err
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	set, err := st.Settings(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(set)
		return a.printJSON(b)
	}
	t := newTable()
	t.row("default_country", orNone(set.DefaultCountry))
	return t.writeTo(a.stdout)
}

func settingsSet(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("settings set")
	pos, err := a.parse(fs, args, settingsUsage, "NAME", "VALUE")
	if err != nil {
		return err
	}
	if pos[0] != "default_country" {
		return &usageError{msg: fmt.Sprintf("there is no setting %q; the settings are: default_country", pos[0]), usage: settingsUsage}
	}
	st, err := a.db(ctx)
	if err != nil {
		return err
	}
	code, err := st.SetDefaultCountry(ctx, pos[1])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "default_country: %s\n", orNone(code))
	return err
}

// orNone shows an empty setting.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
