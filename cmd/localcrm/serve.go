package main

import (
	"context"
	"fmt"
)

const serveUsage = `Usage: localcrm serve

Runs the web UI. It is coming in a later release.
`

// runServe holds the place of the web UI, so that scripts and docs can
// name the command already.
func runServe(_ context.Context, a *app, args []string) error {
	pos, err := a.parse(newFlagSet("serve"), args, serveUsage)
	if err != nil {
		return err
	}
	if err := positional(pos, serveUsage); err != nil {
		return err
	}
	_, err = fmt.Fprintln(a.stdout, "localcrm serve: the web UI is coming in a later release.")
	return err
}
